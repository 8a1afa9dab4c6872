"""`zhongcai verify`: prove that the store is whole, case by case.

Owns: `verify_store(service) -> VerifyReport` and `verify_case`. For every case it checks that
- the event sequence is 1..n without gaps and the case version equals n;
- the case's stage equals the last event's `stage_after`, and every event starts where the previous ended;
- the hash chain verifies (each `prev_hash` is the previous event's hash; each hash matches its content);
- every event has exactly one monitoring record;
- every document belongs to an event of the case, each event's document list is exactly the documents
  filed with it, numbered 1, 2, ... per document in event order, and each sha256 matches its content;
- the deadline rows equal a replay of the clock operations recorded in the events (status, clock, due date).
A `calendar_update` event (engine.oversight.calendar_apply) verifies like any other: hashed with its
`calendar_change`, one monitoring record, no clock operations (the replay uses the current calendar).
It reads only; it never repairs. Works on SQLite and PostgreSQL alike.
Stage in the flow: operations (after a crash, a restore, a migration).
May import: engine.store.tables, engine.store.hashchain, engine.cases.clockwork, engine.cases.casefile, engine.cases.runtime (types).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from engine.cases.clockwork import apply_ops, calendar_for, row_values
from engine.cases.media_types import UNSTATED, UPLOAD_TYPES, signature_type
from engine.errors import ZhongcaiError
from engine.store.hashchain import check_chain, event_payload
from engine.store.tables import CaseRow, DeadlineRow, DocumentRow, EventRow, MonitoringRow

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService


@dataclass(frozen=True, slots=True)
class Finding:
    case_id: int
    case_number: str
    problem: str

    def __str__(self) -> str:
        return f"case {self.case_id} ({self.case_number}): {self.problem}"


@dataclass
class VerifyReport:
    cases: int = 0
    events: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _payload(e: EventRow) -> dict[str, Any]:
    return event_payload(
        case_id=e.case_id,
        seq=e.seq,
        action=e.action,
        actor_id=e.actor_id,
        role=e.role,
        effective_on=e.effective_on,
        recorded_at=e.recorded_at,
        stage_before=e.stage_before,
        stage_after=e.stage_after,
        facts_changed=e.facts_changed or {},
        clock_ops=e.clock_ops or [],
        documents=e.documents or [],
        backdated=e.backdated,
        allotted=e.allotted,
        calendar_change=e.calendar_change,
    )


def verify_case(service: CaseService, s: Session, case: CaseRow) -> list[str]:
    """The problems of one case (empty when it is whole)."""
    assert case.id is not None
    problems: list[str] = []
    events = list(
        s.exec(select(EventRow).where(EventRow.case_id == case.id).order_by(col(EventRow.seq))).all()
    )
    seqs = [e.seq for e in events]
    if seqs != list(range(1, len(events) + 1)):
        problems.append(f"event sequence has gaps or duplicates: {seqs}")
    if case.version != len(events):
        problems.append(f"case version {case.version} != number of events {len(events)}")
    if not events:
        problems.append("case has no events")
        return problems
    if case.stage != events[-1].stage_after:
        problems.append(
            f"stage '{case.stage}' != last event's target '{events[-1].stage_after}' (seq {events[-1].seq})"
        )
    for before, after in zip(events, events[1:], strict=False):
        if after.stage_before != before.stage_after:
            problems.append(
                f"event {after.seq} starts in '{after.stage_before}' but event {before.seq} ended in '{before.stage_after}'"
            )
    problems += check_chain((_payload(e), e.prev_hash, e.hash) for e in events)
    monitored = list(s.exec(select(MonitoringRow.event_seq).where(MonitoringRow.case_id == case.id)).all())
    missing = sorted(set(seqs) - set(monitored))
    extra = sorted(set(monitored) - set(seqs))
    if missing:
        problems.append(f"events without a monitoring record: {missing}")
    if extra or len(monitored) != len(set(monitored)):
        problems.append(f"monitoring records without an event or duplicated: {extra or monitored}")
    docs = s.exec(select(DocumentRow).where(DocumentRow.case_id == case.id)).all()
    filed = Counter((d.event_seq, d.document_id, d.version) for d in docs)
    listed: Counter[tuple[int, str, int]] = Counter()
    numbered: Counter[str] = Counter()
    for e in sorted(events, key=lambda e: e.seq):
        for d in e.documents or []:
            numbered[str(d)] += 1
            listed[(e.seq, str(d), numbered[str(d)])] += 1
    if filed != listed:  # the runtime numbers document versions from the events' lists (engine.cases.firing)
        problems.append(
            "documents on file differ from the documents the events list: "
            f"not listed {sorted((filed - listed).elements())}, not on file {sorted((listed - filed).elements())}"
        )
    for doc in docs:
        if doc.event_seq not in seqs:
            problems.append(
                f"document '{doc.document_id}' v{doc.version} belongs to no event (seq {doc.event_seq})"
            )
        if hashlib.sha256(doc.content).hexdigest() != doc.sha256:
            problems.append(f"document '{doc.document_id}' v{doc.version}: content does not match its sha256")
        problems += _media_type_problems(doc)
    problems += _replay_deadlines(service, s, case, events)
    return problems


def _media_type_problems(doc: DocumentRow) -> list[str]:
    """A submitted file must be stored with the media type checked at the door: a file with a known
    signature (PDF, JPEG, PNG, OFD) stored without its type is an interrupted upload of an older
    version, and a stated type must agree with the content."""
    if doc.kind != "submitted":
        return []
    found = signature_type(doc.content)
    shown = f"document '{doc.document_id}' v{doc.version}"
    if doc.media_type in ("", UNSTATED):
        if found is not None:
            return [f"{shown}: a {found} file stored without its media type (an interrupted upload)"]
        return []
    signatures = UPLOAD_TYPES.get(doc.media_type)
    if signatures is None:
        return [f"{shown}: media type {doc.media_type!r} is not one the upload accepts"]
    if signatures and found != doc.media_type:
        return [f"{shown}: stored as {doc.media_type} but its content is {found or 'of no known type'}"]
    return []


def _replay_deadlines(service: CaseService, s: Session, case: CaseRow, events: list[EventRow]) -> list[str]:
    try:
        procedure = service.versions.by_hash(s, case.procedure_id, case.procedure_hash)
    except ZhongcaiError as exc:
        return [f"cannot load its procedure version: {exc}"]
    calendar = calendar_for(procedure, case.region_code)
    clocks: dict[str, Any] = {}
    due_on: dict[str, Any] = {}
    for e in events:
        ops = e.clock_ops or []
        try:
            clocks = apply_ops(procedure, clocks, ops, e.effective_on, calendar)
        except ZhongcaiError as exc:
            return [f"event {e.seq}: its clock operations do not replay: {exc}"]
        for deadline_id in dict.fromkeys(op[0] for op in ops):
            v = row_values(procedure, deadline_id, clocks[deadline_id], calendar)
            if not (v["due_on"] is None and v["status"] == "stopped"):
                due_on[deadline_id] = v["due_on"]
    rows = {d.deadline_id: d for d in s.exec(select(DeadlineRow).where(DeadlineRow.case_id == case.id)).all()}
    problems: list[str] = []
    if set(rows) != set(clocks):
        problems.append(f"deadline rows {sorted(rows)} != replayed deadlines {sorted(clocks)}")
    for deadline_id in sorted(set(rows) & set(clocks)):
        row, clock = rows[deadline_id], clocks[deadline_id]
        if row.clock != clock.to_json():
            problems.append(f"deadline '{deadline_id}': stored clock differs from the replay of the events")
        if row.status != str(clock.status):
            problems.append(f"deadline '{deadline_id}': status '{row.status}' != replayed '{clock.status}'")
        if row.due_on != due_on.get(deadline_id):
            problems.append(
                f"deadline '{deadline_id}': due {row.due_on} != replayed {due_on.get(deadline_id)}"
            )
    return problems


def _case_ids(service: CaseService, batch: int) -> Iterator[list[int]]:
    last = 0
    while True:
        with service.db.read() as s:
            ids = [
                i
                for i in s.exec(
                    select(CaseRow.id).where(col(CaseRow.id) > last).order_by(col(CaseRow.id)).limit(batch)
                ).all()
                if i is not None
            ]
        if not ids:
            return
        yield ids
        last = ids[-1]


def verify_store(service: CaseService, batch: int = 200) -> VerifyReport:
    """Check every case of the database (in batches; memory does not grow with the number of cases)."""
    report = VerifyReport()
    for ids in _case_ids(service, batch):
        with service.db.read() as s:
            for case_id in ids:
                case = s.get(CaseRow, case_id)
                if case is None:
                    continue
                report.cases += 1
                report.events += case.version
                for problem in verify_case(service, s, case):
                    report.findings.append(Finding(case_id, case.case_number, problem))
            s.expunge_all()
    return report
