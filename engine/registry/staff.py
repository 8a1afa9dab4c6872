"""Staff, their appointments (聘任) and training: who holds which post of which institution on a day.

Owns: `StaffValues`, `AppointmentValues`, `add_staff`, `appoint`, `end_appointment`, `record_training`,
`appointees` (the current holders of a post), `training_hours`; whether a name holds a post on a day is
engine.cases.tribunal.on_register (the runtime asks it).
Rules: an arbitrator is appointed on one of the grounds of 调解仲裁法第二十条 (code table
qualification_grounds), for a term of usually five years (组织规则第二十四条); one person holds one
appointment per post and institution at a time; the names of an institution's current holders of a post
are unique (a case's tribunal names them, engine.registry.performance attributes cases by them); a
person's ID number is checked (GB 11643) and kept in `staff` only.
May import: engine.errors, engine.cases.tribunal, engine.codes.identifiers, engine.documents.masking, engine.registry.codes, engine.store.tables, engine.store.register_tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from engine.cases.tribunal import holds_on
from engine.codes.identifiers import check_resident_id
from engine.documents.masking import mask_id
from engine.errors import BadInput
from engine.registry.codes import PHONE, check_code
from engine.store.register_tables import AppointmentRow, StaffRow, TrainingRow
from engine.store.tables import InstitutionRow

#: the most training hours one record may carry (a year of full-time study is about 1,600 hours)
MAX_TRAINING_HOURS = Decimal("2000")


@dataclass(frozen=True, slots=True)
class StaffValues:
    """A person as the register records them (personal data: `id_number`, `phone`)."""

    name: str
    gender: str | None = None
    id_number: str | None = None
    phone: str | None = None
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class AppointmentValues:
    """An appointment to a post for a term."""

    post: str
    term_from: dt.date
    term_to: dt.date | None = None
    full_time: bool = True
    qualification: str | None = None
    title: str | None = None
    specialties: Sequence[str] = ()


def _name(value: str, field: str = "name") -> str:
    text = (value or "").strip()
    if not text:
        raise BadInput(f"{field}: 姓名不能为空 (required)", field=field)
    if len(text) > 100:
        raise BadInput(f"{field}: 超过 100 个字 (longer than 100 characters)", field=field)
    return text


def add_staff(session: Session, institution_id: str, values: StaffValues, *, today: dt.date) -> StaffRow:
    """A new person of an institution (their posts come with `appoint`)."""
    if session.get(InstitutionRow, institution_id) is None:
        raise BadInput(
            f"institution_id: 没有机构 '{institution_id}' (unknown institution)", field="institution_id"
        )
    gender = (values.gender or "").strip() or None
    if gender is not None and gender not in ("男", "女"):
        raise BadInput(f"gender: '{gender}' 应为 男 或 女 (male or female)", field="gender")
    id_number = None
    if values.id_number:
        try:
            checked = check_resident_id(values.id_number, on=today, field="id_number")
        except BadInput as exc:  # the message quotes the number: mask it (personal data, not for logs)
            raw = str(values.id_number).strip()
            text = str(exc).replace(raw, mask_id(raw)).replace(raw.upper(), mask_id(raw))
            raise BadInput(text, field="id_number") from None
        id_number = checked.number
        sex = "男" if checked.sex == "male" else "女"
        if gender is not None and gender != sex:
            raise BadInput(
                "gender: 性别与公民身份号码不符 (gender differs from the ID number)", field="gender"
            )
        gender = gender or sex
        if session.exec(select(StaffRow.id).where(StaffRow.id_number == id_number)).first() is not None:
            raise BadInput(
                "id_number: 该公民身份号码已经登记 (this ID number is already registered)", field="id_number"
            )
    phone = (values.phone or "").strip() or None
    if phone is not None and not PHONE.match(phone):
        raise BadInput("phone: 不是电话号码 (not a phone number)", field="phone")
    row = StaffRow(
        institution_id=institution_id,
        name=_name(values.name),
        gender=gender,
        id_number=id_number,
        phone=phone,
        user_id=values.user_id,
    )
    session.add(row)
    session.flush()
    return row


def appoint(
    session: Session, staff_id: int, values: AppointmentValues, *, submission_id: int | None = None
) -> AppointmentRow:
    """Appoint a person to a post of their institution for a term."""
    person = session.get(StaffRow, staff_id)
    if person is None:
        raise BadInput(f"staff_id: 没有人员 {staff_id} (unknown staff)", field="staff_id")
    post = check_code("staff_posts", values.post, "post")
    if values.term_to is not None and values.term_to < values.term_from:
        raise BadInput("term_to: 聘期止日早于起日 (the term ends before it starts)", field="term_to")
    qualification = None
    if post == "arbitrator":
        if not values.qualification:
            raise BadInput(
                "qualification: 聘任仲裁员应当注明其符合调解仲裁法第二十条的哪一项条件 (an arbitrator's ground of L 20)",
                field="qualification",
            )
        qualification = check_code("qualification_grounds", values.qualification, "qualification")
    specialties = [check_code("dispute_types", s, "specialties") for s in values.specialties]
    title = (values.title or "").strip() or None
    if title is not None and len(title) > 100:
        raise BadInput("title: 超过 100 个字 (longer than 100 characters)", field="title")
    overlapping = select(AppointmentRow.id).where(
        AppointmentRow.staff_id == staff_id,
        AppointmentRow.post == post,
        AppointmentRow.institution_id == person.institution_id,
        sa.or_(col(AppointmentRow.ended_on).is_(None), col(AppointmentRow.ended_on) > values.term_from),
        sa.or_(col(AppointmentRow.term_to).is_(None), col(AppointmentRow.term_to) >= values.term_from),
    )
    if session.exec(overlapping).first() is not None:
        raise BadInput(
            "term_from: 该人员已有这一岗位的聘任，先结束原聘任再续聘 (already appointed to this post: end it first)",
            field="term_from",
        )
    namesake = (
        select(StaffRow.id)
        .join(AppointmentRow, col(AppointmentRow.staff_id) == col(StaffRow.id))
        .where(
            StaffRow.name == person.name,
            col(StaffRow.id) != staff_id,
            AppointmentRow.institution_id == person.institution_id,
            AppointmentRow.post == post,
            holds_on(values.term_from),
        )
    )
    if session.exec(namesake).first() is not None:
        raise BadInput(
            f"name: 本机构已有同名的在聘人员“{person.name}”：请在姓名后加注以示区别，如“{person.name}（甲）” "
            "(another current holder of this post has the same name: add a distinguishing mark)",
            field="name",
        )
    row = AppointmentRow(
        staff_id=staff_id,
        institution_id=person.institution_id,
        post=post,
        full_time=bool(values.full_time),
        qualification=qualification,
        title=title,
        specialties=specialties,
        term_from=values.term_from,
        term_to=values.term_to,
        submission_id=submission_id,
    )
    session.add(row)
    session.flush()
    return row


def end_appointment(session: Session, appointment_id: int, ended_on: dt.date) -> AppointmentRow:
    """End an appointment early (解聘、辞职、调离): it no longer holds from `ended_on`."""
    row = session.get(AppointmentRow, appointment_id)
    if row is None:
        raise BadInput(
            f"appointment_id: 没有聘任记录 {appointment_id} (unknown appointment)", field="appointment_id"
        )
    if row.ended_on is not None:
        raise BadInput(f"ended_on: 该聘任已于 {row.ended_on} 结束 (already ended)", field="ended_on")
    if ended_on <= row.term_from:
        raise BadInput("ended_on: 结束日期应晚于聘期起日 (must be after the term began)", field="ended_on")
    row.ended_on = ended_on
    session.add(row)
    session.flush()
    return row


def record_training(
    session: Session, staff_id: int, on: dt.date, hours: object, subject: str, provider: str | None = None
) -> TrainingRow:
    """A training a person attended (hours to one decimal)."""
    if session.get(StaffRow, staff_id) is None:
        raise BadInput(f"staff_id: 没有人员 {staff_id} (unknown staff)", field="staff_id")
    try:
        amount = Decimal(str(hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise BadInput(f"hours: '{hours}' 不是学时数 (not a number of hours)", field="hours") from None
    if not Decimal(0) < amount <= MAX_TRAINING_HOURS:
        raise BadInput(f"hours: 学时应大于 0 且不超过 {MAX_TRAINING_HOURS} (out of range)", field="hours")
    text = (subject or "").strip()
    if not text or len(text) > 200:
        raise BadInput(
            "subject: 培训内容不能为空，且不超过 200 个字 (required, at most 200 characters)", field="subject"
        )
    row = TrainingRow(
        staff_id=staff_id, on=on, hours=amount, subject=text, provider=(provider or "").strip() or None
    )
    session.add(row)
    session.flush()
    return row


def appointees(
    session: Session, institution_id: str, post: str, day: dt.date
) -> list[tuple[StaffRow, AppointmentRow]]:
    """The current holders of a post of an institution on `day`, by name."""
    stmt = (
        select(StaffRow, AppointmentRow)
        .join(AppointmentRow, col(AppointmentRow.staff_id) == col(StaffRow.id))
        .where(AppointmentRow.institution_id == institution_id, AppointmentRow.post == post, holds_on(day))
        .order_by(col(StaffRow.name), col(StaffRow.id))
    )
    return [(s, a) for s, a in session.exec(stmt).all()]


def training_hours(session: Session, staff_id: int, year: int) -> Decimal:
    """Training hours a person recorded in a calendar year."""
    stmt = select(func.coalesce(func.sum(TrainingRow.hours), 0)).where(
        TrainingRow.staff_id == staff_id,
        col(TrainingRow.on) >= dt.date(year, 1, 1),
        col(TrainingRow.on) <= dt.date(year, 12, 31),
    )
    return Decimal(str(session.exec(stmt).one()))
