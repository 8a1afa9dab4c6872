"""The performance report (绩效考核) and its renderings: JSON and CSV.

Owns: `Counts` (one row's counts, and the rates and averages derived from them: on_time_rate,
average_days, mediation_rate, online_rate; `value(figure)` for any figure of codes/performance.yaml),
`Row` (an institution, or an arbitrator within one institution) and `PerformanceReport` (`to_json`,
`to_csv`). Computed by engine.registry.performance; read by engine.registry.training.
May import: engine.registry.performance_spec.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.registry.performance_spec import FIGURES, PerformanceSpec

_CENT = Decimal("0.01")


def _ratio(num: int, den: int) -> float | None:
    return None if not den else num / den


@dataclass(frozen=True)
class Counts:
    """What the SQL counted for one row; every other figure is derived from these."""

    handled: int = 0
    closed: int = 0
    closed_on_time: int = 0
    #: the sum of days from acceptance to closure over the cases closed
    days_total: int = 0
    #: nearest-rank percentile of days to close (codes/performance.yaml attribution.percentile); None = nothing closed
    p90_days: int | None = None
    mediated: int = 0
    breaches: int = 0
    online: int = 0
    #: awards changed by a court: None while no court outcome is recorded (no table holds them yet)
    court_changed: int | None = None
    #: institutions only: the cases handled whose tribunal matched at least one arbitrator of the register
    attributed: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.closed_on_time, self.closed)

    @property
    def average_days(self) -> Decimal | None:
        if not self.closed:
            return None
        return (Decimal(self.days_total) / Decimal(self.closed)).quantize(_CENT, ROUND_HALF_UP)

    @property
    def mediation_rate(self) -> float | None:
        return _ratio(self.mediated, self.closed)

    @property
    def online_rate(self) -> float | None:
        return _ratio(self.online, self.handled)

    def value(self, figure: str) -> Any:
        if figure not in FIGURES:
            raise KeyError(figure)
        return getattr(self, figure)


@dataclass(frozen=True)
class Row:
    institution_id: str
    institution_name: str
    #: None on an institution's row
    staff_id: int | None
    staff_name: str | None
    counts: Counts

    @property
    def kind(self) -> str:
        return "institution" if self.staff_id is None else "arbitrator"


def _json_value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, float):
        return round(v, 6)
    return v


@dataclass(frozen=True)
class PerformanceReport:
    start: dt.date
    end: dt.date
    institution_id: str | None
    region_prefix: str | None
    staff_id: int | None
    spec: PerformanceSpec
    institutions: tuple[Row, ...]
    arbitrators: tuple[Row, ...]

    def institution(self, institution_id: str) -> Row | None:
        return next((r for r in self.institutions if r.institution_id == institution_id), None)

    def arbitrator(self, staff_id: int, institution_id: str | None = None) -> Row | None:
        return next(
            (
                r
                for r in self.arbitrators
                if r.staff_id == staff_id and (institution_id is None or r.institution_id == institution_id)
            ),
            None,
        )

    def _row_json(self, row: Row) -> dict[str, Any]:
        out: dict[str, Any] = {"institution_id": row.institution_id, "institution_name": row.institution_name}
        if row.staff_id is not None:
            out.update(staff_id=row.staff_id, staff_name=row.staff_name)
        out["figures"] = {k: _json_value(row.counts.value(k)) for k in FIGURES}
        if row.counts.attributed is not None:
            out["attributed"] = row.counts.attributed
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "institution_id": self.institution_id,
            "region_prefix": self.region_prefix,
            "staff_id": self.staff_id,
            "definitions": {
                k: {"title": f.title, "counts": f.counts, "unit": f.unit, "law": list(f.law)}
                for k, f in self.spec.figures.items()
            },
            "institutions": [self._row_json(r) for r in self.institutions],
            "arbitrators": [self._row_json(r) for r in self.arbitrators],
        }

    def to_csv(self) -> str:
        """One line per row (institutions first); the header gives each figure's Chinese title."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        titles = [self.spec.figures[k].title for k in FIGURES]
        w.writerow(
            ["类别 (kind)", "机构 (institution_id)", "机构名称", "人员编号 (staff_id)", "姓名", *titles]
        )
        for r in (*self.institutions, *self.arbitrators):
            values = ["" if (v := r.counts.value(k)) is None else _json_value(v) for k in FIGURES]
            w.writerow(
                [r.kind, r.institution_id, r.institution_name, r.staff_id or "", r.staff_name or "", *values]
            )
        return buf.getvalue()
