"""The 案号 on acceptance, receipt numbers before it, the query code.

A case carries a receipt number (收件登记号, its own counter, the year of receipt) until it is
accepted (立案, the `accept` action); acceptance allots the 案号 in the year of its effective date and
issues a fresh query code, printed on the acceptance notice. A rejected application never takes a
案号. A clerk may reissue the query code: the old one stops working, the reissue is an event.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from engine.cases.access import hash_query_code, query_code_matches, query_code_salt
from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.errors import CaseNotFound, EventNotAllowed
from engine.oversight.verify import verify_store
from engine.store.tables import CaseNumberCounterRow, CaseRow, DocumentRow, EventRow, ReceiptNumberCounterRow
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db

D = dt.date
CLERK, ARBITRATOR = Actor("clerk1", "clerk"), Actor("arb1", "arbitrator")
DOCS = ["application", "applicant_identity"]


@pytest.fixture
def arb(tmp_path: Path) -> tuple[CaseService, MovableNow, Any]:
    db = prepared_db(f"sqlite:///{tmp_path / 'zc.db'}")
    now = MovableNow(D(2025, 12, 30))
    return CaseService(db, load_arbitration(), now=now), now, db


def _docs(db: Any, case_id: int) -> dict[str, str]:
    with db.read() as s:
        rows = s.exec(
            select(DocumentRow).where(DocumentRow.case_id == case_id).order_by(col(DocumentRow.id))
        ).all()
        return {r.document_id: r.content.decode("utf-8") for r in rows if r.kind == "generated"}


def _row(db: Any, case_id: int) -> CaseRow:
    with db.read() as s:
        row = s.get(CaseRow, case_id)
        assert row is not None
        return row


def _matches(db: Any, case_id: int, code: str) -> bool:
    row = _row(db, case_id)
    return query_code_matches(query_code_salt(row.case_number, row.receipt_number), code, row.query_code_hash)


def test_received_in_december_accepted_in_january_carries_the_year_of_acceptance(arb: Any) -> None:
    svc, now, db = arb
    case = svc.open_case("arbitration", D(2025, 12, 30), {"claim_amount": 1000}, "inst", CLERK)
    assert case.case_number == case.receipt_number == "京朝劳人仲收字〔2025〕第1号"
    # the first event records the receipt number it allotted
    assert svc.history(case.id)[0].allotted == {"receipt_number": "京朝劳人仲收字〔2025〕第1号"}
    now.to(D(2026, 1, 5))
    rec = svc.fire(case.id, "accept", CLERK, D(2026, 1, 5), documents=DOCS)
    assert rec.case_number == "京朝劳人仲案字〔2026〕第1号"
    view = svc.get(case.id)
    assert (view.case_number, view.receipt_number) == (
        "京朝劳人仲案字〔2026〕第1号",
        "京朝劳人仲收字〔2025〕第1号",
    )
    # the accept event records the allotment (and that a query code was issued, never the code)
    accept = svc.history(case.id)[-1]
    assert accept.action == "accept"
    assert accept.allotted == {"case_number": "京朝劳人仲案字〔2026〕第1号", "query_code": "issued"}
    assert rec.query_code is not None and rec.query_code not in repr(rec)
    # found by either number
    assert svc.find("京朝劳人仲案字〔2026〕第1号").id == case.id
    assert svc.find("京朝劳人仲收字〔2025〕第1号").id == case.id
    with pytest.raises(CaseNotFound):
        svc.find("京朝劳人仲案字〔2025〕第1号")
    # the counters: one receipt in 2025, one 案号 in 2026, none in 2025
    with db.read() as s:
        assert s.get(ReceiptNumberCounterRow, ("inst", 2025)).last == 1  # type: ignore[union-attr]
        assert s.get(CaseNumberCounterRow, ("inst", 2026)).last == 1  # type: ignore[union-attr]
        assert s.get(CaseNumberCounterRow, ("inst", 2025)) is None
    assert verify_store(svc).ok


def test_a_rejected_application_takes_no_case_number(arb: Any) -> None:
    svc, now, db = arb
    rejected = svc.open_case("arbitration", D(2025, 12, 30), {"claim_amount": 1}, "inst", CLERK)
    svc.fire(rejected.id, "reject", CLERK, D(2025, 12, 30), facts={"rejection_ground": "scope"})
    other = svc.open_case("arbitration", D(2025, 12, 30), {"claim_amount": 2}, "inst", CLERK)
    now.to(D(2026, 1, 5))
    svc.fire(other.id, "accept", CLERK, D(2026, 1, 5), documents=DOCS)
    assert svc.get(rejected.id).case_number == "京朝劳人仲收字〔2025〕第1号"  # keeps its receipt number
    assert svc.get(other.id).case_number == "京朝劳人仲案字〔2026〕第1号"  # the first 案号 of the year
    assert svc.get(other.id).receipt_number == "京朝劳人仲收字〔2025〕第2号"
    # the rejection notice prints the receipt number, the acceptance notice the 案号
    assert "京朝劳人仲收字〔2025〕第1号" in _docs(db, rejected.id)["rejection_notice"]
    accepted = _docs(db, other.id)
    assert "京朝劳人仲案字〔2026〕第1号" in accepted["acceptance_notice"]
    assert "京朝劳人仲案字〔2026〕第1号" in accepted["response_notice"]


def test_amendment_notice_prints_the_receipt_number(arb: Any) -> None:
    svc, _, db = arb
    case = svc.open_case("arbitration", D(2025, 12, 30), {"claim_amount": 1}, "inst", CLERK)
    svc.fire(case.id, "request_materials", CLERK, D(2025, 12, 30), facts={"missing_materials": "身份证明"})
    assert "京朝劳人仲收字〔2025〕第1号" in _docs(db, case.id)["amendment_notice"]
    assert "劳人仲案字" not in _docs(db, case.id)["amendment_notice"]


def test_a_refused_acceptance_gives_its_number_back(arb: Any) -> None:
    svc, now, _ = arb
    case = svc.open_case("arbitration", D(2025, 12, 30), {"claim_amount": 1}, "inst", CLERK)
    now.to(D(2026, 1, 5))
    with pytest.raises(EventNotAllowed) as refused:
        svc.fire(case.id, "accept", CLERK, D(2026, 1, 5), documents=DOCS, facts={"track": "nonsense"})
    assert refused.value.code == "facts"
    svc.fire(case.id, "accept", CLERK, D(2026, 1, 5), documents=DOCS)
    assert svc.get(case.id).case_number == "京朝劳人仲案字〔2026〕第1号"


def test_acceptance_prints_a_fresh_query_code_on_the_notice(arb: Any) -> None:
    svc, now, db = arb
    case = svc.open_case(
        "arbitration", D(2025, 12, 30), {"claim_amount": 1}, "inst", CLERK, query_code="RECEIPT23456"
    )
    assert _matches(db, case.id, "RECEIPT23456")
    now.to(D(2026, 1, 5))
    rec = svc.fire(case.id, "accept", CLERK, D(2026, 1, 5), documents=DOCS)
    code = rec.query_code
    assert code is not None and len(code) == 12
    notice = _docs(db, case.id)["acceptance_notice"]
    assert code in notice and "查询码" in notice
    assert re.search("京朝劳人仲案字〔2026〕第1号", notice)
    # the code given on receipt stops working; the new one works, salted with the receipt number
    assert not _matches(db, case.id, "RECEIPT23456") and _matches(db, case.id, code)
    assert _row(db, case.id).query_code_hash == hash_query_code("京朝劳人仲收字〔2025〕第1号", code)
    # no event holds the code in plain
    with db.read() as s:
        events = s.exec(select(EventRow).where(EventRow.case_id == case.id)).all()
        assert all(code not in repr(e.model_dump()) for e in events)


def test_reissued_code_works_and_the_old_one_does_not(arb: Any) -> None:
    svc, now, db = arb
    case = svc.open_case("arbitration", D(2025, 12, 30), {"claim_amount": 1}, "inst", CLERK)
    now.to(D(2026, 1, 5))
    old = svc.fire(case.id, "accept", CLERK, D(2026, 1, 5), documents=DOCS).query_code
    assert old is not None
    now.to(D(2026, 1, 8))
    rec = svc.reissue_query_code(case.id, CLERK)
    new = rec.query_code
    assert new is not None and new != old
    assert _matches(db, case.id, new) and not _matches(db, case.id, old)
    # the reissue is an event of the hash-chained log, effective today, without the code
    view = svc.get(case.id)
    last = svc.history(case.id)[-1]
    # recorded now, with the case's last effective date: back-dated entries stay possible
    assert (last.seq, last.action, last.effective_on) == (view.version, "reissue_query_code", D(2026, 1, 5))
    assert last.recorded_at.date() == D(2026, 1, 8)
    assert last.allotted == {"query_code": "reissued"} and last.stage_before == last.stage_after == "accepted"
    assert new not in repr(last) and new not in repr(rec)
    assert view.case_number == "京朝劳人仲案字〔2026〕第1号"  # numbers unchanged
    assert verify_store(svc).ok
    # only a clerk
    with pytest.raises(EventNotAllowed) as refused:
        svc.reissue_query_code(case.id, ARBITRATOR)
    assert refused.value.code == "role"
    assert svc.get(case.id).version == view.version
    svc.fire(case.id, "serve_respondent", CLERK, D(2026, 1, 7))  # back-dated after the reissue


def test_a_case_number_format_of_the_institution_and_the_receipt_format(arb: Any) -> None:
    from engine.store.tables import InstitutionRow

    svc, now, db = arb
    with db.transaction() as s:
        inst = s.get(InstitutionRow, "other")
        assert inst is not None
        inst.receipt_number_format = "{abbr}收〔{year}〕{seq:4}号"
        inst.case_number_format = "{abbr}案〔{year}〕{seq:4}号"
        s.add(inst)
    case = svc.open_case("arbitration", D(2025, 12, 30), {"claim_amount": 1}, "other", CLERK)
    assert case.case_number == "浙西收〔2025〕0001号"
    now.to(D(2026, 1, 5))
    svc.fire(case.id, "accept", CLERK, D(2026, 1, 5), documents=DOCS)
    assert svc.get(case.id).case_number == "浙西案〔2026〕0001号"


def test_a_procedure_without_acceptance_numbers_its_cases_on_receipt(tmp_path: Path) -> None:
    """Mediation (调解) has no `accept` action: its cases get their 案号 on receipt, no receipt number."""
    db = prepared_db(f"sqlite:///{tmp_path / 'm.db'}")
    svc = CaseService(db, load_arbitration(), now=MovableNow(D(2026, 1, 5)))
    case = svc.open_case("mediation", D(2026, 1, 5), {}, "inst", CLERK)
    assert case.receipt_number is None and case.case_number == "京朝劳人仲案字〔2026〕第1号"
    assert svc.history(case.id)[0].allotted == {"case_number": "京朝劳人仲案字〔2026〕第1号"}
