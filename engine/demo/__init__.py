"""Demo data: the walkthrough case (`zhongcai demo`) and the seed of `make run` with its roster.

May import: engine.errors, engine.dates, engine.store, engine.procedures, engine.cases, engine.documents, engine.oversight.
"""

__all__ = [
    "roster",
    "seed",
    "walkthrough",
]
