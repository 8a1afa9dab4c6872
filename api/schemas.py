"""Request and response models of the HTTP API (pydantic), with the bounds the OpenAPI schema shows.

Owns: the JSON shapes under /v1. Every identifier has a `pattern`, every number a range, every list a
maximum length, so a request the schema allows is one the engine can answer (schemathesis checks it).
May import: pydantic, engine (types only).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo

from engine.text_input import STORABLE_TEXT_PATTERN, clean_text


def clean(limit: int) -> AfterValidator:
    """Text fields of requests pass `engine.text_input.clean_text` (the facts boundary's own rule): NFC,
    CRLF/CR as LF, and a 422 naming the field for a NUL, a lone surrogate or a control character but
    newline and tab. The schema shows the rule as `STORABLE_TEXT_PATTERN`, so generated clients (and
    schemathesis) send text the server keeps."""

    def _clean(value: str, info: ValidationInfo) -> str:
        return clean_text(value, field=info.field_name or "text", limit=limit)

    return AfterValidator(_clean)


#: the JSON Schema of stored text (the pattern is for clients: pydantic's regex engine cannot hold the
#: surrogate range, so `clean` does the checking)
STORABLE = Field(json_schema_extra={"pattern": STORABLE_TEXT_PATTERN})
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
InstitutionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,12}$")]
CaseNumber = Annotated[str, StringConstraints(min_length=1, max_length=100), STORABLE, clean(100)]
QueryCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z -]{4,20}$")]
#: facts are checked by the runtime against the procedure's declared types (each action's facts with their
#: types are listed by GET /v1/procedures/{id}); here their shape and the largest sizes any fact allows
FactText = Annotated[str, StringConstraints(max_length=100_000), STORABLE, clean(100_000)]
FactValue = (
    FactText
    | int
    | float
    | bool
    | None
    | Annotated[list[dict[str, Any]], Field(max_length=200)]
    | Annotated[list[FactText], Field(max_length=50)]
)
#: fact ids follow `Ident` (`additionalProperties: false` tells clients that no other key is taken)
Facts = Annotated[
    dict[Ident, FactValue], Field(max_length=64, json_schema_extra={"additionalProperties": False})
]
INT32 = 2**31 - 1
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
LegalDate = Annotated[
    dt.date,
    Field(
        ge=MIN_DATE,
        le=MAX_DATE,
        description=f"a date from {MIN_DATE} to {MAX_DATE}",
        json_schema_extra={
            "formatMinimum": MIN_DATE.isoformat(),
            "formatMaximum": MAX_DATE.isoformat(),
            "pattern": r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$",
        },
    ),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    code: str = Field(
        description="stable code: stage, role, document, guard, date, deadline, facts, conflict ..."
    )
    message: str = Field(description="what went wrong and what to do (Chinese + English)")
    details: Any = None


class CaseOpenIn(_In):
    #: default: the institution's own procedure on the register (Nanning: guangxi), else arbitration
    procedure_id: Ident | None = None
    at: LegalDate | None = Field(
        default=None, description="the day the application was received (default today)"
    )
    facts: Facts = Field(default_factory=dict)
    institution_id: InstitutionId | None = Field(
        default=None, description="default: the caller's institution"
    )
    channel: Annotated[str, StringConstraints(pattern=r"^(offline|online)$")] = "offline"


class FireIn(_In):
    at: LegalDate | None = Field(default=None, description="effective date (the legal fact); default today")
    facts: Facts = Field(default_factory=dict)


class ProgressLookupIn(_In):
    case_number: CaseNumber
    query_code: QueryCode


class DeadlineOut(BaseModel):
    deadline_id: str
    title: str
    status: str
    due_on: dt.date | None
    shown: str
    steps: list[str]
    note: str | None = None
    statutory: bool
    basis: str
    provisional: bool = Field(False, description="届满日为暂定，以国务院公布的节假日安排为准（P5）")


class DocumentOut(BaseModel):
    document_id: str
    title: str
    kind: str
    version: int
    media_type: str
    sha256: str
    event_seq: int
    internal: bool = False


class CaseOut(BaseModel):
    id: int
    case_number: str = Field(
        description="the number the case is known by: its receipt number (收件登记号) until it is accepted, "
        "then its 案号 (allotted on acceptance, in the year of the acceptance)"
    )
    receipt_number: str | None = Field(
        default=None,
        description="收件登记号, allotted on receipt (none for cases whose 案号 came on receipt)",
    )
    institution_id: str
    region_code: str
    procedure_id: str
    procedure_version: str
    stage: str
    stage_title: str
    facts: dict[str, Any]
    version: int
    opened_on: dt.date
    accepted_on: dt.date | None
    closed_on: dt.date | None
    closure: str | None
    channel: str
    deadlines: list[DeadlineOut]
    documents: list[DocumentOut]
    breaches: list[str] = []


class CaseOpenedOut(CaseOut):
    query_code: str = Field(description="give it to the parties for the public progress lookup; shown once")


class CaseSummaryOut(BaseModel):
    id: int
    case_number: str
    receipt_number: str | None = None
    institution_id: str
    region_code: str
    procedure_id: str
    stage: str
    version: int
    opened_on: dt.date
    closed_on: dt.date | None
    closure: str | None


class CaseListOut(BaseModel):
    total: int
    items: list[CaseSummaryOut]


class ProgressEventOut(BaseModel):
    on: dt.date
    action: str
    title: str
    stage_after: str


class ProgressOut(BaseModel):
    """What a party sees: the main file only (no 副卷, no internal notes)."""

    case_number: str
    stage: str
    stage_title: str
    opened_on: dt.date
    accepted_on: dt.date | None
    closed_on: dt.date | None
    closure: str | None
    deadlines: list[DeadlineOut]
    documents: list[DocumentOut]
    events: list[ProgressEventOut]


class RefusalOut(BaseModel):
    code: str
    message: str


class ActionOut(BaseModel):
    action: str
    title: str
    allowed: bool
    refusal: RefusalOut | None = None


class TransitionOut(BaseModel):
    case_id: int
    seq: int
    action: str
    stage_before: str
    stage_after: str
    effective_on: dt.date
    version: int
    hash: str
    produced: list[str]
    case_number: str = Field(
        description="the number the case is known by after this event (the 案号 allotted by `accept`)"
    )
    query_code: str | None = Field(
        default=None,
        description="`accept` only: the new query code for the public lookup, printed on the acceptance "
        "notice (the code given on receipt stops working); shown once",
    )


class QueryCodeOut(BaseModel):
    """A new query code (the old one no longer works)."""

    case_id: int
    case_number: str
    query_code: str = Field(description="give it to the parties; shown once (only its hash is stored)")
    seq: int = Field(description="the event `reissue_query_code` in the case's log")
    version: int


class EventOut(BaseModel):
    seq: int
    action: str
    actor_id: str
    role: str
    effective_on: dt.date
    recorded_at: dt.datetime
    stage_before: str | None
    stage_after: str
    facts_changed: dict[str, Any]
    documents: list[str]
    backdated: bool
    hash: str
    allotted: dict[str, Any] | None = Field(
        default=None,
        description="what the event allotted: receipt_number (opening), case_number (acceptance), "
        "query_code: issued|reissued (never the code)",
    )


class ClockNoteOut(BaseModel):
    op: str
    on: dt.date
    action: str
    args: dict[str, Any]


class BreachOut(BaseModel):
    case_id: int
    case_number: str
    institution_id: str
    institution_name: str
    region_code: str
    deadline_id: str
    deadline_title: str
    statutory: bool
    basis: str
    due_on: dt.date
    ended_on: dt.date | None
    days_overdue: int
    responsible_role: str
    responsible_staff: str | None
    stage: str
    clock_notes: list[ClockNoteOut]
    provisional: bool = Field(
        False, description="届满日为暂定（该年度节假日安排尚未公布，docs/law.md P5）：超期亦为暂定"
    )


class BreachListOut(BaseModel):
    as_of: dt.date
    total: int
    items: list[BreachOut]


class BackdatedOut(BaseModel):
    case_id: int
    case_number: str
    institution_id: str
    seq: int
    action: str
    actor_id: str
    role: str
    effective_on: dt.date
    recorded_at: dt.datetime
    days_back: int


class ProcedureSummaryOut(BaseModel):
    id: str
    version: str
    title: str
    region: str | None
    extends: str | None


class FactOut(BaseModel):
    """A fact a caller may state: its type and bounds, and whether the action requires it."""

    id: str
    title: str
    type: str = Field(
        description="money, int, decimal, bool, date (YYYY-MM-DD), text, code, claims or texts (a list of texts)"
    )
    required: bool = Field(description="the action needs it (`needs`); else it may be given (`takes`)")
    max_length: int | None = Field(
        default=None, description="text, texts and claims: the most characters (of each text)"
    )
    table: str | None = Field(default=None, description="code: the code table its values come from")
    min: str | None = None
    max: str | None = None
    set_by: list[str] | None = Field(default=None, description="the only roles that may state it")


class BranchOut(BaseModel):
    """A stage an action moves to instead of its `to` when the guard holds."""

    to: str
    when: str


class ActionDefOut(BaseModel):
    id: str
    title: str
    from_: list[str] = Field(alias="from")
    to: str | None
    branches: list[BranchOut] = Field(
        default=[],
        description="stages the action moves to instead of `to` when their guard holds (first match)",
    )
    roles: list[str]
    requires: list[str]
    produces: list[str]
    when: list[str]
    facts: list[FactOut] = Field(description="the facts this action takes; any other is refused (facts)")


class ProcedureOut(ProcedureSummaryOut):
    roles: dict[str, str]
    stages: list[dict[str, Any]]
    opening_facts: list[FactOut] = Field(description="the facts opening a case takes")
    actions: list[ActionDefOut]
    deadlines: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    content_hash: str


class MeOut(BaseModel):
    user_id: int
    name: str
    role: str
    institution_id: str | None
    region_code: str | None
    case_ids: list[int]
