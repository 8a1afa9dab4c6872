"""办案系统覆盖率 and 在线办案率 against the plan's targets: which institutions handle their cases on this
system, by level and province, and each province's online handling rate.

Owns: `CoverageTargets` (codes/coverage.yaml, validated with located diagnostics), `targets_for(year)`,
`coverage(session, day, month)` -> `CoverageReport`. Coverage counts the commissions (仲裁委员会) on the
register on `day`: those with `handles_cases` over all, per level and province. The online handling
rate is the monitoring indicator `online_handling_rate` of the month (engine.monitoring.indicators, the
same formula as `zhongcai monitor report`), per province.
May import: engine.errors, engine.monitoring.config, engine.monitoring.indicators, engine.registry.codes,
engine.registry.institutions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field
from sqlmodel import Session

from engine.monitoring.config import Strict, config_file, load_model
from engine.monitoring.indicators import Scope, monthly_report
from engine.registry.codes import code_name, register_codes
from engine.registry.institutions import institutions_as_of


class Threshold(Strict):
    above: float | None = Field(default=None, ge=0, le=1)
    at_least: float | None = Field(default=None, ge=0, le=1)

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        if self.above is not None and not value > self.above:
            return False
        return not (self.at_least is not None and value < self.at_least)

    def text(self) -> str:
        parts = []
        if self.above is not None:
            parts.append(f"超过{self.above:.0%}")
        if self.at_least is not None:
            parts.append("全覆盖" if self.at_least == 1 else f"不低于{self.at_least:.0%}")
        return "、".join(parts)


class YearTargets(Strict):
    coverage: dict[str, Threshold] = Field(default_factory=dict)
    online: Threshold | None = None


class CoverageTargets(Strict):
    title: str
    source: str
    years: dict[int, YearTargets]


def load_targets() -> CoverageTargets:
    """codes/coverage.yaml (ProcedureInvalid with located diagnostics when it is wrong)."""
    return load_model(config_file(None, "coverage.yaml"), CoverageTargets)


def targets_for(targets: CoverageTargets, year: int) -> YearTargets:
    """The targets in force in `year`: every earlier year's, each later one raising them."""
    merged: dict[str, Threshold] = {}
    online: Threshold | None = None
    for y in sorted(targets.years):
        if y > year:
            break
        merged.update(targets.years[y].coverage)
        online = targets.years[y].online or online
    return YearTargets(coverage=merged, online=online)


@dataclass(frozen=True, slots=True)
class Share:
    on_system: int
    total: int
    target: str | None = None
    meets: bool | None = None

    @property
    def rate(self) -> float | None:
        return self.on_system / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        rate = self.rate
        return {"on_system": self.on_system, "total": self.total, "rate": None if rate is None else round(rate, 4),
                "target": self.target, "meets": self.meets}  # fmt: skip


@dataclass
class CoverageReport:
    day: dt.date
    month: str
    #: province code -> level -> share of commissions on the system
    by_region: dict[str, dict[str, Share]] = field(default_factory=dict)
    #: level -> share, all provinces in scope
    by_level: dict[str, Share] = field(default_factory=dict)
    #: province code -> (handled online, handled, target, meets)
    online: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.day.isoformat(),
            "month": self.month,
            "by_level": {k: v.to_json() for k, v in self.by_level.items()},
            "by_region": {
                r: {
                    "name": code_name("regions", r + "0000"),
                    "levels": {k: v.to_json() for k, v in levels.items()},
                }
                for r, levels in self.by_region.items()
            },
            "online": self.online,
        }


def _share(on: int, total: int, target: Threshold | None) -> Share:
    rate = on / total if total else None
    return Share(on, total, target.text() if target else None, target.met(rate) if target else None)


def coverage(session: Session, day: dt.date, month: str, region_prefix: str | None = None) -> CoverageReport:
    """Coverage of the commissions on the register on `day` and the online handling rate of `month`."""
    goals = targets_for(load_targets(), day.year)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for v in institutions_as_of(session, day, region_prefix=region_prefix, kind="commission"):
        c = counts[(v.region_code[:2], v.level)]
        c[0] += bool(v.handles_cases)
        c[1] += 1
    report = CoverageReport(day, month)
    levels: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (province, level), (on, total) in sorted(counts.items()):
        report.by_region.setdefault(province, {})[level] = _share(on, total, goals.coverage.get(level))
        levels[level][0] += on
        levels[level][1] += total
    report.by_level = {
        lv: _share(on, total, goals.coverage.get(lv)) for lv, (on, total) in sorted(levels.items())
    }
    codes = register_codes()
    conn = session.connection()
    for province in sorted(report.by_region):
        rate = monthly_report(conn, month, codes, scope=Scope(region=province)).rates.get(
            "online_handling_rate"
        )
        value = rate.value if rate is not None else None
        report.online[province] = {
            "handled_online": int(rate.numerator) if rate else 0,
            "handled": int(rate.denominator) if rate else 0,
            "rate": None if value is None else round(value, 4),
            "target": goals.online.text() if goals.online else None,
            "meets": goals.online.met(value) if goals.online else None,
        }
    return report
