"""Which cases a caller's list queries return: the scope of a principal and its filter on a case query.

Owns: `ListScope` (the restriction), `list_scope` (a principal's; it agrees with
engine.cases.access.can_read_case) and `apply_scope` (the scope on a select over `case_file`). Moved out
of engine.cases.access and engine.oversight.audit. Used by the API's lists, the breach audit and the
back-dated entries report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from engine.cases.access import Principal, region_prefix
from engine.store.tables import CaseFile


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
        stmt = stmt.where(CaseFile.institution_id == scope.institution_id)
    if scope.region_prefix:
        stmt = stmt.where(col(CaseFile.region_code).startswith(scope.region_prefix, autoescape=True))
    if scope.case_ids is not None:
        if not scope.case_ids:
            return stmt.where(sa.false())
        stmt = stmt.where(col(CaseFile.id).in_(sorted(scope.case_ids)))
    return stmt
