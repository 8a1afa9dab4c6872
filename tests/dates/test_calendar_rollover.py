"""The whole roll-over: cases counted provisionally across 2026 -> 2027, then the (MADE-UP)
2027 notice imported from its text with `zhongcai calendar import --write` into a temporary calendar
directory, then `calendar apply`: every due date is recomputed on the new calendar and checked against
a count done here by hand, with the event and the breaches that go with it. procedures/calendars/cn.yaml
is never touched."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

import engine.dates.calendar as calendar_module
from cli import app
from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.oversight.calendar_apply import apply_calendar_update
from engine.oversight.scan import scan
from engine.oversight.verify import verify_store
from engine.store.tables import BreachRow
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db
from tests.paths import ROOT

NOTICE = ROOT / "tests" / "data" / "notices" / "2027_madeup.txt"
LIB = load_arbitration()
CLERK = Actor("u:clerk", "clerk")
D = dt.date
FACTS = {
    "claim_amount": 20000,
    "applicant_name": "张三",
    "applicant_gender": "男",
    "respondent_name": "某公司",
}


def _open(svc: CaseService, now: MovableNow, day: dt.date, accept: bool = True) -> int:
    now.to(day)
    case_id = svc.open_case("arbitration", day, FACTS, "inst", CLERK).id
    svc.attach(case_id, ["application", "applicant_identity"], day, CLERK)
    if accept:
        svc.fire(case_id, "accept", CLERK, day)
    return case_id


def test_importing_the_notice_and_applying_it_recomputes_every_provisional_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calendars = tmp_path / "cal"
    calendars.mkdir()
    shutil.copy(ROOT / "procedures" / "calendars" / "cn.yaml", calendars / "cn.yaml")
    monkeypatch.setattr(calendar_module, "CALENDAR_DIR", calendars)
    now = MovableNow(D(2026, 12, 2))
    svc = CaseService(prepared_db(f"sqlite:///{tmp_path / 'zc.db'}"), LIB, now=now)
    # A: accepted 2026-12-02, award 45 days -> Mon 2027-01-18, provisional; breached (provisionally) 01-19
    a = _open(svc, now, D(2026, 12, 2))
    # B: received Fri 2027-01-29, acceptance 5 working days: provisionally Feb 1-4 and Feb 9 (the statutory
    # 春节 is Feb 5-8) -> 2027-02-09; under the notice 春节 runs Feb 5-12 -> Feb 1-4 and Feb 15 -> 2027-02-15
    b = _open(svc, now, D(2027, 1, 29), accept=False)
    assert svc.get(a).deadlines["award"].shown() == "2027-01-18 provisional"
    assert svc.get(b).deadlines["acceptance"].shown() == "2027-02-09 provisional"
    now.to(D(2027, 2, 10))
    scan(svc, D(2027, 2, 10))
    with svc.db.read() as s:
        before = {(x.case_id, x.deadline_id): x for x in s.exec(select(BreachRow)).all()}
    assert before[(a, "award")].provisional and before[(b, "acceptance")].provisional

    runner = CliRunner()
    imported = runner.invoke(app, ["calendar", "import", str(NOTICE), "--write"])
    assert imported.exit_code == 0, imported.output
    assert "2027:" in (calendars / "cn.yaml").read_text(encoding="utf-8")
    assert (ROOT / "procedures" / "calendars" / "cn.yaml").read_text(encoding="utf-8").count("\n  2027:") == 0

    dry = apply_calendar_update(svc, dry_run=True)
    assert {c.case_id for c in dry.changes} == {a, b} and svc.get(b).deadlines["acceptance"].provisional
    report = apply_calendar_update(svc)
    assert report.events_written == 2 and report.breaches_confirmed == 1 and report.breaches_withdrawn == 1

    changes = {c.case_id: {d.deadline: d for d in c.deadlines} for c in report.changes}
    award = changes[a]["award"]
    assert (award.due_before, award.due_after) == (D(2027, 1, 18), D(2027, 1, 18))
    assert award.provisional_before and not award.provisional_after
    acceptance = changes[b]["acceptance"]
    assert (acceptance.due_before, acceptance.due_after) == (D(2027, 2, 9), D(2027, 2, 15))
    assert "春节" in acceptance.why
    assert svc.get(a).deadlines["award"].shown() == "2027-01-18"
    assert svc.get(b).deadlines["acceptance"].shown() == "2027-02-15"

    for case_id, deadline_id in ((a, "award"), (b, "acceptance")):
        (event,) = [e for e in svc.history(case_id) if e.action == "calendar_update"]
        assert event.role == "system" and event.calendar_change is not None
        (entry,) = [x for x in event.calendar_change["deadlines"] if x["deadline"] == deadline_id]
        assert entry["provisional_before"] is True and entry["provisional_after"] is False
    with svc.db.read() as s:
        after = {(x.case_id, x.deadline_id, x.due_on): x for x in s.exec(select(BreachRow)).all()}
    assert after[(a, "award", D(2027, 1, 18))].confirmed_on == D(2027, 2, 10)
    assert not after[(a, "award", D(2027, 1, 18))].provisional
    assert after[(b, "acceptance", D(2027, 2, 9))].withdrawn_on == D(2027, 2, 10)
    assert svc.get(b).breaches == ()  # withdrawn, and not breached on 2027-02-15 as of 2027-02-10
    assert verify_store(svc).ok
    assert apply_calendar_update(svc).nothing  # idempotent


def test_a_running_scheduler_applies_a_notice_imported_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.oversight.scheduler import service_tick

    calendars = tmp_path / "cal"
    calendars.mkdir()
    shutil.copy(ROOT / "procedures" / "calendars" / "cn.yaml", calendars / "cn.yaml")
    monkeypatch.setattr(calendar_module, "CALENDAR_DIR", calendars)
    now = MovableNow(D(2027, 1, 29))
    svc = CaseService(prepared_db(f"sqlite:///{tmp_path / 'zc.db'}"), LIB, now=now)
    b = _open(svc, now, D(2027, 1, 29), accept=False)
    tick = service_tick(svc)
    tick(D(2027, 1, 29))  # the scheduler's first scan: nothing to apply yet
    assert svc.get(b).deadlines["acceptance"].shown() == "2027-02-09 provisional"
    result = CliRunner().invoke(app, ["calendar", "import", str(NOTICE), "--write"])
    assert result.exit_code == 0, result.output
    now.to(D(2027, 2, 1))
    tick(D(2027, 2, 1))  # the next scan sees the new calendar version and applies it first
    assert svc.get(b).deadlines["acceptance"].shown() == "2027-02-15"
    assert [e.action for e in svc.history(b)][-1] == "calendar_update"
