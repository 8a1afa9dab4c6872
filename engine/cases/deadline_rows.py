"""Deadline rows of an action: the clocks it operated written, a late duty recorded as a breach.

Owns: `write_deadlines` (insert or update the rows of the clocks an action operated, returning their
due dates as computed), the breach of a duty done after its due date (recorded with the event), `Due`
(a due date as a deadline row holds it, the shape document templates read) and `stored_due` (whether
a row's due date still holds for its clock). Split out of engine.cases.writes.
Stage in the flow: 6 (run), inside the transaction opened by engine.cases.runtime; used by
engine.cases.writes and engine.cases.papers.
May import: engine.cases.clockwork, engine.cases.firing, engine.cases.state, engine.store.tables,
engine.store.prepared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from engine.cases.clockwork import row_values
from engine.cases.firing import FirePlan
from engine.cases.state import LoadedDeadline
from engine.store.columns import utc_now
from engine.store.prepared import prepared_insert, prepared_update
from engine.store.tables import BreachRow, DeadlineRow

__all__ = ["Due", "stored_due", "write_deadlines"]

_BREACHES: sa.Table = BreachRow.__table__  # type: ignore[attr-defined]
_DEADLINES: sa.Table = DeadlineRow.__table__  # type: ignore[attr-defined]
#: statements built once: the parameters change, the statement (and its compiled form) does not
_DEADLINE_COLUMNS = (
    "status",
    "due_on",
    "warn_on",
    "steps",
    "due_note",
    "clock",
    "calendar_version",
    "provisional",
    "updated_seq",
)
_UPDATE_DEADLINE = prepared_update(_DEADLINES, (*_DEADLINE_COLUMNS,))


@dataclass(frozen=True, slots=True)
class Due:
    """engine.dates.clocks.Due's shape, from a deadline row (what document templates read)."""

    date: dt.date | None
    status: str
    steps: tuple[str, ...] = ()
    provisional: bool = False


def write_deadlines(s: Session, plan: FirePlan, seq: int) -> dict[str, Due]:
    """Insert or update the rows of the clocks the action operated; returns their due dates as computed
    (what the documents of this action show)."""
    state, proc = plan.state, plan.state.procedure
    conn = s.connection()
    touched = dict.fromkeys(op[0] for op in plan.ops)
    new_rows: list[dict[str, Any]] = []
    computed: dict[str, Due] = {}
    for deadline_id in touched:
        clock = plan.clocks[deadline_id]
        row = state.rows.get(deadline_id)
        if row is not None and row.status == "running" and row.due_on is not None and row.due_on < plan.at:
            _record_late(s, plan, row)
        values = row_values(proc, deadline_id, clock, plan.calendar)
        computed[deadline_id] = Due(
            values["due_on"], values["status"], tuple(values["steps"]), values["provisional"]
        )
        if values["due_on"] is None and values["status"] == "stopped" and row is not None:
            values["due_on"] = row.due_on  # a stopped clock keeps the due date it had (the audit reads it)
        if row is None:
            d = proc.deadlines[deadline_id]
            new_rows.append(
                {
                    "case_id": state.case_id,
                    "deadline_id": deadline_id,
                    "title": d.title,
                    "institution_id": state.case.institution_id,
                    "statutory": d.statutory,
                    "basis": d.basis,
                    "on_expiry": d.on_expiry,
                    "responsible": d.responsible,
                    "updated_seq": seq,
                    **values,
                }
            )
        else:
            _UPDATE_DEADLINE.run(conn, {"row_id": row.id, "updated_seq": seq, **values})
    if new_rows:  # the new clocks' rows in one executemany, in the order the ops touched them
        prepared_insert(_DEADLINES, tuple(new_rows[0])).run_many(conn, new_rows)
    return computed


def _record_late(s: Session, plan: FirePlan, row: LoadedDeadline) -> None:
    """A duty done (or a clock stopped) after its due date is a breach, recorded with the event, so the
    breach records agree with the audit even when no scan ran in between (DESIGN.md section 2, step 7)."""
    spec = plan.state.procedure.deadlines.get(row.deadline_id)
    if spec is None or spec.lapses or spec.on_expiry is not None or row.due_on is None:
        return
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    s.execute(
        insert(_BREACHES)
        .values(
            case_id=row.case_id,
            deadline_id=row.deadline_id,
            due_on=row.due_on,
            detected_on=plan.at,
            institution_id=row.institution_id,
            responsible=row.responsible,
            recorded_at=utc_now(),
            provisional=row.provisional,
        )
        .on_conflict_do_nothing()
    )


def stored_due(row: LoadedDeadline | None, clock: Any, stored_clock: Any, version: str | None) -> Due | None:
    """The due date a deadline row holds, if it still holds for `clock`: the clock unchanged since the
    row was written, computed on calendar `version`, nothing missing (no `due_note`), and not a clock
    stopped during a pause (its row keeps the due date it had before, see `write_deadlines`)."""
    if row is None or row.due_note is not None or row.calendar_version != version or stored_clock != clock:
        return None
    if clock.status == "stopped" and clock.pauses and clock.pauses[-1][1] is None:
        return None  # stopped while paused: its row keeps the earlier due date, a recomputation has none
    return Due(row.due_on, row.status, tuple(row.steps or ()), row.provisional)
