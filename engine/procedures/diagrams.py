"""The static views of a procedure's stage graph: its `transitions` configuration and its Mermaid diagram.

Owns: `machine_config`, the ONE shared `transitions` configuration of a procedure version, and
`mermaid_diagram`. `returns: true` actions have a dynamic target (back to the stage the case was in
before its current stage). The runtime's shared machine (engine.procedures.machines) expands them into
one transition per possible destination guarded by the remembered stage; `machine_config` here is the
static view used by diagrams and tools, where they are reflexive (`dest: "="`), as are `stays: true`
actions. docs/diagnostics.md documents this for rule authors. Split out of engine.procedures.compiler.
May import: engine.procedures.model.
"""

from __future__ import annotations

from typing import Any

from engine.procedures.model import Procedure


def machine_config(procedure: Procedure) -> dict[str, Any]:
    """Keyword arguments for a `transitions.Machine` of this procedure version (static view).

    `transitions.Machine(model=None, **machine_config(proc))` (also `GraphMachine` for diagrams).
    Each action becomes one transition per source stage; `returns`/`stays` actions are reflexive
    (`dest: "="`). The runtime (engine.procedures.machines) builds its own guarded machine from the same
    Procedure, resolving `returns` with conditions on the remembered stage.
    """
    transitions = []
    for a in procedure.actions.values():
        for src in a.sources:
            for dest in a.destinations or ("=",):
                transitions.append({"trigger": a.id, "source": src, "dest": dest})
    return {
        "states": list(procedure.stages),
        "initial": procedure.initial_stage,
        "transitions": transitions,
        "auto_transitions": False,
        "send_event": True,
        "ignore_invalid_triggers": False,
    }


def mermaid_diagram(procedure: Procedure) -> str:
    """The stage graph as Mermaid `stateDiagram-v2` text (ASCII ids, Chinese titles as labels)."""
    out = ["stateDiagram-v2"]
    for s in procedure.stages.values():
        out.append(f'    state "{s.title.replace(chr(34), "")}" as {s.id}')
    out.append(f"    [*] --> {procedure.initial_stage}")
    into: dict[str, set[str]] = {}
    for a in procedure.actions.values():
        for dest in a.destinations:
            for src in a.sources:
                into.setdefault(dest, set()).add(src)
    for a in procedure.actions.values():
        label = f"{a.id} {a.title}".replace(":", " ")
        for src in a.sources:
            if a.returns:
                for back in sorted(into.get(src, ())):
                    out.append(f"    {src} --> {back}: {label} (返回)")
            else:
                for dest in a.destinations or (src,):
                    out.append(f"    {src} --> {dest}: {label}")
    for s in procedure.stages.values():
        if s.final:
            out.append(f"    {s.id} --> [*]")
    return "\n".join(out) + "\n"
