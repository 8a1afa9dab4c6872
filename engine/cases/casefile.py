"""What a running case looks like to callers: who acts, and the read-only views the runtime returns.

Owns: `Actor` (and `SYSTEM`, the actor of the scan) and the read-only views returned by the runtime
(`CaseView`, `DeadlineView`, `DocumentView`, `EventView`, `TransitionRecord`, `ActionAvailability`).
Fact coding is engine.cases.facts, the runtime's facts boundary engine.cases.fact_bounds.
Stage in the flow: 6 (run). Used by engine.cases.runtime, engine.proving.scenarios, engine.oversight.verify, the API and the CLI.
May import: engine.errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import EventNotAllowed

SYSTEM_ROLE = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a user id and the role they act in."""

    user_id: str
    role: str


SYSTEM = Actor("system", SYSTEM_ROLE)


@dataclass(frozen=True, slots=True)
class DeadlineView:
    deadline_id: str
    title: str
    status: str  # running | paused | stopped
    due_on: dt.date | None
    steps: tuple[str, ...]
    note: str | None
    statutory: bool
    basis: str
    #: the due date is provisional (P5): counted through a year without its State Council notice
    provisional: bool = False

    def shown(self) -> str:
        """'2026-11-23', '2027-01-18 provisional', 'paused', 'stopped' or 'unknown (...)' as a scenario
        or a clerk reads it."""
        if self.status in ("paused", "stopped"):
            return self.status
        if self.due_on is None:
            return f"unknown ({self.note})" if self.note else "unknown"
        return f"{self.due_on.isoformat()} provisional" if self.provisional else self.due_on.isoformat()


@dataclass(frozen=True, slots=True)
class DocumentView:
    document_id: str
    title: str
    kind: str
    version: int
    media_type: str
    sha256: str
    event_seq: int


@dataclass(frozen=True, slots=True)
class EventView:
    seq: int
    action: str
    actor_id: str
    role: str
    effective_on: dt.date
    recorded_at: dt.datetime
    stage_before: str | None
    stage_after: str
    facts_changed: Mapping[str, Any]
    clock_ops: tuple[Any, ...]
    documents: tuple[str, ...]
    backdated: bool
    hash: str
    #: what the event allotted: a receipt number, a 案号, a query code issued (never the code)
    allotted: Mapping[str, Any] | None = None
    #: a `calendar_update` event: the calendar versions and each changed due date (engine.oversight.calendar_apply)
    calendar_change: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    case_number: str
    institution_id: str
    region_code: str
    procedure_id: str
    procedure_version: str
    procedure_hash: str
    stage: str
    stage_title: str
    facts: Mapping[str, Any]
    version: int
    opened_on: dt.date
    accepted_on: dt.date | None
    closed_on: dt.date | None
    closure: str | None
    channel: str
    deadlines: Mapping[str, DeadlineView]
    documents: tuple[DocumentView, ...]
    breaches: tuple[str, ...] = ()
    #: the receipt number (收件登记号); `case_number` is the 案号 once the case is accepted
    receipt_number: str | None = None

    def has_document(self, document_id: str) -> bool:
        return any(d.document_id == document_id for d in self.documents)


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """What `fire` did: the new stage, the event's sequence number and hash, the documents produced."""

    case_id: int
    seq: int
    action: str
    stage_before: str
    stage_after: str
    effective_on: dt.date
    version: int
    hash: str
    produced: tuple[str, ...] = ()
    clock_ops: tuple[Any, ...] = ()
    #: the number the case is known by after the event (the 案号 allotted by an acceptance)
    case_number: str = ""
    #: a query code issued by this event (acceptance, reissue), in plain: give it to the parties; never log it
    query_code: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ActionAvailability:
    action: str
    title: str
    allowed: bool
    refusal: EventNotAllowed | None = field(default=None)
