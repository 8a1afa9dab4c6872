"""The breach audit, computed from the stored rows as of any date.

Owns: `breach_audit(session, as_of, scope)` -> `BreachEntry` list (督查: which statutory deadlines
ran past their due date, whose they were, by how much, with the extensions and pauses recorded and
the legal basis; the entry and its CSV rendering are engine.oversight.breach_entries), `reconcile_breaches`
(the scheduler's catch-up); a caller's scope on a case query is engine.cases.listing.apply_scope. The
back-dated entries report is engine.oversight.backdated.
Place in the flow: stage 7 of DESIGN.md. The audit reads the `deadline` rows and the events' clock
operations, never the scheduler's `breach` records: it is right even when the scheduler was down,
and a test proves the two agree.
May import: engine.store.tables, engine.oversight.breach_entries, engine.cases.listing (scoping), engine.dates.clocks and
engine.cases.clockwork (replaying a
restarted deadline). Never FastAPI or Typer.

A breach on a provisional due date (P5) is marked `provisional`: it stands until the year's notice is
added and `zhongcai calendar apply` confirms or withdraws it.

A deadline is breached as of D when it was still running at the end of its due date (P10: from 00:00
of the next day) and D is after the due date: either it is still running with `due_on < D`, or it was
stopped by an event whose effective date is after `due_on`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from engine.cases.clockwork import apply_ops, calendar_for
from engine.cases.listing import ListScope, apply_scope
from engine.dates.clocks import due_date
from engine.errors import ZhongcaiError
from engine.oversight.breach_entries import BreachEntry, ClockNote
from engine.store.tables import BreachRow, CaseRow, DeadlineRow, EventRow, InstitutionRow, UserRow

#: clock operations worth showing in an audit line (start and stop are implied by the dates)
_SHOWN_OPS = ("extend", "pause", "resume", "restart")
#: when a deadline names no responsible role, whose it is by default
_DEFAULT_RESPONSIBLE = "arbitrator"


def _events_by_case(session: Session, case_ids: Iterable[int]) -> dict[int, list[EventRow]]:
    ids = sorted(set(case_ids))
    out: dict[int, list[EventRow]] = {i: [] for i in ids}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        rows = session.exec(
            select(EventRow)
            .where(col(EventRow.case_id).in_(part))
            .order_by(col(EventRow.case_id), col(EventRow.seq))
        ).all()
        for ev in rows:
            out[ev.case_id].append(ev)
    return out


def _ops(ev: EventRow, deadline_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The clock operations `ev` performed on `deadline_id` ([[deadline, op, {args}], ...])."""
    out = []
    for item in ev.clock_ops or ():
        if isinstance(item, (list, tuple)) and len(item) >= 2 and item[0] == deadline_id:
            args = item[2] if len(item) > 2 and isinstance(item[2], dict) else {}
            out.append((str(item[1]), args))
        elif isinstance(item, dict) and item.get("deadline") == deadline_id:
            out.append((str(item.get("op")), dict(item.get("args") or {})))
    return out


def _staff_names(session: Session, actor_ids: set[str]) -> dict[str, str]:
    ids = [int(a) for a in actor_ids if a.isdigit()]
    names: dict[str, str] = {}
    if ids:
        for u in session.exec(select(UserRow).where(col(UserRow.id).in_(ids))).all():
            names[str(u.id)] = u.display_name or u.username
    usernames = [a for a in actor_ids if not a.isdigit()]
    if usernames:
        for u in session.exec(select(UserRow).where(col(UserRow.username).in_(usernames))).all():
            names[u.username] = u.display_name or u.username
    return names


#: (procedure_id, content_hash) -> the compiled procedure a case runs under (engine.cases.versions.ProcedureVersions.lookup)
ProcedureLookup = Callable[[str, str], Any]


def breach_audit(
    session: Session,
    as_of: dt.date,
    scope: ListScope | None = None,
    institution_id: str | None = None,
    statutory_only: bool = False,
    procedures: ProcedureLookup | None = None,
) -> list[BreachEntry]:
    """Every deadline breached as of `as_of` (see the module docstring), sorted by institution and due date.

    Deadlines whose expiry fires an action (`on_expiry: {fire: ...}`) are not breaches; nor are a
    party's own windows (`on_expiry: lapse`), which need `procedures` to be told apart.
    """
    stmt = (
        select(DeadlineRow, CaseRow, InstitutionRow)
        .join(CaseRow, col(CaseRow.id) == col(DeadlineRow.case_id))
        .join(InstitutionRow, col(InstitutionRow.id) == col(CaseRow.institution_id))
        .where(col(DeadlineRow.due_on).is_not(None))
        .where(col(DeadlineRow.due_on) < as_of)
        .where(col(DeadlineRow.on_expiry).is_(None))
    )
    if institution_id is not None:
        stmt = stmt.where(CaseRow.institution_id == institution_id)
    if statutory_only:
        stmt = stmt.where(col(DeadlineRow.statutory).is_(True))
    rows = list(session.exec(apply_scope(stmt, scope)).all())
    if procedures is not None:
        rows += _restarted_rows(session, as_of, scope, institution_id, statutory_only)
    events = _events_by_case(session, (c.id for _, c, _ in rows if c.id is not None))
    actors = {ev.actor_id for evs in events.values() for ev in evs}
    names = _staff_names(session, actors)
    out: list[BreachEntry] = []
    for d, case, inst in rows:
        assert case.id is not None
        if procedures is not None and _lapses(procedures, case, d.deadline_id):
            continue
        case_events = events.get(case.id, [])
        if d.due_on is not None and d.due_on < as_of:
            entry = _entry(d, case, inst, d.due_on, as_of, case_events, names)
            if entry is not None:
                out.append(entry)
        if procedures is not None and (d.clock or {}).get("restarted_on"):
            procedure = procedures(case.procedure_id, case.procedure_hash)
            for due_on, restarted in _late_segments(procedure, case, d.deadline_id, case_events, as_of):
                out.append(_segment_entry(d, case, inst, due_on, restarted, as_of, case_events, names))
    out.sort(key=lambda e: (e.institution_id, e.due_on, e.case_id, e.deadline_id))
    return out


def _restarted_rows(
    session: Session,
    as_of: dt.date,
    scope: ListScope | None,
    institution_id: str | None,
    statutory_only: bool,
) -> list[Any]:
    """Restarted deadlines the main query leaves out (due date unknown or not yet passed): their
    earlier segments may still have run late."""
    stmt = (
        select(DeadlineRow, CaseRow, InstitutionRow)
        .join(CaseRow, col(CaseRow.id) == col(DeadlineRow.case_id))
        .join(InstitutionRow, col(InstitutionRow.id) == col(CaseRow.institution_id))
        .where(col(DeadlineRow.on_expiry).is_(None))
        .where(sa.or_(col(DeadlineRow.due_on).is_(None), col(DeadlineRow.due_on) >= as_of))
    )
    if institution_id is not None:
        stmt = stmt.where(CaseRow.institution_id == institution_id)
    if statutory_only:
        stmt = stmt.where(col(DeadlineRow.statutory).is_(True))
    return [r for r in session.exec(apply_scope(stmt, scope)).all() if (r[0].clock or {}).get("restarted_on")]


def _late_segments(
    procedure: Any, case: CaseRow, deadline_id: str, events: Sequence[EventRow], as_of: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """(due date, restart date) of every segment of a restarted deadline that ran past its due date
    before the restart (R 46: a restart begins a new period, it does not undo the breach).

    The segments are rebuilt by replaying the events' clock operations (engine.cases.clockwork); a replay
    that fails (an unknown year, P5) yields no segment rather than a guess."""

    if deadline_id not in procedure.deadlines:
        return []
    calendar = calendar_for(procedure, case.region_code)
    clocks: dict[str, Any] = {}
    out = []
    try:
        for ev in events:
            ops = [[deadline_id, op, args] for op, args in _ops(ev, deadline_id)]
            if not ops:
                continue
            current = clocks.get(deadline_id)
            if any(op[1] == "restart" for op in ops) and current is not None and current.status == "running":
                due_on = due_date(current, calendar)
                restarted = ev.effective_on
                if due_on is not None and due_on < restarted and due_on < as_of:
                    out.append((due_on, restarted))
            clocks = apply_ops(procedure, clocks, ops, ev.effective_on, calendar)
    except (ZhongcaiError, KeyError, ValueError):
        return out
    return out


def _segment_entry(
    d: DeadlineRow,
    case: CaseRow,
    inst: InstitutionRow,
    due_on: dt.date,
    restarted: dt.date,
    as_of: dt.date,
    events: Sequence[EventRow],
    names: dict[str, str],
) -> BreachEntry:
    """The audit line of an earlier, late segment of a restarted deadline."""
    end = min(as_of, restarted)
    notes = tuple(
        ClockNote(op, ev.effective_on, ev.action, args)
        for ev in events
        for op, args in _ops(ev, d.deadline_id)
        if op in _SHOWN_OPS and ev.effective_on <= end
    )
    return _breach_entry(
        d, case, inst, due_on, restarted if restarted <= as_of else None, end, events, names, notes
    )


def _lapses(procedures: ProcedureLookup, case: CaseRow, deadline_id: str) -> bool:
    spec = procedures(case.procedure_id, case.procedure_hash).deadlines.get(deadline_id)
    return spec is not None and (bool(getattr(spec, "lapses", False)) or spec.on_expiry is not None)


def reconcile_breaches(session: Session, entries: Sequence[BreachEntry], detected_on: dt.date) -> int:
    """Insert the breach records the audit finds but the store lacks (idempotent); returns how many.

    The scan records a breach only while a deadline is still running; one that ran late and was
    stopped while the scheduler was down is found here, so the records catch up with the audit.
    """
    dialect = session.get_bind().dialect.name
    added = 0
    for e in entries:
        ins = postgresql.insert(BreachRow) if dialect == "postgresql" else sqlite.insert(BreachRow)
        stmt = ins.values(
            case_id=e.case_id,
            deadline_id=e.deadline_id,
            due_on=e.due_on,
            detected_on=detected_on,
            institution_id=e.institution_id,
            responsible=e.responsible_role,
            recorded_at=dt.datetime.now(dt.UTC),
            provisional=e.provisional,
        ).on_conflict_do_nothing()
        result = session.execute(stmt)
        added += int(getattr(result, "rowcount", 0) or 0)
    return added


def _entry(
    d: DeadlineRow,
    case: CaseRow,
    inst: InstitutionRow,
    due_on: dt.date,
    as_of: dt.date,
    events: Sequence[EventRow],
    names: dict[str, str],
) -> BreachEntry | None:
    # The stop may lie after `as_of` (then the deadline was still running on `as_of`): read every
    # event for the stop date, but show only the clock notes recorded by `as_of`.
    ended_on: dt.date | None = None
    notes: list[ClockNote] = []
    for ev in events:
        for op, args in _ops(ev, d.deadline_id):
            if op == "stop":
                ended_on = ev.effective_on
            elif op in ("start", "restart"):
                ended_on = None
            if op in _SHOWN_OPS and ev.effective_on <= as_of:
                notes.append(ClockNote(op, ev.effective_on, ev.action, args))
    if d.status == "running":
        ended_on = None
    elif d.status == "paused":
        return None  # no due date runs while paused; a row with a due date here is stale
    elif ended_on is None or ended_on <= due_on:
        return None  # stopped in time (or we cannot tell when: then it was not running late)
    end = min(as_of, ended_on) if ended_on is not None else as_of
    days = (end - due_on).days
    if days <= 0:
        return None
    shown_end = ended_on if ended_on is not None and ended_on <= as_of else None
    return _breach_entry(d, case, inst, due_on, shown_end, end, events, names, tuple(notes))


def _breach_entry(
    d: DeadlineRow,
    case: CaseRow,
    inst: InstitutionRow,
    due_on: dt.date,
    ended_on: dt.date | None,
    end: dt.date,
    events: Sequence[EventRow],
    names: dict[str, str],
    notes: tuple[ClockNote, ...],
) -> BreachEntry:
    """One audit line: late from `due_on` until `end`; the responsible staff member is the last one of
    the deadline's responsible role to act on the case by `end`."""
    role = d.responsible or _DEFAULT_RESPONSIBLE
    staff = next(
        (
            names.get(ev.actor_id, ev.actor_id)
            for ev in reversed(events)
            if ev.role == role and ev.effective_on <= end
        ),
        None,
    )
    assert case.id is not None
    return BreachEntry(
        case_id=case.id,
        case_number=case.case_number,
        institution_id=case.institution_id,
        institution_name=inst.name,
        region_code=case.region_code,
        deadline_id=d.deadline_id,
        deadline_title=d.title or d.deadline_id,
        statutory=d.statutory,
        basis=d.basis,
        due_on=due_on,
        ended_on=ended_on,
        days_overdue=(end - due_on).days,
        responsible_role=role,
        responsible_staff=staff,
        stage=case.stage,
        clock_notes=notes,
        provisional=bool(d.provisional) and due_on == d.due_on,
    )
