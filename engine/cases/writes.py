"""Writing a permitted action: the writing half of `fire`, inside the caller's transaction.

Owns: `commit_plan` (case row with the optimistic version check, documents attached and produced,
deadline rows, the hash-chained event, the monitoring record), `insert_case`, `write_event`,
`submitted` (documents given by a caller, checked against the procedure), `render_document` and
`monitoring_record` (the single call sites of engine.documents.render and engine.monitoring.record). The read views
are in engine.cases.views.
Stage in the flow: 6 (run). Everything here runs in the transaction opened by engine.cases.runtime; an
exception anywhere rolls all of it back.
May import: engine.errors, engine.procedures.model, engine.store.tables, engine.cases.casefile, engine.cases.clockwork,
engine.store.hashchain, engine.cases.state, engine.cases.firing, engine.documents.render, engine.monitoring.record, engine.documents.context, engine.store.prepared,
engine.cases.media_types (a submitted file is stored with its media type in the same transaction),
engine.cases.numbers and engine.cases.access (the 案号 and a fresh query code allotted on acceptance).
The hot statements (case update, event, monitoring record, documents, deadline rows) run as prepared
statements (engine.store.prepared: compiled once, executed on the transaction's DBAPI cursor).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from engine.cases import access
from engine.cases.access import hash_query_code, query_code_salt
from engine.cases.casefile import (
    TransitionRecord,
    encode_facts,
    encode_value,
)
from engine.cases.clockwork import row_values
from engine.cases.firing import ATTACH, FirePlan
from engine.cases.media_types import UNSTATED, Upload
from engine.cases.numbers import ACCEPT_ACTION, allocate_case_number
from engine.cases.state import CaseRow, DeadlineRow
from engine.documents.context import CaseSnapshot, InstitutionInfo
from engine.errors import BadInput, CaseConflict, DocumentFailed, EventNotAllowed, StoreInconsistent
from engine.procedures.model import Procedure
from engine.store.hashchain import GENESIS, event_hash, event_payload
from engine.store.prepared import prepared_insert, prepared_update
from engine.store.tables import (
    Breach,
    CaseDocument,
    CaseEvent,
    CaseFile,
    Deadline,
    Institution,
    MonitoringRecord,
    utc_now,
)

__all__ = ["ATTACH", "commit_plan", "insert_case", "write_event", "submitted"]

_CASES: sa.Table = CaseFile.__table__  # type: ignore[attr-defined]
_BREACHES: sa.Table = Breach.__table__  # type: ignore[attr-defined]
_DEADLINES: sa.Table = Deadline.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = CaseEvent.__table__  # type: ignore[attr-defined]
_MONITORING: sa.Table = MonitoringRecord.__table__  # type: ignore[attr-defined]
_DOCUMENTS: sa.Table = CaseDocument.__table__  # type: ignore[attr-defined]
#: statements built once: the parameters change, the statement (and its compiled form) does not
_DEADLINE_COLUMNS = (
    "status",
    "due_on",
    "warn_on",
    "steps",
    "due_note",
    "clock",
    "calendar_version",
    "provisional",
    "updated_seq",
)
_UPDATE_DEADLINE = prepared_update(_DEADLINES, (*_DEADLINE_COLUMNS,))


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


def jsonable(data: Any) -> Any:
    """Data with Decimals and dates turned into JSON strings."""
    return encode_value(data)


def submitted(
    procedure: Procedure, documents: Sequence[str] | Mapping[str, bytes] | None, at: dt.date
) -> dict[str, bytes]:
    """Documents a caller files: declared `submitted` documents only; a bare id gets a receipt note."""
    if not documents:
        return {}
    items: dict[str, bytes] = {}
    given = documents.items() if isinstance(documents, Mapping) else ((d, None) for d in documents)
    for doc_id, content in given:
        doc = procedure.documents.get(doc_id)
        if doc is None:
            known = ", ".join(d.id for d in procedure.documents.values() if d.kind == "submitted")
            raise BadInput(
                f"程序中没有文书 '{doc_id}' (unknown document '{doc_id}'; submitted documents: {known})",
                doc_id,
            )
        if doc.kind != "submitted":
            raise BadInput(
                f"“{doc.title}”由系统生成，不能提交 (document '{doc_id}' is generated by an action, not submitted)",
                doc_id,
            )
        if content is None:
            content = f"{doc.title}：已于 {at.isoformat()} 收到 (received {at.isoformat()})".encode()
        if not isinstance(content, (bytes, bytearray)):
            raise BadInput(f"文书 '{doc_id}' 的内容应为字节 (document content must be bytes)", doc_id)
        items[doc_id] = content if isinstance(content, Upload) else bytes(content)
    return items


def insert_case(
    s: Session,
    procedure: Procedure,
    institution: Institution,
    number: str,
    facts: Mapping[str, Any],
    at: dt.date,
    channel: str,
    *,
    receipt_number: str | None = None,
    query_code_hash: str | None = None,
) -> CaseRow:
    """Insert the case row of a case being opened (stage: the procedure's initial stage, version 1).
    `number` is the number the case is known by: its receipt number, or its 案号 for a procedure
    without an acceptance."""
    case = CaseRow(
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


#: the case_file columns a CaseRow holds (commit_plan also writes `query_code_hash`, which it does not)
_ROW_FIELDS = frozenset(f.name for f in fields(CaseRow))
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


@dataclass(frozen=True, slots=True)
class _Due:
    """engine.dates.clocks.Due's shape, from a deadline row (what document templates read)."""

    date: dt.date | None
    status: str
    steps: tuple[str, ...] = ()
    provisional: bool = False


def render_document(procedure: Procedure, document_id: str, snapshot: CaseSnapshot) -> tuple[bytes, str, str]:
    """(content, media type, sha256) of a generated document. The single call site of the renderer."""
    from engine.documents.render import DocumentError, MissingDocumentData, render_for_case

    doc = procedure.documents[document_id]
    try:
        rendered = render_for_case(procedure, document_id, snapshot)
    except MissingDocumentData as exc:
        raise EventNotAllowed(
            "facts",
            f"生成“{doc.title}”缺少数据：{exc}",
            details={"document": document_id},
        ) from None
    except DocumentError as exc:  # a template defect (syntax, sandbox, a misused value): not the user's
        raise DocumentFailed(document_id, doc.title, exc.template or doc.template, str(exc)) from exc
    content = (
        rendered.content.encode("utf-8") if isinstance(rendered.content, str) else bytes(rendered.content)
    )
    return content, rendered.media_type, hashlib.sha256(content).hexdigest()


def monitoring_record(
    s: Session, case: CaseRow, event: RecordedEvent, procedure: Procedure
) -> dict[str, Any]:
    """The monitoring record of one event (engine.monitoring.record) as its row's column values (all but `id`),
    for a Core insert. The single call site."""
    from engine.monitoring.record import record_values

    return record_values(case, event, session=s, procedure=procedure)


def _document_row(
    procedure: Procedure,
    case_id: int,
    doc_id: str,
    content: bytes,
    media: str,
    seq: int,
    versions: dict[str, int],
) -> dict[str, Any]:
    """The row of one document stored as the next version of `doc_id`; `versions` ({document id:
    highest stored version}, read once per action) is bumped in place."""
    doc = procedure.documents[doc_id]
    version = versions.get(doc_id, 0) + 1
    versions[doc_id] = version
    return {
        "case_id": case_id,
        "document_id": doc_id,
        "title": doc.title,
        "kind": doc.kind,
        "version": version,
        "media_type": media,
        "content": content,
        "sha256": hashlib.sha256(content).hexdigest(),
        "event_seq": seq,
        "created_at": utc_now(),
    }


def _write_deadlines(s: Session, plan: FirePlan, seq: int) -> dict[str, _Due]:
    """Insert or update the rows of the clocks the action operated; returns their due dates as computed
    (what the documents of this action show)."""
    state, proc = plan.state, plan.state.procedure
    conn = s.connection()
    touched = dict.fromkeys(op[0] for op in plan.ops)
    new_rows: list[dict[str, Any]] = []
    computed: dict[str, _Due] = {}
    for deadline_id in touched:
        clock = plan.clocks[deadline_id]
        row = state.rows.get(deadline_id)
        if row is not None and row.status == "running" and row.due_on is not None and row.due_on < plan.at:
            _record_late(s, plan, row)
        values = row_values(proc, deadline_id, clock, plan.calendar)
        computed[deadline_id] = _Due(
            values["due_on"], values["status"], tuple(values["steps"]), values["provisional"]
        )
        if values["due_on"] is None and values["status"] == "stopped" and row is not None:
            values["due_on"] = row.due_on  # a stopped clock keeps the due date it had (the audit reads it)
        if row is None:
            d = proc.deadlines[deadline_id]
            new_rows.append(
                {
                    "case_id": state.case_id,
                    "deadline_id": deadline_id,
                    "title": d.title,
                    "institution_id": state.case.institution_id,
                    "statutory": d.statutory,
                    "basis": d.basis,
                    "on_expiry": d.on_expiry,
                    "responsible": d.responsible,
                    "updated_seq": seq,
                    **values,
                }
            )
        else:
            _UPDATE_DEADLINE.run(conn, {"row_id": row.id, "updated_seq": seq, **values})
    if new_rows:  # the new clocks' rows in one executemany, in the order the ops touched them
        prepared_insert(_DEADLINES, tuple(new_rows[0])).run_many(conn, new_rows)
    return computed


def _record_late(s: Session, plan: FirePlan, row: DeadlineRow) -> None:
    """A duty done (or a clock stopped) after its due date is a breach, recorded with the event, so the
    breach records agree with the audit even when no scan ran in between (DESIGN.md section 2, step 7)."""
    spec = plan.state.procedure.deadlines.get(row.deadline_id)
    if spec is None or spec.lapses or spec.on_expiry is not None or row.due_on is None:
        return
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    s.execute(
        insert(_BREACHES)
        .values(
            case_id=row.case_id,
            deadline_id=row.deadline_id,
            due_on=row.due_on,
            detected_on=plan.at,
            institution_id=row.institution_id,
            responsible=row.responsible,
            recorded_at=utc_now(),
            provisional=row.provisional,
        )
        .on_conflict_do_nothing()
    )


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
    computed = _write_deadlines(s, plan, seq)
    versions = dict(state.versions) if plan.attached or plan.produced else {}
    documents = [
        _document_row(
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
        snapshot = _snapshot(s, plan, computed)
        for doc_id in plan.produced:
            content, media, _ = render_document(proc, doc_id, snapshot)
            documents.append(_document_row(proc, state.case_id, doc_id, content, media, seq, versions))
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
        inst = s.get(Institution, case.institution_id)
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


def _stored_due(row: DeadlineRow | None, clock: Any, stored_clock: Any, version: str | None) -> _Due | None:
    """The due date a deadline row holds, if it still holds for `clock`: the clock unchanged since the
    row was written, computed on calendar `version`, nothing missing (no `due_note`), and not a clock
    stopped during a pause (its row keeps the due date it had before, see `_write_deadlines`)."""
    if row is None or row.due_note is not None or row.calendar_version != version or stored_clock != clock:
        return None
    if clock.status == "stopped" and clock.pauses and clock.pauses[-1][1] is None:
        return None  # stopped while paused: its row keeps the earlier due date, a recomputation has none
    return _Due(row.due_on, row.status, tuple(row.steps or ()), row.provisional)


def _snapshot(s: Session, plan: FirePlan, computed: Mapping[str, _Due]) -> CaseSnapshot:
    """What the documents of this action are rendered from. Due dates: as just computed for the clocks
    the action operated; as stored for the others when their row was computed on this calendar version
    and says nothing is missing (an unchanged clock on the same calendar has the same due date), else
    computed again (e.g. a year added to the calendar since)."""
    state = plan.state
    case, proc = state.case, state.procedure
    inst = state.institution or s.get(Institution, case.institution_id)
    version = str(getattr(plan.calendar, "version", "")) or None
    dues: dict[str, _Due] = {}
    for deadline_id, clock in plan.clocks.items():
        row = state.rows.get(deadline_id)
        found = computed.get(deadline_id) or _stored_due(row, clock, state.clocks.get(deadline_id), version)
        if found is None:
            v = row_values(proc, deadline_id, clock, plan.calendar)
            found = _Due(v["due_on"], v["status"], tuple(v["steps"]), v["provisional"])
        dues[deadline_id] = found
    facts = {**state.facts, **plan.facts_changed}
    return CaseSnapshot(
        case_id=state.case_id,
        case_number=case.case_number,
        receipt_number=case.receipt_number,
        query_code=plan.query_code,
        institution=InstitutionInfo(
            id=case.institution_id,
            name=inst.name if inst else case.institution_id,
            region_code=case.region_code,
            abbr=(inst.case_number_prefix or "") if inst else "",
        ),
        procedure=proc,
        stage=plan.stage_after,
        facts=facts,
        at=plan.at,
        deadlines=dues,
        history=(*state.history, (plan.action, plan.at)),
        documents=tuple(sorted(state.documents | set(plan.attached) | set(plan.produced))),
    )
