"""The register's verification (核准): submit, return with reasons, resubmit, approve, as cases of the
procedure `register_verification`; who may review; one transaction; its own number series; no effect
on the monitoring indicators; the submission deadline in the breach audit and the scan."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import col, select

from engine.cases.access import AccessDenied, Principal
from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService, ensure_institution
from engine.codes.code_tables import CodeTables
from engine.errors import BadInput, EventNotAllowed
from engine.monitoring.indicators import monthly_report
from engine.oversight.audit import breach_audit
from engine.oversight.scan import breaches_of, scan
from engine.procedures.library import ProcedureLibrary
from engine.registry import verification as v
from engine.store.db import Database, init_db
from engine.store.register_tables import SubmissionRow
from engine.store.tables import (
    BreachRow,
    CaseNumberCounterRow,
    CaseRow,
    DocumentRow,
    EventRow,
    InstitutionRow,
    MonitoringRow,
    UserRow,
)
from tests.fixtures_runtime import ROOT, MovableNow, load_arbitration

CONTENT = {"institution": {"name": "南宁市兴宁区劳动人事争议仲裁委员会"}, "staff": [{"name": "张三"}]}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'zc.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    database = init_db(url)
    ensure_institution(database, "gx", "广西壮族自治区劳动人事争议仲裁委员会", "450000", abbr="桂")
    ensure_institution(database, "nn", "南宁市劳动人事争议仲裁委员会", "450100", abbr="南")
    ensure_institution(database, "xn", "南宁市兴宁区劳动人事争议仲裁委员会", "450102", abbr="兴")
    ensure_institution(database, "gl", "桂林市劳动人事争议仲裁委员会", "450300", abbr="桂林")
    with database.transaction() as s:
        for name, role, inst in [
            ("xn_clerk", "clerk", "xn"),
            ("xn_director", "director", "xn"),
            ("nn_director", "director", "nn"),
            ("nn_clerk", "clerk", "nn"),
            ("gl_director", "director", "gl"),
            ("gx_director", "director", "gx"),
        ]:
            s.add(UserRow(username=name, role=role, institution_id=inst))
    yield database
    database.dispose()


@pytest.fixture
def library() -> ProcedureLibrary:
    return load_arbitration()


@pytest.fixture
def service(db: Database, library: ProcedureLibrary) -> tuple[CaseService, MovableNow]:
    now = MovableNow(dt.date(2026, 10, 9))
    return CaseService(db, library, now=now), now


def who(db: Database, username: str) -> Principal:
    with db.read() as s:
        u = s.exec(select(UserRow).where(UserRow.username == username)).one()
        assert u.id is not None
        return Principal(u.id, u.username, u.role, u.institution_id)


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            t.__name__: len(s.exec(select(t)).all())
            for t in (CaseRow, EventRow, SubmissionRow, DocumentRow, MonitoringRow, CaseNumberCounterRow)
        }


def test_submit_return_resubmit_approve_keeps_the_history(db: Database, service: Any) -> None:
    svc, now = service
    got = v.submit(svc, "xn", "2026Q3", "quarterly", CONTENT, who(db, "xn_clerk"), dt.date(2026, 10, 9))
    assert got.stage == "submitted"
    assert got.content_sha256 == hashlib.sha256(v.content_bytes(CONTENT)).hexdigest()
    assert got.case_number == "兴机构人员核字〔2026〕第1号"
    view = svc.get(got.case_id)
    assert view.deadlines["submission"].status == "stopped"  # type: ignore[index]
    # the case opened on the quarter's last day: due 10 working days later (after National Day)
    with db.read() as s:
        case = s.get(CaseRow, got.case_id)
        assert case is not None and case.opened_on == dt.date(2026, 9, 30)

    now.to(dt.date(2026, 10, 12))
    with pytest.raises(BadInput):
        v.return_(svc, got.case_id, "  ", who(db, "nn_director"), dt.date(2026, 10, 12))
    assert (
        v.return_(svc, got.case_id, "缺少仲裁员聘期", who(db, "nn_director"), dt.date(2026, 10, 12))
        == "returned"
    )
    fixed = dict(CONTENT, appointments=[{"name": "张三", "term_to": "2028-12-31"}])
    again = v.resubmit(svc, got.case_id, fixed, who(db, "xn_director"), dt.date(2026, 10, 12))
    assert again.stage == "submitted" and again.submission_id == got.submission_id
    assert v.approve(svc, got.case_id, who(db, "gx_director"), dt.date(2026, 10, 12)) == "approved"

    actions = [e.action for e in svc.history(got.case_id)]
    assert actions == ["open", "submit", "return_submission", "resubmit", "approve"]
    with db.read() as s:
        row = s.get(SubmissionRow, got.submission_id)
        assert row is not None and row.content == fixed and row.content_sha256 == again.content_sha256
        versions = s.exec(
            select(DocumentRow).where(DocumentRow.case_id == got.case_id).order_by(col(DocumentRow.id))
        ).all()
        assert [d.version for d in versions] == [1, 2]  # both contents on file
        returned = s.exec(
            select(EventRow).where(EventRow.case_id == got.case_id, EventRow.action == "return_submission")
        ).one()
        assert returned.facts_changed["return_reasons"] == "缺少仲裁员聘期"


def test_only_the_level_above_reviews_and_a_refusal_changes_nothing(db: Database, service: Any) -> None:
    svc, _ = service
    got = v.submit(svc, "xn", "2026Q3", "quarterly", CONTENT, who(db, "xn_clerk"), dt.date(2026, 10, 9))
    before = counts(db)
    for name in ("xn_director", "gl_director", "nn_clerk"):  # itself, a sibling region, not a director
        with pytest.raises(AccessDenied) as err:
            v.approve(svc, got.case_id, who(db, name), dt.date(2026, 10, 9))
        assert err.value.code == "forbidden" and "上级机构负责人" in err.value.message
    with pytest.raises(AccessDenied) as err:  # another institution's staff do not submit for it
        v.submit(svc, "xn", "2026Q3", "correction", CONTENT, who(db, "nn_clerk"), dt.date(2026, 10, 9))
    assert "报送人员或负责人" in err.value.message
    with pytest.raises(EventNotAllowed) as refused:  # the quarter was submitted already
        v.submit(svc, "xn", "2026Q3", "quarterly", CONTENT, who(db, "xn_clerk"), dt.date(2026, 10, 9))
    assert refused.value.code == "stage"
    with pytest.raises(BadInput):
        v.submit(svc, "xn", "2026Q5", "quarterly", CONTENT, who(db, "xn_clerk"), dt.date(2026, 10, 9))
    assert counts(db) == before


def test_the_parent_institution_reviews_an_office_outside_its_region_prefix(
    db: Database, service: Any
) -> None:
    svc, _ = service
    with db.transaction() as s:
        s.add(InstitutionRow(id="office", name="仲裁院", region_code="450102", kind="office", parent_id="gl"))
        s.flush()
        s.add(UserRow(username="office_clerk", role="clerk", institution_id="office"))
    got = v.submit(
        svc, "office", "2026Q3", "correction", CONTENT, who(db, "office_clerk"), dt.date(2026, 10, 9)
    )
    assert v.approve(svc, got.case_id, who(db, "gl_director"), dt.date(2026, 10, 9)) == "approved"


def test_a_failure_after_the_case_was_written_leaves_nothing(
    db: Database, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, _ = service
    before = counts(db)

    class Crash(Exception):
        pass

    def crash(*_a: Any, **_k: Any) -> None:
        raise Crash

    monkeypatch.setattr(v, "SubmissionRow", crash)  # the last write of the transaction fails
    with pytest.raises(Crash):
        v.submit(svc, "xn", "2026Q3", "quarterly", CONTENT, who(db, "xn_clerk"), dt.date(2026, 10, 9))
    assert counts(db) == before  # no case, no event, no number used
    monkeypatch.undo()
    got = v.submit(svc, "xn", "2026Q3", "quarterly", CONTENT, who(db, "xn_clerk"), dt.date(2026, 10, 9))
    assert got.case_number == "兴机构人员核字〔2026〕第1号"


def test_verification_cases_use_no_arbitration_number(db: Database, service: Any) -> None:
    svc, _ = service
    day = dt.date(2026, 10, 9)
    numbers = []
    for i in range(3):
        numbers.append(svc.open_case("arbitration", day, {"claim_amount": 100}, "xn").case_number)
        v.submit(svc, "xn", "2026Q3", "correction", {"n": i}, who(db, "xn_clerk"), day)
    one = svc.open_case("mediation", day, {"claim_amount": 100}, "xn").case_number
    # the 案号 of accepted arbitration cases, with a verification opened between two acceptances
    clerk = Actor("clerk", "clerk")
    accepted = []
    for i in range(2):
        case = svc.open_case("arbitration", day, {"claim_amount": 100}, "xn")
        svc.attach(case.id, ["application", "applicant_identity"], day, clerk)
        svc.fire(case.id, "accept", clerk, day)
        accepted.append(svc.get(case.id).case_number)
        v.submit(svc, "xn", "2026Q2", "correction", {"m": i}, who(db, "xn_clerk"), day)
    assert accepted == ["兴劳人仲案字〔2026〕第2号", "兴劳人仲案字〔2026〕第3号"]
    assert numbers == [f"兴劳人仲收字〔2026〕第{n}号" for n in (1, 2, 3)]
    assert one == "兴劳人仲案字〔2026〕第1号"  # the 案号 series is untouched by the three verifications
    with db.read() as s:
        cases = s.exec(select(CaseRow).where(CaseRow.procedure_id == v.PROCEDURE)).all()
        assert sorted(c.case_number for c in cases) == [f"兴机构人员核字〔2026〕第{n}号" for n in range(1, 6)]


def test_monitoring_figures_are_unchanged_by_verification_cases(db: Database, service: Any) -> None:
    svc, now = service
    codes = CodeTables.load(ROOT / "codes")
    day = dt.date(2026, 10, 9)
    svc.open_case("arbitration", day, {"claim_amount": 100}, "xn")

    def report() -> dict[str, Any]:
        with db.read() as s:
            return monthly_report(s.connection(), "2026-10", codes).to_json()

    now.to(dt.date(2026, 11, 2))
    scan(svc, dt.date(2026, 11, 2))
    base = report()
    assert base["breaches"]["by_deadline"] == {"acceptance": 1}
    got = v.submit(svc, "xn", "2026Q3", "quarterly", CONTENT, who(db, "xn_clerk"), day)
    v.approve(svc, got.case_id, who(db, "nn_director"), day)
    v.open_period(svc, "nn", "2026Q3")  # never submitted: its submission deadline is breached
    scan(svc, dt.date(2026, 11, 2))
    with db.read() as s:
        assert s.exec(select(BreachRow).where(BreachRow.deadline_id == "submission")).all()
    assert report() == base
    with db.read() as s:
        records = s.exec(select(MonitoringRow).where(MonitoringRow.procedure_id == v.PROCEDURE)).all()
        assert records and all(r.milestone is None and r.closure is None for r in records)


def test_a_late_submission_is_a_breach_of_that_institution(db: Database, service: Any) -> None:
    svc, now = service
    case_id = v.open_period(svc, "xn", "2026Q3")
    assert v.open_period(svc, "xn", "2026Q3") == case_id  # idempotent
    due = svc.get(case_id).deadlines["submission"].due_on  # type: ignore[index]
    # 2026-09-30 + 10 working days: 10-01..10-07 National Day; 10-08, 10-09, 10-10 (a Saturday worked),
    # 10-12..10-16, 10-19, 10-20
    assert due == dt.date(2026, 10, 20)
    now.to(dt.date(2026, 10, 21))
    with db.read() as s:
        audit = breach_audit(s, dt.date(2026, 10, 21))
        assert [(e.case_id, e.deadline_id, e.institution_id) for e in audit] == [
            (case_id, "submission", "xn")
        ]
    scan(svc, dt.date(2026, 10, 21))
    assert breaches_of(svc, case_id) == ["submission"]
    # a late submission still goes in; the breach stays on record
    v.submit(svc, "xn", "2026Q3", "quarterly", CONTENT, who(db, "xn_clerk"), dt.date(2026, 10, 21))
    with db.read() as s:
        rows = s.exec(select(BreachRow).where(BreachRow.case_id == case_id)).all()
        assert [(b.deadline_id, b.institution_id, b.responsible) for b in rows] == [
            ("submission", "xn", "director")
        ]


def test_a_correction_has_no_submission_deadline(db: Database, service: Any) -> None:
    svc, _ = service
    got = v.submit(svc, "xn", "2026Q2", "correction", CONTENT, who(db, "xn_clerk"), dt.date(2026, 10, 9))
    view = svc.get(got.case_id)
    assert "submission" not in view.deadlines
    assert view.deadlines["verification_review"].due_on is not None  # type: ignore[index]


def test_after_the_quarter_every_institution_has_its_case_once(db: Database, service: Any) -> None:
    svc, _ = service
    opened = v.open_due_periods(svc, dt.date(2026, 10, 9))
    assert len(opened) == 4  # gx, gl, nn, xn
    assert v.open_due_periods(svc, dt.date(2026, 10, 9)) == []
    with db.read() as s:
        cases = s.exec(select(CaseRow).where(CaseRow.procedure_id == v.PROCEDURE)).all()
        assert sorted((c.institution_id, c.facts["period"], c.opened_on) for c in cases) == [
            (i, "2026Q3", dt.date(2026, 9, 30)) for i in ("gl", "gx", "nn", "xn")
        ]
    # the submission then goes to the case already opened
    got = v.submit(svc, "xn", "2026Q3", "quarterly", CONTENT, who(db, "xn_clerk"), dt.date(2026, 10, 9))
    assert got.case_id in opened


def test_not_disputes_is_checked_like_the_rest_of_the_config(tmp_path: Any) -> None:
    from engine.errors import ProcedureInvalid
    from engine.monitoring.config import recording_spec

    (tmp_path / "indicators.yaml").write_text(
        "recording:\n  not_disputes: [Register-Check]\n", encoding="utf-8"
    )
    with pytest.raises(ProcedureInvalid) as err:
        recording_spec(tmp_path)
    assert "not_disputes" in str(err.value) and ":2:" in str(err.value)
    (tmp_path / "indicators.yaml").write_text(
        "recording:\n  not_disputes: [register_check]\n", encoding="utf-8"
    )
    assert recording_spec(tmp_path).not_disputes == ("register_check",)


def test_two_submissions_of_one_quarter_at_once_open_one_case(db: Database, service: Any) -> None:
    import threading

    svc, _ = service
    clerk = who(db, "xn_clerk")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def go(n: int) -> None:
        barrier.wait()
        try:
            v.submit(svc, "xn", "2026Q3", "quarterly", {"n": n}, clerk, dt.date(2026, 10, 9))
            outcomes.append("ok")
        except EventNotAllowed as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=go, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "stage"]
    with db.read() as s:
        assert len(s.exec(select(CaseRow).where(CaseRow.procedure_id == v.PROCEDURE)).all()) == 1
        assert len(s.exec(select(SubmissionRow)).all()) == 1
