"""The served scheduler opens each institution's verification case once per ended quarter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import col, func, select

from engine.cases.runtime import CaseService
from engine.oversight.scheduler import service_tick
from engine.procedures.library import ProcedureLibrary
from engine.store.tables import CaseRow
from tests.fixtures_runtime import MovableNow, prepared_db
from tests.paths import ROOT


def _count(svc: CaseService) -> int:
    with svc.db.read() as s:
        stmt = select(func.count()).select_from(CaseRow).where(col(CaseRow.procedure_id) == "register_verification")
        return int(s.exec(stmt).one())


def test_each_ended_quarter_opens_one_case_per_institution(tmp_path: Path) -> None:
    now = MovableNow(dt.date(2026, 10, 20))
    svc = CaseService(prepared_db(f"sqlite:///{tmp_path / 'p.db'}"), ProcedureLibrary.load(ROOT / "procedures"), now=now)
    tick = service_tick(svc, register_periods=True)
    tick(dt.date(2026, 10, 20))
    assert _count(svc) == 2  # the two institutions of prepared_db, 2026Q3
    tick(dt.date(2026, 10, 21))
    assert _count(svc) == 2
    now.to(dt.date(2027, 1, 6))
    tick(dt.date(2027, 1, 6))
    assert _count(svc) == 4  # and 2026Q4
    plain = service_tick(svc)  # the default (tests, the demo seed): no verification cases
    now.to(dt.date(2027, 4, 8))
    plain(dt.date(2027, 4, 8))
    assert _count(svc) == 4
