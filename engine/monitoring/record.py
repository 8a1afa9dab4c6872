"""The monitoring record (监测记录) written with every event, in the event's own transaction.

Owns: `build_record(case, event, ...)` (and `record_values`, the same row as a dict; both read a
case and an event through the `CaseLike` / `EventLike` protocols), which codes one event of one case into a `MonitoringRow`
row: who, where, which procedure, from and to which stage, the statistical milestone the event is
(`received`, `accepted`, `closed`, `ended` = closed without being accepted, or none), the closure
method (awards told apart as final or not), whether a closure came on time, the coded case data
(dispute type, industry, workers, collective, amounts, channel, source, outcome) and the risk
warnings it raises at once. The indicators (engine.monitoring.indicators), the data checks (engine.monitoring.datachecks),
the risk report (engine.monitoring.risk) and the national export (engine.monitoring.export) read these rows only.

Place in the flow: step 6 (run). engine.cases.runtime calls it after it has updated the case row (stage,
facts, accepted_on, closed_on, closure) and created the event row, then adds the result to the same
session, so the record is committed or rolled back with the transition:

    session.add(build_record(case_row, event_row, session=session, procedure=proc))

What counts as which milestone is data: the `recording:` section of codes/indicators.yaml (whose
`not_disputes:` names the procedures that are not labour disputes: their records are no milestone).
May import: engine.errors, engine.procedures.model, engine.store.tables, engine.monitoring.config, engine.monitoring.risk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import object_session

from engine.monitoring.config import RecordingSpec, recording_spec
from engine.monitoring.risk import RiskSpec, immediate_flags, risk_spec
from engine.procedures.model import Procedure
from engine.store.tables import BreachRow, CaseRow, DeadlineRow, EventRow, MonitoringRow

MILESTONES = ("received", "accepted", "closed", "ended")


class CaseLike(Protocol):
    """What a record reads of a case: a `CaseRow` row, or the runtime's `engine.cases.firing.LoadedCase`."""

    @property
    def id(self) -> int | None: ...
    @property
    def facts(self) -> dict[str, Any]: ...
    @property
    def institution_id(self) -> str: ...
    @property
    def region_code(self) -> str: ...
    @property
    def procedure_id(self) -> str: ...
    @property
    def procedure_version(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def accepted_on(self) -> dt.date | None: ...
    @property
    def closed_on(self) -> dt.date | None: ...
    @property
    def closure(self) -> str | None: ...


class EventLike(Protocol):
    """What a record reads of an event: a `EventRow` row, or the runtime's `engine.cases.writes.RecordedEvent`."""

    @property
    def seq(self) -> int: ...
    @property
    def action(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def stage_before(self) -> str | None: ...
    @property
    def stage_after(self) -> str: ...
    @property
    def effective_on(self) -> dt.date: ...
    @property
    def recorded_at(self) -> dt.datetime: ...
    @property
    def backdated(self) -> bool: ...
    @property
    def facts_changed(self) -> dict[str, Any]: ...
    @property
    def documents(self) -> list[Any]: ...


def build_record(
    case: CaseRow,
    event: EventRow,
    *,
    session: OrmSession | None = None,
    procedure: Procedure | None = None,
    spec: RecordingSpec | None = None,
    risk: RiskSpec | None = None,
) -> MonitoringRow:
    """The monitoring record of `event` (already applied to `case`).

    `session` (by default the event's own session) lets the record say whether a closure came on
    time (breach and deadline rows of the case); without one `on_time` stays unknown. `procedure` tells final stages and their closure
    codes; without it the case row's `closure` and `closed_on` are used.
    """
    return MonitoringRow(
        **record_values(case, event, session=session, procedure=procedure, spec=spec, risk=risk)
    )


def record_values(
    case: CaseLike,
    event: EventLike,
    *,
    session: OrmSession | None = None,
    procedure: Procedure | None = None,
    spec: RecordingSpec | None = None,
    risk: RiskSpec | None = None,
) -> dict[str, Any]:
    """The columns of `build_record`'s row (every one but `id`) as a plain dict, for a Core
    `insert(MonitoringRow.__table__)`: the same values without building an ORM object."""
    if case.id is None:
        raise ValueError("build_record needs a stored case (flush the session so the case has an id)")
    spec = spec or recording_spec()
    risk = risk or risk_spec()
    facts: Mapping[str, Any] = case.facts or {}
    f = spec.facts
    workers = _int(facts.get(f.workers), default=1)
    claim = _money(facts.get(f.claim_amount))
    collective = bool(facts.get(f.collective)) or workers >= spec.collective_min_workers
    milestone, closure = _milestone(case, event, procedure, spec)
    on_time = None
    if session is None and isinstance(event, EventRow):
        session = object_session(event)
    if milestone == "closed" and session is not None:
        on_time = _closed_on_time(session, case.id, event, spec)
    flags: list[str] = []
    changed = set((event.facts_changed or {}).keys())
    if milestone == "received" or changed & {f.workers, f.claim_amount, f.collective}:
        flags = immediate_flags(workers, claim, collective, risk)
    return dict(
        case_id=case.id,
        event_seq=event.seq,
        institution_id=case.institution_id,
        region_code=case.region_code,
        procedure_id=case.procedure_id,
        procedure_version=case.procedure_version,
        action=event.action,
        role=event.role,
        stage_before=event.stage_before,
        stage_after=event.stage_after,
        closure=closure,
        effective_on=event.effective_on,
        recorded_at=event.recorded_at,
        backdated=event.backdated,
        dispute_type=_code(facts.get(f.dispute_type)),
        collective=collective,
        workers=workers,
        claim_amount=claim,
        awarded_amount=_money(facts.get(f.awarded_amount)),
        channel=case.channel,
        milestone=milestone,
        accepted_on=case.accepted_on,
        industry=_code(facts.get(f.industry)),
        case_source=_code(facts.get(f.case_source)),
        outcome=_code(facts.get(f.outcome)),
        on_time=on_time,
        risk_flags=",".join(flags) or None,
    )


def _milestone(
    case: CaseLike, event: EventLike, procedure: Procedure | None, spec: RecordingSpec
) -> tuple[str | None, str | None]:
    before, after = event.stage_before, event.stage_after
    if case.procedure_id in spec.not_disputes:
        return None, None  # not a labour dispute: no milestone, no closure method
    if before is None or event.action in spec.open_actions:
        return "received", None
    if before == after:
        return None, None
    if before in spec.accept_from and after in spec.accept_to:
        return "accepted", None
    if after in spec.decision_stages:
        code = spec.decision_stages[after]
        if code == "award":
            code = _award_kind(case, event, spec)
        return ("closed" if case.accepted_on is not None else "ended"), code
    final, closure = _final_stage(case, after, procedure)
    if not final:
        return None, None
    if before in spec.decision_stages:  # counted when the decision was made (e.g. the award date)
        return None, closure
    return ("closed" if case.accepted_on is not None else "ended"), closure


def _final_stage(case: CaseLike, stage: str, procedure: Procedure | None) -> tuple[bool, str | None]:
    if procedure is not None and stage in procedure.stages:
        s = procedure.stages[stage]
        return s.final, s.closure
    return (case.stage == stage and case.closed_on is not None), case.closure


def _award_kind(case: CaseLike, event: EventLike, spec: RecordingSpec) -> str:
    fa = spec.final_award
    facts = case.facts or {}
    values = [facts.get(name) for name in fa.facts if facts.get(name) is not None]
    if any(v is True for v in values):
        return fa.final
    produced = set(_document_ids(event.documents or []))
    if produced & set(fa.documents):
        return fa.final
    if values or produced & set(fa.nonfinal_documents):
        return fa.nonfinal
    return "award"  # the procedure does not say: counted as an award of unknown kind


def _document_ids(docs: Iterable[Any]) -> list[str]:
    out = []
    for d in docs:
        if isinstance(d, str):
            out.append(d)
        elif isinstance(d, Mapping):
            out.append(str(d.get("document_id") or d.get("id") or ""))
        elif isinstance(d, (list, tuple)) and d:
            out.append(str(d[0]))
    return out


def _closed_on_time(session: OrmSession, case_id: int, event: EventLike, spec: RecordingSpec) -> bool:
    ids = list(spec.on_time_deadlines)
    if not ids:
        return True
    b = BreachRow.__table__  # type: ignore[attr-defined]
    d = DeadlineRow.__table__  # type: ignore[attr-defined]
    breached = (
        sa.select(sa.func.count())
        .select_from(b)
        .where(b.c.case_id == case_id, b.c.deadline_id.in_(ids), b.c.withdrawn_on.is_(None))
        .scalar_subquery()
    )
    late = (
        sa.select(sa.func.count())
        .select_from(d)
        .where(
            d.c.case_id == case_id,
            d.c.deadline_id.in_(ids),
            d.c.due_on.is_not(None),
            d.c.due_on < event.effective_on,
        )
        .scalar_subquery()
    )
    # one statement for both counts: a closure is on time when no deadline was breached or passed
    row = session.execute(sa.select(breached, late)).one()
    return not row[0] and not row[1]


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else default
    except (TypeError, ValueError):
        return default


def _money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "").strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _code(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)[:40]
