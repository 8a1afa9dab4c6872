"""Watching time and the store: the deadline scan (scan) and its scheduler, the breach audit, the back-dated report, verify, and applying a calendar change (calendar_apply), and the text of the audit reports (text).

May import: engine.errors, engine.dates, engine.store, engine.procedures, engine.monitoring, engine.cases, engine.registry (the scheduler opens the quarterly verification cases).
"""

__all__ = [
    "audit",
    "backdated",
    "breach_entries",
    "calendar_apply",
    "calendar_apply_writes",
    "calendar_changes",
    "scan",
    "scheduler",
    "text",
    "verify",
]
