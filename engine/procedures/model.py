"""The compiled procedure: immutable, validated, names resolved, guards parsed.

Owns: `Procedure` and its parts. Built only by engine.procedures.compiler from a resolved `ProcedureSpec`;
read by the runtime, the documents, the scheduler, the API and the checker. One `Procedure` per
procedure version, identified by `content_hash` (a hash of the resolved spec), and stored as a
snapshot so a case keeps the rules it was opened under.
May import: engine.errors, engine.dates.periods, engine.expr (node types only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from engine.dates.periods import Period
from engine.errors import Span

if TYPE_CHECKING:
    from engine.expr.nodes import Expr

FactType = Literal["money", "int", "decimal", "bool", "date", "text", "code", "claims", "texts"]


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    type: FactType
    title: str
    default: Any = None
    has_default: bool = False
    table: str | None = None
    min: Any = None
    max: Any = None
    #: identifier check of a text fact: "resident_id" or "uscc" (engine.codes.identifiers), or None
    check: str | None = None
    #: a descriptive fact that opening a case may state
    opening: bool = False
    #: the roles that may ever state it; None = any role of an action that takes it
    set_by: tuple[str, ...] | None = None
    #: the longest text it may hold (text facts, and each text of a claim item), in characters
    max_length: int = 0


@dataclass(frozen=True, slots=True)
class Param:
    id: str
    title: str
    type: str
    values: tuple[tuple[dt.date, Any], ...]  # sorted by date
    basis: str | None = None

    def at(self, day: dt.date) -> Any:
        """The value in force on `day`, or None before the first effective date."""
        current = None
        for since, value in self.values:
            if since <= day:
                current = value
            else:
                break
        return current


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    title: str
    initial: bool = False
    final: bool = False
    closure: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """A parsed guard with its refusal code and message."""

    source: str
    expr: Expr
    span: Span | None
    code: str = "guard"
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    title: str
    sources: tuple[str, ...]
    target: str | None  # None when `returns` or `stays`
    returns: bool
    roles: tuple[str, ...]
    requires: tuple[str, ...] = ()
    produces: tuple[str, ...] = ()
    #: documents of `produces` that are rendered only when their guard holds
    produces_when: tuple[tuple[str, Check], ...] = ()
    when: tuple[Check, ...] = ()
    needs: tuple[str, ...] = ()
    #: facts the caller may supply besides `needs`; every other fact is refused (code `facts`)
    takes: tuple[str, ...] = ()
    sets: tuple[tuple[str, Check], ...] = ()
    #: `stays: true`: the action leaves the case in its current stage (a reflexive transition)
    stays: bool = False
    #: `branches`: (stage, guard) tried in order before `target`; the first whose guard holds wins
    branches: tuple[tuple[str, Check], ...] = ()

    @property
    def destinations(self) -> tuple[str, ...]:
        """Every stage the action may move a case to (`branches`, then `target`); empty when it
        `returns` or `stays`."""
        if self.target is None or self.returns:
            return ()
        return (*dict.fromkeys([*(b for b, _ in self.branches), self.target]),)

    @property
    def accepts(self) -> tuple[str, ...]:
        """Every fact a caller may state with this action: `needs`, then `takes`."""
        return (*self.needs, *(f for f in self.takes if f not in self.needs))


@dataclass(frozen=True, slots=True)
class Extension:
    up_to: Period
    times: int
    by: str
    fact: str = "days"


@dataclass(frozen=True, slots=True)
class Deadline:
    id: str
    title: str
    limit: Period
    statutory: bool
    basis: str
    starts_on: tuple[str, ...]
    ends_on: tuple[str, ...] = ()
    pauses_on: tuple[str, ...] = ()
    resumes_on: tuple[str, ...] = ()
    restarts_on: tuple[str, ...] = ()
    extension: Extension | None = None
    warn_before: Period | None = None
    on_expiry: str | None = None  # None = record a breach (or nothing if `lapses`); else the action to fire
    when: Check | None = None
    responsible: str | None = None
    #: `on_expiry: lapse`: a party's window (答辩期, 起诉期); its expiry ends a right and is no breach
    lapses: bool = False
    #: effective date of the `on_expiry` action: "due" (the law deems it done ON the last day, e.g.
    #: deemed service, R 20 / CPL 95) or "next_day" (once the period has run out, P10)
    expiry_at: Literal["due", "next_day"] = "next_day"

    def expiry_effective_on(self, due_on: dt.date, as_of: dt.date) -> dt.date:
        """The effective date of the `on_expiry` action of a deadline due `due_on`, fired by a scan as of
        `as_of` (> due_on): the due date itself, or the day after it (never later than the scan)."""
        if self.expiry_at == "due":
            return due_on
        return min(due_on + dt.timedelta(days=1), as_of)


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    title: str
    kind: Literal["submitted", "generated"]
    template: str | None = None
    internal: bool = False
    publish: bool = False


@dataclass(frozen=True)
class Procedure:
    id: str
    version: str
    title: str
    calendar: str
    region: str | None
    extends: str | None
    roles: Mapping[str, Role]
    facts: Mapping[str, Fact]
    params: Mapping[str, Param]
    stages: Mapping[str, Stage]
    actions: Mapping[str, Action]
    deadlines: Mapping[str, Deadline]
    documents: Mapping[str, Document]
    invariants: tuple[Check, ...]
    backdating_roles: tuple[str, ...]
    backdating_within: Period
    case_number: str | None
    content_hash: str
    #: the resolved spec as plain JSON data: stored as the snapshot, recompiles to an equal Procedure
    snapshot: Mapping[str, Any] = field(repr=False, compare=False)
    #: dotted key path ("actions.accept.to") -> where it was written (file, line, col)
    provenance: Mapping[str, Span] = field(default_factory=dict, repr=False, compare=False)
    #: the files this procedure was resolved from, base first
    sources: tuple[str, ...] = ()

    @property
    def initial_stage(self) -> str:
        return next(s.id for s in self.stages.values() if s.initial)

    def final_stages(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages.values() if s.final)

    def deadlines_operated_by(self, action: str) -> dict[str, tuple[str, ...]]:
        """For an action id (or 'open'), which clock operations it performs on which deadlines."""
        ops: dict[str, list[str]] = {}
        for d in self.deadlines.values():
            for op, names in (
                ("start", d.starts_on),
                ("stop", d.ends_on),
                ("pause", d.pauses_on),
                ("resume", d.resumes_on),
                ("restart", d.restarts_on),
            ):
                if action in names:
                    ops.setdefault(d.id, []).append(op)
            if d.extension is not None and d.extension.by == action:
                ops.setdefault(d.id, []).append("extend")
        return {k: tuple(v) for k, v in ops.items()}
