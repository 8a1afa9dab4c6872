"""build_record through the real CaseService (engine.cases.writes calls it in the event's own
transaction): one record per event, with the milestones, closure, on-time flag and risk flags the
indicators count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import select

from engine.cases.casefile import Actor
from engine.codes.code_tables import CodeTables
from engine.errors import EventNotAllowed
from engine.monitoring.indicators import monthly_report
from engine.oversight.scan import scan
from engine.procedures.library import ProcedureLibrary
from engine.store.db import Database
from engine.store.tables import EventRow, MonitoringRow
from tests.fixtures_runtime import ROOT, prepared_db

D = dt.date
CLERK, ARBITRATOR, APPLICANT = Actor("c1", "clerk"), Actor("a1", "arbitrator"), Actor("p1", "applicant")


@pytest.fixture
def env(sqlite_url: str, mini_library: ProcedureLibrary, make_service: Any) -> Any:
    db = prepared_db(sqlite_url)
    svc, now = make_service(db, mini_library, D(2026, 1, 5))
    return svc, now, db


def _records(db: Database, case_id: int) -> list[MonitoringRow]:
    with db.read() as s:
        return list(
            s.exec(
                select(MonitoringRow)
                .where(MonitoringRow.case_id == case_id)
                .order_by(MonitoringRow.id)
            )
        )


def test_a_case_life_is_coded_event_by_event(env: Any) -> None:
    svc, now, db = env
    svc_case = svc.open_case(
        "mini", D(2026, 1, 5), {"claim_amount": 800000, "workers": 12}, "inst", CLERK, channel="online"
    )
    cid = svc_case.id
    now.to(D(2026, 1, 6))
    svc.fire(cid, "accept", CLERK, D(2026, 1, 6), documents=["application"])
    now.to(D(2026, 3, 2))
    scan(svc, D(2026, 3, 2))  # award period (due 2026-02-24) breached
    svc.fire(cid, "award", ARBITRATOR, D(2026, 3, 2))
    svc.fire(cid, "take_effect", CLERK, D(2026, 3, 2))
    recs = _records(db, cid)
    with db.read() as s:
        events = list(s.exec(select(EventRow).where(EventRow.case_id == cid).order_by(EventRow.seq)))
    assert [r.event_seq for r in recs] == [e.seq for e in events]  # one record per event, same transaction
    by_action = {r.action: r for r in recs}
    assert by_action["open"].milestone == "received" and by_action["open"].channel == "online"
    assert by_action["open"].risk_flags == "collective,large_claim" and by_action["open"].collective
    assert by_action["accept"].milestone == "accepted" and by_action["accept"].accepted_on == D(2026, 1, 6)
    award = by_action["award"]
    assert (award.milestone, award.closure, award.on_time) == ("closed", "award", False)
    assert by_action["take_effect"].milestone is None  # counted on the award date, not again
    assert by_action["take_effect"].closure == "award"
    codes = CodeTables.load(ROOT / "codes")
    with db.engine.connect() as conn:
        jan = monthly_report(conn, "2026-01", codes)
        mar = monthly_report(conn, "2026-03", codes)
    assert (jan.measures["received"], jan.measures["accepted"], jan.measures["pending_end"]) == (1, 1, 1)
    assert jan.measures["accepted_online"] == 1 and jan.measures["workers_collective"] == 12
    assert (mar.measures["pending_start"], mar.measures["closed"], mar.measures["closed_on_time"]) == (
        1,
        1,
        0,
    )
    assert mar.rates["on_time_closure_rate"].value == 0.0


def test_withdrawal_before_acceptance_is_not_a_closure_and_a_refusal_writes_nothing(env: Any) -> None:
    svc, _now, db = env
    cid = svc.open_case("mini", D(2026, 1, 5), {"claim_amount": 1000}, "inst", CLERK).id
    with pytest.raises(EventNotAllowed):
        svc.fire(cid, "award", ARBITRATOR, D(2026, 1, 5))
    assert len(_records(db, cid)) == 1
    svc.fire(cid, "withdraw", APPLICANT, D(2026, 1, 5))
    last = _records(db, cid)[-1]
    assert (last.milestone, last.closure, last.accepted_on, last.risk_flags) == (
        "ended",
        "withdrawal",
        None,
        None,
    )


def test_closed_in_time_is_on_time(env: Any) -> None:
    svc, now, db = env
    cid = svc.open_case("mini", D(2026, 1, 5), {"claim_amount": 1000}, "inst", CLERK).id
    svc.fire(cid, "accept", CLERK, D(2026, 1, 5), documents=["application"])
    now.to(D(2026, 1, 20))
    svc.fire(cid, "award", ARBITRATOR, D(2026, 1, 20))
    award = _records(db, cid)[-1]
    assert (award.milestone, award.on_time) == ("closed", True)
