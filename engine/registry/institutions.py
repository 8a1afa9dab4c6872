"""Institutions over time: record a dated change, and answer "as of date D".

Owns: `InstitutionValues` (what the register says of an institution), `record_institution` (a new
dated version: the previous one ends that day, the `institution` row the runtime reads takes the new
values, all in the caller's transaction), `institution_as_of`, `institutions_as_of`, `history`.
Rules: a change takes effect on a day no later than today (the register records what is, not what is
planned) and never before the current version began; a change on the day the current version began
corrects it in place; a change that changes nothing writes nothing. An office (仲裁院) belongs to a
commission (调解仲裁法第十九条).
May import: engine.errors, engine.registry.codes, engine.store.tables, engine.store.register_tables.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass, fields

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.errors import BadInput
from engine.registry.codes import KINDS, PHONE, check_code
from engine.store.register_tables import InstitutionVersionRow
from engine.store.tables import InstitutionRow

INSTITUTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


@dataclass(frozen=True, slots=True)
class InstitutionValues:
    """What the register says of an institution on a day."""

    name: str
    level: str
    region_code: str
    kind: str = "commission"
    parent_id: str | None = None
    address: str | None = None
    phone: str | None = None
    handles_cases: bool = True
    procedure_id: str | None = None
    case_number_prefix: str | None = None

    @classmethod
    def of(cls, row: InstitutionVersionRow) -> InstitutionValues:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def _text(value: str | None, field: str, limit: int, required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise BadInput(f"{field}: 不能为空 (required)", field=field)
        return None
    if len(text) > limit:
        raise BadInput(f"{field}: 超过 {limit} 个字 (longer than {limit} characters)", field=field)
    return text


def check_values(
    values: InstitutionValues, on: dt.date, procedures: Collection[str] | None = None
) -> InstitutionValues:
    """The values checked and trimmed: codes known on `on`, lengths, the kind and its parent."""
    name = _text(values.name, "name", 200, required=True)
    if values.kind not in KINDS:
        kinds = "、".join(f"{k}（{v}）" for k, v in KINDS.items())
        raise BadInput(f"kind: 机构类型 '{values.kind}' 无效，应为 {kinds} (unknown kind)", field="kind")
    if values.kind == "office" and not values.parent_id:
        raise BadInput(
            "parent_id: 仲裁院应当注明所属仲裁委员会 (an office names its commission)", field="parent_id"
        )
    phone = _text(values.phone, "phone", 40)
    if phone is not None and not PHONE.match(phone):
        raise BadInput(f"phone: '{phone}' 不是电话号码 (not a phone number)", field="phone")
    procedure = _text(values.procedure_id, "procedure_id", 64)
    if procedure is not None and procedures is not None and procedure not in procedures:
        known = "、".join(sorted(procedures))
        raise BadInput(
            f"procedure_id: 没有程序 '{procedure}'（现有：{known}） (unknown procedure)", field="procedure_id"
        )
    return InstitutionValues(
        name=name or "",
        level=check_code("institution_levels", values.level, "level"),
        region_code=check_code("regions", values.region_code, "region_code", on),
        kind=values.kind,
        parent_id=_text(values.parent_id, "parent_id", 64),
        address=_text(values.address, "address", 300),
        phone=phone,
        handles_cases=bool(values.handles_cases),
        procedure_id=procedure,
        case_number_prefix=_text(values.case_number_prefix, "case_number_prefix", 100),
    )


def _current(session: Session, institution_id: str) -> InstitutionVersionRow | None:
    stmt = select(InstitutionVersionRow).where(
        InstitutionVersionRow.institution_id == institution_id, col(InstitutionVersionRow.valid_to).is_(None)
    )
    return session.exec(stmt).first()


def record_institution(
    session: Session,
    institution_id: str,
    values: InstitutionValues,
    on: dt.date,
    *,
    today: dt.date,
    recorded_by: str | None = None,
    submission_id: int | None = None,
    procedures: Collection[str] | None = None,
) -> tuple[InstitutionVersionRow, bool]:
    """Record what the register says of an institution from `on`; returns the version in force and
    whether anything was written."""
    if not INSTITUTION_ID.match(institution_id or ""):
        raise BadInput(
            f"institution_id: '{institution_id}' 无效：用 2-64 位小写字母、数字和连字符，如 gx-nn (invalid id)",
            field="institution_id",
        )
    if on > today:
        raise BadInput(
            f"valid_from: 生效日期 {on} 晚于今天 {today}：登记已经发生的变化 (a change cannot take effect in the future)",
            field="valid_from",
        )
    checked = check_values(values, on, procedures)
    if checked.parent_id is not None:
        parent = session.get(InstitutionRow, checked.parent_id)
        if parent is None or checked.parent_id == institution_id:
            raise BadInput(
                f"parent_id: 没有机构 '{checked.parent_id}' (unknown parent institution)", field="parent_id"
            )
        if checked.kind == "office" and parent.kind != "commission":
            raise BadInput(
                f"parent_id: '{checked.parent_id}' 不是仲裁委员会 (an office belongs to a commission)",
                field="parent_id",
            )
    current = _current(session, institution_id)
    if current is not None:
        if on < current.valid_from:
            raise BadInput(
                f"valid_from: 现行登记自 {current.valid_from} 起有效，变更不能早于该日 "
                f"(the current version began on {current.valid_from}; record changes in date order)",
                field="valid_from",
            )
        if InstitutionValues.of(current) == checked:
            return current, False
    _update_identity(session, institution_id, checked)  # first: the version refers to it
    session.flush()
    if current is not None and on == current.valid_from:
        version = current  # a same-day correction
        for name, value in asdict(checked).items():
            setattr(version, name, value)
        version.recorded_by, version.submission_id = recorded_by, submission_id
    else:
        if current is not None:
            current.valid_to = on
            session.add(current)
        version = InstitutionVersionRow(
            institution_id=institution_id,
            valid_from=on,
            recorded_by=recorded_by,
            submission_id=submission_id,
            **asdict(checked),
        )
    session.add(version)
    session.flush()
    return version, True


def _update_identity(session: Session, institution_id: str, values: InstitutionValues) -> None:
    row = session.get(InstitutionRow, institution_id)
    if row is None:
        row = InstitutionRow(id=institution_id, name=values.name, region_code=values.region_code)
    for name, value in asdict(values).items():
        setattr(row, name, value)
    session.add(row)


def _in_force(day: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(InstitutionVersionRow.valid_from) <= day,
        sa.or_(col(InstitutionVersionRow.valid_to).is_(None), col(InstitutionVersionRow.valid_to) > day),
    )


def institution_as_of(session: Session, institution_id: str, day: dt.date) -> InstitutionVersionRow | None:
    """The version of an institution in force on `day` (None before it was registered)."""
    stmt = select(InstitutionVersionRow).where(
        InstitutionVersionRow.institution_id == institution_id, _in_force(day)
    )
    return session.exec(stmt).first()


def institutions_as_of(
    session: Session,
    day: dt.date,
    *,
    region_prefix: str | None = None,
    institution_id: str | None = None,
    kind: str | None = None,
) -> list[InstitutionVersionRow]:
    """Every institution as it stood on `day`, optionally within a region, ordered by region and id."""
    stmt = select(InstitutionVersionRow).where(_in_force(day))
    if region_prefix:
        stmt = stmt.where(col(InstitutionVersionRow.region_code).startswith(region_prefix, autoescape=True))
    if institution_id is not None:
        stmt = stmt.where(InstitutionVersionRow.institution_id == institution_id)
    if kind is not None:
        stmt = stmt.where(InstitutionVersionRow.kind == kind)
    stmt = stmt.order_by(col(InstitutionVersionRow.region_code), col(InstitutionVersionRow.institution_id))
    return list(session.exec(stmt).all())


def history(session: Session, institution_id: str) -> list[InstitutionVersionRow]:
    """Every version of an institution, oldest first."""
    stmt = (
        select(InstitutionVersionRow)
        .where(InstitutionVersionRow.institution_id == institution_id)
        .order_by(col(InstitutionVersionRow.valid_from))
    )
    return list(session.exec(stmt).all())
