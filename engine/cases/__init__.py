"""Running cases: the service (runtime) that opens (opening), attaches, fires and reissues query codes (reissue) in one transaction each, the case as read (state, views, casefile), its facts (facts, fact_bounds), checking (firing, guards) and writing (writes, deadline_rows, papers, clockwork, numbers) an action, access (access), the scope of lists (listing), upload types (media_types), text renderings (text).

May import: engine.errors, engine.text_input, engine.expr, engine.dates, engine.store, engine.codes, engine.procedures, engine.documents, engine.monitoring, engine.oversight (the scan and the calendar update the service runs).
"""

__all__ = [
    "access",
    "casefile",
    "clockwork",
    "deadline_rows",
    "fact_bounds",
    "facts",
    "firing",
    "guards",
    "joined",
    "listing",
    "media_types",
    "numbers",
    "opening",
    "papers",
    "reissue",
    "runtime",
    "state",
    "versions",
    "text",
    "views",
    "writes",
]
