"""Which cases a caller's list queries return: the scope of a principal and its filter on a case query.

Owns: `ListScope` (the restriction), `list_scope` (a principal's; it agrees with
engine.cases.access.can_read_case), `apply_scope` (the scope on a select over `case_file`; moved out of
engine.cases.access and engine.oversight.audit) and `cases_in_scope` (the case list the API answers: the
cases in a scope, filtered, counted and paged, in one read transaction). Used by the API's lists, the
breach audit and the back-dated entries report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select

from engine.cases.access import Principal, region_prefix
from engine.cases.numbers import known_by
from engine.store.db import Database
from engine.store.tables import CaseRow


@dataclass(frozen=True, slots=True)
class ListScope:
    """Which cases a caller's list queries may return (all `None` fields mean "no restriction")."""

    institution_id: str | None = None
    region_prefix: str | None = None
    case_ids: frozenset[int] | None = None


def list_scope(p: Principal) -> ListScope:
    """The restriction every list query of `p` must apply (cases, breaches, deadlines)."""
    if p.is_staff:
        return ListScope(institution_id=p.institution_id or "\x00none")
    if p.is_party:
        return ListScope(case_ids=p.case_ids)
    if p.is_supervisor:
        if p.region_code is None:
            return ListScope(case_ids=frozenset())
        return ListScope(region_prefix=region_prefix(p.region_code))
    return ListScope(case_ids=frozenset())


def apply_scope(stmt: Any, scope: ListScope | None) -> Any:
    """Restrict a select over `case_file` (joined) to what `scope` lets the caller see."""
    if scope is None:
        return stmt
    if scope.institution_id is not None:
        stmt = stmt.where(CaseRow.institution_id == scope.institution_id)
    if scope.region_prefix:
        stmt = stmt.where(col(CaseRow.region_code).startswith(scope.region_prefix, autoescape=True))
    if scope.case_ids is not None:
        if not scope.case_ids:
            return stmt.where(sa.false())
        stmt = stmt.where(col(CaseRow.id).in_(sorted(scope.case_ids)))
    return stmt


@dataclass(frozen=True, slots=True)
class CasePage:
    """One page of a case list: how many cases match in all, and the page's rows (by id)."""

    total: int
    rows: list[CaseRow]


def cases_in_scope(
    db: Database,
    scope: ListScope,
    *,
    stage: str | None = None,
    procedure_id: str | None = None,
    institution_id: str | None = None,
    case_number: str | None = None,
    opened_from: dt.date | None = None,
    opened_to: dt.date | None = None,
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> CasePage:
    """The cases `scope` lets its caller see, filtered (`case_number`: the 案号 or the receipt number;
    `open_only`: not yet closed), counted and paged by id, read in one transaction (the count and the
    page agree)."""
    stmt = apply_scope(select(CaseRow), scope)
    if stage:
        stmt = stmt.where(CaseRow.stage == stage)
    if procedure_id:
        stmt = stmt.where(CaseRow.procedure_id == procedure_id)
    if institution_id:
        stmt = stmt.where(CaseRow.institution_id == institution_id)
    if case_number:
        stmt = stmt.where(known_by(case_number))
    if opened_from:
        stmt = stmt.where(col(CaseRow.opened_on) >= opened_from)
    if opened_to:
        stmt = stmt.where(col(CaseRow.opened_on) <= opened_to)
    if open_only:
        stmt = stmt.where(col(CaseRow.closed_on).is_(None))
    with db.read() as session:
        total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = session.exec(stmt.order_by(col(CaseRow.id)).offset(offset).limit(limit)).all()
        return CasePage(int(total), list(rows))
