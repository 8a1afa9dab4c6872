"""Deciding whether an action may fire, and what it would do: the checking half of `fire`.

Owns: `check_date` (P11), `as_refusal`, `check_declared` (the facts an action takes, from whom) and
`plan_fire`, which runs the checks in the contract's order and returns a `FirePlan` (new stage,
facts, clock operations and clocks, documents to attach and to produce) without writing anything (an action the procedure does not have is `UnknownAction`, code
`unknown_action`, before any check):
  1 stage `stage`  2 role `role`  3 effective date `date`  4 facts `facts`  5 documents `document`
  6 guards `guard` (or the check's own code; evaluated as conditions of the shared Machine)
  7 deadline operations `deadline` (e.g. an extension that is too long, too late or a second one).
Stage in the flow: 6 (run). Used by engine.cases.runtime (fire, available_actions), engine.cases.writes, engine.cases.deadline_rows and engine.cases.papers.
May import: engine.errors, engine.procedures.model, engine.dates.periods, engine.cases.casefile, engine.cases.facts, engine.cases.fact_bounds, engine.cases.guards,
engine.cases.clockwork, engine.procedures.machines, engine.cases.state, engine.procedures.dsl (the name of the opening only).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.cases.casefile import SYSTEM_ROLE, Actor
from engine.cases.clockwork import apply_ops, calendar_for, plan_ops
from engine.cases.fact_bounds import checked_facts, code_tables
from engine.cases.facts import with_defaults
from engine.cases.guards import check_refusal, guard_names, holds
from engine.cases.state import CaseState
from engine.dates.periods import Period
from engine.errors import UNKNOWN_ACTION, BadInput, EventNotAllowed, UnknownAction, YearNotCovered
from engine.procedures import machines
from engine.procedures.dsl import OPEN_ACTION
from engine.procedures.model import Procedure

if TYPE_CHECKING:
    pass

ATTACH = "attach"


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
    #: what the event allots to the case (engine.cases.writes sets it: a 案号 and a query code on
    #: acceptance); recorded in the hash-chained event
    allotted: dict[str, Any] | None = None
    #: a new query code in plain, for the documents of this event and the caller's answer only
    query_code: str | None = field(default=None, repr=False)


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
    (A deadline's due date in such a year is not an error: it is recorded as unknown, engine.dates.clocks.)
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


def accepted_facts(proc: Procedure, action: str) -> tuple[str, ...]:
    """The facts a caller may state with `action`: its `needs` and `takes`; opening a case takes the
    facts marked `opening: true`; attaching documents takes none."""
    if action == OPEN_ACTION:
        return tuple(f.id for f in proc.facts.values() if f.opening)
    spec = proc.actions.get(action)
    return spec.accepts if spec is not None else ()


def check_declared(
    proc: Procedure,
    action: str,
    actor: Actor,
    given: Mapping[str, Any],
    refuse: Callable[..., EventNotAllowed],
) -> None:
    """Refuse facts the action does not take (code `facts`), and facts the actor's role may never state
    (code `role`): an action changes only the facts it declares, from the roles it names."""
    accepts = accepted_facts(proc, action)
    spec = proc.actions.get(action)
    title = spec.title if spec is not None else ("立案登记" if action == OPEN_ACTION else "提交文书")
    undeclared = [k for k in given if k not in accepts]
    if undeclared:
        takers = {
            k: [a for a in (OPEN_ACTION, *proc.actions) if k in accepted_facts(proc, a)] for k in undeclared
        }
        where = "; ".join(f"{k}: {', '.join(v[:6]) or 'no action'}" for k, v in takers.items())
        raise refuse(
            "facts",
            f"“{title}”不能记录事实：{'、'.join(proc.facts[k].title for k in undeclared)}"
            f"（本操作只接受：{'、'.join(accepts) or '无'}） (action '{action}' does not take the facts "
            f"{', '.join(undeclared)}; it takes: {', '.join(accepts) or 'none'}; the actions that take them: "
            f"{where})",
            facts=undeclared,
        )
    if actor.role == SYSTEM_ROLE:
        return
    barred = [k for k in given if (who := proc.facts[k].set_by) is not None and actor.role not in who]
    if barred:
        fact = proc.facts[barred[0]]
        allowed = ", ".join(fact.set_by or ())
        raise refuse(
            "role",
            f"角色“{proc.roles[actor.role].title if actor.role in proc.roles else actor.role}”不能记录"
            f"事实“{fact.title}”（只能由 {allowed} 记录） (role '{actor.role}' may not state the fact "
            f"'{fact.id}'; only: {allowed})",
            role=actor.role,
            facts=barred,
        )


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
        raise UnknownAction(
            UNKNOWN_ACTION,
            f"程序“{proc.title}”没有操作 '{action}' (unknown action{_did_you_mean(action, list(proc.actions))})",
            case_id=state.case_id,
            action=action,
            stage=stage,
            details={"actions": sorted(proc.actions)},
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
    if given:
        check_declared(proc, action, actor, given, refuse)
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
    names = guard_names(proc, merged, at, stage, case.opened_on, actor.role)
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

    branch = None
    if spec.branches:
        branch = next((dest for dest, c in spec.branches if holds(c, names, context)), spec.target)
    stage_after = machines.move(proc, stage, action, case.returns_to, first_refusal, branch)
    changed = dict(given)
    for fact_id, check in spec.sets:
        from engine.expr import Scope, evaluate

        value = evaluate(check.expr, Scope(dict(names), context), allow_unset=True).value
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
        holds=lambda check: holds(
            check, guard_names(proc, merged, at, stage_after, case.opened_on, actor.role), context
        ),
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
