"""Training targets (培训对象): whom an institution should send to training first.

Owns: `above_institution_level(report)` (arbitrators whose breaches per case handled, or awards changed by
a court per award, are above their institution's level in a performance report) and
`training_shortfalls(session_or_db, year=...)` (arbitrators short of the yearly training minimum of
codes/performance.yaml `training:`; 组织规则第二十八条 (arb-org-28): 每年脱产培训累计不少于四十学时).
How: the comparison is exact integer arithmetic on the report's counts (a/b > c/d as a*d > c*b); the
shortfall is one GROUP BY over `training` (hours summed as whole tenths, so 0.1 + ... never rounds) joined
to the appointees of the year. The `training` table does not say whether a training was 脱产: every row counts.
May import: engine.errors, engine.registry.performance, engine.registry.performance_report,
engine.registry.performance_spec, sqlalchemy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from engine.registry.performance import check_region_prefix, connection_of
from engine.registry.performance_report import PerformanceReport
from engine.registry.performance_spec import PerformanceSpec, performance_spec


@dataclass(frozen=True)
class LevelTarget:
    """An arbitrator above the institution's level on one measure."""

    institution_id: str
    staff_id: int
    staff_name: str
    #: breaches_per_case | court_changed_per_award
    measure: str
    staff_value: float | None
    institution_value: float | None
    reason: str


def _above(n1: int, d1: int, n2: int, d2: int) -> bool:
    """n1/d1 > n2/d2 with no division (d1 = 0 with n1 > 0 is above any level)."""
    return n1 > 0 and n1 * d2 > n2 * d1


def above_institution_level(report: PerformanceReport) -> list[LevelTarget]:
    """Arbitrators whose breaches per case handled exceed their institution's (in the same period), or
    whose awards changed by a court per case closed do (never while no court outcome is recorded)."""
    out: list[LevelTarget] = []
    for row in report.arbitrators:
        inst = report.institution(row.institution_id)
        if inst is None or row.staff_id is None:
            continue
        s, i = row.counts, inst.counts
        if _above(s.breaches, s.handled, i.breaches, i.handled):
            sv = s.breaches / s.handled if s.handled else None
            iv = i.breaches / i.handled if i.handled else None
            out.append(
                LevelTarget(
                    row.institution_id,
                    row.staff_id,
                    row.staff_name or "",
                    "breaches_per_case",
                    sv,
                    iv,
                    f"超期违规 {s.breaches} 件 / 办案 {s.handled} 件，高于本机构 {i.breaches} / {i.handled} "
                    "(breaches per case handled above the institution's level)",
                ),
            )
        if s.court_changed is not None and i.court_changed is not None:
            if _above(s.court_changed, s.closed, i.court_changed, i.closed):
                out.append(
                    LevelTarget(
                        row.institution_id,
                        row.staff_id,
                        row.staff_name or "",
                        "court_changed_per_award",
                        s.court_changed / s.closed if s.closed else None,
                        i.court_changed / i.closed if i.closed else None,
                        f"被法院改判 {s.court_changed} 件 / 结案 {s.closed} 件，高于本机构 "
                        f"{i.court_changed} / {i.closed} (awards changed by a court above the institution's level)",
                    )
                )
    return out


@dataclass(frozen=True)
class TrainingShortfall:
    institution_id: str
    staff_id: int
    staff_name: str
    year: int
    hours: Decimal
    required: int

    @property
    def missing(self) -> Decimal:
        return Decimal(self.required) - self.hours


def training_sql(institution_id: str | None, region_prefix: str | None) -> str:
    scope = ""
    if institution_id is not None:
        scope += " AND a.institution_id = :institution_id"
    if region_prefix is not None:
        scope += " AND i.region_code LIKE :region_like"
    return (
        "WITH hours AS (SELECT t.staff_id, sum(CAST(ROUND(t.hours * 10) AS INTEGER)) AS tenths FROM training t "
        'WHERE t."on" >= :start AND t."on" <= :end GROUP BY t.staff_id)\n'
        "SELECT DISTINCT a.institution_id, s.id, s.name, COALESCE(h.tenths, 0) FROM appointment a "
        "JOIN staff s ON s.id = a.staff_id JOIN institution i ON i.id = a.institution_id "
        "LEFT JOIN hours h ON h.staff_id = s.id "
        "WHERE a.post = :post AND a.term_from <= :end AND (a.term_to IS NULL OR a.term_to >= :start) "
        f"AND (a.ended_on IS NULL OR a.ended_on > :start){scope} AND COALESCE(h.tenths, 0) < :min_tenths "
        "ORDER BY a.institution_id, s.id"
    )


def training_shortfalls(
    session_or_db: Any,
    *,
    year: int,
    institution_id: str | None = None,
    region_prefix: str | None = None,
    spec: PerformanceSpec | None = None,
) -> list[TrainingShortfall]:
    """Everyone holding an appointment with the training post (arbitrator) on some day of `year`
    whose training hours dated in `year` add up to less than the minimum (all their training counts,
    wherever it was recorded)."""
    spec = spec or performance_spec()
    region_prefix = check_region_prefix(region_prefix)
    t = spec.training
    stmt = sa.text(training_sql(institution_id, region_prefix)).bindparams(
        sa.bindparam("start", type_=sa.Date()), sa.bindparam("end", type_=sa.Date())
    )
    params: dict[str, Any] = {
        "start": dt.date(year, 1, 1),
        "end": dt.date(year, 12, 31),
        "post": t.post,
        "min_tenths": t.min_hours * 10,
    }
    if institution_id is not None:
        params["institution_id"] = institution_id
    if region_prefix is not None:
        params["region_like"] = f"{region_prefix}%"
    conn, opened = connection_of(session_or_db)
    try:
        rows = list(conn.execute(stmt, params))
    finally:
        if opened:
            conn.close()
    return [
        TrainingShortfall(str(inst), int(sid), str(name), year, Decimal(int(tenths)) / 10, t.min_hours)
        for inst, sid, name, tenths in rows
    ]
