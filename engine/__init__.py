"""zhongcai's engine: the facade the edges (cli.py, api/, bench/) use to load procedures, run cases, watch
time and report. The packages, in the order of the flow (imports point only down it; tests/test_imports.py):
errors, text_input -> expr, dates, codes -> procedures -> store -> documents, monitoring -> cases ->
oversight -> proving, demo. docs/internals.md draws the module map (scripts/module_map.py).

The names below are loaded on first use (PEP 562 `__getattr__`), so `import engine.dates.periods` does not
load the whole engine and the CLI starts fast; for type checkers they are ordinary imports.

May import: every engine package (it is their facade).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> the module that owns it
_HOMES = {
    "Actor": "engine.cases.casefile",
    "CaseService": "engine.cases.runtime",
    "CaseView": "engine.cases.casefile",
    "Database": "engine.store.db",
    "ProcedureLibrary": "engine.procedures.library",
    "WorkCalendar": "engine.dates.calendar",
    "apply_calendar_update": "engine.oversight.calendar_apply",
    "breach_audit": "engine.oversight.audit",
    "get_calendar": "engine.dates.calendar",
    "init_db": "engine.store.db",
    "monthly_report": "engine.monitoring.indicators",
    "scan": "engine.oversight.scan",
    "verify_store": "engine.oversight.verify",
}
__all__ = [
    "Actor",
    "CaseService",
    "CaseView",
    "Database",
    "ProcedureLibrary",
    "WorkCalendar",
    "apply_calendar_update",
    "breach_audit",
    "get_calendar",
    "init_db",
    "monthly_report",
    "scan",
    "verify_store",
]
assert sorted(__all__) == sorted(_HOMES)

if TYPE_CHECKING:
    from engine.cases.casefile import Actor, CaseView
    from engine.cases.runtime import CaseService
    from engine.dates.calendar import WorkCalendar, get_calendar
    from engine.monitoring.indicators import monthly_report
    from engine.oversight.audit import breach_audit
    from engine.oversight.calendar_apply import apply_calendar_update
    from engine.oversight.scan import scan
    from engine.oversight.verify import verify_store
    from engine.procedures.library import ProcedureLibrary
    from engine.store.db import Database, init_db


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'engine' has no attribute '{name}'")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
