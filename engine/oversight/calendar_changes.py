"""What `zhongcai calendar apply` finds and reports: the report types, and the stale cases and deadline rows
the planning half (engine.oversight.calendar_apply) reads and the writing half
(engine.oversight.calendar_apply_writes) writes.

Owns: `CalendarApplyReport`, `CaseChange`, `DeadlineChange` (what the event's `calendar_change` lists),
`StaleCase`, `StaleDeadline` (a case and its deadline rows as read, with the recomputed values).
Stage in the flow: 7 (watch time), operations.
May import: nothing of engine (plain data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

# ---------------------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class DeadlineChange:
    """One deadline whose due date or provisional flag the new calendar changes."""

    deadline: str
    title: str
    due_before: dt.date | None
    due_after: dt.date | None
    provisional_before: bool
    provisional_after: bool
    why: str

    def record(self) -> dict[str, Any]:
        """As the event's `calendar_change` lists it."""
        return {
            "deadline": self.deadline,
            "due_before": self.due_before.isoformat() if self.due_before else None,
            "due_after": self.due_after.isoformat() if self.due_after else None,
            "provisional_before": self.provisional_before,
            "provisional_after": self.provisional_after,
            "why": self.why,
        }


@dataclass
class CaseChange:
    """What the calendar update does (or did) to one case."""

    case_id: int
    case_number: str
    calendar_before: list[str]
    calendar_after: str
    deadlines: list[DeadlineChange]
    #: the seq of the calendar_update event written (None in a dry run or when skipped)
    seq: int | None = None
    #: skipped: the case changed concurrently (left stale for the next run)
    skipped: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "case_number": self.case_number,
            "calendar_before": self.calendar_before,
            "calendar_after": self.calendar_after,
            "seq": self.seq,
            "skipped": self.skipped,
            "deadlines": [d.record() | {"title": d.title} for d in self.deadlines],
        }


@dataclass
class CalendarApplyReport:
    dry_run: bool
    today: dt.date
    cases_checked: int = 0
    rows_checked: int = 0
    #: rows whose values did not change: they only got the new calendar version
    rows_restamped: int = 0
    changes: list[CaseChange] = field(default_factory=list)
    events_written: int = 0
    breaches_confirmed: int = 0
    breaches_withdrawn: int = 0
    breaches_recorded: int = 0
    warnings_withdrawn: int = 0
    warnings_confirmed: int = 0
    batches: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def cases_changed(self) -> int:
        return sum(not c.skipped for c in self.changes)

    @property
    def skipped(self) -> list[int]:
        return [c.case_id for c in self.changes if c.skipped]

    @property
    def nothing(self) -> bool:
        """Nothing was (or would be) written."""
        return not (
            self.changes
            or self.rows_restamped
            or self.breaches_confirmed
            or self.breaches_withdrawn
            or self.breaches_recorded
            or self.warnings_withdrawn
            or self.warnings_confirmed
        )

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "changes"}
        out["today"] = self.today.isoformat()
        out["cases_changed"] = self.cases_changed
        out["skipped"] = self.skipped
        out["changes"] = [c.to_json() for c in self.changes]
        return out


# ---------------------------------------------------------------------------------------- the work


@dataclass
class StaleDeadline:
    """A deadline row counted on another calendar version (or stopped with a provisional due date)."""

    id: int
    case_id: int
    deadline_id: str
    title: str
    status: str
    due_on: dt.date | None
    warn_on: dt.date | None
    steps: list[Any]
    due_note: str | None
    clock: dict[str, Any]
    calendar_version: str | None
    provisional: bool
    updated_seq: int
    institution_id: str
    responsible: str | None
    #: the recomputed values (only for rows to recompute)
    new: dict[str, Any] | None = None


@dataclass
class StaleCase:
    """A case with stale deadline rows, as read for the update."""

    id: int
    case_number: str
    version: int
    stage: str
    facts: dict[str, Any]
    institution_id: str
    region_code: str
    procedure_id: str
    procedure_version: str
    procedure_hash: str
    channel: str
    accepted_on: dt.date | None
    closed_on: dt.date | None
    closure: str | None
    last_hash: str
    last_on: dt.date
    rows: list[StaleDeadline] = field(default_factory=list)
    procedure: Any = None
    version_after: str = ""
    change: CaseChange | None = None
