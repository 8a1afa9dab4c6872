"""Provisional due dates through the whole engine (docs/law.md P5): a year without its State
Council notice is counted on the statutory days and weekends, and every place that shows or acts on such
a date says so: the deadline row and case view, the documents ("暂定"), warnings, breaches and the breach
audit, the API; an on_expiry action is held on it; a party's window does not close on it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.errors import EventNotAllowed
from engine.oversight.audit import breach_audit
from engine.oversight.scan import scan
from engine.store.tables import BreachRow, DocumentRow, WarningRow
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db
from tests.paths import ROOT

LIB = load_arbitration()
CLERK = Actor("u:clerk", "clerk")
ARBITRATOR = Actor("u:arb", "arbitrator")
D = dt.date
MARK = "（暂定，以国务院公布的节假日安排为准）"


def _service(tmp_path: Path, today: dt.date) -> tuple[CaseService, MovableNow]:
    now = MovableNow(today)
    return CaseService(prepared_db(f"sqlite:///{tmp_path / 'zc.db'}"), LIB, now=now), now


def _accepted(svc: CaseService, day: dt.date) -> int:
    facts = {
        "claim_amount": 20000,
        "applicant_name": "周一",
        "applicant_gender": "男",
        "respondent_name": "某某公司",
    }
    case_id = svc.open_case("arbitration", day, facts, "inst", CLERK).id
    svc.attach(case_id, ["application", "applicant_identity"], day, CLERK)
    svc.fire(case_id, "accept", CLERK, day)
    return case_id


def _document(svc: CaseService, case_id: int, document_id: str) -> str:
    with svc.db.read() as s:
        doc = s.exec(
            select(DocumentRow).where(
                DocumentRow.case_id == case_id, DocumentRow.document_id == document_id
            )
        ).one()
    return doc.content.decode("utf-8")


def test_the_acceptance_notice_prints_a_provisional_award_deadline_with_its_mark(tmp_path: Path) -> None:
    svc, _ = _service(tmp_path, D(2026, 12, 2))
    case_id = _accepted(svc, D(2026, 12, 2))
    view = svc.get(case_id).deadlines["award"]
    assert view.due_on == D(2027, 1, 18) and view.provisional
    text = _document(svc, case_id, "acceptance_notice")
    assert "至二〇二七年一月十八日" + MARK + "届满" in text
    # a certain date has no mark
    (tmp_path / "b").mkdir()
    svc2, _ = _service(tmp_path / "b", D(2026, 3, 2))
    other = _accepted(svc2, D(2026, 3, 2))
    assert "暂定" not in _document(svc2, other, "acceptance_notice")


def test_warnings_and_breaches_on_a_provisional_date_are_provisional(tmp_path: Path) -> None:
    svc, now = _service(tmp_path, D(2026, 12, 2))
    case_id = _accepted(svc, D(2026, 12, 2))
    now.to(D(2027, 1, 13))
    report = scan(svc, D(2027, 1, 13))  # warn_before: 5 days before the (provisional) due date
    assert (case_id, "award", D(2027, 1, 18)) in report.warnings
    now.to(D(2027, 1, 19))
    report = scan(svc, D(2027, 1, 19))
    assert (case_id, "award", D(2027, 1, 18)) in report.breaches
    with svc.db.read() as s:
        warning = s.exec(select(WarningRow).where(WarningRow.deadline_id == "award")).one()
        breach = s.exec(select(BreachRow).where(BreachRow.deadline_id == "award")).one()
        audit = [e for e in breach_audit(s, D(2027, 1, 19)) if e.deadline_id == "award"]
    assert warning.provisional and breach.provisional and breach.confirmed_on is None
    assert len(audit) == 1 and audit[0].provisional and audit[0].to_json()["provisional"] is True
    # the month's monitoring report counts it, and says it is provisional
    from engine.codes.code_tables import CodeTables
    from engine.monitoring.indicators import monthly_report

    codes = CodeTables.load(ROOT / "codes")
    with svc.db.read() as s:
        month = monthly_report(s.connection(), "2027-01", codes)
    assert month.breaches.get("award") == 1 and month.provisional_breaches == 1
    assert month.to_json()["breaches"]["provisional"] == 1
    # a breach of a date in a covered year is not provisional
    with svc.db.read() as s:
        others = s.exec(select(BreachRow).where(BreachRow.deadline_id != "award")).all()
    assert others and not any(b.provisional for b in others)


def _awarded_and_delivered(svc: CaseService, now: MovableNow, delivered: dt.date) -> int:
    case_id = _accepted(svc, D(2026, 11, 2))
    tribunal = {"presiding_arbitrator": "王仲裁", "arbitrators": ["赵仲裁", "钱仲裁"], "clerk_name": "孙书记"}
    now.to(D(2026, 11, 3))
    svc.fire(case_id, "notify_tribunal", CLERK, D(2026, 11, 3), facts=tribunal)
    svc.fire(case_id, "serve_respondent", CLERK, D(2026, 11, 3))
    now.to(D(2026, 11, 9))
    svc.fire(case_id, "schedule_hearing", ARBITRATOR, D(2026, 11, 9), facts={"hearing_on": "2026-11-30"})
    now.to(D(2026, 11, 30))
    svc.fire(case_id, "hold_hearing", ARBITRATOR, D(2026, 11, 30))
    now.to(D(2026, 12, 10))
    award = {
        "claims": [{"item": "拖欠工资", "category": "pay", "amount": 20000, "final": False}],
        "awarded_amount": 20000,
        "findings": "被申请人未支付工资。",
        "reasons": "用人单位应当按时足额支付劳动报酬。",
    }
    svc.fire(case_id, "award", ARBITRATOR, D(2026, 12, 10), facts=award)
    now.to(delivered)
    for recipient in ("applicant", "respondent"):
        svc.fire(case_id, "deliver_award", CLERK, delivered, facts={"recipient": recipient})
    return case_id


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dates(min_value=D(2026, 12, 17), max_value=D(2026, 12, 31)))
def test_an_award_never_takes_effect_on_a_provisional_date(
    tmp_path_factory: pytest.TempPathFactory, delivered: dt.date
) -> None:
    """For every delivery whose 15 days end in 2027 (no notice yet): the scan after the last day holds
    take_effect, a clerk cannot do it by hand, and a party may still sue."""
    svc, now = _service(tmp_path_factory.mktemp("award"), D(2026, 11, 2))
    case_id = _awarded_and_delivered(svc, now, delivered)
    due = svc.get(case_id).deadlines["challenge_applicant"]
    assert due.due_on is not None and due.due_on.year == 2027 and due.provisional
    after = due.due_on + dt.timedelta(days=3)
    now.to(after)
    report = scan(svc, after)
    assert {(c, k) for c, k, _, _ in report.held} >= {
        (case_id, "challenge_applicant"),
        (case_id, "challenge_respondent"),
    }
    assert report.fired == [] and svc.get(case_id).stage == "awarded"
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "take_effect", CLERK, after)
    assert err.value.code == "deadline" and "暂定" in err.value.message
    svc.fire(case_id, "sue", Actor("u:resp", "respondent"), after)
    assert svc.get(case_id).stage == "in_court"


def test_the_api_shows_provisional_deadlines_and_breaches(tmp_path: Path) -> None:
    """GET /v1/cases/{id} and /v1/breaches carry `provisional`: a case accepted 2026-12-02 beside the
    demo cases (whose dates all lie in covered years)."""
    from api.app import build_state, create_app
    from engine.demo.seed import seed_demo
    from engine.oversight.scheduler import SHANGHAI
    from tests.api.conftest import auth, make_settings

    today = D(2026, 12, 2)
    at_ten = dt.datetime(2026, 12, 2, 10, tzinfo=SHANGHAI)
    state = build_state(make_settings(f"sqlite:///{tmp_path / 'api.db'}", now=lambda: at_ten))
    seed = seed_demo(state.db, state.library, today=today)
    facts = {
        "claim_amount": 20000,
        "applicant_name": "周一",
        "applicant_gender": "男",
        "respondent_name": "某某公司",
    }
    clerk = Actor("clerk_nn", "clerk")
    case_id = state.service.open_case(None, today, facts, "gx-nn", clerk).id
    state.service.attach(case_id, ["application", "applicant_identity"], today, clerk)
    state.service.fire(case_id, "accept", clerk, today)
    with TestClient(create_app(state=state), raise_server_exceptions=False) as client:
        got = client.get(f"/v1/cases/{case_id}", headers=auth("director_nn"))
        assert got.status_code == 200, got.text
        award = next(d for d in got.json()["deadlines"] if d["deadline_id"] == "award")
        assert award["due_on"] == "2027-01-18" and award["provisional"] is True
        assert award["shown"] == "2027-01-18 provisional" and any("暂定" in s for s in award["steps"])
        in_time = next(c[0] for c in seed.cases if c[3] == "已受理（期限内，当事人可查询）")
        demo_case = client.get(f"/v1/cases/{in_time}", headers=auth("director_nn")).json()
        assert "deadlines" in demo_case, demo_case
        assert not any(d["provisional"] for d in demo_case["deadlines"])
        later = client.get("/v1/breaches", params={"as_of": "2027-02-01"}, headers=auth("supervisor_gx"))
        assert later.status_code == 200
        items = later.json()["items"]
        mine = [i for i in items if i["case_id"] == case_id and i["deadline_id"] == "award"]
        assert len(mine) == 1 and mine[0]["provisional"] is True
        assert all(i["provisional"] == (i["due_on"] >= "2027-01-01") for i in items)
