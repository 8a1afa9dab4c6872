"""`zhongcai calendar apply`: due dates counted provisionally (P5) recomputed when the
calendar gains the year, one hash-chained calendar_update event per changed case, provisional breaches
confirmed or withdrawn, warnings withdrawn, held on_expiry actions fired by the next scan; idempotent,
all-or-nothing per batch, SQLite and PostgreSQL.

The 2027 schedule used here is MADE UP (bench.calendar_apply.FAKE_2027, in a temporary calendar
directory): 元旦 2027-01-01..01-03, a weekday holiday 2027-01-18 (so the award due that day moves),
春节 2027-02-05..02-12 with a make-up Saturday 2027-02-20. procedures/calendars/cn.yaml is never touched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import sqlite3
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select
from typer.testing import CliRunner

import engine.dates.calendar as calendar_module
import engine.oversight.calendar_apply as ca
from bench.calendar_apply import clone_cases, fake_calendar_dir
from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.cases.text import history_lines
from engine.oversight.calendar_apply import apply_calendar_update, plan_calendar_update
from engine.oversight.calendar_apply_writes import CALENDAR_UPDATE
from engine.oversight.scan import scan
from engine.oversight.verify import verify_case, verify_store
from engine.store.db import Database
from engine.store.tables import BreachRow, CaseRow, DeadlineRow, EventRow, MonitoringRow, WarningRow
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db
from tests.paths import ROOT

D = dt.date
LIB = load_arbitration()
CLERK, DIRECTOR = Actor("u:clerk", "clerk"), Actor("u:director", "director")
FACTS = {"claim_amount": 20000, "applicant_name": "张三", "respondent_name": "某公司"}


@dataclass
class World:
    svc: CaseService
    now: MovableNow
    a: int  # accepted 2026-12-02: award 45 days -> provisional 2027-01-18 (moves to 01-19)
    b: int  # accepted 2026-12-28: 5 workdays -> provisional 2027-01-05 (stays); award 2027-02-11 -> 02-15
    c: int  # posting from 2026-12-30: 3 workdays -> provisional 2027-01-05, on_expiry held
    d: int  # award suspended 2026-12-20, not resumed: paused, no date
    e: int  # award suspended 2026-12-20, resumed 2027-01-03: 2027-01-18 provisional -> 01-19


def _accepted(svc: CaseService, now: MovableNow, day: dt.date) -> int:
    now.to(day)
    case_id = svc.open_case("arbitration", day, FACTS, "inst", CLERK).id
    svc.attach(case_id, ["application", "applicant_identity"], day, CLERK)
    svc.fire(case_id, "accept", CLERK, day)
    return case_id


def _suspend(svc: CaseService, now: MovableNow, case_id: int, day: dt.date) -> None:
    now.to(day)
    svc.fire(case_id, "suspend", DIRECTOR, day, facts={"suspension_reason": "appraisal"})


def _build(url: str) -> World:
    now = MovableNow(D(2026, 11, 20))
    svc = CaseService(prepared_db(url), LIB, now=now)
    d = _accepted(svc, now, D(2026, 11, 20))
    e = _accepted(svc, now, D(2026, 11, 20))
    a = _accepted(svc, now, D(2026, 12, 2))
    _suspend(svc, now, d, D(2026, 12, 20))
    _suspend(svc, now, e, D(2026, 12, 20))
    b = _accepted(svc, now, D(2026, 12, 28))
    c = _accepted(svc, now, D(2026, 12, 28))
    now.to(D(2026, 12, 30))
    svc.fire(c, "serve_by_posting", CLERK, D(2026, 12, 30), facts={"refused_to_sign": True})
    now.to(D(2027, 1, 3))
    svc.fire(e, "resume", DIRECTOR, D(2027, 1, 3))
    for day in (D(2027, 1, 4), D(2027, 1, 6), D(2027, 1, 15), D(2027, 1, 20)):
        scan(svc, now.to(day).day)
    return World(svc, now, a, b, c, d, e)


def _row(svc: CaseService, case_id: int, deadline_id: str) -> DeadlineRow:
    with svc.db.read() as s:
        row = s.exec(
            select(DeadlineRow).where(DeadlineRow.case_id == case_id, DeadlineRow.deadline_id == deadline_id)
        ).one()
        return row


def _breaches(svc: CaseService, case_id: int, deadline_id: str) -> list[BreachRow]:
    with svc.db.read() as s:
        return list(
            s.exec(
                select(BreachRow)
                .where(BreachRow.case_id == case_id, BreachRow.deadline_id == deadline_id)
                .order_by(col(BreachRow.due_on))
            ).all()
        )


def _warnings(svc: CaseService, case_id: int, deadline_id: str) -> list[WarningRow]:
    with svc.db.read() as s:
        return list(
            s.exec(
                select(WarningRow)
                .where(WarningRow.case_id == case_id, WarningRow.deadline_id == deadline_id)
                .order_by(col(WarningRow.due_on))
            ).all()
        )


def _events(svc: CaseService, case_id: int, action: str = CALENDAR_UPDATE) -> list[EventRow]:
    with svc.db.read() as s:
        return list(
            s.exec(
                select(EventRow)
                .where(EventRow.case_id == case_id, EventRow.action == action)
                .order_by(col(EventRow.seq))
            ).all()
        )


def _snapshot(svc: CaseService) -> dict[str, list[tuple[Any, ...]]]:
    tables = {"case_file": CaseRow, "case_event": EventRow, "deadline": DeadlineRow, "breach": BreachRow,
              "deadline_warning": WarningRow, "monitoring_record": MonitoringRow}  # fmt: skip
    out = {}
    with svc.db.engine.connect() as conn:
        for name, table in tables.items():
            t = table.__table__  # type: ignore[attr-defined]
            out[name] = [tuple(r) for r in conn.execute(sa.select(t).order_by(t.c.id))]
        conn.rollback()
    return out


@pytest.fixture
def new_calendar() -> Iterator[Path]:
    """A calendar directory with the made-up 2027 year (`_switch` to it after building the cases). A
    short path: the calendar version names the overlay file and fits `deadline.calendar_version`."""
    short = Path(tempfile.mkdtemp(prefix="zc"))
    yield fake_calendar_dir(short)
    shutil.rmtree(short, ignore_errors=True)


def _switch(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    monkeypatch.setattr(calendar_module, "CALENDAR_DIR", target)


def _core(url: str, calendar_dir: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    w = _build(url)
    svc = w.svc
    assert _row(svc, w.a, "award").due_on == D(2027, 1, 18) and _row(svc, w.a, "award").provisional
    assert scan(w.svc, D(2027, 1, 20)).held == [(w.c, "posting", "posting_served", D(2027, 1, 5))]
    assert [b.provisional for b in _breaches(svc, w.b, "service")] == [True]
    assert [(b.due_on, b.provisional) for b in _breaches(svc, w.a, "award")] == [(D(2027, 1, 18), True)]
    assert [(x.due_on, x.provisional) for x in _warnings(svc, w.a, "award")] == [(D(2027, 1, 18), True)]
    assert [(x.due_on, x.provisional) for x in _warnings(svc, w.b, "service")] == [(D(2027, 1, 5), True)]
    versions = {w.d: svc.get(w.d).version}
    old_version = _row(svc, w.d, "award").calendar_version

    _switch(monkeypatch, calendar_dir)
    before = _snapshot(svc)
    plan = plan_calendar_update(svc)  # dry run: nothing written
    assert _snapshot(svc) == before
    assert plan.dry_run and plan.events_written == 0 and plan.cases_changed == 4
    assert (plan.breaches_confirmed, plan.breaches_withdrawn, plan.breaches_recorded) == (3, 2, 2)

    report = apply_calendar_update(svc, batch=2)  # several transactions
    assert report.batches >= 3 and not report.problems and not report.skipped
    assert sorted(c.case_id for c in report.changes) == sorted([w.a, w.b, w.c, w.e])
    assert report.events_written == 4
    # every changed due date and flag
    new = {
        (w.a, "award"): (D(2027, 1, 19), False),
        (w.e, "award"): (D(2027, 1, 19), False),
        (w.b, "service"): (D(2027, 1, 5), False),
        (w.b, "tribunal_notice"): (D(2027, 1, 5), False),
        (w.b, "acceptance"): (D(2027, 1, 5), False),  # stopped, its date was provisional
        (w.b, "award"): (D(2027, 2, 15), False),
        (w.c, "posting"): (D(2027, 1, 5), False),
        (w.a, "service"): (D(2026, 12, 9), False),  # unchanged, restamped
        (w.d, "award"): (None, False),  # paused: no date, restamped
    }
    current = svc.get(w.a)  # any case of region 110105
    assert current is not None
    for (case_id, deadline_id), (due_on, provisional) in new.items():
        row = _row(svc, case_id, deadline_id)
        assert (row.due_on, row.provisional) == (due_on, provisional), (case_id, deadline_id)
        assert row.calendar_version is not None and str(calendar_dir) in row.calendar_version
    assert _row(svc, w.d, "award").calendar_version != old_version
    assert svc.get(w.d).version == versions[w.d] and _events(svc, w.d) == []  # nothing moved: no event
    # the events
    (ev_a,) = _events(svc, w.a)
    last_before = [e for e in _events_all(svc, w.a) if e.seq == ev_a.seq - 1][0]
    assert (ev_a.actor_id, ev_a.role, ev_a.effective_on) == ("system", "system", last_before.effective_on)
    assert ev_a.stage_before == ev_a.stage_after == last_before.stage_after
    assert ev_a.facts_changed == {} and ev_a.clock_ops == [] and ev_a.documents == []
    assert ev_a.prev_hash == last_before.hash and svc.get(w.a).version == ev_a.seq
    change = ev_a.calendar_change or {}
    assert change["before"] == [old_version] and str(calendar_dir) in change["after"]
    assert change["deadlines"] == [
        {
            "deadline": "award",
            "due_before": "2027-01-18",
            "due_after": "2027-01-19",
            "provisional_before": True,
            "provisional_after": False,
            "why": "2027-01-18 测试假日放假（国务院通知）",
        }
    ]
    (ev_b,) = _events(svc, w.b)
    whys = {d["deadline"]: d["why"] for d in (ev_b.calendar_change or {})["deadlines"]}
    assert whys["award"] == "2027-02-11..2027-02-12 春节放假（国务院通知）"
    assert whys["service"] == "2027年节假日安排已公布，届满日不变，不再暂定"
    assert set(whys) == {"acceptance", "service", "tribunal_notice", "award"}
    with svc.db.read() as s:
        record = s.exec(
            select(MonitoringRow).where(
                MonitoringRow.case_id == w.a, MonitoringRow.event_seq == ev_a.seq
            )
        ).one()
        assert record.action == CALENDAR_UPDATE and record.milestone is None and record.closure is None
        for case_id in (w.a, w.b, w.c, w.d, w.e):
            case = s.get(CaseRow, case_id)
            assert case is not None and verify_case(svc, s, case) == []
    text = "\n".join(history_lines(svc.history(w.a)))
    assert "日历更新：期限award 届满日 2027-01-18 → 2027-01-19（原暂定）" in text
    # breaches: confirmed (same date), withdrawn (moved) with a confirmed one on the new date
    (bs,) = _breaches(svc, w.b, "service")
    assert (bs.provisional, bs.confirmed_on, bs.withdrawn_on) == (False, D(2027, 1, 20), None)
    old_b, new_b = _breaches(svc, w.a, "award")
    assert (old_b.due_on, old_b.withdrawn_on, old_b.confirmed_on) == (D(2027, 1, 18), D(2027, 1, 20), None)
    assert (new_b.due_on, new_b.provisional, new_b.withdrawn_on) == (D(2027, 1, 19), False, None)
    assert svc.get(w.a).breaches.count("award") == 1
    # warnings: withdrawn where the date moved, confirmed where it stood
    assert [(x.due_on, x.withdrawn_on) for x in _warnings(svc, w.a, "award")] == [
        (D(2027, 1, 18), D(2027, 1, 20))
    ]
    assert [(x.provisional, x.withdrawn_on) for x in _warnings(svc, w.b, "service")] == [(False, None)]
    # idempotent: a second run finds nothing
    before = _snapshot(svc)
    again = apply_calendar_update(svc)
    assert again.nothing and again.cases_checked == 0 and _snapshot(svc) == before
    # the action held on the provisional date fires on the next scan, on its (now confirmed) date
    report = scan(svc, D(2027, 1, 20))
    assert report.held == [] and (w.c, "posting", "posting_served") in report.fired
    (fired,) = _events(svc, w.c, "posting_served")
    assert fired.effective_on == D(2027, 1, 5)
    assert verify_store(svc).ok
    return w


def _events_all(svc: CaseService, case_id: int) -> list[EventRow]:
    with svc.db.read() as s:
        return list(
            s.exec(select(EventRow).where(EventRow.case_id == case_id).order_by(col(EventRow.seq))).all()
        )


def test_apply_recomputes_provisional_dates_sqlite(
    sqlite_url: str, new_calendar: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _core(sqlite_url, new_calendar, monkeypatch)


@pytest.mark.pg
def test_apply_recomputes_provisional_dates_postgres(
    pg_url: str, new_calendar: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = _core(pg_url, new_calendar, monkeypatch)
    w.svc.db.dispose()


def test_a_case_changed_concurrently_is_skipped_not_clobbered(
    sqlite_url: str, new_calendar: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = _build(sqlite_url)
    svc = w.svc
    _switch(monkeypatch, new_calendar)
    original = ca.write_batch

    def meanwhile(service: CaseService, cases: Any, today: dt.date, report: Any) -> None:
        if w.a in cases:  # someone files a document on case A between the read and the write
            svc.attach(w.a, {"evidence": b"late evidence"}, D(2027, 1, 20), CLERK)
        original(service, cases, today, report)

    monkeypatch.setattr(ca, "write_batch", meanwhile)
    report = apply_calendar_update(svc)
    assert report.skipped == [w.a] and report.events_written == 3
    assert _events(svc, w.a) == [] and _events(svc, w.a, "attach")  # the attach stands, nothing clobbered
    row = _row(svc, w.a, "award")
    assert (row.due_on, row.provisional) == (D(2027, 1, 18), True)  # left stale for the next run
    assert [b.withdrawn_on for b in _breaches(svc, w.a, "award")] == [None]
    monkeypatch.setattr(ca, "write_batch", original)
    second = apply_calendar_update(svc)
    assert [c.case_id for c in second.changes] == [w.a] and second.events_written == 1
    assert _row(svc, w.a, "award").due_on == D(2027, 1, 19)
    assert verify_store(svc).ok


def test_cli_calendar_apply_and_verify(
    sqlite_url: str, new_calendar: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli

    w = _build(sqlite_url)
    _switch(monkeypatch, new_calendar)
    monkeypatch.setenv("ZHONGCAI_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    root = str(ROOT / "procedures")
    dry = runner.invoke(
        cli.app, ["calendar", "apply", "--dry-run", "--today", "2027-01-20", "--procedures", root]
    )
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing written" in dry.output and _events(w.svc, w.a) == []
    assert "award 2027-01-18（暂定） → 2027-01-19（2027-01-18 测试假日放假（国务院通知））" in dry.output
    done = runner.invoke(cli.app, ["calendar", "apply", "--json", "--procedures", root])
    assert done.exit_code == 0, done.output
    import json

    got = json.loads(done.output)
    assert got["events_written"] == 4 and got["cases_changed"] == 4 and not got["dry_run"]
    assert len(_events(w.svc, w.a)) == 1
    verified = runner.invoke(cli.app, ["verify", "--procedures", root])
    assert verified.exit_code == 0 and "OK" in verified.output, verified.output
    again = runner.invoke(cli.app, ["calendar", "apply", "--procedures", root])
    assert again.exit_code == 0 and "every open deadline is on the current calendar" in again.output
    bad = runner.invoke(cli.app, ["calendar", "apply", "--today", "2027-13-01", "--procedures", root])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_scheduler_applies_a_pending_update_before_its_first_scan(
    sqlite_url: str, new_calendar: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.oversight.scheduler import service_tick

    w = _build(sqlite_url)
    _switch(monkeypatch, new_calendar)
    assert ca.pending(w.svc)
    report = service_tick(w.svc)(D(2027, 1, 20))
    assert not ca.pending(w.svc) and len(_events(w.svc, w.a)) == 1
    assert (w.c, "posting", "posting_served") in report.fired  # the first scan already sees the new dates


# ------------------------------------------------------------------------------------------ crash

CRASH_CASES = 1200  # x 3 open deadlines each (plus the stopped provisional acceptance)


def _apply_forever(url: str) -> None:
    db = Database(url)
    svc = CaseService(db, LIB, now=MovableNow(D(2026, 12, 28)))
    apply_calendar_update(svc, batch=50)
    os._exit(0)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_during_apply_leaves_every_case_whole_or_untouched(
    sqlite_url: str, new_calendar: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = MovableNow(D(2026, 12, 28))
    svc = CaseService(prepared_db(sqlite_url), LIB, now=now)
    template = _accepted(svc, now, D(2026, 12, 28))
    ids = [template, *clone_cases(svc.db, template, CRASH_CASES)]
    _switch(monkeypatch, new_calendar)
    assert len(plan_calendar_update(svc).changes) == len(ids)  # also fills every cache before forking
    svc.db.dispose()
    # kill the apply as soon as its first batch is committed (polling the file), not after a guessed delay:
    # how long the apply takes depends on the machine and its load
    pid = os.fork()
    if pid == 0:
        try:
            _apply_forever(sqlite_url)
        except BaseException:
            traceback.print_exc()
            os._exit(3)
    status, path = None, sqlite_url.removeprefix("sqlite:///")
    give_up = time.monotonic() + 60
    while status is None and time.monotonic() < give_up:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as conn:
            written = conn.execute("select count(*) from case_event where action = ?", (CALENDAR_UPDATE,)).fetchone()[0]
        if written:
            break
        done, code = os.waitpid(pid, os.WNOHANG)
        status = code if done else None
        time.sleep(0.002)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    killed_inside = os.WIFSIGNALED(status)
    assert killed_inside, "the apply finished before its first batch was seen: raise CRASH_CASES"
    db = Database(sqlite_url)
    svc = CaseService(db, LIB, now=MovableNow(D(2026, 12, 28)))
    with db.read() as s:
        updated = set(s.exec(select(EventRow.case_id).where(EventRow.action == CALENDAR_UPDATE)).all())
        stale = set(
            s.exec(
                select(DeadlineRow.case_id).where(col(DeadlineRow.status) == "running", col(DeadlineRow.provisional))
            ).all()
        )
        awards = dict(
            s.exec(select(DeadlineRow.case_id, DeadlineRow.due_on).where(DeadlineRow.deadline_id == "award")).all()
        )
    assert 0 < len(updated) < len(ids), "the kill did not land in the middle of the apply"
    assert updated.isdisjoint(stale) and updated | stale == set(ids)  # whole or untouched, nothing between
    assert {awards[i] for i in updated} == {D(2027, 2, 15)} and {awards[i] for i in stale} == {D(2027, 2, 11)}
    assert verify_store(svc).findings == [] or all(f.case_id in stale for f in verify_store(svc).findings)
    rerun = apply_calendar_update(svc)
    assert rerun.events_written == len(stale) and not rerun.problems
    assert verify_store(svc).ok
    assert apply_calendar_update(svc).nothing
    db.dispose()
