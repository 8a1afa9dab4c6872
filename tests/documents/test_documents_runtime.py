"""Documents produced by the real runtime: the time limits they state come from the case's clocks on
the working-day calendar (docs/law.md worked examples), and the stored hash is the hash of the content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from sqlmodel import col, select

from engine.cases.casefile import Actor
from engine.store.tables import DocumentRow
from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db

D = dt.date
CLERK, DIRECTOR = Actor("clerk1", "clerk"), Actor("director1", "director")
PARTIES = {
    "claim_amount": "36000",
    "applicant_name": "王小红",
    "applicant_gender": "female",
    "applicant_id_number": "11010519491231002X",
    "applicant_address": "北京市朝阳区建国路88号",
    "respondent_name": "北京某某科技有限公司",
    "respondent_uscc": "91110000600037341L",
    "respondent_address": "北京市朝阳区望京街10号",
    "respondent_representative": "李四",
}


def _documents(db: object, case_id: int) -> dict[str, tuple[str, str]]:
    with db.read() as s:  # type: ignore[attr-defined]
        rows = s.exec(
            select(DocumentRow).where(DocumentRow.case_id == case_id).order_by(col(DocumentRow.id))
        )
        return {r.document_id: (r.content.decode("utf-8"), r.sha256) for r in rows if r.kind == "generated"}


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html.split("</style>", 1)[-1]))


def test_notices_state_the_due_dates_of_the_case_clocks(tmp_path: Path) -> None:
    from engine.cases.runtime import CaseService

    db = prepared_db(f"sqlite:///{tmp_path / 'zc.db'}")
    now = MovableNow(D(2025, 12, 30))
    svc = CaseService(db, load_arbitration(), now=now)
    case = svc.open_case("arbitration", D(2025, 12, 30), PARTIES, "inst", CLERK)
    now.to(D(2026, 1, 5))
    svc.attach(case.id, ["application", "applicant_identity"], D(2026, 1, 5), CLERK)
    svc.fire(case.id, "accept", CLERK, D(2026, 1, 5))

    docs = _documents(db, case.id)
    acceptance = _text(docs["acceptance_notice"][0])
    # docs/law.md: accepted 2026-01-05 + 45 days = 2026-02-19 (Spring Festival) -> rolls to 2026-02-24
    assert "本案仲裁审理期限为45日，自本委受理仲裁申请之日起计算，至二〇二六年二月二十四日届满" in acceptance
    assert case.case_number in acceptance and "王小红" in acceptance and "二〇二六年一月五日" in acceptance
    assert "本委于二〇二五年十二月三十日收到你的仲裁申请" in acceptance
    assert "10个工作日内向本委提交答辩书" in _text(docs["response_notice"][0])
    for content, sha in docs.values():
        assert hashlib.sha256(content.encode("utf-8")).hexdigest() == sha

    now.to(D(2026, 2, 10))
    svc.fire(case.id, "extend_award_period", DIRECTOR, D(2026, 2, 10), facts={"days": 15})
    extension = _text(_documents(db, case.id)["extension_notice"][0])
    # docs/law.md P6: the extension runs from the unrolled day 45 (2026-02-19): 2026-03-06
    assert "本案仲裁审理期限延长15日，至二〇二六年三月六日届满" in extension


def test_documents_from_stored_due_dates_equal_documents_from_recomputed_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document is rendered with the due dates of clocks the action did not touch as their rows hold
    them (engine.cases.deadline_rows.stored_due); recomputing every clock gives the same due dates,
    steps and statuses to every template, and the same documents."""
    from engine.cases import access
    from engine.cases import papers as case_papers
    from engine.demo.walkthrough import run_demo
    from engine.documents import render as documents
    from engine.store.db import init_db

    render = documents.render_for_case

    def generated(name: str) -> tuple[list[tuple[str, int, str]], list[tuple[str, object]]]:
        seen: list[tuple[str, object]] = []

        def spy(procedure: object, document_id: str, snapshot: object) -> object:
            seen.append((document_id, dict(snapshot.deadlines)))  # type: ignore[attr-defined]
            return render(procedure, document_id, snapshot)  # type: ignore[arg-type]

        monkeypatch.setattr(documents, "render_for_case", spy)
        # the acceptance notice prints the query code acceptance issues: the same one in both runs
        monkeypatch.setattr(access, "new_query_code", lambda: "ABCDEFGHJKMN")
        db = init_db(f"sqlite:///{tmp_path / name}")
        result = run_demo(db, load_arbitration(), None)
        with db.read() as s:
            rows = s.exec(
                select(DocumentRow)
                .where(DocumentRow.case_id == result.case_id)
                .order_by(col(DocumentRow.id))
            ).all()
            out = [(r.document_id, r.version, r.sha256) for r in rows if r.kind == "generated"]
        db.dispose()
        return out, seen

    reused, reused_dues = generated("reused.db")
    stored = case_papers.stored_due
    calls: list[bool] = []
    monkeypatch.setattr(case_papers, "stored_due", lambda *a: calls.append(stored(*a) is not None))
    recomputed, recomputed_dues = generated("recomputed.db")
    assert sum(calls) >= 10  # stored rows were usable that often, and recomputed instead here
    assert len(reused) >= 6 and len(reused_dues) == len(reused)
    assert reused_dues == recomputed_dues
    assert reused == recomputed
