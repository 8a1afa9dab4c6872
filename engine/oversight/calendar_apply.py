"""`zhongcai calendar apply`: recompute the due dates of deadlines counted on an older calendar.

Owns: `plan_calendar_update` (what would change, writes nothing), `apply_calendar_update` (does it),
`pending`; the report types are in engine.oversight.calendar_changes, the writes in
engine.oversight.calendar_apply_writes. When the calendar gains or
changes a year (the State Council notice of 2027 added to procedures/calendars/cn.yaml), every open
(running or paused) deadline row computed on another calendar version, and every stopped row whose due
date was provisional (P5), is recomputed with the current calendar of its case
(`engine.cases.clockwork.calendar_for`, `row_values`). A case whose due dates or provisional flags change gets
ONE `calendar_update` event: actor and role `system`, effective on the date of the case's last event
(dates never go backwards), stage unchanged, no facts, no clock operations, `calendar_change` =
{"before": [old versions], "after": new version, "deadlines": [{"deadline", "due_before", "due_after",
"provisional_before", "provisional_after", "why"}]}, hash-chained to the case's last event and with its
monitoring record (not a transition: no milestone, indicators unaffected). The case row is bumped with
the optimistic check (UPDATE ... WHERE version = read version): a case changed concurrently is skipped
and left stale for the next run. Rows whose values did not change only get the new calendar version.
Provisional breaches are confirmed (same due date, no longer provisional) or withdrawn (the date
moved; a confirmed breach is recorded on the new date if the deadline is still breached on it);
provisional warnings of a moved deadline are withdrawn (the next scan warns on the new date), those of
an unchanged one are confirmed. Documents already served are never re-rendered.
Set-based and batched: the stale rows are found over the partial index `ix_deadline_open_calendar`,
computed in Python, and written per batch of cases in ONE transaction (all or nothing: a crash leaves
every case either fully updated or untouched; a rerun finishes the job; a second run finds nothing).
Stage in the flow: 7 (watch time), operations. Called by the CLI, `CaseService.apply_calendar` and the
scheduler at start.
May import: engine.dates.calendar, engine.dates.calendar_why, engine.oversight.calendar_apply_writes (the writing half),
engine.oversight.calendar_changes,
engine.dates.clocks, engine.cases.clockwork, engine.store.hashchain,
engine.monitoring.record, engine.store.prepared, engine.store.tables, engine.errors; engine.cases.runtime for types only.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

__all__ = [
    "apply_calendar_update",
    "pending",
    "plan_calendar_update",
]

import sqlalchemy as sa

from engine.cases.clockwork import calendar_for, row_values
from engine.dates.calendar import get_calendar
from engine.dates.calendar_why import why_changed
from engine.dates.clocks import Clock
from engine.errors import ZhongcaiError
from engine.oversight.calendar_apply_writes import (
    Followups,
    add_counts,
    followups,
    write_batch,
)
from engine.oversight.calendar_changes import (
    CalendarApplyReport,
    CaseChange,
    DeadlineChange,
    StaleCase,
    StaleDeadline,
)
from engine.store.tables import BreachRow, CaseRow, DeadlineRow, EventRow, MonitoringRow, WarningRow

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService

log = logging.getLogger(__name__)

#: cases per transaction
BATCH = 500

_CASES: sa.Table = CaseRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_DEADLINES: sa.Table = DeadlineRow.__table__  # type: ignore[attr-defined]
_BREACHES: sa.Table = BreachRow.__table__  # type: ignore[attr-defined]
_WARNINGS: sa.Table = WarningRow.__table__  # type: ignore[attr-defined]
_MONITORING: sa.Table = MonitoringRow.__table__  # type: ignore[attr-defined]
#: literal, so SQLite and PostgreSQL see that the partial index ix_deadline_open_calendar applies
_OPEN = sa.text("deadline.status IN ('running', 'paused')")
_STOPPED_PROVISIONAL = sa.text("deadline.status = 'stopped' AND deadline.provisional")


def _current_version(label_version: str | None) -> str | None:
    """The current version of the calendar a stored version names ("cn/110105 chinesecalendar=..."), or
    None when it cannot be built (the row is then recomputed, which reports the reason)."""
    if not label_version:
        return None
    label = label_version.split(" ", 1)[0]
    calendar_id, _, region = label.partition("/")
    try:
        return str(get_calendar(calendar_id, region or None).version)
    except ZhongcaiError:
        return None


def _stale_versions(conn: sa.Connection) -> list[str | None]:
    """The calendar versions on open (and provisional stopped) rows that are not current."""
    d = _DEADLINES
    found = [
        *conn.execute(sa.select(d.c.calendar_version).where(_OPEN).distinct()).scalars(),
        *conn.execute(sa.select(d.c.calendar_version).where(_STOPPED_PROVISIONAL).distinct()).scalars(),
    ]
    return sorted({v for v in found if v is None or _current_version(v) != v}, key=lambda v: v or "")


def _stale_case_ids(conn: sa.Connection, versions: Sequence[str | None]) -> list[int]:
    d = _DEADLINES
    named = [v for v in versions if v is not None]
    cond: sa.ColumnElement[bool] = d.c.calendar_version.in_(named) if named else sa.false()
    if None in versions:
        cond = sa.or_(cond, d.c.calendar_version.is_(None))
    ids = set(conn.execute(sa.select(d.c.case_id).where(_OPEN).where(cond).distinct()).scalars())
    ids |= set(
        conn.execute(sa.select(d.c.case_id).where(_STOPPED_PROVISIONAL).where(cond).distinct()).scalars()
    )
    return sorted(int(i) for i in ids)


def _read_cases(conn: sa.Connection, ids: Sequence[int]) -> dict[int, StaleCase]:
    c, e = _CASES, _EVENTS
    stmt = (
        sa.select(
            c.c.id,
            c.c.case_number,
            c.c.version,
            c.c.stage,
            c.c.facts,
            c.c.institution_id,
            c.c.region_code,
            c.c.procedure_id,
            c.c.procedure_version,
            c.c.procedure_hash,
            c.c.channel,
            c.c.accepted_on,
            c.c.closed_on,
            c.c.closure,
            e.c.hash,
            e.c.effective_on,
        )
        .join(e, sa.and_(e.c.case_id == c.c.id, e.c.seq == c.c.version))
        .where(c.c.id.in_(list(ids)))
    )
    cases = {int(r[0]): StaleCase(*r) for r in conn.execute(stmt)}  # type: ignore[call-arg]
    d = _DEADLINES
    rows = conn.execute(
        sa.select(
            d.c.id,
            d.c.case_id,
            d.c.deadline_id,
            d.c.title,
            d.c.status,
            d.c.due_on,
            d.c.warn_on,
            d.c.steps,
            d.c.due_note,
            d.c.clock,
            d.c.calendar_version,
            d.c.provisional,
            d.c.updated_seq,
            d.c.institution_id,
            d.c.responsible,
        )
        .where(d.c.case_id.in_(list(ids)))
        .order_by(d.c.case_id, d.c.id)
    )
    for r in rows:
        case = cases.get(int(r[1]))
        if case is not None:
            case.rows.append(StaleDeadline(*r))  # type: ignore[call-arg]
    return cases


class _Memo:
    """Per run: the calendar and procedure of each (procedure version, region), and the recomputed
    values of each distinct (calendar, procedure, deadline, clock, stored row) — `row_values` and the
    explanation are pure, and cases opened on the same day share their clocks."""

    def __init__(self, service: CaseService) -> None:
        self.service = service
        self.setups: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self.values: dict[tuple[Any, ...], tuple[dict[str, Any], str | None]] = {}

    def setup(self, s: Any, case: StaleCase) -> tuple[Any, Any]:
        key = (case.procedure_id, case.procedure_hash, case.region_code)
        got = self.setups.get(key)
        if got is None:
            procedure = self.service.versions.by_hash(s, case.procedure_id, case.procedure_hash)
            got = self.setups[key] = (procedure, calendar_for(procedure, case.region_code))
        return got

    def recompute(
        self, case: StaleCase, calendar: Any, row: StaleDeadline
    ) -> tuple[dict[str, Any], str | None]:
        """(the row's new values, why its due date or flag changed, or None when neither did)."""
        key = (
            case.procedure_hash,
            case.version_after,
            row.deadline_id,
            json.dumps(row.clock, sort_keys=True),
            row.status,
            row.due_on,
            bool(row.provisional),
            row.calendar_version,
        )
        got = self.values.get(key)
        if got is not None:
            return got
        clock = Clock.from_json(dict(row.clock))
        v = row_values(case.procedure, row.deadline_id, clock, calendar)
        if v["due_on"] is None and v["status"] == "stopped":  # stopped while paused: keeps its date
            v["due_on"], v["provisional"] = row.due_on, row.provisional
        why = None
        if v["due_on"] != row.due_on or bool(v["provisional"]) != bool(row.provisional):
            why = why_changed(calendar, clock, row.due_on, v["due_on"], row.provisional, row.steps,
                              row.calendar_version, case.version_after)  # fmt: skip
        self.values[key] = (v, why)
        return v, why


def _compute_case(memo: _Memo, s: Any, case: StaleCase, problems: list[str]) -> None:
    """Recompute the stale rows of `case` (sets `row.new`) and its `change` if a due date moves."""
    try:
        case.procedure, calendar = memo.setup(s, case)
    except ZhongcaiError as exc:
        problems.append(f"case {case.id} ({case.case_number}): cannot recompute its due dates: {exc}")
        return
    case.version_after = str(calendar.version)
    changed: list[DeadlineChange] = []
    before: set[str] = set()
    for row in case.rows:
        open_row = row.status in ("running", "paused")
        if not (open_row or (row.status == "stopped" and row.provisional)):
            continue
        if row.calendar_version == case.version_after or row.deadline_id not in case.procedure.deadlines:
            continue
        v, why = memo.recompute(case, calendar, row)
        row.new = v
        if why is not None:
            before.add(row.calendar_version or "")
            changed.append(
                DeadlineChange(
                    row.deadline_id,
                    row.title,
                    row.due_on,
                    v["due_on"],
                    bool(row.provisional),
                    bool(v["provisional"]),
                    why,
                )  # fmt: skip
            )
    if changed:
        case.change = CaseChange(case.id, case.case_number, sorted(before), case.version_after, changed)


def _batches(ids: Sequence[int], batch: int) -> Iterator[list[int]]:
    for i in range(0, len(ids), batch):
        yield list(ids[i : i + batch])


def _plan_batch(memo: _Memo, ids: Sequence[int], problems: list[str]) -> dict[int, StaleCase]:
    with memo.service.db.read() as s:
        cases = _read_cases(s.connection(), ids)
        for case in cases.values():
            _compute_case(memo, s, case, problems)
    return cases


# ---------------------------------------------------------------------------------------- entry points


def apply_calendar_update(
    service: CaseService,
    *,
    dry_run: bool = False,
    batch: int = BATCH,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CalendarApplyReport:
    """Recompute every deadline counted on another calendar version (see the module's docstring).
    `today` (default: the service's clock) dates the confirmations and withdrawals. `progress(done,
    total)` is called after each batch."""
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    day = today or service.today()
    report = CalendarApplyReport(dry_run=dry_run, today=day)
    with service.db.read() as s:
        conn = s.connection()
        ids = _stale_case_ids(conn, _stale_versions(conn))
    done, memo = 0, _Memo(service)
    for chunk in _batches(ids, batch):
        cases = _plan_batch(memo, chunk, report.problems)
        report.cases_checked += len(cases)
        report.rows_checked += sum(r.new is not None for c in cases.values() for r in c.rows)
        if dry_run:
            report.rows_restamped += sum(
                r.new is not None for c in cases.values() if c.change is None for r in c.rows
            )
            with service.db.read() as s:
                add_counts(report, _dry_counts(followups(s.connection(), cases, day)))
        else:
            write_batch(service, cases, day, report)
        report.changes += [c.change for c in cases.values() if c.change is not None]
        report.batches += 1
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    if not dry_run and report.events_written:
        log.info(
            "calendar update: %d case(s), %d event(s) written", report.cases_changed, report.events_written
        )
    return report


def _dry_counts(todo: Followups) -> tuple[int, ...]:
    return (
        len(todo.confirm),
        len(todo.withdraw),
        len(todo.record),
        len(todo.warn_withdraw),
        len(todo.warn_confirm),
    )


def plan_calendar_update(
    service: CaseService, *, batch: int = BATCH, today: dt.date | None = None
) -> CalendarApplyReport:
    """What `apply_calendar_update` would do; writes nothing."""
    return apply_calendar_update(service, dry_run=True, batch=batch, today=today)


def pending(service: CaseService) -> bool:
    """True when some open (or provisional stopped) deadline row is on another calendar version."""
    with service.db.read() as s:
        return bool(_stale_versions(s.connection()))
