"""What must hold after every explored step: the built-in invariants and the author's `invariants:`.

Owns: `Observed` (one case as stored: view, clocks, returns_to, times fired, the verify problems),
`observe`, `Violation`, `builtin_violations` (declared stage; closure of final stages; a final stage
still reachable, taking `returns` into account; every running or paused deadline can be stopped
other than by closing the case; no deadline runs in a final stage; a running deadline has a due date
unless its year is not covered (P5); extensions within their bound and count; a `workdays` due date
is a working day; the store equals a replay of its events (engine.verify); one event per successful
action; a refusal changes nothing), `guard_violations` (a guard that raises on facts of the declared
types: division by zero and the like; a missing fact is a refusal, not a bug) and
`author_violations` (the procedure's `invariants:`, with an `expect` that fails the same way: the
value under which the invariant would have held, found by substitution).
Stage in the flow: rule authors' checks, called by engine.checker after each step.
May import: engine.model, engine.expr, engine.case_guards, engine.casefile, engine.clocks,
engine.verify, engine.tables, engine.runtime (types).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import col, func, select

from engine.case_guards import guard_names
from engine.casefile import CaseView, with_defaults
from engine.clocks import Clock
from engine.errors import GuardRuntimeError, ZhongcaiError
from engine.expr import MissingValue, Scope, evaluate, walk
from engine.expr.nodes import Call, Expr, Implies, Literal, Name
from engine.model import Check, Procedure
from engine.tables import CaseEvent, CaseFile, Deadline
from engine.verify import verify_case

if TYPE_CHECKING:
    from engine.runtime import CaseService

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
    """The case as stored; `verify` also replays its events (engine.verify) for the store invariant."""
    with service.db.read() as s:
        case = s.get(CaseFile, case_id)
        assert case is not None
        problems = verify_case(service, s, case) if verify else []
        rows = s.exec(select(Deadline).where(Deadline.case_id == case_id)).all()
        clocks = {r.deadline_id: Clock.from_json(dict(r.clock)) for r in rows}
        fired_rows = s.exec(
            select(CaseEvent.action, func.count())
            .where(CaseEvent.case_id == case_id)
            .group_by(col(CaseEvent.action))
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
        if a.target is not None and not a.returns and not a.stays:
            for src in a.sources:
                if src != a.target:
                    into[a.target].add(src)
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
        elif a.target is not None:
            out.add(a.target)
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


def _uncovered_year(note: str | None, calendar: Any) -> bool:
    if not note:
        return False
    covered = set(calendar.covered_years())
    return any(int(y) not in covered for y in _MISSING_YEAR.findall(note))


def builtin_violations(
    procedure: Procedure,
    calendar: Any,
    before: Observed | None,
    after: Observed,
    outcome: str,
    tick_on: dt.date | None = None,
) -> list[Violation]:
    """The built-in invariants after one step whose outcome was `ok`, a refusal code or `tick` (a deadline
    scan as of `tick_on`)."""
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
        if dv.status == "running" and dv.due_on is None and not _uncovered_year(dv.note, calendar):
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


# ---------------------------------------------------------------------------- guards and invariants


class StoredCaseContext:
    """The guard functions' view of a stored case (engine.expr.GuardContext), built from what the
    checker observed; the checker's own adapter, so substituted values can be tried."""

    def __init__(
        self,
        procedure: Procedure,
        at: dt.date,
        documents: set[str],
        deadlines: Mapping[str, tuple[str, dt.date | None]],
        fired: Mapping[str, int],
        calendar: Any,
    ) -> None:
        self.procedure = procedure
        self.at = at
        self.documents = documents
        self.deadlines = dict(deadlines)
        self.fired = fired
        self.calendar = calendar

    def has_document(self, document_id: str) -> bool:
        return document_id in self.documents

    def deadline_due(self, deadline_id: str) -> dt.date | None:
        got = self.deadlines.get(deadline_id)
        return got[1] if got is not None else None

    def deadline_status(self, deadline_id: str) -> str | None:
        got = self.deadlines.get(deadline_id)
        return got[0] if got is not None else None

    def times_fired(self, action: str) -> int:
        return self.fired.get(action, 0)

    def param(self, name: str, at: dt.date | None = None) -> Any:
        p = self.procedure.params.get(name)
        return None if p is None else p.at(at or self.at)

    def but(
        self,
        documents: set[str] | None = None,
        deadlines: Mapping[str, tuple[str, dt.date | None]] | None = None,
    ) -> StoredCaseContext:
        return StoredCaseContext(
            self.procedure,
            self.at,
            self.documents if documents is None else documents,
            self.deadlines if deadlines is None else deadlines,
            self.fired,
            self.calendar,
        )


def context_of(procedure: Procedure, obs: Observed, at: dt.date, calendar: Any) -> StoredCaseContext:
    return StoredCaseContext(
        procedure,
        at,
        {d.document_id for d in obs.view.documents},
        {k: (v.status, v.due_on) for k, v in obs.view.deadlines.items()},
        obs.fired,
        calendar,
    )


def _unknown_due(exc: Exception, obs: Observed, calendar: Any) -> bool:
    """A guard failed only because a running deadline's due date needs an uncovered year (P5)."""
    return "no due date" in str(exc) and any(
        v.status == "running" and v.due_on is None and _uncovered_year(v.note, calendar)
        for v in obs.view.deadlines.values()
    )


def raises(check: Check, names: Mapping[str, Any], context: StoredCaseContext) -> GuardRuntimeError | None:
    """The error a guard raises on these values (None when it evaluates; a missing fact is not an error
    here: the runtime refuses it with a message that names the fact)."""
    try:
        evaluate(check.expr, Scope(dict(names), context))
    except MissingValue:
        return None
    except GuardRuntimeError as exc:
        return exc
    except ZhongcaiError:
        return None  # an uncovered calendar year (P5): unknown by design
    return None


def guard_checks(procedure: Procedure) -> Iterator[tuple[str, Check]]:
    """Every guard the runtime evaluates without refusing on an error: deadline `when:` and
    `produces ... when:` (an error there silently skips a deadline or a document)."""
    for d in procedure.deadlines.values():
        if d.when is not None:
            yield f"deadline '{d.id}' when", d.when
    for a in procedure.actions.values():
        for doc_id, check in a.produces_when:
            yield f"action '{a.id}' produces '{doc_id}' when", check


def guard_violations(procedure: Procedure, obs: Observed, at: dt.date, calendar: Any) -> list[Violation]:
    facts = with_defaults(procedure, dict(obs.view.facts))
    names = guard_names(procedure, facts, at, obs.view.stage, obs.view.opened_on)
    context = context_of(procedure, obs, at, calendar)
    out = []
    for where, check in guard_checks(procedure):
        exc = raises(check, names, context)
        if exc is not None and not _unknown_due(exc, obs, calendar):
            out.append(
                Violation("guard_raises", f"{where} '{check.source}' raises on the case's facts: {exc}")
            )
    return out


def refused_guard_violation(
    procedure: Procedure,
    obs: Observed,
    action: str,
    given: Mapping[str, Any],
    at: dt.date,
    calendar: Any,
    guard_source: str | None,
) -> Violation | None:
    """After a refusal by a guard: did the guard raise (rather than evaluate to false)?"""
    spec = procedure.actions.get(action)
    if spec is None or guard_source is None:
        return None
    facts = with_defaults(procedure, {**dict(obs.view.facts), **dict(given)})
    names = guard_names(procedure, facts, at, obs.view.stage, obs.view.opened_on)
    context = context_of(procedure, obs, at, calendar)
    for check in spec.when:
        if check.source != guard_source:
            continue
        exc = raises(check, names, context)
        if exc is not None and not _unknown_due(exc, obs, calendar):
            return Violation(
                "guard_raises",
                f"guard of '{action}' '{check.source}' raises on facts of the declared types: {exc}",
                comment="a guard must evaluate to true or false for every value its facts may take",
                last_as_do=True,
            )
    return None


# ---------------------------------------------------------------------------- author invariants


@dataclass
class _Reads:
    documents: list[str] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def _reads(expr: Expr) -> _Reads:
    r = _Reads()
    for node in walk(expr):
        if isinstance(node, Call) and node.args and isinstance(node.args[0], Literal):
            arg = str(node.args[0].value)
            if node.func == "has_document" and arg not in r.documents:
                r.documents.append(arg)
            elif node.func in ("deadline_due", "deadline_status") and arg not in r.deadlines:
                r.deadlines.append(arg)
        elif isinstance(node, Name) and node.id not in r.names:
            r.names.append(node.id)
    return r


def _holds(check: Check, names: Mapping[str, Any], context: StoredCaseContext) -> bool:
    try:
        return bool(evaluate(check.expr, Scope(dict(names), context)).value)
    except (GuardRuntimeError, ZhongcaiError):
        return False


def _fact_candidates(procedure: Procedure, name: str, current: Any) -> list[Any]:
    fact = procedure.facts[name]
    out: list[Any] = []
    if fact.type == "bool":
        out = [not current] if isinstance(current, bool) else [True, False]
    if fact.type == "date" and isinstance(current, dt.date):
        out += [current - dt.timedelta(days=k) for k in range(1, 60)]
    if fact.has_default:
        out.append(fact.default)
    for node in (n for c in procedure.invariants for n in walk(c.expr)):
        if isinstance(node, Literal) and node.value is not None:
            out.append(node.value)
    return [v for v in out if v != current]


def _counterfactual(
    procedure: Procedure, check: Check, obs: Observed, names: dict[str, Any], context: StoredCaseContext
) -> dict[str, Any] | None:
    """An `expect` naming a value under which the invariant holds (so it fails showing the observed)."""
    consequent = check.expr.right if isinstance(check.expr, Implies) else check.expr
    wanted = _reads(consequent)
    rest = _reads(check.expr)
    docs = set(context.documents)
    deadlines = dict(context.deadlines)

    def with_context(documents: set[str], dl: Mapping[str, tuple[str, dt.date | None]]) -> StoredCaseContext:
        return context.but(documents, dl)

    for reads in (wanted, rest):
        for doc in reads.documents:
            if doc not in docs and _holds(check, names, with_context(docs | {doc}, deadlines)):
                return {"documents": [doc]}
        for d_id in reads.deadlines:
            status, due = deadlines.get(d_id, ("stopped", None))
            tries: list[tuple[str, dt.date | None]] = []
            if due is not None:
                for k in range(1, 400):
                    tries += [
                        ("running", due - dt.timedelta(days=k)),
                        ("running", due + dt.timedelta(days=k)),
                    ]
            tries += [("stopped", None), ("paused", None)]
            for new in tries:
                if new != (status, due) and _holds(
                    check, names, with_context(docs, {**deadlines, d_id: new})
                ):
                    return {"deadlines": {d_id: new[1] if new[0] == "running" else new[0]}}
        for name in reads.names:
            if name in procedure.facts:
                for value in _fact_candidates(procedure, name, names.get(name)):
                    if _holds(check, {**names, name: value}, context):
                        return {"facts": {name: value}}
    for stage_id in procedure.stages:
        if stage_id != obs.view.stage and _holds(check, {**names, "stage": stage_id}, context):
            return {"stage": stage_id}
    return None


def author_violations(procedure: Procedure, obs: Observed, at: dt.date, calendar: Any) -> list[Violation]:
    facts = with_defaults(procedure, dict(obs.view.facts))
    names = guard_names(procedure, facts, at, obs.view.stage, obs.view.opened_on)
    context = context_of(procedure, obs, at, calendar)
    out = []
    for check in procedure.invariants:
        label = f"'{check.source}'" + (f" ({check.message})" if check.message else "")
        try:
            ok = bool(evaluate(check.expr, Scope(dict(names), context)).value)
        except GuardRuntimeError as exc:
            if _unknown_due(exc, obs, calendar):
                continue
            out.append(Violation("author_invariant", f"invariant {label} cannot be evaluated: {exc}"))
            continue
        except ZhongcaiError:
            continue  # an uncovered calendar year (P5)
        if ok:
            continue
        want = _counterfactual(procedure, check, obs, names, context)
        seen = {
            "stage": obs.view.stage,
            **{k: v.shown() for k, v in obs.view.deadlines.items() if k in _reads(check.expr).deadlines},
        }
        out.append(
            Violation(
                "author_invariant",
                f"invariant {label} is false (observed: "
                + ", ".join(f"{k}={v}" for k, v in seen.items())
                + ")",
                ({"expect": want},) if want is not None else ({"expect": {"stage": obs.view.stage}},),
                comment=f"invariant: {check.source}"
                + ("" if want is not None else "\n(no single expectation found that would make it hold)"),
            )
        )
    return out
