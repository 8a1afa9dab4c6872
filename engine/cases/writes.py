"""Writing a permitted action: the writing half of `fire`, inside the caller's transaction.

Owns: `commit_plan` (case row with the optimistic version check, then the documents, deadline rows,
the hash-chained event and the monitoring record), `insert_case`, `write_event`, the 案号 and query code
allotted on acceptance, and `monitoring_record` (the single call site of engine.monitoring.record). The
deadline rows are written by engine.cases.deadline_rows, the documents by engine.cases.papers, the read
views are in engine.cases.views.
Stage in the flow: 6 (run). Everything here runs in the transaction opened by engine.cases.runtime; an
exception anywhere rolls all of it back.
May import: engine.errors, engine.procedures.model, engine.store.tables, engine.cases.casefile, engine.cases.facts,
engine.store.hashchain, engine.cases.state, engine.cases.firing, engine.monitoring.record, engine.store.prepared,
engine.cases.deadline_rows and engine.cases.papers (the deadline rows and the documents of the action),
engine.cases.media_types (a submitted file is stored with its media type in the same transaction),
engine.cases.numbers and engine.cases.access (the 案号 and a fresh query code allotted on acceptance).
The hot statements (case update, event, monitoring record, documents, deadline rows) run as prepared
statements (engine.store.prepared: compiled once, executed on the transaction's DBAPI cursor).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from engine.cases import access
from engine.cases.access import hash_query_code, query_code_salt
from engine.cases.casefile import TransitionRecord
from engine.cases.deadline_rows import write_deadlines
from engine.cases.facts import encode_facts, encode_value
from engine.cases.firing import FirePlan
from engine.cases.media_types import UNSTATED, Upload
from engine.cases.numbers import ACCEPT_ACTION, allocate_case_number
from engine.cases.papers import action_snapshot, document_row, render_document
from engine.cases.state import LoadedCase
from engine.errors import CaseConflict, StoreInconsistent
from engine.procedures.model import Procedure
from engine.store.columns import utc_now
from engine.store.hashchain import GENESIS, event_hash, event_payload
from engine.store.prepared import prepared_insert, prepared_update
from engine.store.tables import (
    CaseRow,
    DocumentRow,
    EventRow,
    InstitutionRow,
    MonitoringRow,
)

__all__ = ["commit_plan", "insert_case", "write_event"]

_CASES: sa.Table = CaseRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_MONITORING: sa.Table = MonitoringRow.__table__  # type: ignore[attr-defined]
_DOCUMENTS: sa.Table = DocumentRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as just written (the row's values): what the monitoring record and the caller read."""

    case_id: int
    seq: int
    action: str
    actor_id: str
    role: str
    effective_on: dt.date
    recorded_at: dt.datetime
    backdated: bool
    stage_before: str | None
    stage_after: str
    facts_changed: dict[str, Any]
    clock_ops: list[Any]
    documents: list[Any]
    prev_hash: str
    hash: str
    allotted: dict[str, Any] | None = None
    calendar_change: dict[str, Any] | None = None


def jsonable(data: Any) -> Any:
    """Data with Decimals and dates turned into JSON strings."""
    return encode_value(data)


def insert_case(
    s: Session,
    procedure: Procedure,
    institution: InstitutionRow,
    number: str,
    facts: Mapping[str, Any],
    at: dt.date,
    channel: str,
    *,
    receipt_number: str | None = None,
    query_code_hash: str | None = None,
) -> LoadedCase:
    """Insert the case row of a case being opened (stage: the procedure's initial stage, version 1).
    `number` is the number the case is known by: its receipt number, or its 案号 for a procedure
    without an acceptance."""
    case = LoadedCase(
        id=0,
        case_number=number,
        institution_id=institution.id,
        region_code=institution.region_code,
        procedure_id=procedure.id,
        procedure_version=procedure.version,
        procedure_hash=procedure.content_hash,
        stage=procedure.initial_stage,
        returns_to=None,
        facts=encode_facts(facts),
        version=1,
        opened_on=at,
        accepted_on=None,
        closed_on=None,
        closure=None,
        channel=channel,
        receipt_number=receipt_number,
        updated_at=utc_now(),
    )
    values = {name: getattr(case, name) for name in _NEW_CASE_COLUMNS}
    found = prepared_insert(
        _CASES, (*_NEW_CASE_COLUMNS, "created_at", "query_code_hash"), returning=("id",)
    ).first(s.connection(), {**values, "created_at": case.updated_at, "query_code_hash": query_code_hash})
    assert found is not None
    case.id = int(found[0])
    return case


#: the case_file columns a LoadedCase holds (commit_plan also writes `query_code_hash`, which it does not)
_ROW_FIELDS = frozenset(f.name for f in fields(LoadedCase))
#: the columns an opening writes (the others start empty)
_NEW_CASE_COLUMNS = (
    "case_number",
    "institution_id",
    "region_code",
    "procedure_id",
    "procedure_version",
    "procedure_hash",
    "stage",
    "facts",
    "version",
    "opened_on",
    "channel",
    "receipt_number",
    "updated_at",
)


def monitoring_record(
    s: Session, case: LoadedCase, event: RecordedEvent, procedure: Procedure
) -> dict[str, Any]:
    """The monitoring record of one event (engine.monitoring.record) as its row's column values (all but `id`),
    for a Core insert. The single call site."""
    from engine.monitoring.record import record_values

    return record_values(case, event, session=s, procedure=procedure)


def write_event(
    s: Session,
    plan: FirePlan,
    *,
    seq: int,
    prev_hash: str | None,
    recorded_at: dt.datetime,
    stage_before: str | None,
) -> RecordedEvent:
    """Deadline rows, documents, the event and its monitoring record for `plan` (case row already updated)."""
    state = plan.state
    conn = s.connection()
    case, proc = state.case, state.procedure
    computed = write_deadlines(s, plan, seq)
    versions = dict(state.versions) if plan.attached or plan.produced else {}
    documents = [
        document_row(
            proc,
            state.case_id,
            doc_id,
            bytes(content),
            content.media_type if isinstance(content, Upload) else UNSTATED,
            seq,
            versions,
        )
        for doc_id, content in plan.attached.items()
    ]
    if plan.produced:
        snapshot = action_snapshot(s, plan, computed)
        for doc_id in plan.produced:
            content, media, _ = render_document(proc, doc_id, snapshot)
            documents.append(document_row(proc, state.case_id, doc_id, content, media, seq, versions))
    if documents:  # one executemany for all of them
        prepared_insert(_DOCUMENTS, tuple(documents[0])).run_many(conn, documents)
    payload = event_payload(
        case_id=state.case_id,
        seq=seq,
        action=plan.action,
        actor_id=plan.actor.user_id,
        role=plan.actor.role,
        effective_on=plan.at,
        recorded_at=recorded_at,
        stage_before=stage_before,
        stage_after=plan.stage_after,
        facts_changed=encode_facts(plan.facts_changed),
        clock_ops=plan.ops,
        documents=[*plan.attached, *plan.produced],
        backdated=plan.backdated,
        allotted=plan.allotted,
    )
    prev = prev_hash or GENESIS
    row = {**payload, "prev_hash": prev, "hash": event_hash(payload, prev)}
    prepared_insert(_EVENTS, tuple(row)).run(conn, row)
    event = RecordedEvent(**row)
    record = monitoring_record(s, case, event, proc)
    prepared_insert(_MONITORING, tuple(record)).run(conn, record)
    return event


def commit_plan(
    s: Session,
    plan: FirePlan,
    recorded_at: dt.datetime,
    *,
    extra: Mapping[str, Any] | None = None,
    query_codes: Callable[[str], str] | None = None,
) -> TransitionRecord:
    """Write `plan`: the case row first (UPDATE ... WHERE version = read version; 0 rows -> CaseConflict),
    then everything else. `extra`: further case_file columns to set (a new query code's hash). Runs
    inside the caller's transaction."""
    state = plan.state
    case, proc = state.case, state.procedure
    read_version, stage_before = case.version, case.stage
    facts = {**state.facts, **plan.facts_changed}
    values: dict[str, Any] = {"version": read_version + 1, "updated_at": recorded_at, **(extra or {})}
    if plan.stage_after != stage_before:
        values.update(stage=plan.stage_after, returns_to=stage_before)
    if plan.facts_changed:
        values["facts"] = encode_facts(facts)
    target = proc.stages[plan.stage_after]
    if plan.action == ACCEPT_ACTION and case.accepted_on is None:
        values["accepted_on"] = plan.at
        values.update(_allot_on_acceptance(s, plan, query_codes))
    if target.final and plan.stage_after != stage_before:
        values.update(closed_on=plan.at, closure=target.closure)
    changed = prepared_update(_CASES, tuple(values)).run(
        s.connection(), {**values, "row_id": state.case_id, "read_version": read_version}
    )
    if changed != 1:
        raise CaseConflict(state.case_id, read_version, None)
    prev = state.last_hash
    for key, value in values.items():
        if key in _ROW_FIELDS:
            setattr(case, key, value)
    try:
        event = write_event(
            s, plan, seq=read_version + 1, prev_hash=prev, recorded_at=recorded_at, stage_before=stage_before
        )
    except sa.exc.IntegrityError as exc:
        if "case_document" in str(exc.orig):  # a version number taken by a document no event lists
            raise StoreInconsistent(
                state.case_id,
                "a document on file is not listed by the case's events, so the next version number is taken",
            ) from exc
        raise CaseConflict(state.case_id, read_version, None) from exc
    return TransitionRecord(
        case_id=state.case_id,
        seq=event.seq,
        action=plan.action,
        stage_before=stage_before,
        stage_after=plan.stage_after,
        effective_on=plan.at,
        version=read_version + 1,
        hash=event.hash,
        produced=plan.produced,
        clock_ops=tuple(plan.ops),
        case_number=case.case_number,
        query_code=plan.query_code,
    )


def _allot_on_acceptance(
    s: Session, plan: FirePlan, query_codes: Callable[[str], str] | None
) -> dict[str, Any]:
    """立案: the case's 案号, in the year of the acceptance's effective date, unless it already has one
    (a case opened before receipt numbers, whose 案号 came on receipt), and a fresh query code (only its
    hash is stored, so the code printed on the acceptance notice must be a new one). Sets what the event
    records (`plan.allotted`: the number, never the code) and the code for the notice (`plan.query_code`);
    returns the case row's new values. Inside the accepting transaction: a rollback gives the number back."""
    case = plan.state.case
    values: dict[str, Any] = {}
    allotted: dict[str, Any] = {}
    number = case.case_number
    if case.receipt_number is not None and case.case_number == case.receipt_number:
        inst = s.get(InstitutionRow, case.institution_id)
        if inst is None:
            raise StoreInconsistent(case.id, f"the case's institution '{case.institution_id}' is missing")
        number = allocate_case_number(s, inst, plan.at.year, plan.state.procedure.case_number)
        values["case_number"] = number
        allotted["case_number"] = number
    salt = query_code_salt(number, case.receipt_number)
    code = query_codes(salt) if query_codes is not None else access.new_query_code()
    values["query_code_hash"] = hash_query_code(salt, code)
    allotted["query_code"] = "issued"
    plan.allotted = allotted
    plan.query_code = code
    return values
