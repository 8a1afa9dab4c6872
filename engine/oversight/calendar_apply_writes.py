"""The writing half of `zhongcai calendar apply` (engine.oversight.calendar_apply): one transaction per batch.

Owns: `write_batch` (per changed case: the case row bumped with the optimistic check, the hash-chained
`calendar_update` event, its monitoring record, the recomputed deadline rows; rows that did not change
get the new calendar version; then the provisional breaches and warnings), `followups` (what becomes of
those breaches and warnings, also for a dry run), `Followups`, `add_counts`. Everything runs inside ONE
transaction per batch: a crash leaves each case fully updated or untouched.
Stage in the flow: 7 (watch time), operations.
May import: engine.cases.casefile (the system actor), engine.cases.writes (the event as written),
engine.oversight.calendar_changes, engine.store.hashchain, engine.monitoring.record, engine.store.prepared,
engine.store.tables; engine.cases.runtime for types only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from engine.cases.casefile import SYSTEM
from engine.cases.writes import RecordedEvent
from engine.monitoring.record import record_values
from engine.oversight.calendar_changes import CalendarApplyReport, StaleCase, StaleDeadline
from engine.store.columns import utc_now
from engine.store.hashchain import GENESIS, event_hash, event_payload
from engine.store.prepared import Prepared, prepared_insert
from engine.store.tables import (
    BreachRow,
    CaseRow,
    DeadlineRow,
    EventRow,
    MonitoringRow,
    WarningRow,
)

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService

#: the action of the event a calendar update writes (not an action of any procedure, like `attach`)
CALENDAR_UPDATE = "calendar_update"

_CASES: sa.Table = CaseRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_DEADLINES: sa.Table = DeadlineRow.__table__  # type: ignore[attr-defined]
_BREACHES: sa.Table = BreachRow.__table__  # type: ignore[attr-defined]
_WARNINGS: sa.Table = WarningRow.__table__  # type: ignore[attr-defined]
_MONITORING: sa.Table = MonitoringRow.__table__  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------- breaches


def _row_of(case: StaleCase, deadline_id: str) -> StaleDeadline | None:
    return next((r for r in case.rows if r.deadline_id == deadline_id), None)


def _after(row: StaleDeadline) -> tuple[dt.date | None, bool]:
    if row.new is not None:
        return row.new["due_on"], bool(row.new["provisional"])
    return row.due_on, bool(row.provisional)


def _still_breached(row: StaleDeadline, due_on: dt.date, today: dt.date) -> bool:
    clock = row.new["clock"] if row.new is not None else row.clock
    if row.status == "running":
        return today > due_on
    if row.status == "stopped":
        stopped = clock.get("stopped_on") if isinstance(clock, dict) else None
        return stopped is not None and dt.date.fromisoformat(str(stopped)) > due_on
    return False


@dataclass
class Followups:
    confirm: list[int] = field(default_factory=list)
    withdraw: list[int] = field(default_factory=list)
    record: list[dict[str, Any]] = field(default_factory=list)
    warn_withdraw: list[int] = field(default_factory=list)
    warn_confirm: list[int] = field(default_factory=list)


def followups(conn: sa.Connection, cases: dict[int, StaleCase], today: dt.date) -> Followups:
    """What becomes of the provisional breaches and warnings of these cases."""
    out = Followups()
    if not cases:
        return out
    b, w = _BREACHES, _WARNINGS
    ids = list(cases)
    breaches = conn.execute(
        sa.select(b.c.id, b.c.case_id, b.c.deadline_id, b.c.due_on)
        .where(b.c.case_id.in_(ids), b.c.provisional.is_(True))
        .where(b.c.confirmed_on.is_(None), b.c.withdrawn_on.is_(None))
        .order_by(b.c.id)
    ).all()
    recorded: set[tuple[int, str, dt.date]] = set()
    for breach_id, case_id, deadline_id, due_on in breaches:
        row = _row_of(cases[int(case_id)], str(deadline_id))
        if row is None:
            continue
        new_due, new_prov = _after(row)
        if new_due == due_on:
            if not new_prov:
                out.confirm.append(int(breach_id))
            continue
        if new_due is None:
            continue  # no date to compare with yet (paused): decided when the count resumes
        out.withdraw.append(int(breach_id))
        key = (int(case_id), str(deadline_id), new_due)
        if not new_prov and key not in recorded and _still_breached(row, new_due, today):
            recorded.add(key)
            out.record.append(
                {
                    "case_id": row.case_id,
                    "deadline_id": row.deadline_id,
                    "due_on": new_due,
                    "detected_on": today,
                    "institution_id": row.institution_id,
                    "responsible": row.responsible,
                    "recorded_at": utc_now(),
                    "provisional": False,
                }
            )
    moved = {
        (c.id, d.deadline): d
        for c in cases.values()
        if c.change and not c.change.skipped
        for d in c.change.deadlines
    }
    if moved:
        warnings = conn.execute(
            sa.select(w.c.id, w.c.case_id, w.c.deadline_id, w.c.due_on)
            .where(w.c.case_id.in_(ids), w.c.provisional.is_(True), w.c.withdrawn_on.is_(None))
            .order_by(w.c.id)
        ).all()
        for warning_id, case_id, deadline_id, due_on in warnings:
            change = moved.get((int(case_id), str(deadline_id)))
            if change is None:
                continue
            if change.due_after != due_on:
                out.warn_withdraw.append(int(warning_id))
            elif not change.provisional_after:
                out.warn_confirm.append(int(warning_id))
    return out


# ---------------------------------------------------------------------------------------- writing

_BUMP = Prepared(
    sa.update(_CASES)
    .where(_CASES.c.id == sa.bindparam("row_id"), _CASES.c.version == sa.bindparam("read_version"))
    .values(version=sa.bindparam("new_version"), updated_at=sa.bindparam("updated_at"))
)
_ROW_COLUMNS = ("due_on", "warn_on", "steps", "due_note", "provisional", "calendar_version", "updated_seq")
_UPDATE_ROW = Prepared(
    sa.update(_DEADLINES)
    .where(_DEADLINES.c.id == sa.bindparam("row_id"))
    .values({c: sa.bindparam(c) for c in _ROW_COLUMNS})
)
#: a row whose due date and flag did not change: the new calendar version (and explanation), unless a
#: writer touched the row since it was read
_RESTAMP_COLUMNS = ("warn_on", "steps", "due_note", "calendar_version")
_RESTAMP = Prepared(
    sa.update(_DEADLINES)
    .where(_DEADLINES.c.id == sa.bindparam("row_id"), _DEADLINES.c.updated_seq == sa.bindparam("read_seq"))
    .values({c: sa.bindparam(c) for c in _RESTAMP_COLUMNS})
)
_OPEN_BREACH = sa.and_(
    _BREACHES.c.id == sa.bindparam("row_id"),
    _BREACHES.c.provisional.is_(True),
    _BREACHES.c.confirmed_on.is_(None),
    _BREACHES.c.withdrawn_on.is_(None),
)
_CONFIRM_BREACH = Prepared(
    sa.update(_BREACHES)
    .where(_OPEN_BREACH)
    .values(provisional=sa.false(), confirmed_on=sa.bindparam("today"))
)
_WITHDRAW_BREACH = Prepared(
    sa.update(_BREACHES).where(_OPEN_BREACH).values(withdrawn_on=sa.bindparam("today"))
)
_OPEN_WARNING = sa.and_(
    _WARNINGS.c.id == sa.bindparam("row_id"),
    _WARNINGS.c.provisional.is_(True),
    _WARNINGS.c.withdrawn_on.is_(None),
)
_WITHDRAW_WARNING = Prepared(
    sa.update(_WARNINGS).where(_OPEN_WARNING).values(withdrawn_on=sa.bindparam("today"))
)
_CONFIRM_WARNING = Prepared(sa.update(_WARNINGS).where(_OPEN_WARNING).values(provisional=sa.false()))


def _write_case_event(conn: sa.Connection, case: StaleCase, recorded_at: dt.datetime) -> bool:
    """The case row bump, the calendar_update event, its monitoring record and the changed rows. False
    (nothing written) when the case changed since it was read."""

    change = case.change
    assert change is not None
    seq = case.version + 1
    bumped = _BUMP.run(
        conn, {"row_id": case.id, "read_version": case.version, "new_version": seq, "updated_at": recorded_at}
    )
    if bumped != 1:
        change.skipped = True
        return False
    record = {
        "before": change.calendar_before,
        "after": change.calendar_after,
        "deadlines": [d.record() for d in change.deadlines],
    }
    payload = event_payload(
        case_id=case.id,
        seq=seq,
        action=CALENDAR_UPDATE,
        actor_id=SYSTEM.user_id,
        role=SYSTEM.role,
        effective_on=case.last_on,
        recorded_at=recorded_at,
        stage_before=case.stage,
        stage_after=case.stage,
        facts_changed={},
        clock_ops=[],
        documents=[],
        backdated=False,
        calendar_change=record,
    )
    prev = case.last_hash or GENESIS
    row = {**payload, "prev_hash": prev, "hash": event_hash(payload, prev)}
    prepared_insert(_EVENTS, tuple(row)).run(conn, row)
    monitoring = record_values(case, RecordedEvent(**row), procedure=case.procedure)  # type: ignore[arg-type]
    prepared_insert(_MONITORING, tuple(monitoring)).run(conn, monitoring)
    change.seq = seq
    moved = {d.deadline for d in change.deadlines}
    updates = [
        {
            "row_id": r.id,
            **{c: r.new[c] for c in _ROW_COLUMNS if c != "updated_seq"},
            "updated_seq": seq if r.deadline_id in moved else r.updated_seq,
        }  # fmt: skip
        for r in case.rows
        if r.new is not None
    ]
    _UPDATE_ROW.run_many(conn, updates)
    return True


def _restamps(case: StaleCase) -> list[dict[str, Any]]:
    return [
        {"row_id": r.id, "read_seq": r.updated_seq, **{c: r.new[c] for c in _RESTAMP_COLUMNS}}
        for r in case.rows
        if r.new is not None
    ]


def write_batch(
    service: CaseService, cases: dict[int, StaleCase], today: dt.date, report: CalendarApplyReport
) -> None:
    """ONE transaction for the batch: every case's event and rows, then the breaches and warnings."""
    recorded_at = service.recorded_at()
    with service.db.transaction() as s:
        conn = s.connection()
        written: dict[int, StaleCase] = {}
        restamps: list[dict[str, Any]] = []
        events = 0
        for case in cases.values():
            if case.change is not None:
                if _write_case_event(conn, case, recorded_at):
                    events += 1
                    written[case.id] = case
            elif any(r.new is not None for r in case.rows):
                restamps += _restamps(case)
                written[case.id] = case
        restamped = 0
        for params in restamps:
            restamped += _RESTAMP.run(conn, params)
        todo = followups(conn, written, today)
        counts = _runfollowups(s, conn, todo, today)
    report.events_written += events
    report.rows_restamped += restamped
    add_counts(report, counts)


def _runfollowups(s: Any, conn: sa.Connection, todo: Followups, today: dt.date) -> tuple[int, ...]:
    confirmed = sum(_CONFIRM_BREACH.run(conn, {"row_id": i, "today": today}) for i in todo.confirm)
    withdrawn = sum(_WITHDRAW_BREACH.run(conn, {"row_id": i, "today": today}) for i in todo.withdraw)
    recorded = 0
    if todo.record:
        dialect = conn.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for values in todo.record:
            result = s.execute(insert(_BREACHES).values(**values).on_conflict_do_nothing())
            recorded += max(int(result.rowcount or 0), 0)
    w_withdrawn = sum(_WITHDRAW_WARNING.run(conn, {"row_id": i, "today": today}) for i in todo.warn_withdraw)
    w_confirmed = sum(_CONFIRM_WARNING.run(conn, {"row_id": i}) for i in todo.warn_confirm)
    return confirmed, withdrawn, recorded, w_withdrawn, w_confirmed


def add_counts(report: CalendarApplyReport, counts: tuple[int, ...]) -> None:
    report.breaches_confirmed += counts[0]
    report.breaches_withdrawn += counts[1]
    report.breaches_recorded += counts[2]
    report.warnings_withdrawn += counts[3]
    report.warnings_confirmed += counts[4]
