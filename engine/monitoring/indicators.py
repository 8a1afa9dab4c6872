"""Monthly monitoring indicators (监测指标) computed with SQL aggregates over monitoring_record.

Owns: `IndicatorSpec` (codes/indicators.yaml: measures and rate formulas as data), `month_bounds`,
`Scope` (a region, with its sub-regions, or an institution) and `monthly_report`, which returns a
`Report`: every measure, the cases closed by closure method, the deadline breaches of the month and
every rate with its numerator and denominator.

How: three aggregate queries, never rows loaded into Python (the bench runs 1,000,000 cases):
1. the month's milestone records GROUP BY (milestone, closure, channel, collective, on_time) with
   counts and sums: every flow measure and the closures by method add up the matching groups;
2. the records before the month GROUP BY milestone over the `(milestone, effective_on, region_code,
   institution_id, channel)` index, one count per stock measure's filter: acceptances minus closures
   is the stock at the start; the stock at the end is that plus the month's acceptances minus closures;
3. breaches (the deadline scan's breach records) due in the month.
May import: engine.errors, engine.codes.code_tables, engine.monitoring.config, engine.store.tables, sqlalchemy, pydantic.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import Field, model_validator

from engine.codes.code_tables import CodeTables
from engine.errors import BadInput
from engine.monitoring.config import RecordingSpec, Strict, codes_dir, load_model
from engine.store.tables import BreachRow, CaseRow, MonitoringRow

Value = Literal["count", "workers", "claim_amount", "awarded_amount"]
_CENT = Decimal("0.01")


class MeasureSpec(Strict):
    """A count or sum of milestone records in the month, a stock at the start/end, or a sum of measures."""

    title: str
    milestone: Literal["received", "accepted", "closed", "ended"] | None = None
    stock: Literal["start", "end"] | None = None
    sum: tuple[str, ...] | None = None
    closure: str | None = None
    channel: str | None = None
    collective: bool | None = None
    on_time: bool | None = None
    value: Value = "count"

    @model_validator(mode="after")
    def _one_kind(self) -> MeasureSpec:
        kinds = [k for k in ("milestone", "stock", "sum") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a measure needs exactly one of 'milestone', 'stock' or 'sum'")
        if self.stock is not None and (self.closure or self.on_time is not None or self.value != "count"):
            raise ValueError("a stock counts open cases: only 'channel' and 'collective' may filter it")
        return self


class RateSpec(Strict):
    title: str
    numerator: tuple[str, ...] = Field(min_length=1)
    denominator: tuple[str, ...] = Field(min_length=1)


class IndicatorSpec(Strict):
    title: str = "监测指标"
    source: str = ""
    recording: RecordingSpec = RecordingSpec()
    measures: dict[str, MeasureSpec]
    rates: dict[str, RateSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names_resolve(self) -> IndicatorSpec:
        names = list(self.measures)
        refs = [(m, r) for m, spec in self.measures.items() for r in spec.sum or ()]
        refs += [(k, r) for k, spec in self.rates.items() for r in spec.numerator + spec.denominator]
        for owner, ref in refs:
            if ref not in self.measures or ref == owner:
                close = difflib.get_close_matches(ref, names, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"'{owner}' uses unknown measure '{ref}'{hint}")
        return self


@functools.lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> IndicatorSpec:
    return load_model(Path(path), IndicatorSpec)


def indicator_spec(directory: Path | None = None) -> IndicatorSpec:
    """codes/indicators.yaml, validated (ProcedureInvalid with located diagnostics otherwise)."""
    path = (directory or codes_dir()) / "indicators.yaml"
    return _cached(str(path), path.stat().st_mtime)


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of `YYYY-MM` and the first day of the next month.

    >>> month_bounds("2026-12")
    (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))
    """
    try:
        y, m = (int(p) for p in month.split("-"))
        start = date(y, m, 1)
    except ValueError:
        raise BadInput(
            f"月份 '{month}' 格式不对，应为 YYYY-MM，如 2026-10 (month must be YYYY-MM)", "month"
        ) from None
    return start, (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1))


@dataclass(frozen=True, slots=True)
class Scope:
    """A region (a province or prefecture code covers its sub-regions) and/or one institution."""

    region: str | None = None
    institution: str | None = None

    def region_prefix(self) -> str | None:
        r = self.region
        if r is None:
            return None
        if len(r) == 6 and r.endswith("0000"):
            return r[:2]
        if len(r) == 6 and r.endswith("00"):
            return r[:4]
        return r

    def condition(self, region_col: Any, institution_col: Any) -> sa.ColumnElement[bool] | None:
        conds = []
        prefix = self.region_prefix()
        if prefix is not None:
            conds.append(region_col == prefix if len(prefix) == 6 else region_col.like(prefix + "%"))
        if self.institution is not None:
            conds.append(institution_col == self.institution)
        return sa.and_(*conds) if conds else None


@dataclass(frozen=True)
class Rate:
    id: str
    title: str
    numerator: int | Decimal
    denominator: int | Decimal
    formula: str

    @property
    def value(self) -> float | None:
        return None if not self.denominator else float(self.numerator) / float(self.denominator)


@dataclass(frozen=True)
class Report:
    month: str
    scope: Scope
    measures: dict[str, int | Decimal]
    titles: dict[str, str]
    closed_by_closure: dict[str, int]
    ended_by_closure: dict[str, int]
    breaches: dict[str, int]
    rates: dict[str, Rate] = field(default_factory=dict)
    #: of `breaches`, those on a provisional due date (P5): they stand until the year's notice is added
    provisional_breaches: int = 0

    def to_json(self) -> dict[str, Any]:
        def num(v: int | Decimal) -> int | str:
            return str(v) if isinstance(v, Decimal) else v

        return {
            "month": self.month,
            "region": self.scope.region,
            "institution": self.scope.institution,
            "measures": {k: {"title": self.titles[k], "value": num(v)} for k, v in self.measures.items()},
            "closed_by_closure": self.closed_by_closure,
            "ended_by_closure": self.ended_by_closure,
            "breaches": {
                "total": sum(self.breaches.values()),
                "by_deadline": self.breaches,
                "provisional": self.provisional_breaches,
            },
            "rates": {
                r.id: {
                    "title": r.title,
                    "numerator": num(r.numerator),
                    "denominator": num(r.denominator),
                    "formula": r.formula,
                    "value": None if r.value is None else round(r.value, 6),
                }
                for r in self.rates.values()
            },
        }


def _descendants(codes: CodeTables, table: str, code: str) -> list[str]:
    if not codes.has(table) or codes.get(table, code) is None:
        msg = codes.validate(table, code) or f"unknown code '{code}'"
        raise BadInput(f"codes/indicators.yaml: {msg}", "indicators")
    return sorted(codes.table(table).descendants(code))


@dataclass(frozen=True, slots=True)
class _Match:
    """A measure's filter, resolved against the code tables (a code stands for itself and its children)."""

    milestone: str | None
    closures: frozenset[str] | None
    channels: frozenset[str] | None
    collective: bool | None
    on_time: bool | None

    def __call__(self, milestone: str, closure: Any, channel: Any, collective: Any, on_time: Any) -> bool:
        return (
            (self.milestone is None or milestone == self.milestone)
            and (self.closures is None or closure in self.closures)
            and (self.channels is None or channel in self.channels)
            and (self.collective is None or bool(collective) == self.collective)
            and (self.on_time is None or (on_time is not None and bool(on_time) == self.on_time))
        )


def _match(m: MeasureSpec, codes: CodeTables, milestone: str | None = None) -> _Match:
    closures = None if m.closure is None else frozenset(_descendants(codes, "closure_methods", m.closure))
    channels = None if m.channel is None else frozenset(_descendants(codes, "channels", m.channel))
    return _Match(milestone or m.milestone, closures, channels, m.collective, m.on_time)


def _stock_count(t: Any, m: MeasureSpec, codes: CodeTables) -> Any:
    conds = []
    if m.channel is not None:
        conds.append(t.c.channel.in_(_descendants(codes, "channels", m.channel)))
    if m.collective is not None:
        conds.append(t.c.collective.is_(m.collective))
    if not conds:
        return sa.func.count()
    return sa.func.sum(sa.case((sa.and_(*conds), 1), else_=0))


_GROUP = ("milestone", "closure", "channel", "collective", "on_time")
_SUMS = ("workers", "claim_amount", "awarded_amount")


def monthly_report(
    conn: sa.Connection,
    month: str,
    codes: CodeTables,
    spec: IndicatorSpec | None = None,
    scope: Scope = Scope(),
) -> Report:
    """Every indicator of `month` within `scope`.

    Two aggregate queries do the work: the month's milestone records grouped by (milestone, closure,
    channel, collective, on_time) with counts and sums, and the records before the month grouped by
    milestone over the `ix_monitoring_milestone` index (acceptances minus closures is the stock).
    Each measure then adds up the few group rows its filter matches;
    no case or record row is ever loaded into Python.
    """
    spec = spec or indicator_spec()
    start, nxt = month_bounds(month)
    t = MonitoringRow.__table__  # type: ignore[attr-defined]
    where_scope = scope.condition(t.c.region_code, t.c.institution_id)

    # 1. the month, grouped
    cols = [t.c[g] for g in _GROUP]
    month_where = sa.and_(t.c.milestone.is_not(None), t.c.effective_on >= start, t.c.effective_on < nxt)
    if where_scope is not None:
        month_where = sa.and_(month_where, where_scope)
    stmt = (
        sa.select(*cols, sa.func.count(), *(sa.func.sum(t.c[v]) for v in _SUMS))
        .where(month_where)
        .group_by(*cols)
    )
    groups = [tuple(r) for r in conn.execute(stmt)]

    # 2. the stock before the month: GROUP BY milestone streams over the milestone index (no sort);
    #    each stock measure's filter is one SUM(CASE ...) column
    stocks = {k: m for k, m in spec.measures.items() if m.stock is not None}
    before: dict[tuple[str, str], int] = {}
    if stocks:
        hist = sa.and_(t.c.milestone.in_(("accepted", "closed")), t.c.effective_on < start)
        if where_scope is not None:
            hist = sa.and_(hist, where_scope)
        scols = [_stock_count(t, m, codes).label(k) for k, m in stocks.items()]
        for r in conn.execute(
            sa.select(t.c.milestone, *scols).where(hist).group_by(t.c.milestone)
        ).mappings():
            for k in stocks:
                before[(str(r["milestone"]), k)] = int(r[k] or 0)

    def flow(match: _Match, value: Value = "count") -> int | Decimal:
        idx = 5 if value == "count" else 6 + _SUMS.index(value)
        total = sum((g[idx] or 0) for g in groups if match(*g[:5]))
        return int(total) if value in ("count", "workers") else Decimal(str(total)).quantize(_CENT)

    values: dict[str, int | Decimal] = {}
    for key, m in spec.measures.items():
        if m.milestone is not None:
            values[key] = flow(_match(m, codes), m.value)
        elif m.stock is not None:
            acc, clo = _match(m, codes, "accepted"), _match(m, codes, "closed")
            s = before.get(("accepted", key), 0) - before.get(("closed", key), 0)
            values[key] = s if m.stock == "start" else s + int(flow(acc)) - int(flow(clo))
    for key in spec.measures:
        _resolve_sum(key, spec, values, set())

    closed: dict[str, int] = {}
    ended: dict[str, int] = {}
    for g in groups:
        if g[0] in ("closed", "ended"):
            target = closed if g[0] == "closed" else ended
            code = g[1] or "unknown"
            target[code] = target.get(code, 0) + int(g[5])
    rates = {
        k: Rate(
            k,
            r.title,
            _total(values, r.numerator),
            _total(values, r.denominator),
            f"{' + '.join(r.numerator)} / ({' + '.join(r.denominator)})",
        )
        for k, r in spec.rates.items()
    }
    titles = {k: m.title for k, m in spec.measures.items()}
    breaches = _breaches(conn, start, nxt, scope, spec.recording.not_disputes)
    return Report(
        month,
        scope,
        values,
        titles,
        dict(sorted(closed.items())),
        dict(sorted(ended.items())),
        {k: n for k, (n, _) in breaches.items()},
        rates,
        sum(p for _, p in breaches.values()),
    )


def _total(values: dict[str, int | Decimal], keys: tuple[str, ...]) -> int | Decimal:
    total: int | Decimal = 0
    for k in keys:
        total = total + values[k]
    return total


def _resolve_sum(
    key: str, spec: IndicatorSpec, values: dict[str, int | Decimal], seen: set[str]
) -> int | Decimal:
    if key in values:
        return values[key]
    if key in seen:
        raise BadInput(f"codes/indicators.yaml: measure '{key}' is defined through itself (a 'sum' cycle)")
    seen.add(key)
    parts = spec.measures[key].sum or ()
    total: int | Decimal = 0
    for p in parts:
        total = total + _resolve_sum(p, spec, values, seen)
    values[key] = total
    return total


def _breaches(
    conn: sa.Connection, start: date, nxt: date, scope: Scope, not_disputes: tuple[str, ...] = ()
) -> dict[str, tuple[int, int]]:
    """deadline id -> (breaches due in the month, of which provisional); withdrawn ones do not count, nor
    those of cases that are not labour disputes (`recording.not_disputes`)."""
    b = BreachRow.__table__  # type: ignore[attr-defined]
    c = CaseRow.__table__  # type: ignore[attr-defined]
    provisional = sa.func.sum(sa.case((b.c.provisional.is_(True), 1), else_=0))
    stmt = sa.select(b.c.deadline_id, sa.func.count(), provisional).where(
        b.c.due_on >= start, b.c.due_on < nxt, b.c.withdrawn_on.is_(None)
    )
    if not_disputes:  # one primary-key look-up per breach row
        nd = c.alias("not_dispute")
        stmt = stmt.where(~sa.exists().where(nd.c.id == b.c.case_id, nd.c.procedure_id.in_(not_disputes)))
    if scope.region is not None:
        stmt = stmt.join_from(b, c, b.c.case_id == c.c.id)
        cond = scope.condition(c.c.region_code, b.c.institution_id)
    else:  # no region: only the institution (if any) filters, and the breach row carries it
        cond = scope.condition(b.c.institution_id, b.c.institution_id)
    if cond is not None:
        stmt = stmt.where(cond)
    rows = conn.execute(stmt.group_by(b.c.deadline_id).order_by(b.c.deadline_id))
    return {str(d): (int(n), int(p or 0)) for d, n, p in rows}
