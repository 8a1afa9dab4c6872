"""The scheduler's records agree with the computed audit; scans are idempotent, also two at once.

The demo cases are recorded day by day (2025-12 to 2026-11) through the real CaseService while a
"nightly" scan runs before each day's work, as the scheduler would. Then:
- with the scheduler up every night, its breach records equal the audit computed from the deadline
  rows, and the `on_expiry` action fired exactly once;
- with the scheduler down for two weeks, the audit of a day inside the outage already shows the
  deadlines that expired then; the first scan after it records them and fires the overdue
  `on_expiry` action once, effective the day after its due date;
- two scans at the same moment (threads, one database), with a month of work to catch up, create
  nothing twice and fire the overdue `on_expiry` action once, on SQLite and PostgreSQL.
A breach recorded while a deadline looked late, then shown to be in time by a back-dated entry (P11),
is not in the audit; the test checks each such record against its back-dated event.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from engine.cases.runtime import CaseService
from engine.demo.case_plans import demo_cases
from engine.demo.seed import StepClock, drive, seed_people
from engine.oversight.audit import breach_audit
from engine.oversight.scan import scan
from engine.oversight.scheduler import SHANGHAI, service_tick
from engine.procedures.library import ProcedureLibrary
from engine.store.db import Database
from engine.store.tables import BreachRow, EventRow, WarningRow
from tests.paths import ROOT

END = dt.date(2026, 11, 28)
OUTAGE = (dt.date(2026, 10, 28), dt.date(2026, 11, 11))  # scheduler down on these days (end excluded)
DAY = dt.timedelta(days=1)
LAST_MONTH_DOWN = (dt.date(2026, 10, 28), END + DAY)  # nothing scanned since: the two scans catch up


@pytest.fixture(scope="module")
def library() -> Any:
    return ProcedureLibrary.load(ROOT / "procedures")


def _run(url: str, library: Any, outage: tuple[dt.date, dt.date] | None) -> tuple[Database, CaseService]:
    """Record the demo history with a raw nightly `tick` (no reconciliation), skipping `outage` days."""
    db = Database(url)
    db.init_db()
    seed_people(db)
    clock = StepClock()
    service = CaseService(db, library, clock)
    last: list[dt.date | None] = [None]

    def nightly(day: dt.date) -> None:
        start = day if last[0] is None else last[0] + DAY
        d = start
        while d <= day:
            if outage is None or not (outage[0] <= d < outage[1]):
                clock.day = d
                scan(service, d)
            d += DAY
        last[0] = day

    drive(db, service, clock, demo_cases(), before_day=nightly)
    nightly(END)
    clock.day = END
    return db, service


def _all_records(db: Database) -> set[tuple[int, str, dt.date]]:
    with db.read() as s:
        return {(b.case_id, b.deadline_id, b.due_on) for b in s.exec(select(BreachRow)).all()}


def _withdrawn_by_backdating(db: Database, key: tuple[int, str, dt.date]) -> bool:
    """A record made while the deadline looked late, until a back-dated entry (P11) stopped it with an
    effective date on or before the due date: the audit (the legal facts) no longer counts it, and
    the back-dated report shows the entry."""
    case_id, deadline_id, due_on = key
    with db.read() as s:
        events = s.exec(select(EventRow).where(EventRow.case_id == case_id)).all()
    return any(
        ev.backdated
        and ev.effective_on <= due_on
        and ev.recorded_at.astimezone(SHANGHAI).date() > due_on
        and any(op[0] == deadline_id and op[1] == "stop" for op in (ev.clock_ops or []))
        for ev in events
    )


def _records(db: Database) -> set[tuple[int, str, dt.date]]:
    """The breach records, less those a back-dated entry showed to be in time (checked one by one)."""
    return {r for r in _all_records(db) if not _withdrawn_by_backdating(db, r)}


def _audit(db: Database, service: CaseService, as_of: dt.date = END) -> set[tuple[int, str, dt.date]]:
    with db.read() as s:
        entries = breach_audit(s, as_of, procedures=service.versions.lookup(s))
    return {e.key() for e in entries}


def _count(db: Database, table: Any, **where: Any) -> int:
    with db.read() as s:
        stmt = select(func.count()).select_from(table)
        for k, v in where.items():
            stmt = stmt.where(getattr(table, k) == v)
        return int(s.exec(stmt).one())


def test_records_equal_the_audit_when_the_scheduler_ran_every_night(tmp_path: Path, library: Any) -> None:
    db, service = _run(f"sqlite:///{tmp_path / 'up.db'}", library, outage=None)
    records, audit = _records(db), _audit(db, service)
    assert records == audit
    assert len(audit) >= 6  # the demo has breaches in both institutions
    # the demo's one back-dated service (recorded 2026-01-20, effective 2025-12-05) was in time
    withdrawn = _all_records(db) - records
    assert [(k[1], k[2]) for k in withdrawn] == [("service", dt.date(2025, 12, 9))]
    assert _count(db, EventRow, action="take_effect") == 1  # on_expiry fired once
    # as of any earlier date, the audit equals the records the nightly scans had made by then
    for mid in (dt.date(2026, 1, 10), dt.date(2026, 10, 1), dt.date(2026, 11, 4)):
        with db.read() as s:
            by_then = {
                (b.case_id, b.deadline_id, b.due_on)
                for b in s.exec(select(BreachRow).where(BreachRow.detected_on <= mid)).all()
            } - withdrawn
        assert _audit(db, service, mid) == by_then, mid
    # a repeated scan creates nothing (idempotent)
    before = (_count(db, BreachRow), _count(db, WarningRow), _count(db, EventRow))
    service_tick(service)(END)
    service_tick(service)(END)
    assert (_count(db, BreachRow), _count(db, WarningRow), _count(db, EventRow)) == before


def test_audit_is_right_while_the_scheduler_was_down_and_the_first_scan_catches_up(
    tmp_path: Path, library: Any
) -> None:
    db, service = _run(f"sqlite:///{tmp_path / 'down.db'}", library, outage=OUTAGE)
    records, audit = _records(db), _audit(db, service)
    assert records == audit  # the first scan after the outage caught up
    with db.read() as s:
        rows = s.exec(select(BreachRow)).all()
        caught_up = {(b.case_id, b.deadline_id, b.due_on) for b in rows if b.detected_on == OUTAGE[1]}
        inside = OUTAGE[0] + dt.timedelta(days=8)
        known_inside = {(b.case_id, b.deadline_id, b.due_on) for b in rows if b.detected_on <= inside}
        effective = s.exec(select(EventRow).where(EventRow.action == "take_effect")).all()
    # while the scheduler was down, the audit already knew what the records did not
    assert caught_up and caught_up <= _audit(db, service, inside) - known_inside
    # the on_expiry action fired once, late, but effective the day after the due date (P10)
    assert len(effective) == 1
    ev = effective[0]
    assert ev.recorded_at.astimezone(SHANGHAI).date() == OUTAGE[1]
    assert OUTAGE[0] < ev.effective_on < OUTAGE[1]
    service_tick(service)(END)  # and the scheduler job changes nothing more
    assert _records(db) == audit


def _concurrent_scans(db: Database, service: CaseService) -> None:
    assert _count(db, EventRow, action="take_effect") == 0  # work is waiting for the scans
    assert _records(db) < _audit(db, service)
    job = service_tick(service)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            job(END)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def test_two_scans_at_once_create_nothing_twice_sqlite(tmp_path: Path, library: Any) -> None:
    db, service = _run(f"sqlite:///{tmp_path / 'twice.db'}", library, outage=LAST_MONTH_DOWN)
    _concurrent_scans(db, service)
    assert _records(db) == _audit(db, service)
    with db.read() as s:
        assert len(s.exec(select(BreachRow)).all()) == len(_all_records(db))
    assert _count(db, EventRow, action="take_effect") == 1


@pytest.mark.pg
def test_two_scans_at_once_create_nothing_twice_postgres(pg_url: str, library: Any) -> None:
    db, service = _run(pg_url, library, outage=LAST_MONTH_DOWN)
    try:
        _concurrent_scans(db, service)
        assert _records(db) == _audit(db, service)
        with db.read() as s:
            assert len(s.exec(select(BreachRow)).all()) == len(_all_records(db))
        assert _count(db, EventRow, action="take_effect") == 1
    finally:
        db.dispose()


def test_a_late_period_restarted_later_stays_a_breach(tmp_path: Path, library: Any) -> None:
    """R 46: adding a party restarts the award period; a period already run late stays breached."""
    from engine.cases.casefile import Actor

    db = Database(f"sqlite:///{tmp_path / 'restart.db'}")
    db.init_db()
    seed_people(db)
    clock = StepClock()
    service = CaseService(db, library, clock)
    clerk = Actor("1", "clerk")
    steps = [
        (
            dt.date(2026, 8, 3),
            lambda: service.open_case(None, dt.date(2026, 8, 3), {"claim_amount": 100}, "gx-nn", clerk),
        ),
    ]
    clock.day = steps[0][0]
    cid = steps[0][1]().id
    service.attach(cid, ["application", "applicant_identity"], dt.date(2026, 8, 3), clerk)
    clock.day = dt.date(2026, 8, 4)
    service.fire(cid, "accept", clerk, dt.date(2026, 8, 4))
    due = service.get(cid).deadlines["award"].due_on
    assert due is not None
    late = due + dt.timedelta(days=6)
    clock.day = due + DAY + DAY
    scan(service, due + DAY + DAY)  # the scheduler saw it late
    clock.day = late
    service.fire(cid, "add_party", clerk, late)  # restarts the award period
    assert service.get(cid).deadlines["award"].due_on > late

    def award_lines(as_of: dt.date) -> list[tuple[dt.date, dt.date | None, int]]:
        with db.read() as s:
            entries = breach_audit(s, as_of, procedures=service.versions.lookup(s))
        return [
            (e.due_on, e.ended_on, e.days_overdue)
            for e in entries
            if e.case_id == cid and e.deadline_id == "award"
        ]

    assert award_lines(late + DAY) == [(due, late, 6)]
    assert {k for k in _records(db) if k[0] == cid and k[1] == "award"} == {(cid, "award", due)}
    assert award_lines(due + dt.timedelta(days=3)) == [(due, None, 3)]  # before the restart: running late
    assert award_lines(due) == []  # P10: not before the day after the due date
