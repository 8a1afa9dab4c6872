"""Data checks (codes/data_checks.yaml) and risk warnings (codes/risk.yaml) over monitoring records."""

from __future__ import annotations

import datetime as dt
import random
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session

from engine.codes.code_tables import CodeTables
from engine.errors import ProcedureInvalid
from engine.monitoring.config import load_model
from engine.monitoring.datachecks import check_spec, run_checks
from engine.monitoring.risk import RiskSpec, SurgeRule, monthly_risks, risk_spec
from engine.store.db import Database
from engine.store.tables import MonitoringRow
from tests.monitoring_factory import SimCase, random_cases, store_cases
from tests.paths import ROOT

CODES = CodeTables.load(ROOT / "codes")
AS_OF = dt.date(2026, 12, 31)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    d = Database(f"sqlite:///{tmp_path / 'c.db'}")
    d.init_db()
    return d


def _bad(case_id: int, seq: int, **kw: object) -> MonitoringRow:
    base: dict[str, object] = dict(
        case_id=case_id,
        event_seq=seq,
        institution_id="bj-cy",
        region_code="110105",
        procedure_id="arbitration",
        action="x",
        stage_before="accepted",
        stage_after="accepted",
        effective_on=dt.date(2026, 3, 1),
        recorded_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        channel="offline",
    )
    base.update(kw)
    return MonitoringRow(**base)  # type: ignore[arg-type]


def test_clean_history_passes_and_each_planted_error_is_found(db: Database) -> None:
    cases = random_cases(random.Random(5), 80, dt.date(2026, 1, 1), dt.date(2026, 5, 31))
    store_cases(db, cases)
    with db.engine.connect() as conn:
        clean = run_checks(conn, CODES, AS_OF)
    assert clean.errors == 0, [f for f in clean.findings if f.count]
    cid = next(c.id for c in cases if c.id is not None)
    planted = {
        "closed_before_accepted": _bad(
            cid, 101, milestone="closed", closure="mediation", accepted_on=dt.date(2026, 3, 5)
        ),
        "closed_without_acceptance": _bad(
            cid, 102, milestone="closed", closure="mediation", accepted_on=None
        ),
        "award_without_hearing": _bad(
            cid + 1, 103, milestone="closed", closure="award_final", accepted_on=dt.date(2026, 1, 1)
        ),
        "negative_claim_amount": _bad(cid, 104, claim_amount=Decimal("-1.00")),
        "negative_awarded_amount": _bad(cid, 105, awarded_amount=Decimal("-5.00")),
        "workers_not_positive": _bad(cid, 106, workers=0),
        "effective_in_future": _bad(cid, 107, effective_on=AS_OF + dt.timedelta(days=1)),
        "invalid_region": _bad(cid, 108, region_code="119999"),
        "invalid_dispute_type": _bad(cid, 109, dispute_type="labor_pay"),
        "invalid_industry": _bad(cid, 110, industry="98"),
        "invalid_channel": _bad(cid, 111, channel="fax"),
        "collective_flag_mismatch": _bad(cid, 112, workers=11, collective=False),
    }
    # case cid+1 must have no hearing: plant the award on a case id whose records have no 'heard'
    heard_cases = {c.id for c in cases if c.heard is not None}
    no_hearing = next(c.id for c in cases if c.id is not None and c.id not in heard_cases)
    planted["award_without_hearing"] = _bad(
        no_hearing, 103, milestone="closed", closure="award_final", accepted_on=dt.date(2026, 1, 1)
    )
    with Session(db.engine) as s:
        s.add_all(planted.values())
        s.commit()
    with db.engine.connect() as conn:
        report = run_checks(conn, CODES, AS_OF)
    counts = {f.rule: f.count for f in report.findings}
    for rule in planted:
        assert counts[rule] >= 1, rule
    assert counts["negative_claim_amount"] == 1 and counts["invalid_region"] == 1
    found = next(f for f in report.findings if f.rule == "invalid_dispute_type")
    assert found.examples[0]["dispute_type"] == "labor_pay"
    severities = {f.rule: f.severity for f in report.findings}
    assert severities["collective_flag_mismatch"] == "warning"
    assert report.errors == sum(n for r, n in counts.items() if severities[r] == "error")
    assert report.to_json()["errors"] == report.errors


def test_a_rule_file_with_a_mistake_is_refused_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "data_checks.yaml"
    path.write_text(
        textwrap.dedent("""\
        title: t
        rules:
          - id: r1
            title: x
            where:
              - {field: clam_amount, op: lt, value: 0}
    """),
        encoding="utf-8",
    )
    with pytest.raises(ProcedureInvalid) as err:
        check_spec(tmp_path)
    d = err.value.diagnostics[0]
    assert d.span is not None and d.span.path.endswith("data_checks.yaml") and d.span.line >= 3
    assert "did you mean 'claim_amount'" in d.message


def test_risk_thresholds_are_data(tmp_path: Path) -> None:
    (tmp_path / "risk.yaml").write_text("large_claim: {min_amount: 1000}\nsurge: {min_increase: 2.0}\n")
    spec = load_model(tmp_path / "risk.yaml", RiskSpec)
    assert spec.large_claim.min_amount == Decimal("1000") and spec.surge.min_increase == 2.0
    assert risk_spec().collective.min_workers == 10


def test_collective_and_large_claims_are_flagged_at_once(db: Database) -> None:
    cases = random_cases(random.Random(9), 120, dt.date(2026, 2, 1), dt.date(2026, 3, 31))
    store_cases(db, cases)
    spec = risk_spec()
    with db.engine.connect() as conn:
        report = monthly_risks(conn, "2026-03", spec, CODES)
    march = [c for c in cases if dt.date(2026, 3, 1) <= c.opened < dt.date(2026, 4, 1)]
    expected = {
        c.id
        for c in march
        if c.workers >= spec.collective.min_workers or c.claim >= spec.large_claim.min_amount
    }
    assert {f.case_id for f in report.flagged} == expected
    for f in report.flagged:
        sim = next(c for c in cases if c.id == f.case_id)
        assert ("collective" in f.flags) == (sim.workers >= 10)
        assert ("large_claim" in f.flags) == (sim.claim >= Decimal("500000"))
        assert f.effective_on == sim.opened  # flagged on the day the application came in


def _flat(n: int, region: str, inst: str, month: int, industry: str) -> list[SimCase]:
    return [SimCase(inst, region, dt.date(2026, month, 1 + i % 28), industry=industry) for i in range(n)]


def test_month_over_month_surge_by_region_and_industry(db: Database) -> None:
    cases = (
        _flat(10, "440305", "sz-ns", 2, "47")
        + _flat(25, "440305", "sz-ns", 3, "47")  # 深圳 +150 %, construction
        + _flat(20, "110105", "bj-cy", 2, "62")
        + _flat(21, "110105", "bj-cy", 3, "62")  # 北京 +5 %
        + _flat(12, "510107", "cd-wh", 3, "13")  # new this month (no base)
    )
    store_cases(db, cases)
    with db.engine.connect() as conn:
        report = monthly_risks(conn, "2026-03", RiskSpec(), CODES)
    got = {(s.dimension, s.key): (s.previous, s.current) for s in report.surges}
    assert got[("region", "4403")] == (10, 25)
    assert got[("region", "5101")] == (0, 12)
    assert ("region", "1101") not in got
    assert got[("industry", "E")] == (10, 25)  # division 47 rolls up to section E (建筑业)
    assert ("industry", "I") not in got
    names = {s.key: s.name for s in report.surges}
    assert names["4403"] == "深圳市" and names["E"] == "建筑业"
    strict = RiskSpec(surge=SurgeRule(min_increase=2.0, min_cases=15))
    with db.engine.connect() as conn:
        fewer = monthly_risks(conn, "2026-03", strict, CODES)
    assert {(s.dimension, s.key) for s in fewer.surges} == set()
