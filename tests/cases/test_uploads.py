"""An upload is one transaction: the file and its checked media type are stored
together or not at all, and `zhongcai verify` flags a file stored without its type or with a wrong one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from engine.cases import writes as case_writes
from engine.cases.casefile import Actor
from engine.cases.media_types import Upload
from engine.cases.runtime import CaseService
from engine.oversight.verify import verify_store
from engine.store.tables import DocumentRow
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db

CLERK = Actor("u:clerk", "clerk")
DAY = dt.date(2026, 3, 2)
PDF = b"%PDF-1.7\n% scanned evidence\n%%EOF\n"


def _service(tmp_path: Path) -> CaseService:
    db = prepared_db(f"sqlite:///{tmp_path / 'zc.db'}")
    return CaseService(db, load_arbitration(), now=MovableNow(DAY))


def _rows(svc: CaseService, case_id: int) -> list[DocumentRow]:
    with svc.db.read() as s:
        return list(s.exec(select(DocumentRow).where(DocumentRow.case_id == case_id)).all())


def test_an_upload_stores_its_media_type_in_the_same_transaction(tmp_path: Path) -> None:
    svc = _service(tmp_path)
    case_id = svc.open_case("arbitration", DAY, {"claim_amount": 1}, "inst", CLERK).id
    svc.attach(case_id, {"evidence": Upload(PDF, "application/pdf")}, DAY, CLERK)
    (row,) = _rows(svc, case_id)
    assert (row.media_type, row.content) == ("application/pdf", PDF)
    assert verify_store(svc).ok


def test_an_upload_interrupted_after_the_file_is_written_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = _service(tmp_path)
    case_id = svc.open_case("arbitration", DAY, {"claim_amount": 1}, "inst", CLERK).id
    before = svc.get(case_id).version

    def crash(*_: object, **__: object) -> None:
        raise KeyboardInterrupt  # the process dies after the document row, before the event's record

    monkeypatch.setattr(case_writes, "monitoring_record", crash)
    with pytest.raises(KeyboardInterrupt):
        svc.attach(case_id, {"evidence": Upload(PDF, "application/pdf")}, DAY, CLERK)
    monkeypatch.undo()
    assert _rows(svc, case_id) == []
    assert svc.get(case_id).version == before
    assert verify_store(svc).ok


def test_verify_flags_a_file_stored_without_its_media_type_and_a_wrong_one(tmp_path: Path) -> None:
    svc = _service(tmp_path)
    case_id = svc.open_case("arbitration", DAY, {"claim_amount": 1}, "inst", CLERK).id
    svc.attach(case_id, {"evidence": PDF}, DAY, CLERK)  # as an interrupted upload of old left it
    svc.attach(case_id, {"application": Upload(PDF, "image/png")}, DAY, CLERK)
    svc.attach(case_id, {"applicant_identity": b"v1"}, DAY, CLERK)  # bytes of no known type: fine
    problems = " | ".join(f.problem for f in verify_store(svc).findings)
    assert "document 'evidence' v1: a application/pdf file stored without its media type" in problems
    assert "document 'application' v1: stored as image/png but its content is application/pdf" in problems
    assert "applicant_identity" not in problems
