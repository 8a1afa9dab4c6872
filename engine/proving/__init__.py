"""Proving rule sets: the property-based checker (checker and the case it runs, case_run; strategies with their step dates, fact values, guidance and guided steps; steps, invariants, author, report) and the YAML scenarios.

May import: engine.errors, engine.expr, engine.dates, engine.store, engine.codes, engine.procedures, engine.cases, engine.oversight.
"""

__all__ = [
    "author",
    "case_run",
    "checker",
    "fact_values",
    "guidance",
    "guided_steps",
    "invariants",
    "report",
    "scenarios",
    "step_dates",
    "steps",
    "strategies",
]
