"""Risk warnings (风险预警): collective disputes and large claims flagged at once, and month-over-month
surges by region or industry. Thresholds are data: codes/risk.yaml.

Owns: `RiskSpec` (codes/risk.yaml), `immediate_flags` (called by engine.monitoring.record.build_record, so a
record carries its warnings the moment it is written and the export sends them in real time) and
`monthly_risks` (the `zhongcai monitor risks --month` report: the month's flagged cases and the
surges, computed with SQL GROUP BY over monitoring_record).
May import: engine.errors, engine.codes.code_tables, engine.monitoring.config, engine.store.tables, sqlalchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import Field

from engine.codes.code_tables import CodeTables
from engine.monitoring.config import Strict, cached_model, config_file
from engine.monitoring.indicators import month_bounds
from engine.store.tables import MonitoringRow

Dimension = Literal["region", "industry"]


class CollectiveRule(Strict):
    min_workers: int = Field(default=10, ge=2)


class LargeClaimRule(Strict):
    min_amount: Decimal = Field(default=Decimal("500000"), gt=0)


class SurgeRule(Strict):
    dimensions: tuple[Dimension, ...] = ("region", "industry")
    #: the milestone counted per month (received = applications received)
    milestone: Literal["received", "accepted", "closed"] = "received"
    #: 2 = province, 4 = prefecture, 6 = county
    region_digits: Literal[2, 4, 6] = 4
    #: "division" groups by GB/T 4754 division (01-97), "section" rolls up to the section (A-T)
    industry_level: Literal["division", "section"] = "section"
    #: warn when this month / last month - 1 >= min_increase (0.5 = +50 %)
    min_increase: float = Field(default=0.5, gt=0)
    #: ...and this month has at least this many cases (no warning on tiny bases)
    min_cases: int = Field(default=10, ge=1)


class RiskSpec(Strict):
    title: str = "风险预警阈值"
    source: str = ""
    collective: CollectiveRule = CollectiveRule()
    large_claim: LargeClaimRule = LargeClaimRule()
    surge: SurgeRule = SurgeRule()


def risk_spec(directory: Path | None = None) -> RiskSpec:
    """codes/risk.yaml (defaults when absent), remembered per process (engine.monitoring.config.cached_model)."""
    return cached_model(config_file(directory, "risk.yaml"), RiskSpec)


def immediate_flags(
    workers: int, claim_amount: Decimal | None, collective: bool, spec: RiskSpec
) -> list[str]:
    """The warnings a record raises at once: `collective` (集体争议) and `large_claim` (大额请求).

    >>> immediate_flags(12, Decimal("1000"), False, RiskSpec())
    ['collective']
    >>> immediate_flags(1, Decimal("800000"), False, RiskSpec())
    ['large_claim']
    """
    flags = []
    if collective or workers >= spec.collective.min_workers:
        flags.append("collective")
    if claim_amount is not None and claim_amount >= spec.large_claim.min_amount:
        flags.append("large_claim")
    return flags


@dataclass(frozen=True, slots=True)
class FlaggedCase:
    case_id: int
    institution_id: str
    region_code: str
    effective_on: date
    flags: tuple[str, ...]
    workers: int
    claim_amount: Decimal | None


@dataclass(frozen=True, slots=True)
class Surge:
    dimension: Dimension
    key: str
    name: str
    previous: int
    current: int

    @property
    def increase(self) -> float | None:
        return None if self.previous == 0 else self.current / self.previous - 1


@dataclass(frozen=True)
class RiskReport:
    month: str
    flagged: list[FlaggedCase] = field(default_factory=list)
    surges: list[Surge] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "flagged": [
                {
                    "case_id": f.case_id,
                    "institution_id": f.institution_id,
                    "region_code": f.region_code,
                    "effective_on": f.effective_on.isoformat(),
                    "flags": list(f.flags),
                    "workers": f.workers,
                    "claim_amount": None if f.claim_amount is None else str(f.claim_amount),
                }
                for f in self.flagged
            ],
            "surges": [
                {
                    "dimension": s.dimension,
                    "key": s.key,
                    "name": s.name,
                    "previous": s.previous,
                    "current": s.current,
                    "increase": None if s.increase is None else round(s.increase, 4),
                }
                for s in self.surges
            ],
        }


def _month_bounds(month: str) -> tuple[date, date, date]:
    start, nxt = month_bounds(month)
    prev = date(start.year - 1, 12, 1) if start.month == 1 else date(start.year, start.month - 1, 1)
    return prev, start, nxt


def monthly_risks(
    conn: sa.Connection,
    month: str,
    spec: RiskSpec,
    codes: CodeTables,
    scope: sa.ColumnElement[bool] | None = None,
) -> RiskReport:
    """The cases first flagged in the month (a case flagged earlier is not listed again) and the
    surges against last month."""
    prev, start, nxt = _month_bounds(month)
    t = MonitoringRow.__table__  # type: ignore[attr-defined]
    earlier = t.alias("earlier")
    first_time = ~sa.exists().where(
        earlier.c.case_id == t.c.case_id, earlier.c.risk_flags.is_not(None), earlier.c.id < t.c.id
    )
    where = sa.and_(
        t.c.risk_flags.is_not(None), t.c.effective_on >= start, t.c.effective_on < nxt, first_time
    )
    if scope is not None:
        where = sa.and_(where, scope)
    rows = conn.execute(
        sa.select(
            t.c.case_id,
            t.c.institution_id,
            t.c.region_code,
            t.c.effective_on,
            t.c.risk_flags,
            t.c.workers,
            t.c.claim_amount,
        )
        .where(where)
        .order_by(t.c.case_id, t.c.id)
    ).all()
    flagged: dict[int, FlaggedCase] = {}
    for r in rows:
        if r.case_id in flagged:
            continue
        amount = None if r.claim_amount is None else Decimal(str(r.claim_amount)).quantize(Decimal("0.01"))
        flagged[r.case_id] = FlaggedCase(
            r.case_id,
            r.institution_id,
            r.region_code,
            r.effective_on,
            tuple(r.risk_flags.split(",")),
            r.workers,
            amount,
        )
    surges: list[Surge] = []
    rule = spec.surge
    for dim in rule.dimensions:
        surges.extend(_surges(conn, dim, rule, prev, start, nxt, codes, scope))
    surges.sort(key=lambda s: (-(s.increase or 0.0), s.dimension, s.key))
    return RiskReport(month, list(flagged.values()), surges)


def _surges(
    conn: sa.Connection,
    dim: Dimension,
    rule: SurgeRule,
    prev: date,
    start: date,
    nxt: date,
    codes: CodeTables,
    scope: sa.ColumnElement[bool] | None,
) -> list[Surge]:
    t = MonitoringRow.__table__  # type: ignore[attr-defined]
    if dim == "region":
        key = sa.func.substr(t.c.region_code, 1, rule.region_digits)
    else:
        key = t.c.industry
    current = sa.case((t.c.effective_on >= start, 1), else_=0)
    where = sa.and_(t.c.milestone == rule.milestone, t.c.effective_on >= prev, t.c.effective_on < nxt)
    if scope is not None:
        where = sa.and_(where, scope)
    stmt = (
        sa.select(key.label("k"), sa.func.count().label("n"), sa.func.sum(current).label("cur"))
        .where(where)
        .group_by(key)
    )
    counts: dict[str, list[int]] = {}
    for k, n, cur in conn.execute(stmt):
        if k is None:
            continue
        name = str(k)
        if dim == "industry" and rule.industry_level == "section" and codes.has("industries"):
            name = codes.table("industries").root(name)
        c = counts.setdefault(name, [0, 0])
        c[0] += int(n) - int(cur or 0)
        c[1] += int(cur or 0)
    out = []
    for k, (before, now) in counts.items():
        if now < rule.min_cases:
            continue
        if before == 0 or now / before - 1 >= rule.min_increase:
            out.append(Surge(dim, k, _name(codes, dim, k, rule), before, now))
    return out


def _name(codes: CodeTables, dim: Dimension, key: str, rule: SurgeRule) -> str:
    table = "regions" if dim == "region" else "industries"
    if dim == "region":
        key = key.ljust(6, "0")
    if not codes.has(table):
        return key
    e = codes.get(table, key)
    return e.name if e is not None else key
