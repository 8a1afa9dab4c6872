"""Deciding whether an action may fire, and what it would do: the checking half of `fire`.

Owns: `CaseState` (a case as loaded inside a transaction: row, procedure, clocks, documents on file,
how often each action fired, the last effective date), the plain rows it is read into (`CaseRow`,
`DeadlineRow`, `InstitutionRow`) with the prepared reads behind them, `load_state`, `check_date` (P11) and
`plan_fire`, which runs the checks in the contract's order and returns a `FirePlan` (new stage,
facts, clock operations and clocks, documents to attach and to produce) without writing anything:
  1 stage `stage`  2 role `role`  3 effective date `date`  4 facts `facts`  5 documents `document`
  6 guards `guard` (or the check's own code; evaluated as conditions of the shared Machine)
  7 deadline operations `deadline` (e.g. an extension that is too long, too late or a second one).
Stage in the flow: 6 (run). Used by engine.runtime (fire, available_actions) and engine.case_writes.
May import: engine.errors, engine.model, engine.periods, engine.casefile, engine.case_guards,
engine.clockwork, engine.machines, engine.tables, engine.prepared, sqlalchemy.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

from engine import machines
from engine.case_guards import CaseGuardContext, check_refusal, guard_names, holds
from engine.casefile import SYSTEM_ROLE, Actor, checked_facts, code_tables, decode_facts, with_defaults
from engine.clockwork import apply_ops, calendar_for, clocks_from_rows, plan_ops
from engine.errors import (
    BadInput,
    CaseConflict,
    CaseNotFound,
    EventNotAllowed,
    YearNotCovered,
)
from engine.model import Check, Procedure
from engine.periods import Period
from engine.prepared import Prepared, prepared_select
from engine.tables import CaseEvent, CaseFile, Deadline, Institution

if TYPE_CHECKING:
    from engine.runtime import CaseService

ATTACH = "attach"


#: the case_file columns a firing reads, in the order of `CaseRow`'s fields
_CASE_COLUMNS = (
    "id",
    "case_number",
    "institution_id",
    "region_code",
    "procedure_id",
    "procedure_version",
    "procedure_hash",
    "stage",
    "returns_to",
    "facts",
    "version",
    "opened_on",
    "accepted_on",
    "closed_on",
    "closure",
    "channel",
)


@dataclass(slots=True)
class CaseRow:
    """The case_file row as a firing reads and updates it (a plain object: no ORM session behind it).
    `facts` is the stored (encoded) JSON; commit_plan sets the columns it writes."""

    id: int
    case_number: str
    institution_id: str
    region_code: str
    procedure_id: str
    procedure_version: str
    procedure_hash: str
    stage: str
    returns_to: str | None
    facts: dict[str, Any]
    version: int
    opened_on: dt.date
    accepted_on: dt.date | None
    closed_on: dt.date | None
    closure: str | None
    channel: str
    updated_at: dt.datetime | None = None

    @classmethod
    def of(cls, case: CaseFile) -> CaseRow:
        """The row of a case just inserted through the ORM (opening)."""
        assert case.id is not None
        return cls(*(getattr(case, name) for name in _CASE_COLUMNS))


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """A stored deadline row as a firing needs it (its clock, status and due date; who answers for it)."""

    id: int
    case_id: int
    deadline_id: str
    status: str
    due_on: dt.date | None
    clock: dict[str, Any]
    institution_id: str
    responsible: str | None
    steps: list[Any]
    due_note: str | None
    calendar_version: str | None


@dataclass(frozen=True, slots=True)
class InstitutionRow:
    """What rendered documents show of the case's institution."""

    name: str
    case_number_prefix: str | None


_CF: sa.Table = CaseFile.__table__  # type: ignore[attr-defined]
_EV: sa.Table = CaseEvent.__table__  # type: ignore[attr-defined]
_INST: sa.Table = Institution.__table__  # type: ignore[attr-defined]
_DL: sa.Table = Deadline.__table__  # type: ignore[attr-defined]
#: the case, the date and hash of its last event (seq = version), its institution's name and prefix
_LOAD_CASE = Prepared(
    sa.select(
        *(_CF.c[name] for name in _CASE_COLUMNS),
        _EV.c.effective_on,
        _EV.c.hash,
        _INST.c.name,
        _INST.c.case_number_prefix,
    )
    .select_from(_CF)
    .outerjoin(_EV, (_EV.c.case_id == _CF.c.id) & (_EV.c.seq == _CF.c.version))
    .outerjoin(_INST, _INST.c.id == _CF.c.institution_id)
    .where(_CF.c.id == sa.bindparam("case_id"))
)
_READ_CASE = Prepared(
    sa.select(*(_CF.c[name] for name in _CASE_COLUMNS)).where(_CF.c.id == sa.bindparam("case_id"))
)
_LOAD_DEADLINES = prepared_select(_DL, [f.name for f in fields(DeadlineRow)])
#: every event's action, date and documents, in order: the history, how often each action fired and,
#: counting the documents each event filed, every document's highest version (engine.verify checks that
#: the documents on file are exactly the events' lists; uq_case_document refuses a wrong number)
_LOAD_EVENTS = prepared_select(_EV, ["action", "effective_on", "documents"], order_by="seq")


def read_case(conn: sa.Connection, case_id: int) -> CaseRow | None:
    """The case row, or None when there is no such case."""
    found = _READ_CASE.first(conn, {"case_id": case_id})
    return None if found is None else CaseRow(*found)


class CaseState:
    """A case as read inside the firing transaction. The documents on file and the action counts are
    read only when a check needs them (a guard calling has_document or times_fired, `requires:`)."""

    def __init__(
        self,
        case: CaseRow,
        procedure: Procedure,
        clocks: dict[str, Any],
        *,
        connection: sa.Connection | None = None,
        last_on: dt.date | None = None,
        last_hash: str | None = None,
        rows: dict[str, DeadlineRow] | None = None,
        institution: InstitutionRow | None = None,
    ) -> None:
        self.case = case
        self.procedure = procedure
        self.clocks = clocks
        self.last_on = last_on
        self.last_hash = last_hash
        self.rows = rows or {}
        #: the case's institution when read with the case (what rendered documents show), else None
        self.institution = institution
        self.deadlines = {k: (r.status, r.due_on) for k, r in self.rows.items()}
        self._conn = connection
        self._versions: dict[str, int] | None = None if connection is not None else {}
        self._documents: set[str] | None = None
        self._history: tuple[tuple[str, dt.date], ...] | None = None if connection is not None else ()
        self._fired: dict[str, int] | None = None
        self._facts: dict[str, Any] | None = None

    @property
    def facts(self) -> dict[str, Any]:
        """The case's facts as typed values (decoded once per action; do not change the dict)."""
        if self._facts is None:
            self._facts = decode_facts(self.procedure, self.case.facts)
        return self._facts

    @property
    def case_id(self) -> int:
        assert self.case.id is not None
        return self.case.id

    @property
    def documents(self) -> set[str]:
        if self._documents is None:
            self._documents = set(self.versions)
        return self._documents

    @property
    def versions(self) -> dict[str, int]:
        """{document id: its highest stored version} for the documents on file (shared by the guards'
        has_document and the version numbers of the documents written)."""
        if self._versions is None:
            self._read_events()
            assert self._versions is not None
        return self._versions

    @property
    def history(self) -> tuple[tuple[str, dt.date], ...]:
        """(action, effective date) of every event so far, in order (shared by the guards' times_fired
        and the rendered documents' history)."""
        if self._history is None:
            self._read_events()
            assert self._history is not None
        return self._history

    def _read_events(self) -> None:
        """One read of the case's events gives both the history and the document versions."""
        assert self._conn is not None
        rows = _LOAD_EVENTS.all(self._conn, {"case_id": self.case_id})
        self._history = tuple((a, d) for a, d, _ in rows)
        self._versions = dict(Counter(str(doc) for _, _, docs in rows for doc in docs or ()))

    @property
    def fired(self) -> dict[str, int]:
        if self._fired is None:
            self._fired = dict(Counter(a for a, _ in self.history))
        return self._fired

    def context(self, at: dt.date, calendar: Any, extra_documents: Iterable[str] = ()) -> CaseGuardContext:
        extra = set(extra_documents)
        return CaseGuardContext(
            self.procedure,
            at=at,
            documents=lambda: self.documents | extra,
            deadlines=self.deadlines,
            fired=lambda: self.fired,
            calendar=calendar,
        )

    def holds(self, check: Check, facts: Mapping[str, Any], at: dt.date, calendar: Any) -> bool:
        names = guard_names(self.procedure, facts, at, self.case.stage, self.case.opened_on)
        return holds(check, names, self.context(at, calendar))


def load_state(
    session: Session, service: CaseService, case_id: int, expected_version: int | None
) -> CaseState:
    """Two reads (prepared statements, engine.prepared): the case with its last event (whose date is
    the latest, since dates never go backwards, and whose hash the next event chains to) and its
    institution (what rendered documents show); and its deadline rows."""
    conn = session.connection()
    found = _LOAD_CASE.first(conn, {"case_id": case_id})
    if found is None:
        raise CaseNotFound(f"案件 {case_id} 不存在 (no case with id {case_id})")
    n = len(_CASE_COLUMNS)
    case = CaseRow(*found[:n])
    last_on, last_hash, inst_name, inst_prefix = found[n:]
    institution = None if inst_name is None else InstitutionRow(inst_name, inst_prefix)
    if expected_version is not None and (
        isinstance(expected_version, bool) or not isinstance(expected_version, int)
    ):
        raise BadInput(
            f"版本号应为整数 (expected_version must be the case's version number; got {expected_version!r})",
            field="expected_version",
        )
    if expected_version is not None and case.version != expected_version:
        raise CaseConflict(case_id, expected_version, case.version)
    procedure = service.procedure_by_hash(session, case.procedure_id, case.procedure_hash)
    rows = {r[2]: DeadlineRow(*r) for r in _LOAD_DEADLINES.all(conn, {"case_id": case_id})}
    return CaseState(
        case,
        procedure,
        clocks_from_rows({k: r.clock for k, r in rows.items()}),
        connection=conn,
        last_on=last_on,
        last_hash=last_hash,
        rows=rows,
        institution=institution,
    )


@dataclass
class FirePlan:
    """What a permitted action will write (computed before anything is written)."""

    state: CaseState
    action: str
    actor: Actor
    at: dt.date
    stage_after: str
    facts_changed: dict[str, Any]
    ops: list[Any]
    clocks: dict[str, Any]
    attached: dict[str, bytes]
    produced: tuple[str, ...]
    backdated: bool
    calendar: Any


def _earliest(today: dt.date, within: Period, calendar: Any) -> dt.date:
    if within.unit == "days":
        return today - dt.timedelta(days=within.n)
    if within.unit == "workdays":
        earliest: dt.date = calendar.workdays_before(today, within.n)
        return earliest
    months = within.n * (12 if within.unit == "years" else 1)
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = today.day
    while True:
        try:
            return dt.date(y, m + 1, day)
        except ValueError:
            day -= 1


def check_date(
    procedure: Procedure,
    actor: Actor,
    at: dt.date,
    last_on: dt.date | None,
    today: dt.date,
    *,
    action: str,
    stage: str,
    case_id: int | None = None,
    calendar: Any = None,
) -> None:
    """P11: not in the future, never before the case's last event, back-dated only by the roles the
    procedure allows and only within `backdating.within`."""

    def refuse(message: str) -> EventNotAllowed:
        return EventNotAllowed(
            "date", message, case_id=case_id, action=action, stage=stage, details={"at": str(at)}
        )

    if not isinstance(at, dt.date) or isinstance(at, dt.datetime):
        raise refuse(f"生效日期应为日期 (the effective date must be a date YYYY-MM-DD, got {at!r})")
    if at > today:
        raise refuse(
            f"生效日期 {at} 晚于今天 {today}，不能预先登记 (the effective date may not be in the future)"
        )
    if last_on is not None and at < last_on:
        raise refuse(
            f"生效日期 {at} 早于本案上一事件的日期 {last_on} (effective dates of a case never go backwards: "
            f"use {last_on} or later)"
        )
    if at < today and actor.role != SYSTEM_ROLE:
        if actor.role not in procedure.backdating_roles:
            allowed = ", ".join(procedure.backdating_roles) or "无 (none)"
            raise refuse(
                f"角色“{actor.role}”不能补录以前的日期 {at}（今天 {today}）(back-dating is allowed only for: {allowed})"
            )
        earliest = _earliest(today, procedure.backdating_within, calendar)
        if at < earliest:
            raise refuse(
                f"补录日期 {at} 超出允许范围（最早 {earliest}，{procedure.backdating_within.zh()}内）"
                f"(back-dating is allowed within {procedure.backdating_within} only)"
            )


@contextmanager
def as_refusal(action: str, stage: str | None, case_id: int | None = None) -> Iterator[dict[str, str]]:
    """YearNotCovered raised while checking or doing an action (a guard or `sets:` expression counting
    working days into a year no calendar covers, P5) becomes a refusal with code `date` naming the
    year and the calendar file to extend; raised inside the transaction, it rolls everything back.
    (A deadline's due date in such a year is not an error: it is recorded as unknown, engine.clocks.)
    A `sets:` expression that raises GuardRuntimeError stays an error: that is a procedure defect
    (`procedures check` reports it), not a decision about the case. The caller may set
    `where["stage"]` once it knows the case's stage."""
    where: dict[str, str] = {} if stage is None else {"stage": stage}
    try:
        yield where
    except YearNotCovered as exc:
        raise EventNotAllowed(
            "date",
            f"{exc}；补充该年节假日安排之前无法办理此操作 (this action cannot be decided until {exc.year} "
            "is added)",
            case_id=case_id,
            action=action,
            stage=where.get("stage"),
            details={"year": exc.year, "calendar": exc.calendar, "file": exc.overlay_path},
        ) from None


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def plan_fire(
    state: CaseState,
    action: str,
    actor: Actor,
    at: dt.date,
    facts: Mapping[str, Any] | None,
    attached: dict[str, bytes],
    *,
    today: dt.date,
    expired: str | None = None,
    check_needs: bool = True,
) -> FirePlan:
    """Run every check in order and compute the outcome; raises the first refusal. Writes nothing."""
    proc, case = state.procedure, state.case
    stage = case.stage
    stage_title = proc.stages[stage].title if stage in proc.stages else stage

    def refuse(code: str, message: str, **details: Any) -> EventNotAllowed:
        return EventNotAllowed(
            code, message, case_id=state.case_id, action=action, stage=stage, details=details
        )

    if not isinstance(action, str):
        raise BadInput(f"操作名称应为文字 (the action must be an action id; got {action!r})", field="action")
    calendar = calendar_for(proc, case.region_code)
    spec = proc.actions.get(action)
    if action == ATTACH:
        if not attached:
            raise BadInput("没有要提交的文书 (no documents to attach)", field="documents")
    elif spec is None:
        raise refuse(
            "stage",
            f"程序“{proc.title}”没有操作 '{action}' (unknown action{_did_you_mean(action, list(proc.actions))})",
        )
    elif not machines.can_leave(proc, stage, action):
        here = [a.id for a in proc.actions.values() if stage in a.sources]
        if len(here) > 12:
            here = [*here[:12], f"... {len(here) - 12} more"]
        raise refuse(
            "stage",
            f"案件处于“{stage_title}”阶段，不能“{spec.title}”（只能在 {', '.join(spec.sources)} 阶段）"
            f"(actions from '{stage}': {', '.join(here) or 'none'})",
        )
    if spec is not None and actor.role != SYSTEM_ROLE and actor.role not in spec.roles:
        raise refuse(
            "role",
            f"角色“{proc.roles[actor.role].title if actor.role in proc.roles else actor.role}”不能“{spec.title}”"
            f"（应由 {'、'.join(proc.roles[r].title if r in proc.roles else r for r in spec.roles)}）"
            f"(role '{actor.role}' may not '{action}'; allowed: {', '.join(spec.roles)})",
            role=actor.role,
        )
    check_date(
        proc,
        actor,
        at,
        state.last_on,
        today,
        action=action,
        stage=stage,
        case_id=state.case_id,
        calendar=calendar,
    )
    try:
        given = checked_facts(proc, facts, code_tables(), at)
    except BadInput as exc:
        raise refuse("facts", str(exc), fact=exc.field) from None
    if spec is not None and check_needs:
        missing = [n for n in spec.needs if given.get(n) is None]
        if missing:
            titles = "、".join(proc.facts[n].title if n in proc.facts else n for n in missing)
            raise refuse(
                "facts",
                f"“{spec.title}”需要提供：{titles} (give the facts: {', '.join(missing)})",
                facts=missing,
            )
    if spec is not None and spec.requires:
        on_file = state.documents | set(attached)
        lacking = [d for d in spec.requires if d not in on_file]
        if lacking:
            titles = "、".join(proc.documents[d].title if d in proc.documents else d for d in lacking)
            raise refuse(
                "document",
                f"“{spec.title}”需要以下文书在卷：{titles} (required documents not on file: {', '.join(lacking)})",
                documents=lacking,
            )
    merged = with_defaults(proc, {**state.facts, **given})
    names = guard_names(proc, merged, at, stage, case.opened_on)
    context = state.context(at, calendar, attached)
    if spec is None:  # attach: no stage change, no clocks
        return FirePlan(
            state, action, actor, at, stage, {}, [], dict(state.clocks), attached, (), at < today, calendar
        )

    def first_refusal() -> EventNotAllowed | None:
        for check in spec.when:
            refusal = check_refusal(check, names, context, action=action, stage=stage)
            if refusal is not None:
                refusal.case_id = state.case_id
                return refusal
        return None

    stage_after = machines.move(proc, stage, action, case.returns_to, first_refusal)
    changed = dict(given)
    for fact_id, check in spec.sets:
        from engine.expr import Scope, evaluate

        value = evaluate(check.expr, Scope(dict(names), context)).value
        changed[fact_id] = value
        names[fact_id] = value
    merged.update(changed)
    entering_final = proc.stages[stage_after].final and not proc.stages[stage].final
    ops = plan_ops(
        proc,
        action,
        merged,
        state.clocks,
        entering_final=entering_final,
        holds=lambda check: holds(check, guard_names(proc, merged, at, stage_after, case.opened_on), context),
    )
    if expired is not None and not any(op[0] == expired and op[1] == "stop" for op in ops):
        if expired in state.clocks and str(state.clocks[expired].status) == "running":
            ops.append([expired, "stop", {}])
    try:
        clocks = apply_ops(proc, state.clocks, ops, at, calendar)
    except EventNotAllowed as exc:
        if check_needs or exc.code != "facts":
            raise refuse(exc.code, exc.message, **exc.details) from None
        clocks = dict(state.clocks)  # availability: the facts an extension needs come when firing
    produced = tuple(
        d
        for d in spec.produces
        if all(holds(c, names, context) for doc_id, c in spec.produces_when if doc_id == d)
    )
    return FirePlan(
        state, action, actor, at, stage_after, changed, ops, clocks, attached, produced, at < today, calendar
    )
