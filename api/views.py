"""Turn the runtime's views into the API's response models (and hide the internal file from parties).

Owns: `case_out`, `progress_out`, `deadline_out`, `document_out`, `event_out`, `transition_out`,
`procedure_of`. Pure conversions; no access decisions except "which documents are internal".
May import: engine, api.schemas.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from api.schemas import (
    CaseOut,
    DeadlineOut,
    DocumentOut,
    EventOut,
    ProgressEventOut,
    ProgressOut,
    TransitionOut,
)

if TYPE_CHECKING:
    from api.deps import AppState
    from engine.procedures.model import Procedure


def jsonable(value: Any) -> Any:
    """Facts as JSON (decimals and dates as strings)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def procedure_of(st: AppState, procedure_id: str, procedure_hash: str | None = None) -> Procedure:
    """The compiled procedure a case runs under (its pinned snapshot, else the library's version)."""
    if procedure_hash:
        try:
            return st.service.versions.for_hash(procedure_hash)
        except Exception:
            pass
    return st.library.get(procedure_id)


def internal_documents(procedure: Any) -> set[str]:
    return {d.id for d in procedure.documents.values() if getattr(d, "internal", False)}


def deadline_out(d: Any) -> DeadlineOut:
    return DeadlineOut(
        deadline_id=d.deadline_id,
        title=d.title,
        status=d.status,
        due_on=d.due_on,
        shown=d.shown() if hasattr(d, "shown") else str(d.due_on or d.status),
        steps=[str(s) for s in d.steps],
        note=d.note,
        statutory=d.statutory,
        basis=d.basis,
        provisional=bool(getattr(d, "provisional", False)),
    )


def document_out(d: Any, internal: set[str]) -> DocumentOut:
    return DocumentOut(
        document_id=d.document_id,
        title=d.title,
        kind=d.kind,
        version=d.version,
        media_type=d.media_type,
        sha256=d.sha256,
        event_seq=d.event_seq,
        internal=d.document_id in internal,
    )


def case_out(view: Any, procedure: Any) -> CaseOut:
    internal = internal_documents(procedure)
    return CaseOut(
        id=view.id,
        case_number=view.case_number,
        institution_id=view.institution_id,
        region_code=view.region_code,
        procedure_id=view.procedure_id,
        procedure_version=view.procedure_version,
        stage=view.stage,
        stage_title=view.stage_title,
        facts=jsonable(dict(view.facts)),
        version=view.version,
        opened_on=view.opened_on,
        accepted_on=view.accepted_on,
        closed_on=view.closed_on,
        closure=view.closure,
        channel=view.channel,
        deadlines=[deadline_out(d) for d in view.deadlines.values()],
        documents=[document_out(d, internal) for d in view.documents],
        breaches=list(view.breaches),
        receipt_number=view.receipt_number,
    )


def progress_out(view: Any, procedure: Any, events: list[Any]) -> ProgressOut:
    """The party's view: no facts, no internal documents, no staff names, no internal events."""
    internal = internal_documents(procedure)
    shown_events = []
    for ev in events:
        action = procedure.actions.get(ev.action)
        if action is None and ev.action != "open":
            continue  # attachments and system bookkeeping are not progress
        docs = set(getattr(ev, "documents", ()) or ())
        if docs and docs <= internal and ev.stage_before == ev.stage_after:
            continue
        title = action.title if action is not None else "立案登记 (case registered)"
        shown_events.append(
            ProgressEventOut(on=ev.effective_on, action=ev.action, title=title, stage_after=ev.stage_after)
        )
    return ProgressOut(
        case_number=view.case_number,
        stage=view.stage,
        stage_title=view.stage_title,
        opened_on=view.opened_on,
        accepted_on=view.accepted_on,
        closed_on=view.closed_on,
        closure=view.closure,
        deadlines=[deadline_out(d) for d in view.deadlines.values()],
        documents=[document_out(d, internal) for d in view.documents if d.document_id not in internal],
        events=shown_events,
    )


def event_out(ev: Any) -> EventOut:
    recorded = ev.recorded_at
    if isinstance(recorded, dt.datetime) and recorded.tzinfo is None:
        recorded = recorded.replace(tzinfo=dt.UTC)
    return EventOut(
        seq=ev.seq,
        action=ev.action,
        actor_id=ev.actor_id,
        role=ev.role,
        effective_on=ev.effective_on,
        recorded_at=recorded,
        stage_before=ev.stage_before,
        stage_after=ev.stage_after,
        facts_changed=jsonable(dict(ev.facts_changed or {})),
        documents=[str(d) for d in (ev.documents or ())],
        backdated=bool(ev.backdated),
        hash=ev.hash,
        allotted=dict(ev.allotted) if getattr(ev, "allotted", None) else None,
    )


def transition_out(rec: Any) -> TransitionOut:
    return TransitionOut(
        case_id=rec.case_id,
        seq=rec.seq,
        action=rec.action,
        stage_before=rec.stage_before,
        stage_after=rec.stage_after,
        effective_on=rec.effective_on,
        version=rec.version,
        hash=rec.hash,
        produced=list(rec.produced),
        case_number=rec.case_number,
        query_code=rec.query_code,
    )
