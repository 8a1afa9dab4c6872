"""What callers see of a case: the read views built from its rows.

Owns: `case_view` (the case row, its deadlines with their explanations, the documents on file without
their content, the deadlines ever breached: three prepared reads) and `event_view`. Split out of
engine.cases.writes. Stage in the flow: 6 (run); used by engine.cases.runtime.
May import: engine.cases.casefile, engine.cases.facts, engine.cases.state, engine.procedures.model, engine.store.tables, engine.store.prepared.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from engine.cases.casefile import CaseView, DeadlineView, DocumentView, EventView
from engine.cases.facts import decode_facts
from engine.cases.state import LoadedCase
from engine.procedures.model import Procedure
from engine.store.prepared import prepared_select
from engine.store.tables import (
    BreachRow,
    CaseRow,
    DeadlineRow,
    DocumentRow,
    EventRow,
)

_DEADLINES: sa.Table = DeadlineRow.__table__  # type: ignore[attr-defined]
_DOCUMENTS: sa.Table = DocumentRow.__table__  # type: ignore[attr-defined]
_BREACHES: sa.Table = BreachRow.__table__  # type: ignore[attr-defined]

_VIEW_DEADLINES = prepared_select(
    _DEADLINES,
    ["deadline_id", "title", "status", "due_on", "steps", "due_note", "statutory", "basis", "provisional"],
)
_VIEW_DOCUMENTS = prepared_select(
    _DOCUMENTS, ["document_id", "title", "kind", "version", "media_type", "sha256", "event_seq"]
)
_VIEW_BREACHES = prepared_select(_BREACHES, ["deadline_id", "withdrawn_on"], order_by=None, distinct=True)


def case_view(s: Session, case: LoadedCase | CaseRow, procedure: Procedure) -> CaseView:
    """The case as callers see it: its row, its deadlines, documents on file (without content) and the
    deadlines ever breached (three prepared reads)."""
    assert case.id is not None
    conn = s.connection()
    params = {"case_id": case.id}
    rows = _VIEW_DEADLINES.all(conn, params)
    docs = _VIEW_DOCUMENTS.all(conn, params)
    # a breach withdrawn when the calendar was completed (P5) is not a breach of the case
    breaches = sorted({r[0] for r in _VIEW_BREACHES.all(conn, params) if r[1] is None})
    return CaseView(
        id=case.id,
        case_number=case.case_number,
        institution_id=case.institution_id,
        region_code=case.region_code,
        procedure_id=case.procedure_id,
        procedure_version=case.procedure_version,
        procedure_hash=case.procedure_hash,
        stage=case.stage,
        stage_title=procedure.stages[case.stage].title if case.stage in procedure.stages else case.stage,
        facts=decode_facts(procedure, case.facts),
        version=case.version,
        opened_on=case.opened_on,
        accepted_on=case.accepted_on,
        closed_on=case.closed_on,
        closure=case.closure,
        channel=case.channel,
        deadlines={
            deadline_id: DeadlineView(
                deadline_id, title, status, due_on, tuple(steps or ()), due_note, statutory, basis, bool(prov)
            )
            for deadline_id, title, status, due_on, steps, due_note, statutory, basis, prov in rows
        },
        documents=tuple(DocumentView(*d) for d in docs),
        breaches=tuple(sorted(breaches)),
        receipt_number=case.receipt_number,
    )


def event_view(e: EventRow) -> EventView:
    return EventView(
        seq=e.seq,
        action=e.action,
        actor_id=e.actor_id,
        role=e.role,
        effective_on=e.effective_on,
        recorded_at=e.recorded_at,
        stage_before=e.stage_before,
        stage_after=e.stage_after,
        facts_changed=dict(e.facts_changed or {}),
        clock_ops=tuple(e.clock_ops or ()),
        documents=tuple(e.documents or ()),
        backdated=e.backdated,
        hash=e.hash,
        allotted=dict(e.allotted) if e.allotted else None,
        calendar_change=dict(e.calendar_change) if e.calendar_change else None,
    )
