"""Who may write which fact: an action takes only the facts it declares
(`needs`, `takes`), opening only the facts marked `opening: true`, a fact with `set_by` only from those
roles; text facts are normalised and bounded. Every refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.errors import BadInput, EventNotAllowed
from engine.procedures.library import ProcedureLibrary
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db

CLERK = Actor("u:clerk", "clerk")
OPENED = dt.date(2026, 3, 2)
ACCEPTED = dt.date(2026, 3, 4)
LIB: ProcedureLibrary = load_arbitration()
ARB = LIB.get("arbitration")


def _service(tmp_path: Any) -> CaseService:
    db = prepared_db(f"sqlite:///{tmp_path / 'zc.db'}")
    return CaseService(db, LIB, now=MovableNow(dt.date(2026, 3, 10)))


def _accepted(svc: CaseService) -> int:
    case = svc.open_case(
        "arbitration", OPENED, {"claim_amount": 20000, "applicant_name": "张三"}, "inst", CLERK
    )
    svc.attach(case.id, ["application", "applicant_identity"], ACCEPTED, CLERK)
    svc.fire(case.id, "accept", CLERK, ACCEPTED)
    return case.id


def test_opening_takes_only_the_descriptive_facts(tmp_path: Any) -> None:
    svc = _service(tmp_path)
    with pytest.raises(EventNotAllowed) as err:
        svc.open_case("arbitration", OPENED, {"claim_amount": 1, "awarded_amount": 5}, "inst", CLERK)
    assert err.value.code == "facts" and "awarded_amount" in err.value.message
    assert "award" in err.value.message  # it names the actions that do take the fact
    assert svc.list_cases() == []


SET_BY = """\
procedure: set_by
version: "1"
title: 测试程序
calendar: cn
roles: {clerk: 立案人员, director: 主任}
facts:
  claim_amount: {type: money, title: 请求金额, opening: true}
  decision: {type: text, title: 主任决定, default: "", set_by: [director]}
  note: {type: text, title: 备注, default: ""}
stages:
  received: {title: 收到申请, initial: true}
  closed: {title: 结案, final: true, closure: other}
actions:
  record: {title: 记录, from: [received], stays: true, roles: [clerk, director], takes: [decision, note]}
  close: {title: 结案, from: [received], to: closed, roles: [director]}
"""


def test_a_fact_with_set_by_refuses_other_roles_and_the_action_still_takes_the_rest(tmp_path: Any) -> None:
    procs = tmp_path / "procedures"
    procs.mkdir()
    (procs / "set_by.yaml").write_text(SET_BY, encoding="utf-8")
    lib = ProcedureLibrary.load(procs)
    svc = CaseService(prepared_db(f"sqlite:///{tmp_path / 'zc.db'}"), lib, now=MovableNow(OPENED))
    case_id = svc.open_case("set_by", OPENED, {"claim_amount": 1}, "inst", CLERK).id
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "record", CLERK, OPENED, facts={"decision": "准许", "note": "x"})
    assert err.value.code == "role" and "decision" in err.value.message
    assert svc.get(case_id).facts["note"] == ""
    svc.fire(case_id, "record", CLERK, OPENED, facts={"note": "已电话通知"})
    svc.fire(case_id, "record", Actor("u:d", "director"), OPENED, facts={"decision": "准许"})
    assert svc.get(case_id).facts["decision"] == "准许"


# ------------------------------------------------------------------------- the property


ROLES = sorted(ARB.roles)
ACTIONS = sorted(ARB.actions)
FACT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "money": st.integers(0, 10**6),
    "int": st.integers(0, 20),
    "decimal": st.integers(0, 100),
    "bool": st.booleans(),
    "date": st.dates(dt.date(2026, 3, 1), dt.date(2026, 6, 30)).map(str),
    "text": st.text(max_size=8),
    "code": st.sampled_from(["other", "labour_pay", "enterprise", "worker"]),
    "claims": st.just([{"item": "工资", "category": "pay", "amount": 100, "final": False}]),
    "texts": st.lists(st.sampled_from(["张三", "李四", ""]), max_size=3),
}


@st.composite
def fact_dicts(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(st.sampled_from(sorted(ARB.facts)), max_size=4, unique=True))
    return {fid: draw(FACT_VALUES[ARB.facts[fid].type]) for fid in ids}


@pytest.fixture(scope="module")
def accepted_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[CaseService, int]:
    svc = _service(tmp_path_factory.mktemp("facts"))
    return svc, _accepted(svc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    action=st.sampled_from(ACTIONS), role=st.sampled_from(ROLES), facts=fact_dicts(), day=st.integers(0, 20)
)
def test_random_facts_on_random_actions_by_random_roles(
    accepted_case: tuple[CaseService, int], action: str, role: str, facts: dict[str, Any], day: int
) -> None:
    """Refused with `facts`/`role` (or another code) and nothing changes, or only declared facts change."""
    svc, case_id = accepted_case
    before = svc.get(case_id)
    at = max(before.opened_on, dt.date(2026, 3, 4)) + dt.timedelta(days=day)
    spec = ARB.actions[action]
    try:
        svc.fire(case_id, action, Actor(f"u:{role}", role), min(at, dt.date(2026, 3, 10)), facts=facts)
    except EventNotAllowed as exc:
        after = svc.get(case_id)
        assert after.version == before.version and dict(after.facts) == dict(before.facts)
        undeclared = set(facts) - set(spec.accepts)
        if undeclared and exc.code not in ("stage", "role", "date"):
            assert exc.code == "facts", exc.message
        return
    after = svc.get(case_id)
    changed = {k for k in after.facts if after.facts[k] != before.facts.get(k)}
    allowed = set(spec.accepts) | {f for f, _ in spec.sets}
    assert changed <= allowed, (action, changed - allowed)
    assert set(facts) <= set(spec.accepts)


# ------------------------------------------------------------------------- text facts


@pytest.mark.parametrize(
    "bad, what",
    [("\ud800x", "U+D800"), ("张\x00三", "NUL"), ("a\x1bb", "U+001B"), ("a\x85b", "U+0085")],
)
def test_text_that_cannot_be_stored_is_refused_and_changes_nothing(
    tmp_path: Any, bad: str, what: str
) -> None:
    svc = _service(tmp_path)
    case_id = _accepted(svc)
    before = svc.get(case_id)
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "record_particulars", CLERK, ACCEPTED, facts={"applicant_address": bad})
    assert (
        err.value.code == "facts" and what in err.value.message and "applicant_address" in err.value.message
    )
    assert svc.get(case_id).version == before.version
    with pytest.raises(BadInput) as opening:  # opening refuses a bad value as invalid input (API 422)
        svc.open_case("arbitration", OPENED, {"claim_amount": 1, "applicant_name": bad}, "inst", CLERK)
    assert opening.value.field == "applicant_name" and what in str(opening.value)
    assert len(svc.list_cases()) == 1  # the refused opening left no case behind


def test_a_ten_megabyte_name_is_refused_fast_and_small(tmp_path: Any) -> None:
    svc = _service(tmp_path)
    huge = "张" * 10_000_000
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(BadInput) as err:
        svc.open_case("arbitration", OPENED, {"claim_amount": 1, "applicant_name": huge}, "inst", CLERK)
    took = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert err.value.field == "applicant_name" and "2,000" in str(err.value)
    assert len(str(err.value)) < 400  # the value itself is never echoed back
    assert took < 2.0, took
    assert peak < 200 * 2**20, peak


def test_texts_are_stored_in_nfc_with_lf_and_full_width_id_digits_folded(tmp_path: Any) -> None:
    svc = _service(tmp_path)
    decomposed = unicodedata.normalize("NFD", "Café 一楼\r\n二号")
    view = svc.open_case(
        "arbitration",
        OPENED,
        {"claim_amount": 1, "applicant_address": decomposed, "applicant_id_number": "1101051949123100２X"},
        "inst",
        CLERK,
    )
    assert view.facts["applicant_address"] == "Café 一楼\n二号"
    assert view.facts["applicant_id_number"] == "11010519491231002X"


def test_claim_items_are_bounded_and_flat(tmp_path: Any) -> None:
    svc = _service(tmp_path)
    case_id = _accepted(svc)
    with pytest.raises(EventNotAllowed) as nested:
        svc.fire(case_id, "amend_claims", CLERK, ACCEPTED, facts={"claims": [{"item": {"deep": [1]}}]})
    assert nested.value.code == "facts"
    with pytest.raises(EventNotAllowed) as many:
        svc.fire(case_id, "amend_claims", CLERK, ACCEPTED, facts={"claims": [{"item": "x"}] * 201})
    assert many.value.code == "facts" and "200" in many.value.message
