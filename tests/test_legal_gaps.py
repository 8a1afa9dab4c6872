"""Legal gaps closed after review: deemed service dated on the last day of its period (R 20, CPL 95),
the limitation hint (L 27, P12) and identifier checks on party facts (GB 11643, GB 32100).

Expected dates are computed by hand from DOMAIN.md (worked examples T35, T36 and the 2026 holiday
notice H26); the scenario files under tests/scenarios/arbitration/ carry the same cases end to end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.casefile import Actor, check_facts
from engine.compiler import spec_snapshot
from engine.dsl import DeadlineSpec, FactSpec, FireSpec, ProcedureSpec
from engine.errors import BadInput, EventNotAllowed
from engine.identifiers import uscc_check_char
from engine.library import ProcedureLibrary
from engine.model import Deadline
from engine.periods import Period
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
    assert arb.deadlines["challenge"].expiry_at == "next_day"  # L 50: after the 15 days have run out
    zj = arb_library.get("zhejiang")
    assert zj.deadlines["public_notice_collective"].expiry_at == "due"  # ZJ 41


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
    report = svc.tick(scan_on)
    assert (case, "posting", "posting_served") in report.fired
    served = [e for e in svc.history(case) if e.action == "posting_served"]
    assert len(served) == 1
    event = served[0]
    assert event.effective_on == D(2026, 2, 25)
    assert event.role == "system" and event.backdated  # recorded later, effective on the due date
    view = svc.get(case)
    assert view.deadlines["defence"].due_on == D(2026, 3, 10)
    assert view.deadlines["posting"].status == "stopped"
    assert svc.tick(scan_on).fired == []  # idempotent


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
    from engine.compiler import compile_snapshot

    for pid in ("arbitration", "mediation", "zhejiang", "guangxi"):
        proc = arb_library.get(pid)
        assert compile_snapshot(proc.snapshot).content_hash == proc.content_hash
    spec = ProcedureSpec.model_validate(dict(arb_library.get("mediation").snapshot))
    assert spec_snapshot(spec) == dict(arb_library.get("mediation").snapshot)
