"""An institution opens cases under its region's procedure: never another region's, and not the national
one its own regional procedure extends (the register names the procedure, `institution.procedure_id`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.errors import BadInput
from engine.procedures.library import ProcedureLibrary
from engine.store.tables import InstitutionRow
from tests.fixtures_runtime import MovableNow, prepared_db
from tests.paths import PROCEDURES

CLERK = Actor("u:clerk", "clerk")
FACTS = {"claim_amount": 20000}


@pytest.fixture
def svc(tmp_path: Path) -> CaseService:
    db = prepared_db(f"sqlite:///{tmp_path / 'p.db'}")  # inst: 110105 (Beijing), other: 330106 (Hangzhou)
    return CaseService(db, ProcedureLibrary.load(PROCEDURES), now=MovableNow(dt.date(2026, 3, 2)))


def test_another_region_s_procedure_is_refused(svc: CaseService) -> None:
    with pytest.raises(BadInput) as err:
        svc.open_case("zhejiang", dt.date(2026, 3, 2), FACTS, "inst", CLERK)
    assert err.value.field == "procedure_id" and "不能选用其他地区的程序" in str(err.value)
    assert svc.open_case("zhejiang", dt.date(2026, 3, 2), FACTS, "other", CLERK).procedure_id == "zhejiang"


def test_the_registered_regional_procedure_replaces_the_national_one(svc: CaseService) -> None:
    with svc.db.transaction() as s:
        row = s.get(InstitutionRow, "other")
        assert row is not None
        row.procedure_id = "zhejiang"
        s.add(row)
    with pytest.raises(BadInput, match="适用本地区程序 zhejiang"):
        svc.open_case("arbitration", dt.date(2026, 3, 2), FACTS, "other", CLERK)
    assert svc.open_case("arbitration", dt.date(2026, 3, 2), FACTS, "inst", CLERK).procedure_id == "arbitration"
