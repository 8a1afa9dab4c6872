"""Demo data: the walkthrough case (`zhongcai demo`) and the seed of `make run` with its roster.

May import: engine.errors, engine.codes, engine.dates, engine.store, engine.procedures, engine.cases, engine.documents, engine.registry, engine.oversight.
"""

__all__ = [
    "case_plans",
    "register_seed",
    "roster",
    "seed",
    "walkthrough",
]
