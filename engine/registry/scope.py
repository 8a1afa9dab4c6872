"""Who may see and change what in the register, scoped like cases: an institution's staff see their own
institution (and its personal data), a supervisor their region's institutions (without personal data),
a supervisor of 000000 (the ministry) the whole country; only an institution's director changes its
register, or a supervisor for the institutions of their region (regions keep the register).

Owns: `RegisterScope`, `register_scope(p)`, `may_read(p, institution)`, `may_write(p, institution)`,
`sees_personal_data(p, institution_id)`, `content_of(session, institution_id, day)` (what a quarterly
submission holds: the institution, its rooms and staff with their appointments and training, no personal
data).
May import: engine.cases.access, engine.registry.institutions, engine.registry.staff, engine.store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from engine.cases.access import Principal, in_region, region_prefix
from engine.cases.tribunal import holds_on
from engine.registry.institutions import InstitutionValues, institution_as_of
from engine.store.register_tables import AppointmentRow, HearingRoomRow, StaffRow, TrainingRow
from engine.store.tables import InstitutionRow


@dataclass(frozen=True, slots=True)
class RegisterScope:
    """What a caller's register queries may return: one institution, a region prefix, or nothing."""

    institution_id: str | None = None
    region_prefix: str | None = None
    nothing: bool = False


def register_scope(p: Principal) -> RegisterScope:
    if p.is_staff and p.institution_id is not None:
        return RegisterScope(institution_id=p.institution_id)
    if p.is_supervisor and p.region_code is not None:
        return RegisterScope(region_prefix=region_prefix(p.region_code))
    return RegisterScope(nothing=True)


def may_read(p: Principal, institution: InstitutionRow) -> bool:
    if p.is_staff:
        return p.institution_id == institution.id
    if p.is_supervisor:
        return in_region(institution.region_code, p.region_code)
    return False


def may_write(p: Principal, institution_id: str, region_code: str | None) -> bool:
    """A director of the institution, or a supervisor of a region containing it."""
    if p.role == "director":
        return p.institution_id == institution_id
    if p.is_supervisor:
        return region_code is not None and in_region(region_code, p.region_code)
    return False


def sees_personal_data(p: Principal, institution_id: str) -> bool:
    """ID numbers and phones of an institution's staff: its own staff only."""
    return p.is_staff and p.institution_id == institution_id


def content_of(session: Session, institution_id: str, day: dt.date) -> dict[str, Any]:
    """The register data of an institution on `day` as a quarterly submission holds it (no personal data)."""
    version = institution_as_of(session, institution_id, day)
    rooms = session.exec(
        select(HearingRoomRow)
        .where(HearingRoomRow.institution_id == institution_id, col(HearingRoomRow.valid_from) <= day)
        .order_by(col(HearingRoomRow.name))
    ).all()
    rows = session.exec(
        select(StaffRow, AppointmentRow)
        .join(AppointmentRow, col(AppointmentRow.staff_id) == col(StaffRow.id))
        .where(AppointmentRow.institution_id == institution_id, holds_on(day))
        .order_by(col(StaffRow.name), col(AppointmentRow.post))
    ).all()
    hours: dict[int, Decimal] = {}
    trainings = select(col(TrainingRow.staff_id), col(TrainingRow.hours)).where(
        col(TrainingRow.on) >= dt.date(day.year, 1, 1), col(TrainingRow.on) <= day
    )
    for staff_id, h in session.exec(trainings).all():
        hours[staff_id] = hours.get(staff_id, Decimal(0)) + Decimal(h)
    return {
        "institution_id": institution_id,
        "as_of": day.isoformat(),
        "institution": None if version is None else asdict(InstitutionValues.of(version)),
        "hearing_rooms": [
            {"name": r.name, "seats": r.seats, "online": r.online}
            for r in rooms
            if r.valid_to is None or r.valid_to > day
        ],
        "staff": [
            {
                "staff_id": s.id,
                "name": s.name,
                "post": a.post,
                "full_time": a.full_time,
                "qualification": a.qualification,
                "specialties": list(a.specialties or []),
                "term_from": a.term_from.isoformat(),
                "term_to": a.term_to.isoformat() if a.term_to else None,
                "training_hours_this_year": str(hours.get(s.id or 0, Decimal(0))),
            }
            for s, a in rows
        ],
    }
