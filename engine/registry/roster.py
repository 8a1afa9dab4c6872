"""The public roster (仲裁员名册, 组织规则第二十三条: 仲裁委员会应当设仲裁员名册，并予以公告) and the public
list of institutions: what anyone may see, with no token.

Owns: `public_arbitrators(session, day, filters, page)` and `public_institutions(...)` -> `Page`, and the
entries they list (`RosterEntry`, `PublicInstitution`). A roster entry shows a person's name, institution,
专职/兼职, qualification ground, specialties and term, and nothing else: never an ID number, a phone
number, an address or a performance figure (a test checks every field of every entry). An institution
shows its own public contact (address and phone of the office, not of a person).
May import: engine.registry.codes, engine.registry.institutions, engine.store.register_tables, engine.store.tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from engine.cases.tribunal import holds_on
from engine.errors import BadInput
from engine.registry.codes import KINDS, code_name
from engine.registry.institutions import institutions_as_of
from engine.store.register_tables import AppointmentRow, InstitutionVersionRow, StaffRow

MAX_PER_PAGE = 100
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One arbitrator as the public roster shows them."""

    name: str
    institution_id: str
    institution: str
    full_time: bool
    employment: str  # 专职 / 兼职
    qualification: str | None
    specialties: list[str]
    term_from: dt.date
    term_to: dt.date | None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["term_from"] = self.term_from.isoformat()
        out["term_to"] = self.term_to.isoformat() if self.term_to else None
        return out


@dataclass(frozen=True, slots=True)
class PublicInstitution:
    """An institution as the public list shows it (its public contact included)."""

    id: str
    name: str
    kind: str
    kind_name: str
    level: str
    level_name: str | None
    region_code: str
    region_name: str | None
    parent_id: str | None
    address: str | None
    phone: str | None
    handles_cases: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    def to_json(self) -> dict[str, Any]:
        return {
            "items": [i.to_json() for i in self.items],  # type: ignore[attr-defined]
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
        }


@dataclass(frozen=True, slots=True)
class RosterFilters:
    region: str | None = None  # a GB/T 2260 prefix: 45 (Guangxi), 4501 (Nanning)
    institution_id: str | None = None
    specialty: str | None = None  # a dispute_types code
    name: str | None = None  # part of a name
    kinds: tuple[str, ...] = field(default=())


def _paging(page: int, per_page: int) -> tuple[int, int]:
    if page < 1:
        raise BadInput("page: 页码从 1 开始 (pages start at 1)", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadInput(f"per_page: 每页 1 至 {MAX_PER_PAGE} 条 (1 to {MAX_PER_PAGE})", field="per_page")
    return page, per_page


def public_arbitrators(
    session: Session,
    day: dt.date,
    filters: RosterFilters = RosterFilters(),
    page: int = 1,
    per_page: int = 20,
) -> Page[RosterEntry]:
    """The arbitrators appointed on `day`, by region, institution and name."""
    page, per_page = _paging(page, per_page)
    inst = InstitutionVersionRow
    stmt = (
        select(StaffRow.name, AppointmentRow, inst.name)
        .join(AppointmentRow, col(AppointmentRow.staff_id) == col(StaffRow.id))
        .join(
            inst,
            sa.and_(
                col(inst.institution_id) == col(AppointmentRow.institution_id),
                col(inst.valid_from) <= day,
                sa.or_(col(inst.valid_to).is_(None), col(inst.valid_to) > day),
            ),
        )
        .where(AppointmentRow.post == "arbitrator", holds_on(day))
    )
    if filters.region:
        stmt = stmt.where(col(inst.region_code).startswith(filters.region, autoescape=True))
    if filters.institution_id:
        stmt = stmt.where(AppointmentRow.institution_id == filters.institution_id)
    if filters.name:
        stmt = stmt.where(col(StaffRow.name).contains(filters.name.strip(), autoescape=True))
    rows = session.exec(
        stmt.order_by(col(inst.region_code), col(AppointmentRow.institution_id), col(StaffRow.name))
    ).all()
    entries = [
        RosterEntry(
            name=name,
            institution_id=a.institution_id,
            institution=inst_name,
            full_time=a.full_time,
            employment="专职" if a.full_time else "兼职",
            qualification=code_name("qualification_grounds", a.qualification),
            specialties=[code_name("dispute_types", s) or s for s in (a.specialties or [])],
            term_from=a.term_from,
            term_to=a.term_to,
        )
        for name, a, inst_name in rows
        if not filters.specialty or filters.specialty in (a.specialties or [])
    ]
    start = (page - 1) * per_page
    return Page(entries[start : start + per_page], len(entries), page, per_page)


def public_institutions(
    session: Session,
    day: dt.date,
    region: str | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[PublicInstitution]:
    """The institutions on the register on `day`."""
    page, per_page = _paging(page, per_page)
    if kind is not None and kind not in KINDS:
        raise BadInput(f"kind: 应为 {'、'.join(KINDS)} 之一 (unknown kind)", field="kind")
    versions = institutions_as_of(session, day, region_prefix=region, kind=kind)
    items = [
        PublicInstitution(
            id=v.institution_id,
            name=v.name,
            kind=v.kind,
            kind_name=KINDS.get(v.kind, v.kind),
            level=v.level,
            level_name=code_name("institution_levels", v.level),
            region_code=v.region_code,
            region_name=code_name("regions", v.region_code),
            parent_id=v.parent_id,
            address=v.address,
            phone=v.phone,
            handles_cases=v.handles_cases,
        )
        for v in versions
    ]
    start = (page - 1) * per_page
    return Page(items[start : start + per_page], len(items), page, per_page)


def count_arbitrators(session: Session, institution_id: str, day: dt.date) -> int:
    """How many arbitrators an institution has on `day` (组织规则第二十二条: at least three full-time)."""
    stmt = (
        select(func.count())
        .select_from(AppointmentRow)
        .where(
            AppointmentRow.institution_id == institution_id,
            AppointmentRow.post == "arbitrator",
            holds_on(day),
        )
    )
    return int(session.exec(stmt).one())
