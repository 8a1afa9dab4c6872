"""Legal gaps closed after review: deemed service dated on the last day of its period (R 20, CPL 95),
the limitation hint (L 27, P12), identifier checks on party facts (GB 11643, GB 32100) and a natural
person respondent masked for publication.

Expected dates are computed by hand from docs/law.md (worked examples T35, T36 and the 2026 holiday
notice H26); the scenario files under tests/scenarios/arbitration/ carry the same cases end to end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.cases.casefile import Actor
from engine.cases.facts import check_facts
from engine.codes.identifiers import uscc_check_char
from engine.dates.periods import Period
from engine.documents.demo import DEMO_FACTS, demo_snapshot
from engine.documents.masking import Masker
from engine.documents.render import render_for_case
from engine.errors import BadInput, EventNotAllowed
from engine.oversight.scan import scan
from engine.procedures.compiler import spec_snapshot
from engine.procedures.deadline_specs import DeadlineSpec, FireSpec
from engine.procedures.dsl import FactSpec, ProcedureSpec
from engine.procedures.library import ProcedureLibrary
from engine.procedures.model import Deadline
from tests.fixtures_runtime import prepared_db

D = dt.date
CLERK = Actor("u-clerk", "clerk")
PARTIES = {"applicant_name": "李四", "applicant_gender": "女", "respondent_name": "某某科技有限公司"}


# ------------------------------------------------------------------ on_expiry: {fire, at}


def test_fire_spec_defaults_to_next_day_and_accepts_due() -> None:
    assert FireSpec(fire="x").at == "next_day"
    assert FireSpec.model_validate({"fire": "x", "at": "due"}).at == "due"
    with pytest.raises(ValidationError):
        FireSpec.model_validate({"fire": "x", "at": "later"})


def test_default_at_is_left_out_of_the_snapshot_so_old_hashes_hold() -> None:
    base: dict[str, Any] = {
        "title": "t",
        "limit": "3 workdays",
        "basis": "b",
        "starts_on": ["a"],
        "on_expiry": {"fire": "a"},
    }
    plain = DeadlineSpec.model_validate(base).model_dump(mode="json")
    assert plain["on_expiry"] == {"fire": "a"}
    due = DeadlineSpec.model_validate({**base, "on_expiry": {"fire": "a", "at": "due"}}).model_dump(
        mode="json"
    )
    assert due["on_expiry"] == {"fire": "a", "at": "due"}
    assert "check" not in FactSpec(type="text").model_dump(mode="json")


def _deadline(at: str) -> Deadline:
    return Deadline(
        "d",
        "d",
        Period(3, "workdays"),
        True,
        "b",
        ("a",),
        on_expiry="a",
        expiry_at=at,  # type: ignore[arg-type]
    )


@given(st.dates(D(2000, 1, 1), D(2090, 1, 1)), st.integers(1, 400))
def test_expiry_effective_date(due: dt.date, late: int) -> None:
    as_of = due + dt.timedelta(days=late)  # the scan runs only after the due date (P10)
    assert _deadline("due").expiry_effective_on(due, as_of) == due
    assert _deadline("next_day").expiry_effective_on(due, as_of) == due + dt.timedelta(days=1)


def test_national_deemed_service_is_dated_on_the_due_date(arb_library: ProcedureLibrary) -> None:
    arb = arb_library.get("arbitration")
    assert arb.deadlines["posting"].expiry_at == "due"  # R 20
    assert arb.deadlines["public_notice"].expiry_at == "due"  # CPL 95
    assert (
        arb.deadlines["challenge_applicant"].expiry_at == "next_day"
    )  # L 50: after the 15 days have run out
    assert arb.deadlines["challenge_respondent"].expiry_at == "next_day"
    assert arb.deadlines["set_aside"].expiry_at == "next_day"  # L 49: the 30th day included
    zj = arb_library.get("zhejiang")
    assert zj.deadlines["public_notice_collective"].expiry_at == "due"  # ZJ 41
    assert zj.deadlines["public_notice"].expiry_at == "due"  # inherited from the national rule
    assert arb_library.get("guangxi").deadlines["posting"].expiry_at == "due"


def _accepted(svc: Any, now: Any, opened: dt.date, accepted: dt.date) -> int:
    now.to(opened)
    case: int = svc.open_case("arbitration", opened, {"claim_amount": 20000, **PARTIES}, "inst", CLERK).id
    now.to(accepted)
    svc.attach(case, ["application", "applicant_identity"], accepted, CLERK)
    svc.fire(case, "accept", CLERK, accepted)
    return case


@pytest.mark.parametrize("scan_on", [D(2026, 2, 26), D(2026, 3, 2)])
def test_posting_deemed_served_on_the_third_workday_even_when_scanned_late(
    sqlite_url: str, arb_library: ProcedureLibrary, make_service: Any, scan_on: dt.date
) -> None:
    # T35: posted Fri 2026-02-13; Sat 02-14 make-up (1), 02-15..02-23 Spring Festival, 02-24 (2),
    # 02-25 (3): deemed served 2026-02-25. Defence: 02-26, 02-27, Sat 02-28 (make-up), 03-02..03-06,
    # 03-09, 03-10 -> 2026-03-10.
    svc, now = make_service(prepared_db(sqlite_url), arb_library, D(2026, 2, 11))
    case = _accepted(svc, now, D(2026, 2, 11), D(2026, 2, 12))
    now.to(D(2026, 2, 13))
    svc.fire(case, "serve_by_posting", CLERK, D(2026, 2, 13), facts={"refused_to_sign": True})
    now.to(scan_on)
    report = scan(svc, scan_on)
    assert (case, "posting", "posting_served") in report.fired
    served = [e for e in svc.history(case) if e.action == "posting_served"]
    assert len(served) == 1
    event = served[0]
    assert event.effective_on == D(2026, 2, 25)
    assert event.role == "system" and event.backdated  # recorded later, effective on the due date
    view = svc.get(case)
    assert view.deadlines["defence"].due_on == D(2026, 3, 10)
    assert view.deadlines["posting"].status == "stopped"
    assert scan(svc, scan_on).fired == []  # idempotent


# ------------------------------------------------------------------ identifier checks


def test_identifier_check_only_on_text_facts() -> None:
    assert FactSpec(type="text", check="uscc").check == "uscc"
    with pytest.raises(ValidationError, match="only for facts of type 'text'"):
        FactSpec(type="int", check="resident_id")
    with pytest.raises(ValidationError):
        FactSpec.model_validate({"type": "text", "check": "passport"})


def test_identifier_checks_in_the_national_procedures(arb_library: ProcedureLibrary) -> None:
    for pid in ("arbitration", "mediation", "zhejiang", "guangxi"):
        proc = arb_library.get(pid)
        assert proc.facts["applicant_id_number"].check == "resident_id", pid
        assert proc.facts["respondent_uscc"].check == "uscc", pid


def test_resident_id_fact(arb_library: ProcedureLibrary) -> None:
    arb = arb_library.get("arbitration")
    on = D(2026, 3, 2)
    # GB 11643 example number, lower-case x normalised
    assert check_facts(arb, {"applicant_id_number": "11010519491231002x"}, on=on) == {
        "applicant_id_number": "11010519491231002X"
    }
    assert check_facts(arb, {"applicant_id_number": ""}, on=on) == {"applicant_id_number": ""}
    with pytest.raises(BadInput) as refused:
        check_facts(arb, {"applicant_id_number": "110105194912310021"}, on=on)
    assert refused.value.field == "applicant_id_number"
    assert "身份证号码 110105194912310021 校验位错误，应为X" in str(refused.value)
    assert "applicant_id_number" in str(refused.value)


@pytest.mark.parametrize("first17", ["N2440300MA5DA1B2C", "Y1110000MA01ABCD2", "A1110000MA01ABCD2"])
def test_uscc_of_authorities_n_y_a_pass(arb_library: ProcedureLibrary, first17: str) -> None:
    arb = arb_library.get("arbitration")
    code = first17 + uscc_check_char(first17)
    assert check_facts(arb, {"respondent_uscc": code}) == {"respondent_uscc": code}


def test_wrong_uscc_refused_by_fire_and_nothing_changes(
    sqlite_url: str, arb_library: ProcedureLibrary, make_service: Any
) -> None:
    svc, now = make_service(prepared_db(sqlite_url), arb_library, D(2026, 3, 2))
    case = _accepted(svc, now, D(2026, 3, 2), D(2026, 3, 2))
    before = svc.get(case)
    with pytest.raises(EventNotAllowed) as refused:
        svc.fire(
            case, "serve_respondent", CLERK, D(2026, 3, 2), facts={"respondent_uscc": "91110000600037341A"}
        )
    assert refused.value.code == "facts"
    assert refused.value.details["fact"] == "respondent_uscc"
    assert "校验位错误，应为L" in str(refused.value)
    after = svc.get(case)
    assert after.facts == before.facts and after.version == before.version


def test_wrong_resident_id_refused_at_opening(
    sqlite_url: str, arb_library: ProcedureLibrary, make_service: Any
) -> None:
    svc, _ = make_service(prepared_db(sqlite_url), arb_library, D(2026, 3, 2))
    facts = {"claim_amount": 20000, **PARTIES, "applicant_id_number": "110105194912310021"}
    with pytest.raises(BadInput, match="校验位错误，应为X"):
        svc.open_case("arbitration", D(2026, 3, 2), facts, "inst", CLERK)
    assert svc.list_cases() == []
    ok = svc.open_case(
        "arbitration", D(2026, 3, 2), {**facts, "applicant_id_number": "11010519491231002X"}, "inst", CLERK
    )
    assert ok.facts["applicant_id_number"] == "11010519491231002X"


def test_procedure_spec_keeps_hash_without_new_keys(arb_library: ProcedureLibrary) -> None:
    # the snapshot of every shipped procedure recompiles to its hash (the new keys are omitted when unset)
    from engine.procedures.compiler import compile_snapshot

    for pid in ("arbitration", "mediation", "zhejiang", "guangxi"):
        proc = arb_library.get(pid)
        assert compile_snapshot(proc.snapshot).content_hash == proc.content_hash
    spec = ProcedureSpec.model_validate(dict(arb_library.get("mediation").snapshot))
    assert spec_snapshot(spec) == dict(arb_library.get("mediation").snapshot)


# ------------------------------------------------------------------ respondent_type and publication


def test_respondent_type_is_an_optional_party_type(arb_library: ProcedureLibrary) -> None:
    fact = arb_library.get("arbitration").facts["respondent_type"]
    assert fact.type == "code" and fact.table == "party_types" and not fact.has_default


@pytest.mark.parametrize(
    ("respondent_type", "hidden"),
    [("worker", True), ("individual_contractor", True), ("employer", False), (None, False)],
)
def test_natural_person_respondent_is_masked_for_publication(
    arb_library: ProcedureLibrary, respondent_type: str | None, hidden: bool
) -> None:
    arbitration = arb_library.get("arbitration")
    facts = dict(
        DEMO_FACTS,
        applicant_type="employer" if respondent_type == "worker" else "worker",
        applicant_name="杭州某某网络有限公司" if respondent_type == "worker" else "李四",
        respondent_name="张三丰",
        award_summary="被申请人张三丰应于本裁决生效之日起十日内履行。",
    )
    if respondent_type is not None:
        facts["respondent_type"] = respondent_type
    snapshot = demo_snapshot(arbitration, "award_document", facts)
    public = render_for_case(arbitration, "award_document", snapshot, masked=True).content
    plain = render_for_case(arbitration, "award_document", snapshot).content
    assert "张三丰" in plain
    assert ("张三丰" not in public) is hidden
    if hidden:
        assert "张某" in public
    assert Masker.from_facts(facts).mask_facts(facts)["respondent_name"] == ("张某" if hidden else "张三丰")


# ------------------------------------------------------------------ limitation (L 27, P12)


def _one_year_later(d: dt.date) -> dt.date:
    """P3: same day number a year later; 29 Feb becomes 28 Feb."""
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return dt.date(d.year + 1, d.month, 28)


def _time_barred(proc: Any, facts: dict[str, Any]) -> bool:
    from engine.cases.clockwork import calendar_for
    from engine.cases.facts import with_defaults
    from engine.cases.guards import CaseGuardContext, guard_names
    from engine.expr import Scope, evaluate

    facts = dict(facts)
    at = facts.pop("opened_on", None) or D(2026, 12, 31)  # the case opened (application received) then
    names = guard_names(proc, with_defaults(proc, facts), at, "received", at)
    context = CaseGuardContext(
        proc,
        at=at,
        documents=set,
        deadlines={},
        fired=dict,
        calendar=calendar_for(proc, None),
    )
    # the `sets:` of accept in order, as firing computes them (limitation_runs_from, limitation_ends_on,
    # then time_barred reads both)
    for fact_id, check in proc.actions["accept"].sets:
        names[fact_id] = evaluate(check.expr, Scope(dict(names), context), allow_unset=True).value
    return bool(names["time_barred"])


DATES = st.dates(D(2024, 1, 1), D(2025, 12, 31))


@settings(max_examples=60)
@given(
    pay=st.booleans(),
    start=DATES,
    ended=st.none() | DATES,
    arose=st.none() | DATES,
    late=st.none() | st.integers(0, 700),
)
def test_time_barred_follows_l27(
    pay: bool, start: dt.date, ended: dt.date | None, arose: dt.date | None, late: int | None
) -> None:
    from engine.cases.clockwork import calendar_for

    proc = _arbitration()
    calendar = calendar_for(proc, None)
    filed = None if late is None else min(start + dt.timedelta(days=late), D(2026, 12, 31))
    facts: dict[str, Any] = {
        "claim_amount": 1,
        "dispute_type": "labour_pay" if pay else "contract_termination",
    }
    for key, value in (("opened_on", filed), ("employment_ended_on", ended), ("dispute_arose_on", arose)):
        if value is not None:
            facts[key] = value
    runs_from = ended if pay else arose  # T02: pay arrears run from the end of employment only
    # every case has its opening date (the day the application was received); _time_barred opens
    # the case on 2026-12-31 when the example gives none
    opened = filed if filed is not None else D(2026, 12, 31)
    expected = runs_from is not None and opened > calendar.roll_forward(_one_year_later(runs_from))
    assert _time_barred(proc, facts) is expected


@pytest.mark.parametrize(
    ("arose", "last_day"),
    [(D(2025, 1, 31), D(2026, 2, 2)), (D(2025, 10, 3), D(2026, 10, 8)), (D(2024, 2, 29), D(2025, 2, 28))],
)
def test_limitation_worked_examples(arose: dt.date, last_day: dt.date) -> None:
    # docs/law.md P3 worked examples: 2025-01-31 + 1 year = Sat 2026-01-31 -> Mon 2026-02-02;
    # 2025-10-03 + 1 year = Sat 2026-10-03 (National Day) -> Thu 2026-10-08; 2024-02-29 -> Fri 2025-02-28
    proc = _arbitration()
    base = {"claim_amount": 1, "dispute_type": "contract_termination", "dispute_arose_on": arose}
    assert _time_barred(proc, {**base, "opened_on": last_day}) is False
    assert _time_barred(proc, {**base, "opened_on": last_day + dt.timedelta(days=1)}) is True
    pay = {"claim_amount": 1, "dispute_type": "labour_pay", "dispute_arose_on": D(2020, 1, 1)}
    assert _time_barred(proc, {**pay, "opened_on": last_day + dt.timedelta(days=1)}) is False  # employed
    ended = {**pay, "employment_ended_on": arose}
    assert _time_barred(proc, {**ended, "opened_on": last_day}) is False
    assert _time_barred(proc, {**ended, "opened_on": last_day + dt.timedelta(days=1)}) is True


def _arbitration() -> Any:
    from tests.fixtures_runtime import load_arbitration

    return load_arbitration().get("arbitration")


TWO_EXPIRIES = """
procedure: two_expiries
version: "1"
title: 两个期限同日届满
calendar: cn
roles: {clerk: 立案人员}
facts:
  claim_amount: {type: money, title: 请求金额, min: 0, opening: true}
stages:
  open_stage: {title: 办理中, initial: true}
  done: {title: 结案, final: true, closure: withdrawal}
actions:
  note_lapsed: {title: 期间经过, from: [open_stage], stays: true, roles: [clerk]}
  note_deemed: {title: 视为送达, from: [open_stage], stays: true, roles: [clerk]}
  close: {title: 结案, from: [open_stage], to: done, roles: [clerk]}
deadlines:
  a_window:
    title: 当事人期间
    limit: 3 days
    basis: 测试
    starts_on: [open]
    ends_on: [note_lapsed]
    on_expiry: {fire: note_lapsed}
  b_posting:
    title: 视为送达期间
    limit: 3 days
    basis: 测试
    starts_on: [open]
    ends_on: [note_deemed]
    on_expiry: {fire: note_deemed, at: due}
"""


def test_scan_fires_in_order_of_effective_date(tmp_path: Any, sqlite_url: str, make_service: Any) -> None:
    # both due Thu 2026-03-05: `b_posting` (at: due) is effective 03-05, `a_window` (next_day) 03-06; the
    # scan fires them in that order although 'a_window' sorts first, so neither is refused
    (tmp_path / "two_expiries.yaml").write_text(TWO_EXPIRIES, encoding="utf-8")
    from tests.fixtures_runtime import ROOT

    library = ProcedureLibrary.load(tmp_path, ROOT / "codes", ROOT / "documents")
    svc, now = make_service(prepared_db(sqlite_url), library, D(2026, 3, 2))
    case = svc.open_case("two_expiries", D(2026, 3, 2), {"claim_amount": 1}, "inst", CLERK).id
    now.to(D(2026, 3, 9))
    report = scan(svc, D(2026, 3, 9))
    assert report.problems == []
    assert [(e.action, e.effective_on) for e in svc.history(case)][1:] == [
        ("note_deemed", D(2026, 3, 5)),
        ("note_lapsed", D(2026, 3, 6)),
    ]
