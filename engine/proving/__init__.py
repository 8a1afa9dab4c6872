"""Proving rule sets: the property-based checker (checker, strategies, steps, guidance, invariants, author, report) and the YAML scenarios.

May import: engine.errors, engine.expr, engine.dates, engine.store, engine.codes, engine.procedures, engine.cases, engine.oversight.
"""

__all__ = [
    "author",
    "checker",
    "guidance",
    "invariants",
    "report",
    "scenarios",
    "steps",
    "strategies",
]
