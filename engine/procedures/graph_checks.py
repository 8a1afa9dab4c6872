"""Static checks of the stage graph (E3xx): initial and final stages, reachability, dead ends,
actions out of final stages, deadlines that cannot stop or resume.

Owns: one function per check, named for what it rejects. Split from engine.procedures.checks (names, code
tables, templates, defaults, file ids); engine.procedures.compiler runs both. Decisions documented for authors
in docs/diagnostics.md: E306 (a deadline must be able to stop other than by closing the case), E305
(no action out of a final stage), and how `returns: true` counts for reachability.
Stage in the flow: 5 (compile).
May import: engine.errors, engine.procedures.dsl, engine.procedures.checks.
"""

from __future__ import annotations

from engine.errors import Diagnostic
from engine.procedures.checks import Where, enabled_actions, enabled_items
from engine.procedures.dsl import ProcedureSpec


def _edges(spec: ProcedureSpec) -> dict[str, set[str]]:
    """Stage -> stages an action can move a case to. A `returns` action goes back to any stage from
    which its source stage can be entered; a `stays` action leaves the case where it is."""
    stages = {k for k, _ in enabled_items(spec.stages)}
    into: dict[str, set[str]] = {s: set() for s in stages}
    out: dict[str, set[str]] = {s: set() for s in stages}
    for _, a in enabled_actions(spec):
        for dest in (*(b.to for b in a.branches), a.to):
            if dest in stages:
                for src in a.from_:
                    if src in stages and dest != src:
                        out[src].add(dest)
                        into[dest].add(src)
    for _, a in enabled_actions(spec):
        if a.returns:
            for src in a.from_:
                if src in stages:
                    out[src] |= into[src] - {src}
    return out


def check_initial_stage(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """Exactly one stage is `initial: true` (E301 none, E302 several)."""
    initial = [k for k, s in enabled_items(spec.stages) if s.initial]
    if not initial:
        return [
            Diagnostic(
                "E301",
                "没有初始阶段：no initial stage: mark the stage a new case starts in with 'initial: true'",
                where(("stages",), key=True),
                expected="exactly one stage with 'initial: true'",
            )
        ]
    return [
        Diagnostic(
            "E302",
            f"多个初始阶段：more than one initial stage: '{initial[0]}' and '{sid}'",
            where(("stages", sid, "initial")),
            expected="exactly one stage with 'initial: true'",
            hint=f"remove 'initial: true' from '{sid}'",
        )
        for sid in initial[1:]
    ]


def check_final_stages(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """At least one final stage (E308); an initial stage is not final (E309); finals carry a closure (W312)."""
    out = []
    stages = enabled_items(spec.stages)
    if stages and not any(s.final for _, s in stages):
        out.append(
            Diagnostic(
                "E308",
                "没有终结阶段：no final stage: a case could never be closed",
                where(("stages",), key=True),
                expected="at least one stage with 'final: true' and its 'closure' code",
            )
        )
    for sid, s in stages:
        if s.initial and s.final:
            out.append(
                Diagnostic(
                    "E309",
                    f"既初始又终结：stage '{sid}' is both initial and final",
                    where(("stages", sid, "final")),
                )
            )
        if s.final and s.closure is None:
            out.append(
                Diagnostic(
                    "W312",
                    f"终结阶段缺结案方式：final stage '{sid}' has no 'closure' code (monitoring cannot count how the case ended)",
                    where(("stages", sid), key=True),
                    expected="closure: a code of codes/closure_methods",
                    severity="warning",
                )
            )
        if not s.final and s.closure is not None:
            out.append(
                Diagnostic(
                    "E310",
                    f"非终结阶段有结案方式：stage '{sid}' has a 'closure' code but is not final",
                    where(("stages", sid, "closure")),
                    hint="add 'final: true' or remove 'closure'",
                )
            )
    return out


def check_unreachable_stages(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """Every stage can be reached from the initial stage by some sequence of actions (E303)."""
    initial = [k for k, s in enabled_items(spec.stages) if s.initial]
    if len(initial) != 1:
        return []
    edges = _edges(spec)
    seen = {initial[0]}
    todo = [initial[0]]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return [
        Diagnostic(
            "E303",
            f"阶段不可达：stage '{sid}' cannot be reached from the initial stage '{initial[0]}'",
            where(("stages", sid), key=True),
            hint=f"add an action with 'to: {sid}', or remove the stage",
        )
        for sid, _ in enabled_items(spec.stages)
        if sid not in seen
    ]


def check_dead_end_stages(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """A stage that is not final has at least one action that moves a case out of it (E304)."""
    edges = _edges(spec)
    return [
        Diagnostic(
            "E304",
            f"死胡同阶段：stage '{sid}' is not final but no action leads out of it: a case there would be stuck",
            where(("stages", sid), key=True),
            hint="add an action with 'from: " + sid + "', or mark the stage 'final: true' with a closure",
        )
        for sid, s in enabled_items(spec.stages)
        if not s.final and not edges.get(sid)
    ]


def check_actions_from_final_stages(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """No action starts in a final stage (E305): a closed case is not re-opened by the procedure."""
    finals = {k for k, s in enabled_items(spec.stages) if s.final}
    out = []
    for aid, a in enabled_actions(spec):
        for i, src in enumerate(a.from_):
            if src in finals:
                out.append(
                    Diagnostic(
                        "E305",
                        f"终结阶段之后的操作：action '{aid}' starts in final stage '{src}'; a closed case takes no further actions",
                        where(("actions", aid, "from", i)),
                        hint=f"remove '{src}' from 'from', or make '{src}' non-final",
                    )
                )
    return out


def check_unstoppable_deadlines(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """A deadline ends by an action, fires an action, or lapses on expiry (E306); a pause has a
    resume (E307)."""
    out = []
    actions = {k for k, _ in enabled_actions(spec)}
    for did, d in enabled_items(spec.deadlines):
        ends = [a for a in d.ends_on if a in actions]
        if not ends and d.on_expiry == "breach":
            out.append(
                Diagnostic(
                    "E306",
                    f"期限无法停止：deadline '{did}' can only end in a breach or by closing the case: nothing stops it",
                    where(("deadlines", did), key=True),
                    expected="'ends_on: [ACTION]' (the duty done), 'on_expiry: {fire: ACTION}' or 'on_expiry: lapse'",
                    hint="name the action that fulfils the duty under 'ends_on'",
                )
            )
        if d.pauses_on and not d.resumes_on:
            out.append(
                Diagnostic(
                    "E307",
                    f"期限只暂停不恢复：deadline '{did}' pauses but never resumes: a paused clock would stay paused for ever",
                    where(("deadlines", did, "pauses_on")),
                    expected="'resumes_on: [ACTION]'",
                )
            )
    return out
