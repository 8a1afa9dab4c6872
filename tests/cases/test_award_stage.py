"""The award stage and the engine pieces it needed: action `branches`, the guard functions
`if_else`, `latest` and `add_days`, the `role` name in guards, the `texts` fact type; each party's
periods from its own receipt (a property over the two receipt days), and the award's text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.documents.demo import DEMO_FACTS, demo_snapshot
from engine.documents.render import render_for_case
from engine.errors import EventNotAllowed
from engine.expr import REGISTRY, Scope, TypeEnv, check_guard, evaluate, parse_guard
from engine.oversight.scan import scan
from engine.procedures.library import ProcedureLibrary
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db
from tests.paths import ROOT

LIB: ProcedureLibrary = load_arbitration()
ARB = LIB.get("arbitration")
CLERK = Actor("u:clerk", "clerk")
D = dt.date


# ------------------------------------------------------------------------- guard functions


def _value(text: str, **names: Any) -> Any:
    return evaluate(parse_guard(text), Scope(names, None, REGISTRY), allow_unset=True).value


def test_if_else_computes_only_the_value_it_chooses() -> None:
    # the other value would need an unset date (an error if it were computed)
    assert _value("if_else(d == null, d, d + 1 year)", d=None) is None
    assert _value("if_else(d == null, d, d + 1 year)", d=D(2025, 2, 28)) == D(2026, 2, 28)
    with pytest.raises(Exception, match="'c'"):  # an unset condition is an error that names it
        _value("if_else(c, 1, 2)", c=None)


def test_latest_ignores_an_unset_date_and_add_days_never_rolls() -> None:
    assert _value("latest(a, b)", a=D(2025, 1, 10), b=None) == D(2025, 1, 10)
    assert _value("latest(a, b)", a=D(2025, 1, 10), b=D(2025, 6, 2)) == D(2025, 6, 2)
    assert _value("latest(a, b)", a=None, b=None) is None
    assert _value("add_days(a, 91)", a=D(2026, 1, 10)) == D(2026, 4, 11)  # a Saturday, as it is


def test_role_is_a_name_guards_may_read() -> None:
    env = TypeEnv.build({"worker_side": "text"}, {})
    assert check_guard(parse_guard("role == worker_side"), env) == []
    assert check_guard(parse_guard("if_else(role == 'clerk', 1, 'x') == 1"), env) != []  # one type


# ------------------------------------------------------------------------- branches and texts


def test_branches_are_destinations_of_the_action_and_checked_for_stages(tmp_path: Path) -> None:
    assert ARB.actions["take_effect"].destinations == ("in_court", "effective")
    assert ARB.actions["apply_set_aside"].destinations == ("awarded", "in_court")
    assert ARB.actions["accept"].destinations == ("accepted",)
    assert ARB.actions["deliver_award"].destinations == ()  # stays
    bad = (ROOT / "procedures" / "arbitration.yaml").read_text(encoding="utf-8")
    bad = bad.replace("      - to: in_court\n        when: \"set_aside_applied_on != null\"",
                      "      - to: in_courtt\n        when: \"set_aside_applied_on != null\"")  # fmt: skip
    procs = tmp_path / "procedures"
    procs.mkdir()
    (procs / "arbitration.yaml").write_text(bad, encoding="utf-8")
    import subprocess
    import sys

    root = ROOT
    out = subprocess.run(
        [sys.executable, str(root / "cli.py"), "procedures", "validate", str(procs / "arbitration.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )
    assert out.returncode == 1 and "in_courtt" in out.stdout + out.stderr
    assert "branches" in out.stdout + out.stderr  # the diagnostic says where


def test_texts_facts_are_lists_of_cleaned_short_texts(tmp_path: Path) -> None:
    svc, now, case_id = _accepted(tmp_path)
    now.to(D(2026, 3, 3))
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "notify_tribunal", CLERK, D(2026, 3, 3), facts={"arbitrators": ["甲"] * 51})
    assert err.value.code == "facts" and "50" in err.value.message
    with pytest.raises(EventNotAllowed):
        svc.fire(case_id, "notify_tribunal", CLERK, D(2026, 3, 3), facts={"arbitrators": "张三、李四"})
    svc.fire(
        case_id,
        "notify_tribunal",
        CLERK,
        D(2026, 3, 3),
        facts={
            "presiding_arbitrator": "王仲裁",
            "arbitrators": [" 赵仲裁 ", "钱仲裁"],
            "clerk_name": "孙书记",
        },
    )
    assert svc.get(case_id).facts["arbitrators"] == ["赵仲裁", "钱仲裁"]


# ------------------------------------------------------------------------- each party's own receipt


def _accepted(tmp_path: Path) -> tuple[CaseService, MovableNow, int]:
    now = MovableNow(D(2026, 3, 2))
    svc = CaseService(prepared_db(f"sqlite:///{tmp_path / 'zc.db'}"), LIB, now=now)
    facts = {"claim_amount": 20000, "applicant_name": "张三", "respondent_name": "某公司"}
    case_id = svc.open_case("arbitration", D(2026, 3, 2), facts, "inst", CLERK).id
    svc.attach(case_id, ["application", "applicant_identity"], D(2026, 3, 2), CLERK)
    svc.fire(case_id, "accept", CLERK, D(2026, 3, 2))
    return svc, now, case_id


def _awarded(tmp_path: Path, claims: list[dict[str, Any]]) -> tuple[CaseService, MovableNow, int]:
    svc, now, case_id = _accepted(tmp_path)
    arbitrator = Actor("u:a", "arbitrator")
    tribunal = {"presiding_arbitrator": "王仲裁", "arbitrators": ["赵仲裁", "钱仲裁"], "clerk_name": "孙书记"}
    now.to(D(2026, 3, 18))
    svc.fire(case_id, "notify_tribunal", CLERK, D(2026, 3, 3), facts=tribunal)
    svc.fire(case_id, "serve_respondent", CLERK, D(2026, 3, 3))
    svc.fire(case_id, "schedule_hearing", arbitrator, D(2026, 3, 9), facts={"hearing_on": "2026-03-18"})
    svc.fire(case_id, "hold_hearing", arbitrator, D(2026, 3, 18))
    now.to(D(2026, 3, 20))
    award = {"claims": claims, "findings": "查明的事实。", "reasons": "裁决的理由。"}
    svc.fire(case_id, "award", arbitrator, D(2026, 3, 20), facts=award)
    return svc, now, case_id


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(first=st.integers(0, 20), second=st.integers(0, 20), applicant_first=st.booleans())
def test_a_non_final_award_takes_effect_the_day_after_the_last_party_s_period(
    tmp_path_factory: pytest.TempPathFactory, first: int, second: int, applicant_first: bool
) -> None:
    """L 50, P10: whatever the two receipt days, each party's 15 days run from its own receipt; the
    award takes effect on the day after the later period ran out, and never earlier by hand."""
    svc, now, case_id = _awarded(
        tmp_path_factory.mktemp("arb"), [{"item": "工资", "category": "pay", "amount": 100, "final": False}]
    )
    days = {"applicant": D(2026, 3, 23) + dt.timedelta(days=first)}
    days["respondent"] = days["applicant"] + dt.timedelta(days=second)
    if not applicant_first:
        days = {"applicant": days["respondent"], "respondent": days["applicant"]}
    for recipient, day in sorted(days.items(), key=lambda kv: kv[1]):
        now.to(day)
        svc.fire(case_id, "deliver_award", CLERK, day, facts={"recipient": recipient})
    view = svc.get(case_id)
    due = {p: view.deadlines[f"challenge_{p}"].due_on for p in ("applicant", "respondent")}
    for p in due:
        assert due[p] is not None and due[p] >= days[p] + dt.timedelta(days=15)
        assert (due[p] - days[p]).days <= 15 + 9  # rolled over a holiday at most (Labour Day, P2)
    last = max(d for d in due.values() if d is not None)
    now.to(last)
    version = svc.get(case_id).version
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "take_effect", CLERK, last)
    assert err.value.code == "deadline" and svc.get(case_id).version == version
    scan(svc, last)
    assert svc.get(case_id).stage == "awarded"
    now.to(last + dt.timedelta(days=3))
    scan(svc, last + dt.timedelta(days=3))
    view = svc.get(case_id)
    assert view.stage == "effective" and view.closed_on == last + dt.timedelta(days=1)


def test_the_employer_may_not_sue_on_a_final_award_and_the_worker_may_not_apply_to_set_it_aside(
    tmp_path: Path,
) -> None:
    svc, now, case_id = _awarded(
        tmp_path, [{"item": "年休假工资", "category": "labour_standard", "amount": 3600, "final": True}]
    )
    now.to(D(2026, 3, 25))
    for recipient in ("applicant", "respondent"):
        svc.fire(case_id, "deliver_award", CLERK, D(2026, 3, 23), facts={"recipient": recipient})
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "sue", Actor("u:r", "respondent"), D(2026, 3, 25))
    assert err.value.code == "role" and "第四十八条" in err.value.message
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "apply_set_aside", Actor("u:p", "applicant"), D(2026, 3, 25))
    assert err.value.code == "role"
    # an employer that applies against a worker: the worker is the respondent, and may sue
    svc.fire(case_id, "record_particulars", CLERK, D(2026, 3, 25), facts={"respondent_type": "worker"})
    assert svc.get(case_id).facts["worker_side"] == "applicant"  # fixed by the award, as it was made


# ------------------------------------------------------------------------- the award's text


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def _award(facts: dict[str, Any], doc: str = "award_document") -> str:
    snap = demo_snapshot(ARB, doc, facts)
    return _text(render_for_case(ARB, doc, snap).content)


def test_the_award_orders_stand_under_its_heading_after_the_findings_and_reasons() -> None:
    text = _award(dict(DEMO_FACTS))
    assert (
        text.index("经审理查明")
        < text.index("仲裁庭认为")
        < text.index("裁决如下")
        < text.index("一、被申请人")
    )
    # 48,000 awarded of 64,000 claimed for the non-final item: the rest is dismissed
    assert "二、驳回申请人的其他仲裁请求。" in text
    for name in ("首席仲裁员钱晓东", "仲裁员孙立群", "仲裁员李明华", "书记员周倩"):
        assert name in text


def test_the_award_says_mediation_failed_only_when_it_was_attempted() -> None:
    assert "仲裁庭主持调解未能达成协议" in _award(dict(DEMO_FACTS, mediation_attempted=True))
    assert "仲裁庭主持调解未能达成协议" not in _award(dict(DEMO_FACTS, mediation_attempted=False))


def test_an_award_of_all_that_was_claimed_dismisses_nothing() -> None:
    claims = [dict(c, awarded=c["amount"]) for c in DEMO_FACTS["claims"]]
    text = _award(dict(DEMO_FACTS, claims=claims))
    assert "驳回" not in text
    claims = [{"item": "工资", "category": "pay", "amount": 0, "final": False}]
    assert "驳回申请人的全部仲裁请求" in _award(dict(DEMO_FACTS, claims=claims, awarded_amount=0))


def test_the_final_award_is_in_force_from_the_day_it_was_made() -> None:
    facts = dict(DEMO_FACTS, final_award_in_force_on=D(2026, 2, 10))
    assert "自作出之日（二〇二六年二月十日）起发生法律效力" in _award(facts, "final_award_document")


def test_a_rejection_for_lack_of_jurisdiction_names_the_competent_commission() -> None:
    snap = demo_snapshot(ARB, "rejection_notice")
    snap = dataclasses.replace(
        snap,
        facts={
            **snap.facts,
            "rejection_ground": "jurisdiction",
            "transfer_to": "杭州市上城区劳动人事争议仲裁委员会",
        },
    )
    text = _text(render_for_case(ARB, "rejection_notice", snap).content)
    assert "请你向杭州市上城区劳动人事争议仲裁委员会申请仲裁" in text and "第三十一条" in text
    assert "向人民法院提起诉讼" not in text
