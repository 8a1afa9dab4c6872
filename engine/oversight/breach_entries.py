"""One line of the breach audit and its CSV rendering.

Owns: `BreachEntry` (a statutory deadline run past its due date: whose, by how much, with the clock
operations recorded), `ClockNote`, `BREACH_COLUMNS`, `breaches_csv`. engine.oversight.audit computes the
entries from the stored rows.
May import: nothing of engine (plain data).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ClockNote:
    """One extension, pause, resumption or restart recorded on a deadline."""

    op: str
    on: dt.date
    action: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BreachEntry:
    """One line of the breach audit."""

    case_id: int
    case_number: str
    institution_id: str
    institution_name: str
    region_code: str
    deadline_id: str
    deadline_title: str
    statutory: bool
    basis: str
    due_on: dt.date
    ended_on: dt.date | None  # the effective date of the action that stopped it, if any
    days_overdue: int
    responsible_role: str
    responsible_staff: str | None
    stage: str
    clock_notes: tuple[ClockNote, ...] = ()
    #: the due date is provisional (P5: counted through a year without its notice), so is the breach
    provisional: bool = False

    def key(self) -> tuple[int, str, dt.date]:
        """The breach record's unique key (case, deadline, due date)."""
        return (self.case_id, self.deadline_id, self.due_on)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["due_on"] = self.due_on.isoformat()
        out["ended_on"] = self.ended_on.isoformat() if self.ended_on else None
        out["clock_notes"] = [
            {"op": n.op, "on": n.on.isoformat(), "action": n.action, "args": n.args} for n in self.clock_notes
        ]
        return out


BREACH_COLUMNS = (
    "case_number",
    "institution_name",
    "deadline_title",
    "due_on",
    "days_overdue",
    "ended_on",
    "responsible_role",
    "responsible_staff",
    "basis",
    "clock_notes",
    "case_id",
    "deadline_id",
    "institution_id",
    "statutory",
    "stage",
    "provisional",
)


def breaches_csv(entries: Sequence[BreachEntry]) -> str:
    """The audit as CSV (UTF-8, one header row; clock notes as 'op on date (action)' joined by '; ')."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(BREACH_COLUMNS)
    for e in entries:
        data = e.to_json()
        data["clock_notes"] = "; ".join(f"{n.op} {n.on.isoformat()} ({n.action})" for n in e.clock_notes)
        w.writerow(["" if data[c] is None else data[c] for c in BREACH_COLUMNS])
    return buf.getvalue()
