"""What must hold after every explored step: the built-in invariants.

Owns: `Observed` (one case as stored: view, clocks, returns_to, times fired, the verify problems),
`observe`, `Violation` (what any broken invariant reports), the stage graph (`successors`,
`reachable`), `uncovered_year` and `builtin_violations` (declared stage; closure of final stages; a
final stage still reachable, taking `returns` into account; every running or paused deadline can be
stopped other than by closing the case; no deadline runs in a final stage; a running deadline has a
due date unless its year is not covered (P5); extensions within their bound and count; a `workdays`
due date is a working day; the store equals a replay of its events (engine.oversight.verify); one event per
successful action; a refusal changes nothing). The author's guards and `invariants:` are checked by
engine.proving.author on the same `Observed`.
Stage in the flow: rule authors' checks, called by engine.proving.checker after each step.
May import: engine.procedures.model, engine.cases.casefile, engine.dates.clocks, engine.oversight.verify, engine.store.tables,
engine.cases.runtime (types).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import col, func, select

from engine.cases.casefile import CaseView
from engine.dates.clocks import Clock
from engine.errors import ZhongcaiError
from engine.oversight.verify import verify_case
from engine.procedures.model import Procedure
from engine.store.tables import CaseRow, DeadlineRow, EventRow

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService

_MISSING_YEAR = re.compile(r"(\d{4})")


@dataclass
class Observed:
    """One case as stored after a step."""

    view: CaseView
    clocks: dict[str, Clock]
    returns_to: str | None
    fired: dict[str, int]
    problems: list[str]
    events: int


def observe(service: CaseService, case_id: int, verify: bool = True) -> Observed:
    """The case as stored; `verify` also replays its events (engine.oversight.verify) for the store invariant."""
    with service.db.read() as s:
        case = s.get(CaseRow, case_id)
        assert case is not None
        problems = verify_case(service, s, case) if verify else []
        rows = s.exec(select(DeadlineRow).where(DeadlineRow.case_id == case_id)).all()
        clocks = {r.deadline_id: Clock.from_json(dict(r.clock)) for r in rows}
        fired_rows = s.exec(
            select(EventRow.action, func.count())
            .where(EventRow.case_id == case_id)
            .group_by(col(EventRow.action))
        ).all()
        fired = {a: int(n) for a, n in fired_rows}
        returns_to = case.returns_to
    view = service.get(case_id)
    return Observed(view, clocks, returns_to, fired, problems, sum(fired.values()))


@dataclass(frozen=True)
class Violation:
    invariant: str
    message: str
    tail: tuple[Mapping[str, Any], ...] = ()
    comment: str = ""
    #: the last (refused) step is written as `do:` so the scenario fails where the checker did
    last_as_do: bool = False


# ---------------------------------------------------------------------------- the stage graph


def _into(procedure: Procedure) -> dict[str, set[str]]:
    into: dict[str, set[str]] = {s: set() for s in procedure.stages}
    for a in procedure.actions.values():
        for dest in a.destinations:
            for src in a.sources:
                if src != dest:
                    into[dest].add(src)
    return into


def successors(procedure: Procedure, stage: str, returns_to: str | None = None) -> set[str]:
    """Stages one action can move a case to from `stage` (`returns` goes to `returns_to` when known,
    else to any stage from which `stage` can be entered)."""
    out: set[str] = set()
    into = _into(procedure)
    for a in procedure.actions.values():
        if stage not in a.sources or a.stays:
            continue
        if a.returns:
            out |= {returns_to} if returns_to is not None else into.get(stage, set())
        else:
            out.update(a.destinations)
    return out


def reachable(
    procedure: Procedure, stage: str, returns_to: str | None, through_final: bool = True
) -> set[str]:
    """Every stage reachable from `stage` (itself included); final stages are not left."""
    seen = {stage}
    todo = [(stage, returns_to)]
    while todo:
        here, back = todo.pop()
        if procedure.stages[here].final and not through_final:
            continue
        for nxt in successors(procedure, here, back):
            if nxt not in seen and nxt in procedure.stages:
                seen.add(nxt)
                todo.append((nxt, here))
    return seen


# ---------------------------------------------------------------------------- built-in invariants


def _deadline_shown(obs: Observed | None, deadline_id: str) -> str:
    if obs is None or deadline_id not in obs.view.deadlines:
        return "stopped"
    return obs.view.deadlines[deadline_id].shown()


def _expect_deadline(deadline_id: str, value: Any) -> dict[str, Any]:
    return {"expect": {"deadlines": {deadline_id: value}}}


def uncovered_year(note: str | None, calendar: Any) -> bool:
    """The note of a deadline without a due date names a year the calendar does not cover (P5)."""
    if not note:
        return False
    covered = set(calendar.countable_years())
    return any(int(y) not in covered for y in _MISSING_YEAR.findall(note))


def builtin_violations(
    procedure: Procedure,
    calendar: Any,
    before: Observed | None,
    after: Observed,
    outcome: str,
    tick_on: dt.date | None = None,
    waiting: frozenset[str] = frozenset(),
) -> list[Violation]:
    """The built-in invariants after one step whose outcome was `ok`, a refusal code or `tick` (a deadline
    scan as of `tick_on`; `waiting`: expired deadlines whose on_expiry action the scan found refused with
    code `deadline`, i.e. waiting for another party's period)."""
    out: list[Violation] = []
    view = after.view
    stage = procedure.stages.get(view.stage)
    if outcome not in ("ok", "tick") and before is not None:
        if after.view != before.view or after.events != before.events:
            out.append(Violation("refusal_changed_nothing", "a refused action changed the stored case"))
            return out
    if before is not None and outcome == "ok" and after.view.version != before.view.version + 1:
        out.append(
            Violation(
                "one_event_per_action",
                f"version went {before.view.version} -> {after.view.version} for one successful action",
            )
        )
    if after.problems:
        out.append(
            Violation(
                "store_equals_replay",
                "; ".join(after.problems),
                comment="the stored case differs from a replay of its events: run `zhongcai verify`",
            )
        )
    if stage is None:
        out.append(Violation("stage_declared", f"stage '{view.stage}' is not declared by the procedure"))
        return out
    if stage.final and (view.closure != stage.closure or view.closed_on is None):
        out.append(
            Violation(
                "closure",
                f"final stage '{stage.id}' has closure {view.closure!r} (closed on {view.closed_on}); "
                f"expected {stage.closure!r}",
                ({"expect": {"closure": stage.closure}},),
            )
        )
    if not stage.final and view.closure is not None:
        out.append(
            Violation("closure", f"stage '{stage.id}' is not final but the case has closure {view.closure!r}")
        )
    seen = reachable(procedure, stage.id, after.returns_to)
    if not any(procedure.stages[s].final for s in seen):
        prior = before.view.stage if before is not None else procedure.initial_stage
        out.append(
            Violation(
                "final_reachable",
                f"trap: from stage '{stage.id}' no final stage can be reached (reachable: {', '.join(sorted(seen))})",
                ({"expect": {"stage": prior}},),
                comment=f"the case should not be able to enter '{stage.id}': it could never be closed",
            )
        )
    live = reachable(procedure, stage.id, after.returns_to, through_final=False)
    live = {s for s in live if not procedure.stages[s].final}
    usable = {a.id for a in procedure.actions.values() if set(a.sources) & live}
    for d_id, dv in view.deadlines.items():
        deadline = procedure.deadlines.get(d_id)
        if deadline is None or dv.status not in ("running", "paused"):
            continue
        if stage.final:
            out.append(
                Violation(
                    "no_deadline_in_final_stage",
                    f"deadline '{d_id}' is {dv.status} in final stage '{stage.id}'",
                    (_expect_deadline(d_id, "stopped"),),
                )
            )
            continue
        if deadline.on_expiry is None and not deadline.lapses and not set(deadline.ends_on) & usable:
            out.append(
                Violation(
                    "deadline_stoppable",
                    f"deadline '{d_id}' is {dv.status} in stage '{stage.id}' but none of its ends_on actions "
                    f"({', '.join(deadline.ends_on) or 'none'}) can be done from here: only closing the "
                    "case stops it, so it ends in a breach",
                    (_expect_deadline(d_id, "stopped"),),
                    comment=f"stages still reachable: {', '.join(sorted(live))}",
                )
            )
        if dv.status == "running" and dv.due_on is None and not uncovered_year(dv.note, calendar):
            out.append(
                Violation(
                    "due_date_known",
                    f"running deadline '{d_id}' has no due date ({dv.note or 'no reason given'})",
                    (_expect_deadline(d_id, _deadline_shown(before, d_id)),),
                )
            )
        if dv.status == "running" and dv.due_on is not None and deadline.limit.unit == "workdays":
            try:
                workday = calendar.is_workday(dv.due_on)
            except ZhongcaiError:
                workday = True
            if not workday:
                out.append(
                    Violation(
                        "workdays_due_on_workday",
                        f"deadline '{d_id}' ({deadline.limit}) falls due on {dv.due_on}, not a working day",
                        (_expect_deadline(d_id, calendar.roll_forward(dv.due_on)),),
                    )
                )
    if outcome == "tick" and tick_on is not None:
        for d_id, dv in view.deadlines.items():
            deadline = procedure.deadlines.get(d_id)
            if deadline is None or deadline.on_expiry is None or dv.status != "running" or dv.due_on is None:
                continue
            if d_id in waiting:
                continue
            if dv.due_on < tick_on:
                out.append(
                    Violation(
                        "on_expiry_done",
                        f"deadline '{d_id}' expired on {dv.due_on} but the deadline scan of {tick_on} did not do "
                        f"its on_expiry action '{deadline.on_expiry}': the deadline still runs",
                        (_expect_deadline(d_id, "stopped"),),
                        comment=f"on_expiry: {{fire: {deadline.on_expiry}}} must end the deadline when it expires",
                    )
                )
    for d_id, clock in after.clocks.items():
        deadline = procedure.deadlines.get(d_id)
        ext = deadline.extension if deadline is not None else None
        if not clock.extensions:
            continue
        total = sum(p.n for _, p in clock.extensions if ext is not None and p.unit == ext.up_to.unit)
        if ext is None or len(clock.extensions) > ext.times or total > ext.up_to.n:
            bound = "none" if ext is None else f"{ext.times} time(s), {ext.up_to} in all"
            out.append(
                Violation(
                    "extension_bound",
                    f"deadline '{d_id}' was extended {len(clock.extensions)} time(s) by {total} in all; bound: {bound}",
                    (_expect_deadline(d_id, _deadline_shown(before, d_id)),),
                )
            )
    return out
