"""Data checks (数据校核): rules from codes/data_checks.yaml that flag inconsistent monitoring records.

Owns: `CheckSpec` (the YAML rules), `run_checks` (each rule becomes ONE SQL query: a count and a
few example records; code-table rules read the column's distinct values and check them against
codes/) and `CheckReport`. Nothing is evaluated from text: a condition is a column, an operator from
a fixed list, and a literal, another column or a named parameter (`as_of`).
Place in the flow: reads the store after the fact (`zhongcai monitor checks`), like the national
collection's own quality checks. May import: engine.errors, engine.codes.code_tables, engine.monitoring.config,
engine.store.tables, sqlalchemy, pydantic.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import model_validator

from engine.codes.code_tables import CodeTables
from engine.monitoring.config import Strict, codes_dir, load_model
from engine.store.tables import MonitoringRow

Op = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_null", "not_null"]
_COLUMNS = tuple(MonitoringRow.__table__.c.keys())  # type: ignore[attr-defined]
_PARAMS = ("as_of",)


def _known_column(name: str) -> str:
    if name not in _COLUMNS:
        close = difflib.get_close_matches(name, _COLUMNS, n=1)
        raise ValueError(f"unknown field '{name}'" + (f"; did you mean '{close[0]}'?" if close else ""))
    return name


class Condition(Strict):
    field: str
    op: Op
    value: Any = None
    other: str | None = None
    param: Literal["as_of"] | None = None

    @model_validator(mode="after")
    def _operand(self) -> Condition:
        _known_column(self.field)
        if self.other is not None:
            _known_column(self.other)
        given = sum(x is not None for x in (self.value, self.other, self.param))
        if self.op in ("is_null", "not_null"):
            if given:
                raise ValueError(f"'{self.op}' takes no value")
        elif given != 1:
            raise ValueError("give exactly one of 'value', 'other' or 'param'")
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"'{self.op}' needs a list as 'value'")
        return self


class CodeCheck(Strict):
    field: str
    table: str

    @model_validator(mode="after")
    def _column(self) -> CodeCheck:
        _known_column(self.field)
        return self


class Rule(Strict):
    id: str
    title: str
    severity: Literal["error", "warning"] = "error"
    where: tuple[Condition, ...] = ()
    without: tuple[Condition, ...] = ()
    invalid_code: CodeCheck | None = None

    @model_validator(mode="after")
    def _kind(self) -> Rule:
        if (self.invalid_code is None) == (not self.where):
            raise ValueError(f"rule '{self.id}' needs either 'where' or 'invalid_code' (not both)")
        return self


class CheckSpec(Strict):
    title: str = "数据校核"
    source: str = ""
    rules: tuple[Rule, ...]


@functools.lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> CheckSpec:
    return load_model(Path(path), CheckSpec)


def check_spec(directory: Path | None = None) -> CheckSpec:
    path = (directory or codes_dir()) / "data_checks.yaml"
    return _cached(str(path), path.stat().st_mtime)


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    severity: str
    count: int
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CheckReport:
    as_of: date
    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(f.count for f in self.findings if f.severity == "error")

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "errors": self.errors,
            "rules": [
                {
                    "rule": f.rule,
                    "title": f.title,
                    "severity": f.severity,
                    "count": f.count,
                    "examples": f.examples,
                }
                for f in self.findings
            ],
        }


def _operand(t: Any, c: Condition, params: dict[str, Any]) -> Any:
    if c.other is not None:
        return t.c[c.other]
    if c.param is not None:
        return params[c.param]
    return c.value


def _condition(t: Any, c: Condition, params: dict[str, Any]) -> sa.ColumnElement[bool]:
    col = t.c[c.field]
    if c.op == "is_null":
        return col.is_(None)  # type: ignore[no-any-return]
    if c.op == "not_null":
        return col.is_not(None)  # type: ignore[no-any-return]
    v = _operand(t, c, params)
    if isinstance(col.type, sa.Date) and isinstance(v, str):
        v = date.fromisoformat(v)
    ops: dict[str, Any] = {
        "eq": lambda: col.is_(v) if isinstance(v, bool) else col == v,
        "ne": lambda: col != v,
        "lt": lambda: col < v,
        "le": lambda: col <= v,
        "gt": lambda: col > v,
        "ge": lambda: col >= v,
        "in": lambda: col.in_(v),
        "not_in": lambda: col.not_in(v),
    }
    return ops[c.op]()  # type: ignore[no-any-return]


def run_checks(
    conn: sa.Connection,
    codes: CodeTables,
    as_of: date,
    spec: CheckSpec | None = None,
    scope: sa.ColumnElement[bool] | None = None,
    examples: int = 10,
) -> CheckReport:
    """Run every rule over monitoring_record (within `scope`) as of `as_of` (the "today" of P11)."""
    spec = spec or check_spec()
    t = MonitoringRow.__table__  # type: ignore[attr-defined]
    params = {"as_of": as_of}
    findings = []
    for rule in spec.rules:
        if rule.invalid_code is not None:
            cond = _invalid_codes(conn, t, rule.invalid_code, codes, scope)
        else:
            cond = sa.and_(*(_condition(t, c, params) for c in rule.where))
            if rule.without:
                o = t.alias("other_record")
                inner = sa.and_(o.c.case_id == t.c.case_id, *(_condition(o, c, params) for c in rule.without))
                cond = sa.and_(cond, ~sa.exists().where(inner))
        if cond is None:
            findings.append(Finding(rule.id, rule.title, rule.severity, 0))
            continue
        if scope is not None:
            cond = sa.and_(cond, scope)
        n = conn.execute(sa.select(sa.func.count()).select_from(t).where(cond)).scalar_one()
        rows = []
        if n:
            fields = [t.c.id, t.c.case_id, t.c.event_seq, t.c.action, t.c.effective_on]
            if rule.invalid_code is not None:
                fields.append(t.c[rule.invalid_code.field])
            stmt = sa.select(*fields).where(cond).order_by(t.c.id).limit(examples)
            rows = [
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()}
                for r in conn.execute(stmt).mappings()
            ]
        findings.append(Finding(rule.id, rule.title, rule.severity, int(n), rows))
    return CheckReport(as_of, findings)


def _invalid_codes(
    conn: sa.Connection, t: Any, check: CodeCheck, codes: CodeTables, scope: sa.ColumnElement[bool] | None
) -> sa.ColumnElement[bool] | None:
    """`column IN (the distinct values that are not codes of the table)`, or None when all are valid."""
    col = t.c[check.field]
    stmt = sa.select(col).where(col.is_not(None)).distinct()
    if scope is not None:
        stmt = stmt.where(scope)
    bad = [v for (v,) in conn.execute(stmt) if codes.validate(check.table, v) is not None]
    return col.in_(bad) if bad else None
