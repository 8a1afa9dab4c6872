"""What the rule author wrote, checked on an observed case: guards that raise, and the `invariants:`.

Owns: `StoredCaseContext` (the guard functions' view of an observed case, engine.expr.GuardContext,
with values that can be substituted) and `context_of`, `raises`, `guard_checks`, `guard_violations`
(a guard that raises on facts of the declared types: division by zero and the like; a missing fact is
a refusal, not a bug), `refused_guard_violation` (a refusal by a guard that raised rather than
evaluated to false) and `author_violations` (the procedure's `invariants:`, with an `expect` that fails
the same way: the value under which the invariant would have held, found by substitution). A guard
that fails only because a due date needs an uncovered calendar year (P5) is not a violation.
Stage in the flow: rule authors' checks, called by engine.proving.checker after each step, next to the
built-in invariants of engine.proving.invariants; engine.proving.strategies builds its guard context
with `context_of`.
May import: engine.procedures.model, engine.expr, engine.cases.guards, engine.cases.facts, engine.proving.invariants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.cases.facts import with_defaults
from engine.cases.guards import guard_names
from engine.errors import GuardRuntimeError, ZhongcaiError
from engine.expr import MissingValue, Scope, evaluate, walk
from engine.expr.nodes import Call, Expr, Implies, Literal, Name
from engine.procedures.model import Check, Procedure
from engine.proving.invariants import Observed, Violation, uncovered_year

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
        provisional: frozenset[str] = frozenset(),
    ) -> None:
        self.procedure = procedure
        self.at = at
        self.documents = documents
        self.deadlines = dict(deadlines)
        self.fired = fired
        self.calendar = calendar
        self.provisional = provisional

    def has_document(self, document_id: str) -> bool:
        return document_id in self.documents

    def deadline_due(self, deadline_id: str) -> dt.date | None:
        got = self.deadlines.get(deadline_id)
        return got[1] if got is not None else None

    def deadline_status(self, deadline_id: str) -> str | None:
        got = self.deadlines.get(deadline_id)
        return got[0] if got is not None else None

    def deadline_provisional(self, deadline_id: str) -> bool:
        return deadline_id in self.provisional

    def times_fired(self, action: str) -> int:
        return self.fired.get(action, 0)

    def on_register(self, name: str, post: str) -> bool | None:
        return None  # no register here: every name passes

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
            self.provisional,
        )


def context_of(procedure: Procedure, obs: Observed, at: dt.date, calendar: Any) -> StoredCaseContext:
    return StoredCaseContext(
        procedure,
        at,
        {d.document_id for d in obs.view.documents},
        {k: (v.status, v.due_on) for k, v in obs.view.deadlines.items()},
        obs.fired,
        calendar,
        frozenset(k for k, v in obs.view.deadlines.items() if v.provisional),
    )


def _unknown_due(exc: Exception, obs: Observed, calendar: Any) -> bool:
    """A guard failed only because a running deadline's due date needs an uncovered year (P5)."""
    return "no due date" in str(exc) and any(
        v.status == "running" and v.due_on is None and uncovered_year(v.note, calendar)
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
            elif (
                node.func in ("deadline_due", "deadline_status", "deadline_provisional")
                and arg not in r.deadlines
            ):
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
