"""Guards evaluated against one case: the names a guard sees and the `GuardContext` it may call.

Owns: `CaseGuardContext` (has_document, calendar, deadline_due, deadline_status, deadline_provisional,
times_fired, on_register, param for
engine.expr functions), `guard_names` (facts with defaults, params in force on the effective date,
`at`, `stage`) and `check_refusal` (a `Check` -> None when it holds, else the `EventNotAllowed` whose
message is the check's own Chinese message plus the evaluator's explanation).
Stage in the flow: 6 (run).
May import: engine.errors, engine.procedures.model, engine.expr, engine.cases.casefile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import EventNotAllowed, GuardRuntimeError
from engine.expr import Scope, evaluate
from engine.procedures.model import Check, Procedure


class CaseGuardContext:
    """What a guard function may read about the case (documents, deadlines, history, params)."""

    def __init__(
        self,
        procedure: Procedure,
        *,
        at: dt.date,
        documents: Callable[[], set[str]],
        deadlines: Mapping[str, tuple[str, dt.date | None]],
        fired: Callable[[], Mapping[str, int]],
        calendar: Any,
        provisional: frozenset[str] = frozenset(),
        register: Callable[[str, str], bool | None] = lambda _name, _post: None,
    ) -> None:
        self.procedure = procedure
        self._register = register
        self.at = at
        self._documents = documents
        self._deadlines = deadlines
        self._provisional = provisional
        self._fired = fired
        self.calendar = calendar

    def has_document(self, document_id: str) -> bool:
        return document_id in self._documents()

    def deadline_due(self, deadline_id: str) -> dt.date | None:
        got = self._deadlines.get(deadline_id)
        return got[1] if got is not None else None

    def deadline_status(self, deadline_id: str) -> str | None:
        got = self._deadlines.get(deadline_id)
        return got[0] if got is not None else None

    def deadline_provisional(self, deadline_id: str) -> bool:
        return deadline_id in self._provisional

    def times_fired(self, action: str) -> int:
        return self._fired().get(action, 0)

    def on_register(self, name: str, post: str) -> bool | None:
        return self._register(name, post)

    def param(self, name: str, at: dt.date | None = None) -> Any:
        p = self.procedure.params.get(name)
        return None if p is None else p.at(at or self.at)


def guard_names(
    procedure: Procedure,
    facts: Mapping[str, Any],
    at: dt.date,
    stage: str,
    opened_on: dt.date | None = None,
    role: str = "",
) -> dict[str, Any]:
    """The names a guard may use: params in force on `at`, then the facts, then `at`, `stage`,
    `opened_on` (the day the application was received; `at` itself while the case is being opened) and
    `role` (the role doing the action: 'system' for the deadline scan, '' where no one acts)."""
    names: dict[str, Any] = {p.id: p.at(at) for p in procedure.params.values()}
    names.update(facts)
    names["at"] = at
    names["stage"] = stage
    names["opened_on"] = opened_on if opened_on is not None else at
    names["role"] = role
    return names


def check_refusal(
    check: Check, names: Mapping[str, Any], context: CaseGuardContext, *, action: str, stage: str
) -> EventNotAllowed | None:
    """None when `check` holds; otherwise the refusal (code from the check, message + explanation)."""
    try:
        outcome = evaluate(check.expr, Scope(dict(names), context))
    except GuardRuntimeError as exc:
        return EventNotAllowed(
            check.code,
            f"{check.message or '条件无法判断'}：{exc} (the guard '{check.source}' cannot be evaluated: {exc})",
            action=action,
            stage=stage,
            details={"guard": check.source},
        )
    if bool(outcome.value):
        return None
    lead = check.message or f"条件不成立：{check.source}"
    return EventNotAllowed(
        check.code,
        f"{lead}（{outcome.explain()}）",
        action=action,
        stage=stage,
        details={"guard": check.source},
    )


def holds(check: Check, names: Mapping[str, Any], context: CaseGuardContext) -> bool:
    """Whether a guard holds (a guard that cannot be evaluated does not hold)."""
    try:
        return bool(evaluate(check.expr, Scope(dict(names), context)).value)
    except GuardRuntimeError:
        return False
