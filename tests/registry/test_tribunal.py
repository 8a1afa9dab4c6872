"""A case's tribunal and clerk are chosen from the register: current appointees of the case's institution
(调解仲裁法第二十条; 组织规则第十四条、第二十三条), and the clerk is not one of the tribunal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.errors import EventNotAllowed
from engine.registry.staff import AppointmentValues, StaffValues, add_staff, appoint, end_appointment
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db

D = dt.date
CLERK = Actor("u:clerk", "clerk")
LIB = load_arbitration()


def _accepted(tmp_path: Path, register: bool) -> tuple[CaseService, int]:
    db = prepared_db(f"sqlite:///{tmp_path / 'zc.db'}")
    if register:
        with db.transaction() as s:
            for name, post in (("王仲裁", "arbitrator"), ("赵仲裁", "arbitrator"), ("钱仲裁", "arbitrator"),
                               ("孙书记", "clerk"), ("离任者", "arbitrator")):  # fmt: skip
                person = add_staff(s, "inst", StaffValues(name=name), today=D(2026, 3, 2))
                assert person.id is not None
                qual = "lawyer_three_years" if post == "arbitrator" else None
                a = appoint(s, person.id, AppointmentValues(post=post, term_from=D(2024, 1, 1), qualification=qual))
                if name == "离任者":
                    end_appointment(s, a.id, D(2026, 1, 1))  # type: ignore[arg-type]
    svc = CaseService(db, LIB, now=MovableNow(D(2026, 3, 3)))
    facts = {"claim_amount": 20000, "applicant_name": "张三", "respondent_name": "某公司"}
    case_id = svc.open_case("arbitration", D(2026, 3, 2), facts, "inst", CLERK).id
    svc.attach(case_id, ["application", "applicant_identity"], D(2026, 3, 2), CLERK)
    svc.fire(case_id, "accept", CLERK, D(2026, 3, 2))
    return svc, case_id


TRIBUNAL = {"presiding_arbitrator": "王仲裁", "arbitrators": ["赵仲裁", "钱仲裁"], "clerk_name": "孙书记"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"presiding_arbitrator": "路人甲"}, "聘任的仲裁员"),
        ({"arbitrators": ["赵仲裁", "离任者"]}, "聘任的仲裁员"),  # left the register before the act
        ({"clerk_name": "钱仲裁"}, "登记的记录人员"),  # an arbitrator, not a clerk
        ({"presiding_arbitrator": "", "arbitrators": ["赵仲裁", "钱仲裁"]}, "聘任的仲裁员"),
    ],
)
def test_a_tribunal_not_on_the_register_is_refused(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    svc, case_id = _accepted(tmp_path, register=True)
    before = svc.get(case_id)
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "notify_tribunal", CLERK, D(2026, 3, 3), facts={**TRIBUNAL, **change})
    assert err.value.code == "facts" and message in err.value.message
    assert svc.get(case_id).version == before.version  # a refusal changes nothing


def test_the_registered_tribunal_is_accepted(tmp_path: Path) -> None:
    svc, case_id = _accepted(tmp_path, register=True)
    svc.fire(case_id, "notify_tribunal", CLERK, D(2026, 3, 3), facts=TRIBUNAL)
    assert svc.get(case_id).facts["presiding_arbitrator"] == "王仲裁"


def test_an_institution_without_a_register_is_not_blocked(tmp_path: Path) -> None:
    svc, case_id = _accepted(tmp_path, register=False)
    svc.fire(case_id, "notify_tribunal", CLERK, D(2026, 3, 3), facts={**TRIBUNAL, "presiding_arbitrator": "路人甲"})


def test_the_clerk_is_not_a_member_of_the_tribunal(tmp_path: Path) -> None:
    svc, case_id = _accepted(tmp_path, register=False)
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "notify_tribunal", CLERK, D(2026, 3, 3), facts={**TRIBUNAL, "clerk_name": "赵仲裁"})
    assert "不得由本庭仲裁员兼任" in err.value.message
