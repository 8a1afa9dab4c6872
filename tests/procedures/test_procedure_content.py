"""The legal content of the shipped rule sets (procedures/*.yaml, procedures/regions/*.yaml).

Not the language (tests of engine.procedures.dsl, layers and compiler do that) but the law it encodes: every
deadline cites its article, the R 80 units, the award period and its extension, DESIGN.md section 4's
national vocabulary, the simple and collective tracks, the final-award rule of R 50 and the regional
differences. A few tests run real cases through engine.cases.runtime on an in-memory SQLite database.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.dates.periods import Period
from engine.errors import EventNotAllowed
from engine.expr import Scope, evaluate
from engine.oversight.scan import scan
from engine.procedures.library import ProcedureLibrary
from engine.procedures.model import Procedure
from engine.store.db import Database
from engine.store.tables import InstitutionRow
from tests.paths import ROOT

ARTICLE = re.compile(r"第[一二三四五六七八九十百零]+条")
D = dt.date


@pytest.fixture(scope="module")
def library() -> ProcedureLibrary:
    return ProcedureLibrary.load(ROOT / "procedures", ROOT / "codes", ROOT / "documents")


@pytest.fixture(scope="module")
def arb(library: ProcedureLibrary) -> Procedure:
    return library.get("arbitration")


ALL_IDS = ("arbitration", "mediation", "zhejiang", "guangxi")


# ---------------------------------------------------------------------------------- every deadline


@pytest.mark.parametrize("pid", ALL_IDS)
def test_every_deadline_cites_an_article_in_chinese(library: ProcedureLibrary, pid: str) -> None:
    proc = library.get(pid)
    assert proc.deadlines
    for d in proc.deadlines.values():
        assert ARTICLE.search(d.basis), f"{pid}.{d.id}: basis '{d.basis}' cites no article"
        assert re.search(r"[\u4e00-\u9fff]", d.title), f"{pid}.{d.id}: title not in Chinese"


@pytest.mark.parametrize("pid", ALL_IDS)
def test_r80_units_three_five_ten_are_workdays_fifteen_and_more_are_days(
    library: ProcedureLibrary, pid: str
) -> None:
    # R 80 (and policy P1): 3/5/10 days in the Rules and the Law are working days, 15/30/45 calendar days.
    proc = library.get(pid)
    for d in proc.deadlines.values():
        cites_rules = "办案规则" in d.basis or "调解仲裁法" in d.basis or "协商调解规定" in d.basis
        if d.limit.n in (3, 5) and cites_rules:
            assert d.limit.unit == "workdays", f"{pid}.{d.id}: {d.limit} should be workdays (R 80)"
        if d.limit.n >= 15:
            assert d.limit.unit == "days", f"{pid}.{d.id}: {d.limit} should be calendar days"


def test_named_limits_and_units(arb: Procedure) -> None:
    expected = {
        "acceptance": Period(5, "workdays"),
        "service": Period(5, "workdays"),
        "tribunal_notice": Period(5, "workdays"),
        "defence": Period(10, "workdays"),
        "defence_copy": Period(5, "workdays"),
        "counterclaim_decision": Period(5, "workdays"),
        "recusal_decision": Period(3, "workdays"),
        "collective_notice": Period(5, "workdays"),
        "posting": Period(3, "workdays"),
        "entrusted_mediation": Period(10, "workdays"),
        "revocation_notice": Period(5, "workdays"),
        "award": Period(45, "days"),
        "public_notice": Period(30, "days"),
        "challenge_applicant": Period(15, "days"),
        "challenge_respondent": Period(15, "days"),
        "set_aside": Period(30, "days"),
    }
    assert {k: arb.deadlines[k].limit for k in expected} == expected
    assert all(arb.deadlines[k].statutory for k in expected)


def test_award_period_extension_45_plus_15_once_by_the_director(arb: Procedure) -> None:
    award = arb.deadlines["award"]
    assert award.extension is not None
    assert award.extension.up_to == Period(15, "days")
    assert award.extension.times == 1
    assert award.extension.fact == "days"
    extend = arb.actions[award.extension.by]
    assert extend.id == "extend_award_period"
    assert extend.roles == ("director",)
    assert "days" in extend.needs
    assert "extension_notice" in extend.produces
    assert ARTICLE.search(award.basis) and "第四十三条" in award.basis and "第四十五条" in award.basis


def test_award_period_pauses_resumes_and_restarts_as_r46_says(arb: Procedure) -> None:
    award = arb.deadlines["award"]
    assert set(award.pauses_on) >= {"suspend", "serve_by_public_notice"}  # R 46(6)
    assert set(award.resumes_on) >= {"resume", "public_notice_served"}
    # R 46(1) party added, (3) claims changed, (4) counterclaim merged, (5) transfer received
    assert set(award.restarts_on) == {"add_party", "amend_claims", "merge_counterclaim", "transfer_in"}
    # R 61 (T30): converting a simple case keeps the original anchor: no restart
    assert "convert_to_ordinary" not in award.restarts_on
    assert "convert_to_ordinary" in arb.actions


# ---------------------------------------------------------------------------------- DESIGN.md section 4


def test_national_roles_facts_documents(arb: Procedure) -> None:
    assert {"applicant", "respondent", "clerk", "arbitrator", "director", "supervisor"} <= set(arb.roles)
    assert arb.facts["claim_amount"].type == "money" and not arb.facts["claim_amount"].has_default
    assert arb.facts["workers"].type == "int" and arb.facts["workers"].default == 1
    # a case opens with claim_amount alone: every other fact has a default, or is an optional code, or
    # a date that guards read only through `== null` (true while unset) or as a fact the action needs
    no_default = {f.id for f in arb.facts.values() if not f.has_default}
    assert no_default == {
        "claim_amount",
        "applicant_type",
        "respondent_type",
        "case_source",
        "industry",
        "channel",
        "outcome",
        "defence_until",
        "evidence_until",
        "hearing_on",
        # limitation (P12): optional dates, read by accept's `sets:` only after `!= null`
        "dispute_arose_on",
        "employment_ended_on",
        # L 27(2), (3): interruption and suspension, read through latest() and `!= null`
        "limitation_interrupted_on",
        "limitation_suspended_from",
        "limitation_suspended_until",
        "limitation_runs_from",
        "limitation_ends_on",
        # the award stage: set by the award and each delivery, read after `!= null` / `== null`
        "award_made_on",
        "final_award_in_force_on",
        "applicant_received_award_on",
        "respondent_received_award_on",
        "set_aside_applied_on",
    }
    assert arb.documents["application"].kind == "submitted"
    assert arb.documents["applicant_identity"].kind == "submitted"
    assert arb.actions["accept"].requires == ("application", "applicant_identity")


def test_national_stages_and_closures(arb: Procedure) -> None:
    assert arb.initial_stage == "received"
    assert {"received", "amending", "accepted", "heard", "suspended", "awarded"} <= set(arb.stages)
    closures = {s.id: s.closure for s in arb.stages.values() if s.final}
    assert {k: closures[k] for k in ("rejected", "withdrawn", "mediated", "effective", "in_court")} == {
        "rejected": "not_accepted",
        "withdrawn": "withdrawal",
        "mediated": "mediation",
        "effective": "award",
        "in_court": "award",
    }
    assert not any(
        arb.stages[s].final for s in ("received", "amending", "accepted", "heard", "suspended", "awarded")
    )


# action -> (sources, target or "stays"/"returns", roles that must be allowed, clock operations)
VOCABULARY = {
    "request_materials": ({"received"}, "amending", {"clerk"}, {"acceptance": {"stop"}}),
    "complete_materials": ({"amending"}, "received", {"clerk"}, {"acceptance": {"start"}}),
    "accept": (
        {"received"},
        "accepted",
        {"clerk"},
        {"acceptance": {"stop"}, "service": {"start"}, "tribunal_notice": {"start"}, "award": {"start"}},
    ),
    "reject": ({"received"}, "rejected", {"clerk"}, {"acceptance": {"stop"}}),
    "serve_respondent": ({"accepted"}, "stays", {"clerk"}, {"service": {"stop"}, "defence": {"start"}}),
    "file_defence": ({"accepted"}, "stays", {"respondent", "clerk"}, {"defence": {"stop"}}),
    "notify_tribunal": ({"accepted"}, "stays", {"clerk"}, {"tribunal_notice": {"stop"}}),
    "hold_hearing": ({"accepted"}, "heard", {"arbitrator"}, {}),
    "suspend": ({"accepted", "heard"}, "suspended", {"director"}, {"award": {"pause"}}),
    "resume": ({"suspended"}, "returns", {"director"}, {"award": {"resume"}}),
    "extend_award_period": (None, "stays", {"director"}, {"award": {"extend"}}),
    "amend_claims": (None, "stays", {"clerk"}, {"award": {"restart"}}),
    "add_party": (None, "stays", {"clerk"}, {"award": {"restart"}}),
    "merge_counterclaim": (None, "stays", None, {"award": {"restart"}}),
    "transfer_in": (None, None, None, {"award": {"restart"}}),
    "mediate": ({"accepted", "heard"}, "mediated", {"arbitrator"}, {"award": {"stop"}}),
    "award": ({"heard"}, "awarded", {"arbitrator"}, {"award": {"stop"}}),
    "deliver_award": (
        {"awarded"},
        "stays",
        {"clerk"},
        {"challenge_applicant": {"start"}, "challenge_respondent": {"start"}, "set_aside": {"start"}},
    ),
    "sue": (
        {"awarded"},
        "in_court",
        {"applicant", "respondent"},
        {"challenge_applicant": {"stop"}, "challenge_respondent": {"stop"}, "set_aside": {"stop"}},
    ),
}


@pytest.mark.parametrize("action_id", sorted(VOCABULARY))
def test_national_actions_do_what_design_says(arb: Procedure, action_id: str) -> None:
    sources, target, roles, ops = VOCABULARY[action_id]
    a = arb.actions[action_id]
    if sources is not None:
        assert set(a.sources) == sources
    if target == "stays":
        assert a.stays
    elif target == "returns":
        assert a.returns
    elif target is not None:
        assert a.target == target
    if roles is not None:
        assert roles <= set(a.roles)
    got = {k: set(v) for k, v in arb.deadlines_operated_by(action_id).items()}
    for deadline_id, want in ops.items():
        assert want <= got.get(deadline_id, set()), f"{action_id} on {deadline_id}: {got.get(deadline_id)}"


def test_opening_starts_acceptance_and_only_it(arb: Procedure) -> None:
    assert arb.deadlines_operated_by("open") == {"acceptance": ("start",)}


def test_documents_of_the_vocabulary(arb: Procedure) -> None:
    assert arb.actions["accept"].produces[0] == "acceptance_notice"
    assert "rejection_notice" in arb.actions["reject"].produces
    assert "mediation_document" in arb.actions["mediate"].produces
    assert {"award_document", "final_award_document"} <= set(arb.actions["award"].produces)
    assert {doc for doc, _ in arb.actions["award"].produces_when} == {
        "award_document",
        "final_award_document",
    }
    for doc in ("award_document", "final_award_document", "mediation_document", "interim_award"):
        assert arb.documents[doc].publish
    assert all(d.kind == "submitted" for d in arb.documents.values() if d.internal)
    assert arb.documents["extension_approval"].internal


def test_withdrawal_from_every_non_final_stage_before_the_award(arb: Procedure) -> None:
    withdraw = arb.actions["withdraw"]
    non_final = {s.id for s in arb.stages.values() if not s.final}
    assert set(withdraw.sources) == non_final - {"awarded", "revoking"}
    assert withdraw.target == "withdrawn" and withdraw.roles == ("applicant",)


def test_challenge_expiry_makes_the_award_effective(arb: Procedure) -> None:
    for did in ("challenge_applicant", "challenge_respondent", "set_aside"):
        deadline = arb.deadlines[did]
        assert deadline.on_expiry == "take_effect", did
    take_effect = arb.actions["take_effect"]
    # effective, or in court when the employer applied to set the final award aside (L 49; J1 21)
    assert take_effect.destinations == ("in_court", "effective")
    assert arb.actions["sue"].target == "in_court"


def test_party_windows_lapse_without_breach(arb: Procedure) -> None:
    assert arb.deadlines["defence"].lapses
    # the parties' windows after the award end without a breach: their expiry makes the award take
    # effect (or the case close) once the last of them has run out
    for did in ("challenge_applicant", "challenge_respondent", "set_aside"):
        assert arb.deadlines[did].on_expiry == "take_effect"
    assert not arb.deadlines["award"].lapses and arb.deadlines["award"].on_expiry is None


def test_deemed_withdrawal_bars_refiling(arb: Procedure) -> None:
    a = arb.actions["deem_withdrawn"]
    assert a.target == "deemed_withdrawn" and arb.stages["deemed_withdrawn"].closure == "deemed_withdrawal"
    assert dict((k, c.source) for k, c in a.sets)["refiling_barred"] == "true"


def test_schedule_hearing_has_the_p9_date_check(arb: Procedure) -> None:
    a = arb.actions["schedule_hearing"]
    assert "hearing_on" in a.needs and a.roles == ("arbitrator",)
    date_checks = [c for c in a.when if c.code == "date"]
    assert any("workdays_before(hearing_on, 5)" in c.source for c in date_checks)
    assert all(c.message and re.search(r"[\u4e00-\u9fff]", c.message) for c in a.when)


# ---------------------------------------------------------------------------------- R 50: final awards

CATEGORIES = st.sampled_from(["pay", "medical", "severance", "damages", "labour_standard", "other"])
ITEMS = st.fixed_dictionaries(
    {
        "item": st.just("请求"),
        "amount": st.decimals(min_value=0, max_value=200000, places=2),
        "category": CATEGORIES,
        "final": st.booleans(),
    }
)


@functools.cache
def _national() -> Procedure:
    return ProcedureLibrary.load(ROOT / "procedures", ROOT / "codes", ROOT / "documents").get("arbitration")


def _produced(arb: Procedure, claims: list[dict[str, object]]) -> set[str]:
    names = {"claims": claims, "monthly_min_wage": Decimal(2490)}
    return {
        doc for doc, check in arb.actions["award"].produces_when if evaluate(check.expr, Scope(names)).value
    }


@settings(max_examples=60)
@given(st.lists(ITEMS, max_size=6))
def test_r50_separate_documents_for_final_and_non_final_items(claims: list[dict[str, object]]) -> None:
    arb = _national()
    produced = _produced(arb, claims)
    assert produced, "an award always produces at least one award document"
    assert ("final_award_document" in produced) == any(c["final"] for c in claims)
    assert ("award_document" in produced) == (not claims or not all(c["final"] for c in claims))


@settings(max_examples=60)
@given(st.lists(ITEMS, max_size=6), st.sampled_from([0, 2280, 2490]))
def test_r50_final_items_within_twelve_months_of_minimum_wage(
    claims: list[dict[str, object]], wage: int
) -> None:
    arb = _national()
    (check,) = [
        c for c in arb.actions["award"].when if c.code == "facts" and "第四十七条" in (c.message or "")
    ]
    allowed = evaluate(check.expr, Scope({"claims": claims, "monthly_min_wage": Decimal(wage)})).value

    def item_ok(c: dict[str, object]) -> bool:
        if not c["final"] or c["category"] == "labour_standard":
            return True
        amount = c["amount"]
        assert isinstance(amount, Decimal)
        return (
            c["category"] in ("pay", "medical", "severance", "damages") and wage > 0 and amount <= 12 * wage
        )

    assert allowed == all(item_ok(c) for c in claims)


def test_national_minimum_wage_is_unset_and_regions_set_it(library: ProcedureLibrary) -> None:
    assert library.get("arbitration").params["monthly_min_wage"].at(D(2026, 1, 1)) == 0
    assert library.get("zhejiang").params["monthly_min_wage"].at(D(2026, 1, 1)) > 0
    assert library.get("guangxi").params["monthly_min_wage"].at(D(2026, 1, 1)) > 0


# ---------------------------------------------------------------------------------- tracks and regions


def test_collective_track(arb: Procedure) -> None:
    notice = arb.deadlines["collective_notice"]
    assert notice.when is not None and "workers >= 10" in notice.when.source
    assert "第六十四条" in notice.basis
    checks = " ".join(c.source for c in arb.actions["notify_tribunal"].when)
    assert "tribunal_size == 3" in checks  # R 65


def test_zhejiang_overlay(library: ProcedureLibrary) -> None:
    zj = library.get("zhejiang")
    assert zj.region == "33" and zj.extends == "arbitration"
    simple = zj.deadlines["simple_closure"]
    assert simple.limit == Period(30, "days") and simple.when is not None and "simple" in simple.when.source
    assert "浙江省劳动人事争议调解仲裁条例第三十九条" in simple.basis
    assert "convert_to_ordinary" in simple.ends_on
    collective = zj.deadlines["public_notice_collective"]
    assert collective.limit == Period(10, "days") and "第四十一条" in collective.basis
    # national limits are inherited, never lengthened (P13)
    national = library.get("arbitration")
    for did, d in national.deadlines.items():
        assert zj.deadlines[did].limit == d.limit


def test_guangxi_overlay(library: ProcedureLibrary) -> None:
    gx = library.get("guangxi")
    assert gx.region == "45" and gx.calendar == "cn" and gx.extends == "arbitration"


def test_mediation_procedure(library: ProcedureLibrary) -> None:
    med = library.get("mediation")
    assert med.deadlines["committee_acceptance"].limit == Period(3, "workdays")
    mediation = med.deadlines["mediation"]
    assert mediation.limit == Period(15, "days") and mediation.starts_on == ("open",)  # P14: from receipt
    assert med.deadlines["review_window"].limit == Period(15, "days")
    assert med.deadlines["confirmation_window"].limit == Period(30, "days")
    review = med.deadlines["review"]
    assert review.limit == Period(5, "workdays")
    assert review.extension is not None and review.extension.up_to == Period(5, "workdays")
    assert review.extension.times == 1 and med.actions[review.extension.by].roles == ("director",)


# ---------------------------------------------------------------------------------- real cases


@pytest.fixture()
def service(library: ProcedureLibrary) -> Iterator[tuple[CaseService, list[dt.datetime]]]:
    db = Database("sqlite://")
    db.init_db()
    with db.transaction() as s:
        s.add(InstitutionRow(id="zj", name="杭州市劳动人事争议仲裁委员会", region_code="330100"))
    now = [dt.datetime(2026, 9, 29, 10)]
    yield CaseService(db, library, now=lambda: now[0]), now
    db.dispose()


def _fire(
    svc: CaseService, now: list[dt.datetime], case: int, action: str, at: dt.date, role: str, **facts: object
) -> None:
    now[0] = dt.datetime.combine(at, dt.time(10))
    # the tribunal's names and an award's findings and reasons, which every award needs (L 46; R 49)
    facts = {**_STANDARD_FACTS.get(action, {}), **facts}
    svc.fire(case, action, Actor("u-" + role, role), at, facts=facts or None)


_STANDARD_FACTS: dict[str, dict[str, object]] = {
    "notify_tribunal": {
        "presiding_arbitrator": "王仲裁",
        "arbitrators": ["赵仲裁", "钱仲裁"],
        "clerk_name": "孙书记",
    },
    "award": {"findings": "经审理查明的事实。", "reasons": "仲裁庭认为的理由。"},
}


def _accepted(svc: CaseService, now: list[dt.datetime], procedure: str, **facts: object) -> int:
    opened = {"claim_amount": 20000, "applicant_name": "张三", "applicant_gender": "男", **facts}
    # the track is chosen on acceptance (`accept` takes it), the rest when the application comes in
    on_acceptance = {k: opened.pop(k) for k in ("track", "representatives") if k in opened}
    case = svc.open_case(procedure, D(2026, 9, 29), opened, "zj", Actor("c", "clerk")).id
    now[0] = dt.datetime(2026, 10, 9, 10)
    svc.attach(case, ["application", "applicant_identity"], D(2026, 10, 9), Actor("c", "clerk"))
    _fire(svc, now, case, "accept", D(2026, 10, 9), "clerk", **on_acceptance)
    return case


def test_hearing_notice_must_reach_the_parties_five_workdays_before(
    service: tuple[CaseService, list[dt.datetime]],
) -> None:
    svc, now = service
    case = _accepted(svc, now, "arbitration")
    _fire(svc, now, case, "notify_tribunal", D(2026, 10, 12), "clerk")
    _fire(svc, now, case, "serve_respondent", D(2026, 10, 12), "clerk")
    with pytest.raises(EventNotAllowed) as refused:
        _fire(svc, now, case, "schedule_hearing", D(2026, 10, 13), "arbitrator", hearing_on=D(2026, 10, 16))
    assert refused.value.code == "date"
    # P9: the 5th working day before Fri 2026-10-16 is Sat 2026-10-10 (a make-up working day), so
    # 10-13 is late; before Tue 2026-10-20 it is 10-13 itself: allowed
    _fire(svc, now, case, "schedule_hearing", D(2026, 10, 13), "arbitrator", hearing_on=D(2026, 10, 20))
    assert svc.get(case).facts["hearing_scheduled"] is True


def test_hearing_not_set_before_the_respondent_is_served(
    service: tuple[CaseService, list[dt.datetime]],
) -> None:
    """Found by `procedures check`: without this, an award could be made to a respondent who never
    received the application, and the statutory service period ran on into `awarded`."""
    svc, now = service
    case = _accepted(svc, now, "arbitration")
    _fire(svc, now, case, "notify_tribunal", D(2026, 10, 12), "clerk")
    version = svc.get(case).version
    with pytest.raises(EventNotAllowed) as refused:
        _fire(svc, now, case, "schedule_hearing", D(2026, 10, 13), "arbitrator", hearing_on=D(2026, 10, 27))
    assert refused.value.code == "guard" and "送达" in refused.value.message
    assert svc.get(case).version == version
    _fire(svc, now, case, "serve_respondent", D(2026, 10, 13), "clerk")
    _fire(svc, now, case, "schedule_hearing", D(2026, 10, 13), "arbitrator", hearing_on=D(2026, 10, 27))
    assert svc.get(case).facts["hearing_scheduled"] is True


def test_hold_hearing_refused_unless_scheduled(service: tuple[CaseService, list[dt.datetime]]) -> None:
    svc, now = service
    case = _accepted(svc, now, "arbitration")
    with pytest.raises(EventNotAllowed) as refused:
        _fire(svc, now, case, "hold_hearing", D(2026, 10, 20), "arbitrator")
    assert refused.value.code == "guard"
    assert svc.get(case).stage == "accepted"


def test_final_pay_item_refused_nationally_allowed_in_zhejiang(
    service: tuple[CaseService, list[dt.datetime]],
) -> None:
    svc, now = service
    claims = [{"item": "拖欠工资", "amount": 20000, "category": "pay", "final": True}]
    for procedure, allowed in (("arbitration", False), ("zhejiang", True)):
        case = _accepted(svc, now, procedure)
        _fire(svc, now, case, "notify_tribunal", D(2026, 10, 12), "clerk")
        _fire(svc, now, case, "serve_respondent", D(2026, 10, 12), "clerk")
        _fire(svc, now, case, "schedule_hearing", D(2026, 10, 13), "arbitrator", hearing_on=D(2026, 10, 27))
        _fire(svc, now, case, "hold_hearing", D(2026, 10, 27), "arbitrator")
        if allowed:
            _fire(svc, now, case, "award", D(2026, 11, 10), "arbitrator", claims=claims)
            view = svc.get(case)
            assert view.stage == "awarded"
        else:
            with pytest.raises(EventNotAllowed) as refused:
                _fire(svc, now, case, "award", D(2026, 11, 10), "arbitrator", claims=claims)
            assert refused.value.code == "facts" and "第五十条" in str(refused.value)


def test_zhejiang_simple_closure_runs_only_for_simple_cases(
    service: tuple[CaseService, list[dt.datetime]],
) -> None:
    svc, now = service
    ordinary = _accepted(svc, now, "zhejiang")
    simple = _accepted(svc, now, "zhejiang", track="simple")
    assert "simple_closure" not in _running(svc, ordinary)
    assert "simple_closure" in _running(svc, simple)
    _fire(svc, now, simple, "convert_to_ordinary", D(2026, 10, 20), "arbitrator")
    running = _running(svc, simple)
    assert "simple_closure" not in running and "award" in running  # R 61: the award clock goes on


def _running(svc: CaseService, case: int) -> set[str]:
    deadlines = svc.get(case).deadlines
    rows = deadlines.values() if isinstance(deadlines, dict) else deadlines
    return {getattr(d, "deadline_id", None) or getattr(d, "id", "") for d in rows if d.status == "running"}


def test_mediation_fails_when_fifteen_days_from_receipt_pass(
    service: tuple[CaseService, list[dt.datetime]],
) -> None:
    svc, now = service
    now[0] = dt.datetime(2025, 4, 20, 10)
    case = svc.open_case(
        "mediation", D(2025, 4, 20), {"claim_amount": 8000}, "zj", Actor("m", "committee")
    ).id
    due = {k: d.due_on for k, d in svc.get(case).deadlines.items()}
    # docs/law.md (d): 2025-04-20 (Sun) + 15 days = 05-05 (holiday) -> 05-06; M 22: 3 WD -> 04-23
    assert due == {"committee_acceptance": D(2025, 4, 23), "mediation": D(2025, 5, 6)}
    now[0] = dt.datetime(2025, 5, 7, 10)
    scan(svc, D(2025, 5, 7))
    view = svc.get(case)
    assert view.stage == "failed" and view.closure == "other"
    assert view.breaches == ("committee_acceptance",)


def test_transfer_restarts_the_award_period_from_receipt(
    service: tuple[CaseService, list[dt.datetime]],
) -> None:
    svc, now = service
    case = _accepted(svc, now, "arbitration")  # accepted 2026-10-09
    _fire(svc, now, case, "serve_respondent", D(2026, 10, 12), "clerk")
    _fire(svc, now, case, "transfer_out", D(2026, 10, 13), "director")
    paused = svc.get(case).deadlines
    assert paused["award"].status == "paused" and paused["tribunal_notice"].status == "stopped"
    _fire(svc, now, case, "transfer_in", D(2026, 10, 19), "clerk")
    view = svc.get(case)
    # R 46(5): 45 days from the day the receiving commission takes the case; its own tribunal notice
    assert view.deadlines["award"].due_on == D(2026, 12, 3)
    assert view.deadlines["tribunal_notice"].due_on == D(2026, 10, 26)
    assert view.deadlines["service"].status == "stopped"  # the respondent was served already


def test_regions_cannot_switch_off_the_national_vocabulary() -> None:
    import yaml

    spec = yaml.safe_load((ROOT / "procedures" / "arbitration.yaml").read_text(encoding="utf-8"))
    for stage in ("received", "amending", "accepted", "heard", "suspended", "awarded", "rejected", "withdrawn",
                  "mediated", "effective", "in_court"):  # fmt: skip
        assert spec["stages"][stage].get("mandatory") is True, stage
    for action in VOCABULARY:
        assert spec["actions"][action].get("mandatory") is True, action
    for document in ("application", "applicant_identity"):
        assert spec["documents"][document].get("mandatory") is True, document


def test_zhejiang_collective_public_notice_is_ten_days(
    service: tuple[CaseService, list[dt.datetime]],
) -> None:
    svc, now = service
    for workers, running, due in (
        (12, "public_notice_collective", D(2026, 10, 22)),
        (1, "public_notice", D(2026, 11, 11)),
    ):
        case = _accepted(svc, now, "zhejiang", workers=workers)
        _fire(svc, now, case, "serve_by_public_notice", D(2026, 10, 12), "clerk")
        deadlines = svc.get(case).deadlines
        assert deadlines[running].due_on == due
        other = {"public_notice", "public_notice_collective"} - {running}
        assert all(d not in deadlines or deadlines[d].status != "running" for d in other)
        assert deadlines["award"].status == "paused"  # R 46(6): the notice period is not counted
