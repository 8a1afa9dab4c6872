"""Opening a case with its query code and attaching a file with its media type are one transaction each
(issue 23, point 4): a failure at the last write leaves no case, no query-code hash, no document row.
The API writes only through these engine calls (tests/api/test_api_behaviour.py checks the routes).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import func, select

from engine.cases import writes as case_writes
from engine.cases.access import query_code_matches, query_code_salt
from engine.cases.casefile import Actor
from engine.cases.media_types import Upload
from engine.cases.runtime import CaseService
from engine.oversight.verify import verify_store
from engine.store.tables import CaseRow, DocumentRow, EventRow, MonitoringRow
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db

CLERK = Actor("u:clerk", "clerk")
DAY = dt.date(2026, 3, 2)
PDF = b"%PDF-1.7\n% scanned evidence\n%%EOF\n"
CODE = "ABCD23456789"


def _service(url: str) -> CaseService:
    return CaseService(prepared_db(url), load_arbitration(), now=MovableNow(DAY))


def _count(svc: CaseService, table: type) -> int:
    with svc.db.read() as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def _crash_at_the_last_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies after the case (or document) row and the event, before the monitoring record."""

    def crash(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(case_writes, "monitoring_record", crash)


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'zc.db'}"
    pg: str = request.getfixturevalue("pg_url")
    return pg


def test_open_case_stores_its_query_code_hash_in_the_same_transaction(url: str) -> None:
    svc = _service(url)
    view = svc.open_case("arbitration", DAY, {"claim_amount": 1}, "inst", CLERK, query_code=CODE)
    with svc.db.read() as s:
        row = s.get(CaseRow, view.id)
        assert row is not None
        assert query_code_matches(
            query_code_salt(row.case_number, row.receipt_number), CODE, row.query_code_hash
        )
    (event,) = svc.history(view.id)
    assert event.allotted is not None and event.allotted["query_code"] == "issued"
    assert CODE not in repr(event)


def test_an_opening_interrupted_at_its_last_write_leaves_nothing(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = _service(url)
    before = {t: _count(svc, t) for t in (CaseRow, EventRow, MonitoringRow)}
    _crash_at_the_last_write(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        svc.open_case("arbitration", DAY, {"claim_amount": 1}, "inst", CLERK, query_code=CODE)
    monkeypatch.undo()
    assert {t: _count(svc, t) for t in before} == before  # no case, no hash, no event
    # and the receipt number was not used up: the next opening takes it
    view = svc.open_case("arbitration", DAY, {"claim_amount": 1}, "inst", CLERK, query_code=CODE)
    assert view.case_number.endswith("第1号")
    assert verify_store(svc).ok


def test_an_attachment_interrupted_at_its_last_write_leaves_nothing(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = _service(url)
    case_id = svc.open_case("arbitration", DAY, {"claim_amount": 1}, "inst", CLERK).id
    before = svc.get(case_id).version
    _crash_at_the_last_write(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        svc.attach(case_id, {"evidence": Upload(PDF, "application/pdf")}, DAY, CLERK)
    monkeypatch.undo()
    assert _count(svc, DocumentRow) == 0
    assert svc.get(case_id).version == before and len(svc.history(case_id)) == 1
    svc.attach(case_id, {"evidence": Upload(PDF, "application/pdf")}, DAY, CLERK)
    with svc.db.read() as s:
        (row,) = s.exec(select(DocumentRow).where(DocumentRow.case_id == case_id)).all()
    assert (row.media_type, bytes(row.content)) == ("application/pdf", PDF)
    assert verify_store(svc).ok
