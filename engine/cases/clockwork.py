"""Which clock operations an action performs on a case, and what the deadline rows then say.

Owns: `plan_ops` (the clock operations of one action: starts_on/ends_on/pauses_on/resumes_on/
restarts_on/extension, `when:` guards, and stopping every clock when the case enters a final stage),
`apply_ops` (performs recorded operations with engine.dates.clocks; used by the runtime AND by the replay
in engine.oversight.verify, so a deadline row always equals a replay of the event log), `row_values` (status,
due date, explanation, warning date of a deadline row; an unknown year gives due_on NULL and the
reason; a date counted through a year without its notice is `provisional`, P5) and `calendar_for`.
An operation is recorded in the event as `[deadline_id, op, args]`, e.g. `["award", "extend", {"n": 10}]`.
Stage in the flow: 6-7 (run, watch time).
May import: engine.errors, engine.dates.periods, engine.procedures.model, engine.dates.calendar, engine.dates.clocks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from engine.dates.calendar import get_calendar
from engine.dates.clocks import Clock, due, extend, pause, restart, resume, start_clock, stop
from engine.dates.clocks import warn_on as clock_warn_on
from engine.dates.periods import Period
from engine.errors import EventNotAllowed
from engine.procedures.model import Check, Procedure

Op = list[Any]  # [deadline_id, op, args]
#: how far before the due date a warning is raised when the deadline does not say (`warn_before`)
DEFAULT_WARN_BEFORE = Period(2, "workdays")


def calendar_for(procedure: Procedure, region_code: str | None) -> Any:
    """The working-day calendar of a case: the procedure's calendar with the case's regional days off."""
    return get_calendar(procedure.calendar, region=region_code or procedure.region)


def _status(clock: Clock) -> str:
    return str(clock.status)


def plan_ops(
    procedure: Procedure,
    action: str,
    facts: Mapping[str, Any],
    clocks: Mapping[str, Clock],
    *,
    entering_final: bool,
    holds: Callable[[Check], bool],
) -> list[Op]:
    """The clock operations `action` performs given the current clocks (pure; nothing is stored).

    `holds(check)` evaluates a deadline's `when:` guard. Operations that do not apply to a clock's
    state (stopping a clock never started, resuming a running one) are left out, so the event records
    only what happened. An extension that cannot be done is refused later, by `apply_ops`.
    """
    ops: list[Op] = []
    for deadline_id, names in procedure.deadlines_operated_by(action).items():
        deadline = procedure.deadlines[deadline_id]
        clock = clocks.get(deadline_id)
        status = _status(clock) if clock is not None else None
        for op in names:
            if op == "start":
                if deadline.when is None or holds(deadline.when):
                    ops.append([deadline_id, "start", {}])
                    status = "running"
            elif op == "stop" and status in ("running", "paused"):
                ops.append([deadline_id, "stop", {}])
                status = "stopped"
            elif op == "pause" and status == "running":
                ops.append([deadline_id, "pause", {}])
                status = "paused"
            elif op == "resume" and status == "paused":
                ops.append([deadline_id, "resume", {}])
                status = "running"
            elif op == "restart" and status in ("running", "paused"):
                ops.append([deadline_id, "restart", {}])
                status = "running"
            elif op == "extend":
                ext = deadline.extension
                n = facts.get(ext.fact) if ext is not None else None
                ops.append([deadline_id, "extend", {"n": n}])
    if entering_final:
        touched = {op[0] for op in ops if op[1] == "stop"}
        for deadline_id, clock in clocks.items():
            if deadline_id not in touched and _status(clock) in ("running", "paused"):
                ops.append([deadline_id, "stop", {}])
    return ops


def apply_ops(
    procedure: Procedure, clocks: Mapping[str, Clock], ops: list[Op], at: dt.date, calendar: Any
) -> dict[str, Clock]:
    """The clocks after performing `ops` on `at`. Raises `EventNotAllowed(code="deadline")` for an
    extension that is too long, too late, too often, or of a clock that is not running."""
    out = dict(clocks)
    for deadline_id, op, args in ops:
        deadline = procedure.deadlines[deadline_id]
        clock = out.get(deadline_id)
        if op == "start":
            out[deadline_id] = start_clock(deadline_id, deadline.limit, at)
            continue
        if clock is None:
            if op == "extend":
                raise EventNotAllowed(
                    "deadline",
                    f"期限“{deadline.title}”尚未开始计算，不能延长 (deadline '{deadline_id}' is not running)",
                    details={"deadline": deadline_id},
                )
            continue
        if op == "stop":
            out[deadline_id] = stop(clock, at)
        elif op == "pause":
            out[deadline_id] = pause(clock, at)
        elif op == "resume":
            out[deadline_id] = resume(clock, at)
        elif op == "restart":
            out[deadline_id] = restart(clock, at)
        elif op == "extend":
            out[deadline_id] = _extend(deadline_id, procedure, clock, at, args.get("n"), calendar)
    return out


def _extend(
    deadline_id: str, procedure: Procedure, clock: Clock, at: dt.date, n: Any, calendar: Any
) -> Clock:
    deadline = procedure.deadlines[deadline_id]
    ext = deadline.extension
    if ext is None:
        raise EventNotAllowed(
            "deadline", f"期限“{deadline.title}”不能延长 (deadline '{deadline_id}' has no extension)"
        )
    if _status(clock) != "running":
        raise EventNotAllowed(
            "deadline",
            f"期限“{deadline.title}”当前为 {_status(clock)}，不能延长 (only a running deadline can be extended)",
            details={"deadline": deadline_id},
        )
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise EventNotAllowed(
            "facts",
            f"延长期限需要事实 '{ext.fact}'：延长的{ext.up_to.unit}数 (give '{ext.fact}', a whole number of "
            f"{ext.up_to.unit}, at most {ext.up_to.n})",
            details={"deadline": deadline_id, "fact": ext.fact},
        )
    result: Clock = extend(clock, at, Period(n, ext.up_to.unit), ext.up_to, ext.times, calendar)
    return result


def row_values(procedure: Procedure, deadline_id: str, clock: Clock, calendar: Any) -> dict[str, Any]:
    """The columns of the deadline row for `clock`: status (running, paused, stopped), due date (None
    while paused or when the year is not covered, P5: the status stays running and `due_note` says
    why), the explained steps, the warning date."""
    deadline = procedure.deadlines[deadline_id]
    result = due(clock, calendar)
    values: dict[str, Any] = {
        "status": _status(clock),
        "due_on": result.date,
        "warn_on": None,
        "steps": [_step_text(s) for s in result.steps],
        "due_note": None,
        "clock": clock.to_json(),
        "calendar_version": str(result.calendar_version or getattr(calendar, "version", "")) or None,
        "provisional": result.provisional,
    }
    if result.date is None and result.missing_year is not None:
        values["due_note"] = (
            f"到期日暂无法确定：缺少{result.missing_year}年节假日安排 "
            f"(due date unknown: no holiday schedule for {result.missing_year} yet)"
        )
    if result.date is not None and values["status"] == "running":
        values["warn_on"] = clock_warn_on(clock, deadline.warn_before or DEFAULT_WARN_BEFORE, calendar)
    return values


def _step_text(step: Any) -> str:
    zh = getattr(step, "zh", None)
    en = getattr(step, "en", None)
    if zh and en:
        return f"{zh} ({en})"
    return str(zh or en or step)


def clocks_from_rows(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, Clock]:
    """Clocks from their stored JSON (deadline id -> clock JSON)."""
    return {k: Clock.from_json(dict(v)) for k, v in rows.items()}
