"""The register's tables (机构人员系统): institutions over time, hearing rooms, staff, appointments,
training, and the quarterly submissions that the level above verifies (核准).

Owns: `InstitutionVersionRow`, `HearingRoomRow`, `StaffRow`, `AppointmentRow`, `TrainingRow`,
`SubmissionRow`. The `institution` table (engine.store.tables) holds an institution's identity and its
current values, which the runtime reads; `institution_version` holds every dated state of it, so the
register answers "as of date D". Periods are [valid_from, valid_to): valid_to is the first day the
version no longer holds, NULL while it does. Personal data (a person's ID number and phone) is in
`staff` only, and engine.registry never shows it outside the person's institution.
Stage in the flow: the register, beside the cases (written by engine.registry, read by the runtime to
choose a tribunal, by the public roster and by the performance figures).
May import: engine.store.columns, sqlmodel, sqlalchemy.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.store.columns import json_field, utc_now


class InstitutionVersionRow(SQLModel, table=True):
    """One dated state of an institution (名称、层级、地区、地址和联系方式、是否在本系统办案、所用程序、案号字头)."""

    __tablename__ = "institution_version"
    __table_args__ = (sa.UniqueConstraint("institution_id", "valid_from", name="uq_institution_version"),)
    id: int | None = Field(default=None, primary_key=True)
    institution_id: str = Field(foreign_key="institution.id", index=True, max_length=64)
    valid_from: dt.date
    valid_to: dt.date | None = None
    name: str = Field(max_length=200)
    #: commission (仲裁委员会) | office (仲裁院, the commission's 办事机构) | mediation (调解组织)
    kind: str = Field(default="commission", max_length=20)
    #: the commission an office belongs to
    parent_id: str | None = Field(default=None, max_length=64)
    level: str = Field(max_length=20)
    region_code: str = Field(max_length=12)
    address: str | None = Field(default=None, max_length=300)
    #: the institution's public contact number (not a person's)
    phone: str | None = Field(default=None, max_length=40)
    #: handles its cases on this system (办案系统覆盖率)
    handles_cases: bool = False
    #: the procedure its cases open under (its regional overlay), e.g. guangxi; None = the national one
    procedure_id: str | None = Field(default=None, max_length=64)
    case_number_prefix: str | None = Field(default=None, max_length=100)
    recorded_at: dt.datetime = Field(default_factory=utc_now)
    recorded_by: str | None = Field(default=None, max_length=64)
    submission_id: int | None = Field(default=None, foreign_key="register_submission.id")


class HearingRoomRow(SQLModel, table=True):
    """A hearing room (仲裁庭室) of an institution, over the period it is in use."""

    __tablename__ = "hearing_room"
    __table_args__ = (sa.UniqueConstraint("institution_id", "name", "valid_from", name="uq_hearing_room"),)
    id: int | None = Field(default=None, primary_key=True)
    institution_id: str = Field(foreign_key="institution.id", index=True, max_length=64)
    name: str = Field(max_length=100)
    seats: int | None = None
    online: bool = False  # equipped for online hearings (网络庭审)
    valid_from: dt.date
    valid_to: dt.date | None = None


class StaffRow(SQLModel, table=True):
    """A person of an institution (仲裁员、书记员、调解员、负责人), with the personal data only the
    institution sees."""

    __tablename__ = "staff"
    id: int | None = Field(default=None, primary_key=True)
    institution_id: str = Field(foreign_key="institution.id", index=True, max_length=64)
    name: str = Field(max_length=100)
    gender: str | None = Field(default=None, max_length=4)
    #: personal: 公民身份号码 (engine.codes.identifiers checks it)
    id_number: str | None = Field(default=None, max_length=18, unique=True)
    #: personal: a mobile or office number
    phone: str | None = Field(default=None, max_length=40)
    #: the person's login, if they have one
    user_id: int | None = Field(default=None, foreign_key="app_user.id", unique=True)
    created_at: dt.datetime = Field(default_factory=utc_now)


class AppointmentRow(SQLModel, table=True):
    """An appointment (聘任) of a person to a post of an institution, for a term."""

    __tablename__ = "appointment"
    __table_args__ = (sa.Index("ix_appointment_institution_post", "institution_id", "post"),)
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    institution_id: str = Field(foreign_key="institution.id", max_length=64)
    #: code table staff_posts: arbitrator | clerk | mediator | director
    post: str = Field(max_length=20)
    #: 专职 (True) or 兼职 (False)
    full_time: bool = True
    #: code table qualification_grounds (L 20); arbitrators only
    qualification: str | None = Field(default=None, max_length=40)
    #: 职称 or profession as the roster shows it
    title: str | None = Field(default=None, max_length=100)
    #: dispute_types codes the person specialises in
    specialties: list[Any] = json_field()
    term_from: dt.date
    #: the last day of the term (聘期届满之日); None = no fixed end
    term_to: dt.date | None = None
    #: the first day the appointment no longer holds (解聘、辞职、调离), if it ended early
    ended_on: dt.date | None = None
    recorded_at: dt.datetime = Field(default_factory=utc_now)
    submission_id: int | None = Field(default=None, foreign_key="register_submission.id")


class TrainingRow(SQLModel, table=True):
    """A training a person attended (聘前培训、在职培训; 组织规则第二十七条、第二十八条)."""

    __tablename__ = "training"
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    on: dt.date
    hours: Decimal = Field(max_digits=5, decimal_places=1)
    subject: str = Field(max_length=200)
    provider: str | None = Field(default=None, max_length=200)
    recorded_at: dt.datetime = Field(default_factory=utc_now)


class SubmissionRow(SQLModel, table=True):
    """An institution's register data as submitted for verification (报送核准): the quarterly return or
    a correction. Its review runs as a case on procedure `register_verification` (`case_id`): the
    submissions, returns and approvals are that case's event log."""

    __tablename__ = "register_submission"
    id: int | None = Field(default=None, primary_key=True)
    institution_id: str = Field(foreign_key="institution.id", index=True, max_length=64)
    #: the quarter, e.g. 2026Q3
    period: str = Field(max_length=7)
    #: quarterly | correction
    kind: str = Field(default="quarterly", max_length=20)
    case_id: int | None = Field(default=None, foreign_key="case_file.id", unique=True)
    #: the institution's data as submitted (institution, rooms, staff without personal data, appointments, training)
    content: dict[str, Any] = json_field()
    content_sha256: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utc_now)


REGISTER_TABLES = (
    SubmissionRow,
    InstitutionVersionRow,
    HearingRoomRow,
    StaffRow,
    AppointmentRow,
    TrainingRow,
)
