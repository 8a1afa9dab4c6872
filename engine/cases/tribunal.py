"""Whether a person named in a case holds a post of the case's institution: the tribunal and the clerk
are chosen from the register (调解仲裁法第二十条、组织规则第二十三条: 仲裁员名册).

Owns: `holds_on(day)` (an appointment in force on a day, the one definition the register shares) and
`on_register(conn, institution_id, name, post, day)`: True or False, or None when the institution keeps no
register yet (no appointment at all), so an institution that has not entered its staff is not blocked.
The guard function `on_register(name, post)` (engine.expr.functions) asks this through the case's
`CaseGuardContext`.
May import: engine.store.register_tables, sqlalchemy, sqlmodel.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import col

from engine.store.register_tables import AppointmentRow, StaffRow

_APPT: sa.Table = AppointmentRow.__table__  # type: ignore[attr-defined]
_STAFF: sa.Table = StaffRow.__table__  # type: ignore[attr-defined]


def holds_on(day: dt.date) -> sa.ColumnElement[bool]:
    """An appointment that holds on `day`: its term has begun, not run out, and it has not ended."""
    return sa.and_(
        col(AppointmentRow.term_from) <= day,
        sa.or_(col(AppointmentRow.term_to).is_(None), col(AppointmentRow.term_to) >= day),
        sa.or_(col(AppointmentRow.ended_on).is_(None), col(AppointmentRow.ended_on) > day),
    )


_ANY = sa.select(_APPT.c.id).where(_APPT.c.institution_id == sa.bindparam("institution_id")).limit(1)


def on_register(conn: sa.Connection, institution_id: str, name: str, post: str, day: dt.date) -> bool | None:
    """Whether `name` holds `post` at the institution on `day` (None: the institution keeps no register)."""
    if conn.execute(_ANY, {"institution_id": institution_id}).first() is None:
        return None
    stmt = (
        sa.select(sa.func.count())
        .select_from(_STAFF.join(_APPT, _APPT.c.staff_id == _STAFF.c.id))
        .where(
            _STAFF.c.name == (name or "").strip(),
            _APPT.c.institution_id == institution_id,
            _APPT.c.post == post,
            holds_on(day),
        )
    )
    return bool(conn.execute(stmt).scalar_one())
