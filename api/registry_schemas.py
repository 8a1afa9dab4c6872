"""Response and request models of the register endpoints (/v1/registry, /v1/public, /v1/oversight/coverage).

Owns: the JSON shapes of the register: the public roster and institutions (no personal data, no
performance figures by construction: the models have no such fields), institutions as of a date with
their history, staff (personal data fields filled only for the caller's own institution), the import's
report and problems, performance, training targets, coverage and submissions.
May import: pydantic, api.schemas.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from api.schemas import STORABLE, LegalDate, _In, clean

InstitutionKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Period = Annotated[str, StringConstraints(pattern=r"^20[0-9]{2}Q[1-4]$")]
Reasons = Annotated[str, StringConstraints(min_length=1, max_length=2000), STORABLE, clean(2000)]


class _Page(BaseModel):
    total: int
    page: int
    per_page: int


class RosterEntryOut(BaseModel):
    """One arbitrator as the public roster shows them (组织规则第二十三条)."""

    name: str
    institution_id: str
    institution: str
    full_time: bool
    employment: str = Field(description="专职 / 兼职")
    qualification: str | None = Field(description="the ground of 调解仲裁法第二十条")
    specialties: list[str]
    term_from: dt.date
    term_to: dt.date | None


class RosterPageOut(_Page):
    items: list[RosterEntryOut]


class PublicInstitutionOut(BaseModel):
    """An institution with its public office contact (never a person's)."""

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


class PublicInstitutionPageOut(_Page):
    items: list[PublicInstitutionOut]


class InstitutionVersionOut(BaseModel):
    """What the register says of an institution from `valid_from` until (not including) `valid_to`."""

    institution_id: str
    valid_from: dt.date
    valid_to: dt.date | None
    name: str
    kind: str
    parent_id: str | None
    level: str
    region_code: str
    address: str | None
    phone: str | None
    handles_cases: bool
    procedure_id: str | None
    case_number_prefix: str | None
    recorded_by: str | None
    submission_id: int | None


class InstitutionListOut(BaseModel):
    as_of: dt.date
    total: int
    items: list[InstitutionVersionOut]


class InstitutionDetailOut(BaseModel):
    as_of: dt.date
    version: InstitutionVersionOut | None = Field(description="in force on as_of (none before registration)")
    history: list[InstitutionVersionOut]


class StaffOut(BaseModel):
    """A current appointment; `id_number`, `phone` and `gender` only for the caller's own institution."""

    staff_id: int
    appointment_id: int
    institution_id: str
    name: str
    post: str
    full_time: bool
    qualification: str | None
    title: str | None
    specialties: list[str]
    term_from: dt.date
    term_to: dt.date | None
    personal_data: bool = Field(description="true when the personal data fields are filled")
    gender: str | None = None
    id_number: str | None = None
    phone: str | None = None


class StaffPageOut(_Page):
    as_of: dt.date
    items: list[StaffOut]


class ProblemOut(BaseModel):
    sheet: str
    row: int
    column: str | None
    message: str


class ImportReportOut(BaseModel):
    dry_run: bool
    written: bool = Field(description="false for a dry run: every row was checked, nothing kept")
    institutions: int
    staff_added: int
    appointments_added: int
    rows: int
    sheets: list[str]


class TrainingTargetOut(BaseModel):
    institution_id: str
    staff_id: int
    staff_name: str
    measure: str = Field(description="breaches_per_case | court_changed_per_award")
    staff_value: float | None
    institution_value: float | None
    reason: str


class TrainingShortfallOut(BaseModel):
    institution_id: str
    staff_id: int
    staff_name: str
    year: int
    hours: str
    required: int
    missing: str


class TrainingOut(BaseModel):
    year: int
    institution_id: str | None
    region_prefix: str | None
    shortfalls: list[TrainingShortfallOut]
    above_institution_level: list[TrainingTargetOut]


class SubmissionIn(_In):
    institution_id: InstitutionKey
    period: Period = Field(description="the quarter, e.g. 2026Q3")
    kind: Annotated[str, StringConstraints(pattern=r"^(quarterly|correction)$")] = "quarterly"
    at: LegalDate | None = Field(default=None, description="the day of submission (default today)")


class ReturnIn(_In):
    reasons: Reasons


class SubmittedOut(BaseModel):
    submission_id: int
    case_id: int
    case_number: str
    stage: str
    content_sha256: str


class ReviewedOut(BaseModel):
    case_id: int
    stage: str


class SubmissionOut(BaseModel):
    id: int
    institution_id: str
    period: str
    kind: str
    case_id: int | None
    content_sha256: str
    content: dict[str, Any]


class SubmissionListOut(BaseModel):
    total: int
    items: list[SubmissionOut]
