"""The ONE shared `transitions` Machine per procedure version, and how a case's stage moves through it.

Owns: `machine_for(procedure)` (a cache keyed by content hash; never a Machine per case), `move`
(one stage change for one case on a lightweight per-call model) and `stage_refusal` (why an action
cannot leave the current stage). The machine is model-less (`model=None`, `auto_transitions=False`,
`send_event=True`): a call passes a `_Call` object holding the case's stage, the stage to return to,
and the guard callback, so the machine is shared safely by every case and thread.
Each guard runs as a transition condition that leaves its refusal on the call object, so a False
from the machine becomes an `EventNotAllowed` that says which guard failed and why (STYLE 2.2 step 5).
Stage in the flow: 6 (run). Only this module touches transitions.
May import: engine.errors, engine.procedures.model, transitions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from transitions import EventData, Machine

from engine.errors import EventNotAllowed
from engine.procedures.model import Procedure

_MACHINES: dict[str, Machine] = {}
_LOCK = threading.Lock()


class _Call:
    """The per-call model: one case's stage for the duration of one `move`."""

    __slots__ = ("state", "returns_to", "guard", "refusal", "branch")

    def __init__(
        self,
        stage: str,
        returns_to: str | None,
        guard: Callable[[], EventNotAllowed | None],
        branch: str | None = None,
    ) -> None:
        self.state = stage
        self.returns_to = returns_to
        self.guard = guard
        self.refusal: EventNotAllowed | None = None
        self.branch = branch


def _guards_hold(event: EventData) -> bool:
    call = event.model
    assert isinstance(call, _Call)
    if call.refusal is None:
        call.refusal = call.guard()
    return call.refusal is None


def _returns_to(dest: str) -> Callable[[EventData], bool]:
    def condition(event: EventData) -> bool:
        return bool(getattr(event.model, "returns_to", None) == dest)

    return condition


def _branch_is(dest: str) -> Callable[[EventData], bool]:
    def condition(event: EventData) -> bool:
        return bool(getattr(event.model, "branch", None) == dest)

    return condition


def _transitions(procedure: Procedure) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stage_ids = list(procedure.stages)
    for action in procedure.actions.values():
        for source in action.sources:
            if action.stays:
                out.append(
                    {"trigger": action.id, "source": source, "dest": source, "conditions": [_guards_hold]}
                )
            elif action.returns:
                for dest in stage_ids:
                    out.append(
                        {
                            "trigger": action.id,
                            "source": source,
                            "dest": dest,
                            "conditions": [_guards_hold, _returns_to(dest)],
                        }
                    )
            elif action.branches:
                for dest in action.destinations:
                    out.append(
                        {
                            "trigger": action.id,
                            "source": source,
                            "dest": dest,
                            "conditions": [_guards_hold, _branch_is(dest)],
                        }
                    )
            elif action.target is not None:
                out.append(
                    {
                        "trigger": action.id,
                        "source": source,
                        "dest": action.target,
                        "conditions": [_guards_hold],
                    }
                )
    return out


def machine_for(procedure: Procedure) -> Machine:
    """The shared machine of this procedure version (built once per content hash)."""
    machine = _MACHINES.get(procedure.content_hash)
    if machine is not None:
        return machine
    with _LOCK:
        machine = _MACHINES.get(procedure.content_hash)
        if machine is None:
            machine = Machine(
                model=None,
                states=list(procedure.stages),
                transitions=_transitions(procedure),
                initial=procedure.initial_stage,
                auto_transitions=False,
                send_event=True,
                ignore_invalid_triggers=False,
            )
            _MACHINES[procedure.content_hash] = machine
    return machine


def cached_machines() -> int:
    """How many machines exist (one per procedure version used; tests assert it never grows per case)."""
    return len(_MACHINES)


def can_leave(procedure: Procedure, stage: str, action: str) -> bool:
    """Whether the machine has a transition for `action` out of `stage`."""
    machine = machine_for(procedure)
    return action in machine.events and bool(machine.get_transitions(trigger=action, source=stage))


def move(
    procedure: Procedure,
    stage: str,
    action: str,
    returns_to: str | None,
    guard: Callable[[], EventNotAllowed | None],
    branch: str | None = None,
) -> str:
    """The stage after `action`, or `EventNotAllowed` (the guard's refusal, or `stage` when a return has
    nowhere to go). `branch` is the destination an action with `branches` chose (engine.cases.firing).
    The caller has already checked `can_leave`."""
    machine = machine_for(procedure)
    call = _Call(stage, returns_to, guard, branch)
    if machine.events[action].trigger(call):
        return str(call.state)
    if call.refusal is not None:
        raise call.refusal
    raise EventNotAllowed(
        "stage",
        f"无法确定返回的阶段 (nothing to return to from '{stage}': the case has no earlier stage to go back to)",
        action=action,
        stage=stage,
    )
