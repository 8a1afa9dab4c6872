"""Static checks of who can state which fact (E224-E226): the facts an action's guards read must come from
somewhere, and an action may only take a fact its roles may state.

Owns: `check_fact_sources`. A fact can be set by opening a case (`opening: true`), by an action that
takes or needs it, or by an action's `sets:`. A guard of action A that reads a fact nothing can set before
A fires (no earlier action on any path through the stage graph, not A itself, not the opening) is E224
when the fact has no default (the guard reads null forever) and W225 when it has one (the guard always
sees the default). An action that takes a fact whose `set_by` names none of the action's roles is E226.
Stage in the flow: 4 (static checks), after compiling the guards (engine.procedures.compiler calls it).
May import: engine.errors, engine.procedures.model, engine.expr (node walking).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable

from engine.errors import Diagnostic, Span
from engine.expr import walk
from engine.expr.nodes import Name
from engine.procedures.model import Action, Procedure

Where = Callable[..., Span | None]


def _successors(proc: Procedure) -> dict[str, set[str]]:
    """The stage graph: the stages each stage can move to (`returns` goes back to any stage that leads
    into its source; `stays` stays)."""
    into: dict[str, set[str]] = defaultdict(set)
    for a in proc.actions.values():
        for dest in a.destinations:
            for s in a.sources:
                into[dest].add(s)
    out: dict[str, set[str]] = defaultdict(set)
    for a in proc.actions.values():
        for s in a.sources:
            if a.target is not None and not a.returns:
                out[s].update(a.destinations)
            elif a.returns:
                out[s] |= into[s]
            else:
                out[s].add(s)
    return out


def _reach(start: Iterable[str], succ: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = deque(seen)
    while todo:
        for nxt in succ.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _afters(a: Action, succ: dict[str, set[str]]) -> set[str]:
    """The stages a case can be in once `a` has fired."""
    if a.target is not None and not a.returns:
        return set(a.destinations)
    if a.returns:
        return set().union(*(succ.get(s, set()) for s in a.sources))
    return set(a.sources)


def _setters(proc: Procedure) -> dict[str, list[Action]]:
    out: dict[str, list[Action]] = defaultdict(list)
    for a in proc.actions.values():
        for fid in {*a.accepts, *(f for f, _ in a.sets)}:
            out[fid].append(a)
    return out


def check_fact_sources(proc: Procedure, where: Where) -> list[Diagnostic]:
    """E224/W225 for guards reading facts nothing can set before the action; E226 for `takes` against
    `set_by`."""
    out: list[Diagnostic] = []
    succ = _successors(proc)
    initial = [s.id for s in proc.stages.values() if s.initial]
    reachable = _reach(initial, succ)
    reach_from = {s: _reach([s], succ) for s in proc.stages}
    setters = _setters(proc)
    opening = {f.id for f in proc.facts.values() if f.opening}
    for aid, a in proc.actions.items():
        own = set(a.accepts) | {f for f, _ in a.sets}
        reported: set[str] = set()
        for i, check in enumerate(a.when):
            for node in walk(check.expr):
                if not isinstance(node, Name) or node.id not in proc.facts or node.id in reported:
                    continue
                fid = node.id
                if fid in opening or fid in own:
                    continue
                earlier = any(
                    b.id != aid
                    and any(s in reachable for s in b.sources)
                    and any(src in reach_from[t] for t in _afters(b, succ) for src in a.sources)
                    for b in setters.get(fid, ())
                )
                if earlier:
                    continue
                reported.add(fid)
                fact = proc.facts[fid]
                out.append(
                    Diagnostic(
                        "W225" if fact.has_default else "E224",
                        f"守卫读取的事实无从记录：a guard of action '{aid}' reads fact '{fid}', which neither "
                        f"the opening nor any action before '{aid}' can set"
                        + (f" (it always sees its default {fact.default!r})" if fact.has_default else ""),
                        check.span or where(("actions", aid, "when", i)),
                        hint=f"add '{fid}' to the 'takes' of the action that records it (or of '{aid}'), "
                        f"or mark it 'opening: true'",
                        severity="warning" if fact.has_default else "error",
                    )
                )
        for j, fid in enumerate(a.takes):
            taken = proc.facts.get(fid)
            if taken is None or taken.set_by is None or set(taken.set_by) & set(a.roles):
                continue
            out.append(
                Diagnostic(
                    "E226",
                    f"操作的角色不能记录该事实：action '{aid}' takes fact '{fid}', which only "
                    f"{', '.join(taken.set_by)} may state, and none of its roles ({', '.join(a.roles)}) may",
                    where(("actions", aid, "takes", j)),
                    hint=f"remove '{fid}' from the 'takes' of '{aid}', or add a role to its 'set_by'",
                )
            )
    return out
