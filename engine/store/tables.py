"""The store's tables (SQLModel): every row zhongcai keeps, and nothing else.

Owns: the table classes and their constraints and indexes. Column names are a contract (docs/internals.md
"Store"): the API, monitoring, the audit and the scheduler read them. Schema changes go through a new
Alembic revision under engine/store/migrations/versions/ (a test asserts the migrated schema equals this
metadata). Stage in the flow: 6-7 (run, watch time): written by engine.cases.runtime and engine.oversight.scan.
May import: engine.store.columns, engine.store.register_tables, engine.store.library_tables, sqlmodel, sqlalchemy. Never the runtime, the API or the CLI.

Conventions: dates are local legal dates (Asia/Shanghai, `date`); `recorded_at`/`created_at` are aware
UTC datetimes (SQLModel's UTCDateTime: timestamptz on PostgreSQL, UTC without offset on SQLite), so the
hash chain is identical on both databases. JSON columns are JSONB on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.store.columns import json_field, utc_now
from engine.store.library_tables import LIBRARY_TABLES
from engine.store.register_tables import REGISTER_TABLES


class InstitutionRow(SQLModel, table=True):
    """An arbitration commission or mediation body (仲裁委员会/调解组织)."""

    __tablename__ = "institution"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    region_code: str = Field(max_length=12)
    level: str = Field(default="county", max_length=20)
    #: e.g. "{prefix}〔{year}〕第{n}号"; None = the procedure's or the default format
    case_number_format: str | None = Field(default=None, max_length=200)
    #: e.g. "京朝劳人仲案字"
    case_number_prefix: str | None = Field(default=None, max_length=100)
    #: the format of receipt numbers (收件登记号, allotted on receipt); None = the default format
    receipt_number_format: str | None = Field(default=None, max_length=200)
    # ---- the register's current values (their history: engine.store.register_tables.InstitutionVersionRow)
    #: commission (仲裁委员会) | office (仲裁院) | mediation (调解组织)
    kind: str = Field(default="commission", max_length=20)
    parent_id: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=40)
    #: handles its cases on this system (办案系统覆盖率)
    handles_cases: bool = True
    #: the procedure its cases open under by default (its regional overlay); None = chosen per case
    procedure_id: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utc_now)


class UserRow(SQLModel, table=True):
    """A person who uses the system (clerk, arbitrator, director, supervisor, party)."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    display_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=40)
    institution_id: str | None = Field(default=None, foreign_key="institution.id")
    region_code: str | None = Field(default=None, max_length=12)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utc_now)


class TokenRow(SQLModel, table=True):
    """A bearer token; only its sha256 is stored."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_sha256: str = Field(max_length=64, unique=True)
    name: str = Field(default="", max_length=100)
    created_at: dt.datetime = Field(default_factory=utc_now)
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


class SnapshotRow(SQLModel, table=True):
    """The resolved spec of one procedure version, by content hash: a case keeps the rules it opened under."""

    __tablename__ = "procedure_snapshot"
    content_hash: str = Field(primary_key=True, max_length=64)
    procedure_id: str = Field(max_length=64, index=True)
    version: str = Field(max_length=40)
    spec: dict[str, Any] = json_field()
    created_at: dt.datetime = Field(default_factory=utc_now)


class CaseRow(SQLModel, table=True):
    """One case (案件): its procedure version, stage, facts and optimistic-concurrency version."""

    __tablename__ = "case_file"
    __table_args__ = (
        sa.UniqueConstraint("institution_id", "case_number", name="uq_case_number"),
        sa.UniqueConstraint("institution_id", "receipt_number", name="uq_receipt_number"),
    )
    id: int | None = Field(default=None, primary_key=True)
    #: the number the case is known by: its receipt number until acceptance, then its 案号
    case_number: str = Field(max_length=100, index=True)
    #: the receipt number (收件登记号) allotted on receipt; None for cases of procedures without an
    #: `accept` action and for cases opened before migration 0005 (their 案号 came on receipt)
    receipt_number: str | None = Field(default=None, max_length=100, index=True)
    institution_id: str = Field(foreign_key="institution.id", index=True)
    region_code: str = Field(max_length=12)
    procedure_id: str = Field(max_length=64)
    procedure_version: str = Field(max_length=40)
    procedure_hash: str = Field(foreign_key="procedure_snapshot.content_hash", max_length=64)
    stage: str = Field(max_length=64, index=True)
    #: the stage the case left when it entered the current one (target of `returns: true`)
    returns_to: str | None = Field(default=None, max_length=64)
    facts: dict[str, Any] = json_field()
    version: int = 1
    opened_on: dt.date
    accepted_on: dt.date | None = None
    closed_on: dt.date | None = None
    closure: str | None = Field(default=None, max_length=40)
    channel: str = Field(default="offline", max_length=20)
    query_code_hash: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utc_now)
    updated_at: dt.datetime = Field(default_factory=utc_now)


class EventRow(SQLModel, table=True):
    """The append-only, hash-chained event log: one row per opening, action, attachment."""

    __tablename__ = "case_event"
    __table_args__ = (sa.UniqueConstraint("case_id", "seq", name="uq_case_event_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id")
    seq: int
    action: str = Field(max_length=64)
    actor_id: str = Field(max_length=100)
    role: str = Field(max_length=40)
    effective_on: dt.date
    recorded_at: dt.datetime
    backdated: bool = False
    stage_before: str | None = Field(default=None, max_length=64)
    stage_after: str = Field(max_length=64)
    facts_changed: dict[str, Any] = json_field()
    #: the clock operations this event performed: [[deadline_id, op, {args}], ...]
    clock_ops: list[Any] = json_field()
    #: documents attached or produced by this event
    documents: list[Any] = json_field()
    #: what this event allotted to the case: {"receipt_number": ...} (opening), {"case_number": ...,
    #: "query_code": "issued"} (acceptance), {"query_code": "reissued"}; never a code itself. NULL when
    #: nothing (the hash covers it only when set, so events written before migration 0005 still verify)
    allotted: dict[str, Any] | None = json_field(nullable=True)
    #: a `calendar_update` event's record of what a calendar change did to the case's due dates
    #: (engine.oversight.calendar_apply): calendar versions before and after, per deadline the old and new due date
    #: and why. NULL on every other event (the hash covers it only when set; migration 0006)
    calendar_change: dict[str, Any] | None = json_field(nullable=True)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class DeadlineRow(SQLModel, table=True):
    """One deadline clock of one case; `due_on` is NULL while paused or when the year is not covered."""

    __tablename__ = "deadline"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "deadline_id", name="uq_deadline_case"),
        sa.Index("ix_deadline_status_due", "status", "due_on"),
        sa.Index(
            "ix_deadline_open_due",
            "due_on",
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        ),
        # the deadline scan's warning query (engine.oversight.scan; migration 0004)
        sa.Index(
            "ix_deadline_open_warn",
            "warn_on",
            sqlite_where=sa.text("status = 'running' AND warn_on IS NOT NULL"),
            postgresql_where=sa.text("status = 'running' AND warn_on IS NOT NULL"),
        ),
        # engine.oversight.calendar_apply: open deadlines computed on an older calendar (migration 0006)
        sa.Index(
            "ix_deadline_open_calendar",
            "calendar_version",
            "case_id",
            sqlite_where=sa.text("status IN ('running', 'paused')"),
            postgresql_where=sa.text("status IN ('running', 'paused')"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id")
    deadline_id: str = Field(max_length=64)
    title: str = Field(default="", max_length=200)
    status: str = Field(max_length=20)
    due_on: dt.date | None = None
    warn_on: dt.date | None = None
    #: why the due date is what it is (clock steps) or why it is unknown
    steps: list[Any] = json_field()
    due_note: str | None = Field(default=None, max_length=500)
    clock: dict[str, Any] = json_field()
    institution_id: str = Field(max_length=64, index=True)
    statutory: bool = False
    basis: str = Field(default="", max_length=500)
    on_expiry: str | None = Field(default=None, max_length=64)
    responsible: str | None = Field(default=None, max_length=40)
    calendar_version: str | None = Field(default=None, max_length=100)
    #: the due date was counted through a year without its State Council notice (P5; migration 0006)
    provisional: bool = False
    updated_seq: int = 0


class DocumentRow(SQLModel, table=True):
    """A document on file: submitted by a party or generated by an action, with its content hash."""

    __tablename__ = "case_document"
    __table_args__ = (sa.UniqueConstraint("case_id", "document_id", "version", name="uq_case_document"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    document_id: str = Field(max_length=64)
    title: str = Field(default="", max_length=200)
    kind: str = Field(max_length=20)
    version: int = 1
    media_type: str = Field(default="application/octet-stream", max_length=100)
    content: bytes = Field(default=b"", sa_type=sa.LargeBinary)
    sha256: str = Field(max_length=64)
    event_seq: int
    created_at: dt.datetime = Field(default_factory=utc_now)


class MonitoringRow(SQLModel, table=True):
    """The monitoring record written with every event (监测记录); `id` is the export cursor."""

    __tablename__ = "monitoring_record"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "event_seq", name="uq_monitoring_event"),
        # engine.monitoring.indicators: month flows and running stocks are range counts over this index
        sa.Index(
            "ix_monitoring_milestone", "milestone", "effective_on", "region_code", "institution_id", "channel"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id")
    event_seq: int
    institution_id: str = Field(max_length=64, index=True)
    region_code: str = Field(max_length=12)
    procedure_id: str = Field(max_length=64)
    procedure_version: str = Field(default="", max_length=40)
    action: str = Field(max_length=64)
    role: str = Field(default="", max_length=40)
    stage_before: str | None = Field(default=None, max_length=64)
    stage_after: str = Field(max_length=64)
    closure: str | None = Field(default=None, max_length=40)
    effective_on: dt.date = Field(index=True)
    recorded_at: dt.datetime
    backdated: bool = False
    dispute_type: str | None = Field(default=None, max_length=40)
    collective: bool = False
    workers: int = 1
    claim_amount: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    awarded_amount: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    channel: str = Field(default="offline", max_length=20)
    # ---- coded by engine.monitoring.record.build_record
    #: received | accepted | closed | ended (closed without being accepted) | None (any other event)
    milestone: str | None = Field(default=None, max_length=20)
    accepted_on: dt.date | None = None
    industry: str | None = Field(default=None, max_length=10)
    case_source: str | None = Field(default=None, max_length=40)
    outcome: str | None = Field(default=None, max_length=40)
    #: on a `closed` record: closed without a breach of the deadlines codes/indicators.yaml names
    on_time: bool | None = None
    #: risk warnings raised at once by this record (codes/risk.yaml), comma-separated
    risk_flags: str | None = Field(default=None, max_length=200)


class BreachRow(SQLModel, table=True):
    """A deadline that ran past its due date while still running (idempotent per due date)."""

    __tablename__ = "breach"
    __table_args__ = (sa.UniqueConstraint("case_id", "deadline_id", "due_on", name="uq_breach"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    deadline_id: str = Field(max_length=64)
    due_on: dt.date
    detected_on: dt.date
    institution_id: str = Field(max_length=64, index=True)
    responsible: str | None = Field(default=None, max_length=40)
    recorded_at: dt.datetime = Field(default_factory=utc_now)
    #: on a provisional due date (P5): confirmed or withdrawn when the year's notice is added
    provisional: bool = False
    confirmed_on: dt.date | None = None
    withdrawn_on: dt.date | None = None


class WarningRow(SQLModel, table=True):
    """A warning that a deadline is close (idempotent per due date)."""

    __tablename__ = "deadline_warning"
    __table_args__ = (sa.UniqueConstraint("case_id", "deadline_id", "due_on", name="uq_deadline_warning"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    deadline_id: str = Field(max_length=64)
    due_on: dt.date
    warn_on: dt.date
    institution_id: str = Field(max_length=64, index=True)
    recorded_at: dt.datetime = Field(default_factory=utc_now)
    provisional: bool = False
    withdrawn_on: dt.date | None = None


class PartyRow(SQLModel, table=True):
    """A party's user account linked to a case (申请人/被申请人): what they may follow (engine.cases.access)."""

    __tablename__ = "case_party"
    __table_args__ = (sa.UniqueConstraint("case_id", "user_id", name="uq_case_party"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    role: str = Field(max_length=40)
    created_at: dt.datetime = Field(default_factory=utc_now)


class CaseNumberCounterRow(SQLModel, table=True):
    """The last case number (案号) issued per institution and year (updated in the accepting transaction)."""

    __tablename__ = "case_number_counter"
    institution_id: str = Field(foreign_key="institution.id", primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    last: int = 0


class ReceiptNumberCounterRow(SQLModel, table=True):
    """The last receipt number (收件登记号) issued per institution and year (updated in the opening
    transaction); separate from the 案号 counter."""

    __tablename__ = "receipt_number_counter"
    institution_id: str = Field(foreign_key="institution.id", primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    last: int = 0


class SeriesNumberCounterRow(SQLModel, table=True):
    """The last number issued per institution, year and number series: the cases of a procedure with its
    own `case_number:` format (e.g. the register's verification cases, 核准) are numbered in the series of
    that format, so they never use up the institution's 案号 (`case_number_counter`)."""

    __tablename__ = "series_number_counter"
    institution_id: str = Field(foreign_key="institution.id", primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    #: the number format of the series, as the procedure writes it
    series: str = Field(primary_key=True, max_length=200)
    last: int = 0


ALL_TABLES = (
    InstitutionRow,
    UserRow,
    TokenRow,
    SnapshotRow,
    CaseRow,
    EventRow,
    DeadlineRow,
    DocumentRow,
    MonitoringRow,
    BreachRow,
    WarningRow,
    CaseNumberCounterRow,
    ReceiptNumberCounterRow,
    SeriesNumberCounterRow,
    PartyRow,
    *REGISTER_TABLES,
    *LIBRARY_TABLES,
)
metadata = SQLModel.metadata
