"""The case runtime: opening, the order of the checks, refusals that change nothing, clocks, returns,
snapshots, the shared machine, the deadline scan. Every test reloads the case from the store.

Expected dates are computed by hand from docs/law.md (section d and its worked examples).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.errors import BadInput, CaseConflict, EventNotAllowed, UnknownProcedure
from engine.oversight.scan import scan
from engine.oversight.verify import verify_store
from engine.procedures import machines
from engine.procedures.library import ProcedureLibrary
from engine.store.db import Database
from engine.store.tables import (
    BreachRow,
    CaseNumberCounterRow,
    CaseRow,
    DocumentRow,
    EventRow,
    MonitoringRow,
    SnapshotRow,
    WarningRow,
)
from tests.fixtures_runtime import ROOT, prepared_db

D = dt.date
CLERK, DIRECTOR, ARBITRATOR, APPLICANT = (
    Actor("c1", "clerk"),
    Actor("d1", "director"),
    Actor("a1", "arbitrator"),
    Actor("p1", "applicant"),
)


@pytest.fixture
def env(
    sqlite_url: str, mini_library: ProcedureLibrary, make_service: Any
) -> tuple[CaseService, Any, Database]:
    db = prepared_db(sqlite_url)
    svc, now = make_service(db, mini_library, D(2025, 12, 30))
    return svc, now, db


def _count(db: Database, table: Any) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def _accepted(svc: CaseService, now: Any, on: dt.date = D(2026, 1, 5)) -> int:
    now.to(D(2025, 12, 30))
    case = svc.open_case("mini", D(2025, 12, 30), {"claim_amount": 5000}, "inst", CLERK)
    now.to(on)
    svc.fire(case.id, "accept", CLERK, on, documents=["application"])
    return case.id


def test_open_case_numbers_per_institution_and_year_without_gaps(env: Any) -> None:
    """Opening allots a receipt number (收件登记号) per institution and year of receipt; the 案号 comes
    with acceptance, per institution and year of the acceptance, from its own counter."""
    svc, now, db = env
    numbers = [
        svc.open_case("mini", D(2025, 12, 30), {"claim_amount": 1}, "inst", CLERK).case_number
        for _ in range(3)
    ]
    assert numbers == [f"京朝劳人仲收字〔2025〕第{n}号" for n in (1, 2, 3)]
    assert (
        svc.open_case("mini", D(2025, 12, 30), {}, "other", CLERK).case_number
        == "浙西劳人仲收字〔2025〕第1号"
    )
    now.to(D(2026, 1, 2))
    fourth = svc.open_case("mini", D(2026, 1, 2), {}, "inst", CLERK)
    assert fourth.case_number == fourth.receipt_number == "京朝劳人仲收字〔2026〕第1号"
    assert _count(db, CaseNumberCounterRow) == 0  # no 案号 yet
    # accepted in 2026 in reverse order: the 案号 follow the acceptances, not the receipts
    now.to(D(2026, 1, 5))
    case_ids = [c.id for c in svc.list_cases("inst")]
    for case_id in reversed(case_ids):
        svc.fire(case_id, "accept", CLERK, D(2026, 1, 5), documents=["application"])
    got = [(svc.get(i).receipt_number, svc.get(i).case_number) for i in case_ids]
    assert got == [
        ("京朝劳人仲收字〔2025〕第1号", "京朝劳人仲案字〔2026〕第4号"),
        ("京朝劳人仲收字〔2025〕第2号", "京朝劳人仲案字〔2026〕第3号"),
        ("京朝劳人仲收字〔2025〕第3号", "京朝劳人仲案字〔2026〕第2号"),
        ("京朝劳人仲收字〔2026〕第1号", "京朝劳人仲案字〔2026〕第1号"),
    ]
    assert verify_store(svc).ok


def test_open_starts_open_deadlines_and_writes_event_one(env: Any) -> None:
    svc, _, db = env
    view = svc.open_case("mini", D(2025, 12, 30), {"claim_amount": "20000"}, "inst", CLERK)
    # 2025-12-30 + 5 workdays: 12-31 (1); 01-01..03 New Year; Sun 01-04 make-up (2); 01-05, 06, 07 (5)
    assert view.deadlines["acceptance"].due_on == D(2026, 1, 7)
    assert view.stage == "received" and view.version == 1
    assert str(view.facts["claim_amount"]) == "20000.00" and view.facts["workers"] == 1
    (event,) = svc.history(view.id)
    assert (event.seq, event.action, event.stage_before, event.stage_after) == (1, "open", None, "received")
    assert _count(db, MonitoringRow) == 1 and _count(db, SnapshotRow) == 1


@pytest.mark.parametrize(
    ("facts", "fragment"),
    [
        ({"claim_amont": 1}, "did you mean 'claim_amount'"),
        ({"claim_amount": "lots"}, "claim_amount"),
        ({"claim_amount": -5}, "claim_amount"),
        ({"workers": 0}, "workers"),
        ({"workers": "three"}, "whole number"),
        ({"hearing_on": "2026-02-30"}, "hearing_on"),
    ],
)
def test_bad_facts_name_the_fact_and_write_nothing(env: Any, facts: dict[str, Any], fragment: str) -> None:
    svc, _, db = env
    with pytest.raises(BadInput, match=fragment):
        svc.open_case("mini", D(2025, 12, 30), facts, "inst", CLERK)
    assert _count(db, CaseRow) == 0 and _count(db, CaseNumberCounterRow) == 0


def test_unknown_institution_is_bad_input(env: Any) -> None:
    svc, _, _ = env
    with pytest.raises(BadInput, match="unknown institution 'nope'"):
        svc.open_case("mini", D(2025, 12, 30), {}, "nope", CLERK)


def test_accept_moves_stage_stops_acceptance_starts_award(env: Any) -> None:
    svc, now, _ = env
    case_id = _accepted(svc, now)
    view = svc.get(case_id)
    assert view.stage == "accepted" and view.accepted_on == D(2026, 1, 5)
    assert view.deadlines["acceptance"].status == "stopped"
    # docs/law.md worked example: 2026-01-05 + 45 days = raw 02-19 (Spring Festival) -> 2026-02-24
    assert view.deadlines["award"].due_on == D(2026, 2, 24)
    assert any("2026-02-24" in s for s in view.deadlines["award"].steps)
    assert view.has_document("application")


def test_check_order_stage_before_role_before_date_before_document_before_guard(env: Any) -> None:
    svc, now, _ = env
    case = svc.open_case("mini", D(2025, 12, 30), {"complete": False}, "inst", CLERK)
    now.to(D(2026, 1, 5))
    # wrong stage AND wrong role: the stage is reported
    with pytest.raises(EventNotAllowed) as e:
        svc.fire(case.id, "award", CLERK, D(2026, 1, 5))
    assert e.value.code == "stage"
    # wrong role AND a future date: the role is reported
    with pytest.raises(EventNotAllowed) as e:
        svc.fire(case.id, "accept", ARBITRATOR, D(2026, 1, 9))
    assert e.value.code == "role" and "clerk" in e.value.message
    # a future date AND no document: the date is reported
    with pytest.raises(EventNotAllowed) as e:
        svc.fire(case.id, "accept", CLERK, D(2026, 1, 9))
    assert e.value.code == "date" and "future" in e.value.message
    # no document AND a false guard: the document is reported
    with pytest.raises(EventNotAllowed) as e:
        svc.fire(case.id, "accept", CLERK, D(2026, 1, 5))
    assert e.value.code == "document" and "application" in e.value.message
    # the guard, with its own message and the explanation of the evaluator
    with pytest.raises(EventNotAllowed) as e:
        svc.fire(case.id, "accept", CLERK, D(2026, 1, 5), documents=["application"])
    assert e.value.code == "guard" and "材料不齐全" in e.value.message and "complete" in e.value.message


def test_a_refusal_changes_nothing_not_even_the_documents_attached_with_it(env: Any) -> None:
    svc, now, db = env
    case = svc.open_case("mini", D(2025, 12, 30), {"complete": False}, "inst", CLERK)
    now.to(D(2026, 1, 5))
    before = svc.get(case.id)
    counts = [_count(db, t) for t in (EventRow, DocumentRow, MonitoringRow)]
    with pytest.raises(EventNotAllowed):
        svc.fire(case.id, "accept", CLERK, D(2026, 1, 5), facts={"workers": 3}, documents=["application"])
    assert svc.get(case.id) == before
    assert [_count(db, t) for t in (EventRow, DocumentRow, MonitoringRow)] == counts


def test_dates_future_backwards_and_backdating(env: Any) -> None:
    svc, now, _ = env
    case_id = _accepted(svc, now, D(2026, 1, 5))
    now.to(D(2026, 1, 20))
    with pytest.raises(EventNotAllowed, match="never go backwards") as e:
        svc.fire(case_id, "amend", CLERK, D(2026, 1, 4))
    assert e.value.code == "date"
    with pytest.raises(EventNotAllowed, match="back-dating is allowed only for: clerk"):
        svc.fire(case_id, "suspend", DIRECTOR, D(2026, 1, 12))
    rec = svc.fire(case_id, "amend", CLERK, D(2026, 1, 12))  # a clerk may back-date within 30 days
    assert svc.history(case_id)[-1].backdated and rec.effective_on == D(2026, 1, 12)
    now.to(D(2026, 3, 1))
    with pytest.raises(EventNotAllowed, match="within 30 days"):
        svc.fire(case_id, "amend", CLERK, D(2026, 1, 20))


def test_suspend_returns_to_the_stage_it_left_and_pauses_the_award_period(env: Any) -> None:
    svc, now, _ = env
    case_id = _accepted(svc, now)
    now.to(D(2026, 1, 12))
    svc.fire(case_id, "suspend", DIRECTOR, D(2026, 1, 12))
    view = svc.get(case_id)
    assert view.stage == "suspended" and view.deadlines["award"].status == "paused"
    assert view.deadlines["award"].due_on is None
    now.to(D(2026, 1, 22))
    rec = svc.fire(case_id, "resume", DIRECTOR, D(2026, 1, 22))
    assert rec.stage_after == "accepted"
    # 45 days + 10 paused days from 2026-01-05 = 2026-03-01 (Sunday) -> Monday 2026-03-02 (P7, P2)
    assert svc.get(case_id).deadlines["award"].due_on == D(2026, 3, 2)


def test_restart_sets_a_new_anchor(env: Any) -> None:
    svc, now, _ = env
    case_id = _accepted(svc, now)
    now.to(D(2026, 1, 20))
    svc.fire(case_id, "amend", CLERK, D(2026, 1, 20))
    # 2026-01-20 + 45 days = 2026-03-06 (Friday)
    assert svc.get(case_id).deadlines["award"].due_on == D(2026, 3, 6)


def test_extension_in_time_twice_too_long_after_expiry(env: Any) -> None:
    svc, now, _ = env
    case_id = _accepted(svc, now)
    now.to(D(2026, 2, 10))
    with pytest.raises(EventNotAllowed) as e:
        svc.fire(case_id, "extend", DIRECTOR, D(2026, 2, 10))
    assert e.value.code == "facts" and "days" in e.value.message
    with pytest.raises(EventNotAllowed) as e:
        svc.fire(case_id, "extend", DIRECTOR, D(2026, 2, 10), facts={"days": 16})
    assert e.value.code == "deadline"
    svc.fire(case_id, "extend", DIRECTOR, D(2026, 2, 10), facts={"days": 15})
    # docs/law.md worked example: 2026-01-05 + 45 + 15 days from the unrolled end = 2026-03-06 (P6)
    assert svc.get(case_id).deadlines["award"].due_on == D(2026, 3, 6)
    with pytest.raises(EventNotAllowed) as e:
        svc.fire(case_id, "extend", DIRECTOR, D(2026, 2, 10), facts={"days": 1})
    assert e.value.code == "deadline"
    other = _accepted(svc, now)
    now.to(D(2026, 2, 25))
    with pytest.raises(EventNotAllowed) as e:  # due 2026-02-24: too late on 02-25
        svc.fire(other, "extend", DIRECTOR, D(2026, 2, 25), facts={"days": 5})
    assert e.value.code == "deadline"


def test_final_stage_stops_every_clock_and_sets_closure(env: Any) -> None:
    svc, now, _ = env
    case_id = _accepted(svc, now)
    now.to(D(2026, 1, 9))
    svc.fire(case_id, "withdraw", APPLICANT, D(2026, 1, 9))
    view = svc.get(case_id)
    assert view.stage == "withdrawn" and view.closure == "withdrawal" and view.closed_on == D(2026, 1, 9)
    assert {d.status for d in view.deadlines.values()} == {"stopped"}
    with pytest.raises(EventNotAllowed) as e:
        svc.fire(case_id, "accept", CLERK, D(2026, 1, 9))
    assert e.value.code == "stage"


def test_expected_version_conflict(env: Any) -> None:
    svc, now, _ = env
    case_id = _accepted(svc, now)
    version = svc.get(case_id).version
    now.to(D(2026, 1, 9))
    svc.fire(case_id, "amend", CLERK, D(2026, 1, 9), expected_version=version)
    with pytest.raises(CaseConflict, match="reload the case"):
        svc.fire(case_id, "amend", CLERK, D(2026, 1, 9), expected_version=version)


def test_tick_breach_is_idempotent_and_on_expiry_fires_once(env: Any) -> None:
    svc, now, db = env
    case_id = _accepted(svc, now)
    now.to(D(2026, 2, 26))
    scan(svc, D(2026, 2, 25))  # due 02-24: breached from 02-25
    scan(svc, D(2026, 2, 26))
    assert svc.get(case_id).breaches == ("award",) and _count(db, BreachRow) == 1
    svc.fire(case_id, "award", ARBITRATOR, D(2026, 2, 26))
    now.to(D(2026, 3, 2))
    svc.fire(case_id, "deliver", CLERK, D(2026, 3, 2))
    assert svc.get(case_id).deadlines["challenge"].due_on == D(2026, 3, 17)  # 03-02 + 15 days (Tuesday)
    now.to(D(2026, 3, 17))
    scan(svc, D(2026, 3, 17))
    assert svc.get(case_id).stage == "awarded"  # the last day still belongs to the party (P10)
    now.to(D(2026, 3, 20))
    report = scan(svc, D(2026, 3, 20))
    assert report.fired == [(case_id, "challenge", "take_effect")]
    scan(svc, D(2026, 3, 20))
    view = svc.get(case_id)
    assert view.stage == "effective" and view.closure == "award" and view.closed_on == D(2026, 3, 18)
    events = svc.history(case_id)
    assert [e.action for e in events].count("take_effect") == 1
    assert events[-1].role == "system" and events[-1].effective_on == D(2026, 3, 18)
    assert verify_store(svc).ok


def test_one_shared_machine_per_procedure_version(env: Any) -> None:
    svc, now, _ = env
    _accepted(svc, now)
    count = machines.cached_machines()
    for _ in range(5):
        _accepted(svc, now)
    assert machines.cached_machines() == count


def test_available_actions_say_why(env: Any) -> None:
    svc, now, _ = env
    case_id = _accepted(svc, now)
    by_id = {a.action: a for a in svc.available_actions(case_id, "director", D(2026, 1, 5))}
    assert by_id["suspend"].allowed and by_id["extend"].allowed
    assert by_id["award"].refusal is not None and by_id["award"].refusal.code == "role"
    assert by_id["accept"].refusal is not None and by_id["accept"].refusal.code == "stage"


def test_case_keeps_its_procedure_snapshot_after_the_files_change(
    env: Any, tmp_path: Path, make_service: Any
) -> None:
    svc, now, db = env
    old_case = svc.open_case("mini", D(2025, 12, 30), {}, "inst", CLERK)
    changed = tmp_path / "procs"
    changed.mkdir()
    src = (ROOT / "tests" / "runtime_procedures" / "mini.yaml").read_text(encoding="utf-8")
    (changed / "mini.yaml").write_text(src.replace("limit: 45 days", "limit: 30 days"), encoding="utf-8")
    new_lib = ProcedureLibrary.load(changed, ROOT / "codes", ROOT / "documents")
    assert new_lib.get("mini").content_hash != old_case.procedure_hash
    svc2, now2 = make_service(db, new_lib, D(2026, 1, 5))
    svc2.fire(old_case.id, "accept", CLERK, D(2026, 1, 5), documents=["application"])
    assert svc2.get(old_case.id).deadlines["award"].due_on == D(2026, 2, 24)  # still 45 days
    now2.to(D(2026, 1, 5))
    new_case = svc2.open_case("mini", D(2026, 1, 5), {}, "inst", CLERK)
    svc2.fire(new_case.id, "accept", CLERK, D(2026, 1, 5), documents=["application"])
    # 2026-01-05 + 30 days = 2026-02-04 (Wednesday)
    assert svc2.get(new_case.id).deadlines["award"].due_on == D(2026, 2, 4)
    shutil.rmtree(changed)
    assert verify_store(svc2).ok


def test_attach_stores_content_with_sha256(env: Any) -> None:
    svc, now, db = env
    case = svc.open_case("mini", D(2025, 12, 30), {}, "inst", CLERK)
    rec = svc.attach(case.id, {"evidence": "工资条".encode()}, D(2025, 12, 30), CLERK)
    assert rec.seq == 2 and rec.stage_after == "received"
    with db.read() as s:
        doc = s.exec(select(DocumentRow).where(DocumentRow.document_id == "evidence")).one()
    assert doc.content == "工资条".encode() and len(doc.sha256) == 64 and doc.event_seq == 2
    with pytest.raises(BadInput, match="unknown document 'evidense'"):
        svc.attach(case.id, ["evidense"], D(2025, 12, 30), CLERK)


def test_document_versions_count_up_per_document(env: Any) -> None:
    """Each filing of a document is a new version (1, 2, ...), counted per document and per case, and
    several documents filed by one action each get their own next version."""
    svc, now, db = env
    case = svc.open_case("mini", D(2025, 12, 30), {}, "inst", CLERK)
    other = svc.open_case("mini", D(2025, 12, 30), {}, "inst", CLERK)
    svc.attach(case.id, {"evidence": b"v1", "application": b"a1"}, D(2025, 12, 30), CLERK)
    svc.attach(case.id, {"evidence": b"v2"}, D(2025, 12, 30), CLERK)
    svc.attach(other.id, {"evidence": b"other"}, D(2025, 12, 30), CLERK)
    svc.attach(case.id, {"evidence": b"v3", "application": b"a2"}, D(2025, 12, 30), CLERK)
    with db.read() as s:
        rows = s.exec(select(DocumentRow).where(DocumentRow.case_id == case.id)).all()
        other_rows = s.exec(select(DocumentRow).where(DocumentRow.case_id == other.id)).all()
    by_doc: dict[str, list[tuple[int, bytes]]] = {}
    for r in sorted(rows, key=lambda r: r.version):
        by_doc.setdefault(r.document_id, []).append((r.version, r.content))
    assert by_doc["evidence"] == [(1, b"v1"), (2, b"v2"), (3, b"v3")]
    assert by_doc["application"] == [(1, b"a1"), (2, b"a2")]
    assert [(r.document_id, r.version) for r in other_rows] == [("evidence", 1)]
    assert verify_store(svc).ok


def test_verify_finds_tampering(env: Any) -> None:
    svc, now, db = env
    case_id = _accepted(svc, now)
    assert verify_store(svc).ok
    with db.transaction() as s:
        case = s.get(CaseRow, case_id)
        assert case is not None
        case.stage = "awarded"
        s.add(case)
        s.delete(s.exec(select(MonitoringRow).where(MonitoringRow.event_seq == 2)).one())
    problems = " | ".join(f.problem for f in verify_store(svc).findings)
    assert "stage 'awarded' != last event's target 'accepted'" in problems
    assert "events without a monitoring record: [2]" in problems


def _unlisted_evidence(case_id: int, *, version: int, event_seq: int) -> DocumentRow:
    """An evidence document filed behind the runtime's back: no event lists it."""
    return DocumentRow(
        case_id=case_id,
        document_id="evidence",
        kind="submitted",
        version=version,
        content=b"x",
        sha256=hashlib.sha256(b"x").hexdigest(),
        event_seq=event_seq,
    )


def test_verify_finds_documents_missing_from_or_added_to_the_file(env: Any) -> None:
    """Document versions are numbered from the events' document lists (engine.cases.firing), so verify checks
    that the documents on file are exactly those lists; a lost document is also refused a new version
    number that would collide (uq_case_document)."""
    svc, _now, db = env
    case = svc.open_case("mini", D(2025, 12, 30), {}, "inst", CLERK)
    svc.attach(case.id, {"evidence": b"v1"}, D(2025, 12, 30), CLERK)
    svc.attach(case.id, {"evidence": b"v2"}, D(2025, 12, 30), CLERK)
    assert verify_store(svc).ok
    with db.transaction() as s:
        first = s.exec(select(DocumentRow).where(DocumentRow.version == 1)).one()
        s.add(_unlisted_evidence(case.id, version=9, event_seq=first.event_seq))
        s.delete(first)
    problems = " | ".join(f.problem for f in verify_store(svc).findings)
    assert "documents on file differ from the documents the events list" in problems
    assert "not listed [(2, 'evidence', 9)], not on file [(2, 'evidence', 1)]" in problems


def test_a_duty_done_late_is_recorded_as_a_breach_without_a_scan(env: Any) -> None:
    svc, now, db = env
    case = svc.open_case("mini", D(2025, 12, 30), {}, "inst", CLERK)  # acceptance due 2026-01-07
    now.to(D(2026, 1, 8))
    svc.fire(case.id, "accept", CLERK, D(2026, 1, 8), documents=["application"])
    assert svc.get(case.id).breaches == ("acceptance",)
    with db.read() as s:
        breach = s.exec(select(BreachRow)).one()
    assert (breach.due_on, breach.detected_on) == (D(2026, 1, 7), D(2026, 1, 8))
    scan(svc, D(2026, 1, 9))
    assert _count(db, BreachRow) == 1


def test_tick_warns_once_before_the_due_date(env: Any) -> None:
    svc, now, db = env
    svc.open_case("mini", D(2025, 12, 30), {}, "inst", CLERK)  # acceptance due 2026-01-07
    # default warning: 2 workdays before the due date: 01-06 (1), 01-05 (2) -> from 2026-01-05
    assert scan(svc, D(2026, 1, 4)).warnings == []
    now.to(D(2026, 1, 5))
    first = scan(svc, D(2026, 1, 5))
    assert [(w[1], w[2]) for w in first.warnings] == [("acceptance", D(2026, 1, 7))]
    assert scan(svc, D(2026, 1, 6)).warnings == []
    assert _count(db, WarningRow) == 1


def test_versions_for_hash(env: Any) -> None:
    svc, _, _ = env
    case = svc.open_case("mini", D(2025, 12, 30), {}, "inst", CLERK)
    assert svc.versions.for_hash(case.procedure_hash).id == "mini"
    with pytest.raises(UnknownProcedure):
        svc.versions.for_hash("0" * 64)


def test_a_document_number_taken_by_an_unlisted_document_is_reported_not_retried(env: Any) -> None:
    """A document on file that no event lists takes the version number the next filing needs: that is
    a damaged store (StoreInconsistent, nothing recorded), not a race to retry (CaseConflict)."""
    from engine.errors import StoreInconsistent

    svc, _now, db = env
    case = svc.open_case("mini", D(2025, 12, 30), {}, "inst", CLERK)
    svc.attach(case.id, {"evidence": b"v1"}, D(2025, 12, 30), CLERK)
    with db.transaction() as s:
        s.add(_unlisted_evidence(case.id, version=2, event_seq=2))
    before = svc.get(case.id).version
    with pytest.raises(StoreInconsistent, match="verify"):
        svc.attach(case.id, {"evidence": b"v2"}, D(2025, 12, 30), CLERK)
    assert svc.get(case.id).version == before


def test_a_clock_stopped_while_paused_is_recomputed_for_documents() -> None:
    """engine.cases.deadline_rows.stored_due: a row keeps its earlier due date when its clock is stopped
    during a pause (the audit reads it), but a document must show what the clock says: no date."""
    from engine.cases.deadline_rows import stored_due
    from engine.cases.state import LoadedDeadline
    from engine.dates.clocks import pause, start_clock, stop
    from engine.dates.periods import Period

    running = start_clock("award", Period(45, "days"), D(2026, 1, 5))
    stopped = stop(pause(running, D(2026, 1, 20)), D(2026, 1, 25))

    def row(clock_status: str) -> LoadedDeadline:
        return LoadedDeadline(1, 1, "award", clock_status, D(2026, 2, 19), {}, "inst", None, ["s"], None, "v1")

    assert stored_due(row("running"), running, running, "v1") is not None
    assert stored_due(row("running"), running, running, "v2") is None  # another calendar version
    assert stored_due(row("stopped"), stopped, stopped, "v1") is None  # stopped during a pause
    assert stored_due(row("stopped"), stop(running, D(2026, 1, 25)), stop(running, D(2026, 1, 25)), "v1")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_case_shows_its_facts_in_the_procedures_order_on_both_databases(
    database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """JSONB does not keep the order facts were written in: views list them in the procedure's order,
    so the answer to opening a case and every later read agree, on both databases."""
    from engine.cases.runtime import CaseService
    from tests.fixtures_runtime import MovableNow, load_arbitration, prepared_db

    url = f"sqlite:///{tmp_path / 'order.db'}" if database == "sqlite" else request.getfixturevalue("pg_url")
    db = prepared_db(url)
    svc = CaseService(db, load_arbitration(), now=MovableNow(D(2025, 12, 30)))
    facts = {"respondent_name": "北京某某科技有限公司", "claim_amount": "36000", "applicant_name": "王小红"}
    opened = svc.open_case("arbitration", D(2025, 12, 30), facts, "inst", CLERK)
    declared = list(load_arbitration().get("arbitration").facts)
    assert list(opened.facts) == [k for k in declared if k in opened.facts]
    assert list(svc.get(opened.id).facts) == list(opened.facts)
    db.dispose()
