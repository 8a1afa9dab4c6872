"""Deadline clocks: pure data plus pure operations; the public home of due dates (engine.dates.due_dates).

Owns: `Clock` (stored as JSON in the deadline row), `start_clock`, `pause`, `resume`, `restart`,
`stop`, `extend`. Every rule is docs/law.md section 7:
P6 extensions add to the unrolled end, only before expiry, within bound and count;
P7 pauses; P8 restart clears consumed time, pauses and extensions.
A refused operation raises `EventNotAllowed(code="deadline")` with a Chinese + English message.
The due date and its explanation (`Step`, `Due`, `due`, `due_date`, `is_breached`, `breached_from`,
`warn_on`, `latest_before`, `explain_latest_before`; P2, P3, P5, P7, P9, P10) are computed in
engine.dates.due_dates and re-exported here, so callers import every clock name from this module.
Stage in the flow: called by engine.cases.runtime on each action and by the scheduler/audit.
May import: engine.errors, engine.dates.periods, engine.dates.calendar, engine.dates.due_dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from engine.dates.calendar import WorkCalendar
from engine.dates.due_dates import (
    SHANGHAI,
    Due,
    DueStatus,
    Step,
    breached_from,
    due,
    due_date,
    explain_latest_before,
    is_breached,
    latest_before,
    warn_on,
)
from engine.dates.periods import Period, parse_period
from engine.errors import BadInput, EventNotAllowed

__all__ = [
    "SHANGHAI",
    "Clock",
    "ClockStatus",
    "Due",
    "DueStatus",
    "Step",
    "breached_from",
    "due",
    "due_date",
    "explain_latest_before",
    "extend",
    "is_breached",
    "latest_before",
    "pause",
    "restart",
    "resume",
    "start_clock",
    "stop",
    "warn_on",
]

ClockStatus = Literal["running", "paused", "stopped"]
_STATUSES: tuple[str, ...] = ("running", "paused", "stopped")
_UNIT_ZH = {"workdays": "个工作日", "days": "日", "months": "个月", "years": "年"}


@dataclass(frozen=True, slots=True)
class Clock:
    """The state of one deadline of one case. Never mutated: every operation returns a new clock."""

    deadline_id: str
    limit: Period
    anchor: dt.date
    status: ClockStatus = "running"
    pauses: tuple[tuple[dt.date, dt.date | None], ...] = ()
    extensions: tuple[tuple[dt.date, Period], ...] = ()
    restarted_on: tuple[dt.date, ...] = ()
    stopped_on: dt.date | None = None

    @property
    def last_event(self) -> dt.date:
        """The latest date recorded on the clock; later operations may not be dated before it."""
        days = [self.anchor, *(p for p, _ in self.pauses), *(r for _, r in self.pauses if r is not None)]
        days += [d for d, _ in self.extensions]
        if self.stopped_on is not None:
            days.append(self.stopped_on)
        return max(days)

    def to_json(self) -> dict[str, Any]:
        return {
            "deadline_id": self.deadline_id,
            "limit": str(self.limit),
            "anchor": self.anchor.isoformat(),
            "status": self.status,
            "pauses": [[p.isoformat(), r.isoformat() if r else None] for p, r in self.pauses],
            "extensions": [[d.isoformat(), str(n)] for d, n in self.extensions],
            "restarted_on": [d.isoformat() for d in self.restarted_on],
            "stopped_on": self.stopped_on.isoformat() if self.stopped_on else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Clock:
        """Rebuild a clock from `to_json()` output. Raises `BadInput` naming the bad field."""

        def day(v: Any, name: str) -> dt.date:
            try:
                return dt.date.fromisoformat(str(v))
            except ValueError:
                raise BadInput(f"clock field '{name}': '{v}' is not a date (YYYY-MM-DD)", name) from None

        def period(v: Any, name: str) -> Period:
            try:
                return parse_period(v)
            except ValueError as exc:
                raise BadInput(f"clock field '{name}': {exc}", name) from None

        try:
            status = str(data.get("status", "running"))
            if status not in _STATUSES:
                raise BadInput(
                    f"clock field 'status': '{status}' is not one of {', '.join(_STATUSES)}", "status"
                )
            return cls(
                deadline_id=str(data["deadline_id"]),
                limit=period(data["limit"], "limit"),
                anchor=day(data["anchor"], "anchor"),
                status=cast(ClockStatus, status),
                pauses=tuple(
                    (day(p, "pauses"), day(r, "pauses") if r else None) for p, r in data.get("pauses", [])
                ),
                extensions=tuple(
                    (day(d, "extensions"), period(n, "extensions")) for d, n in data.get("extensions", [])
                ),
                restarted_on=tuple(day(d, "restarted_on") for d in data.get("restarted_on", [])),
                stopped_on=day(data["stopped_on"], "stopped_on") if data.get("stopped_on") else None,
            )
        except KeyError as exc:
            raise BadInput(f"clock JSON lacks field {exc}", str(exc)) from None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, BadInput):
                raise
            raise BadInput(f"clock JSON is malformed: {exc}") from None


def _refuse(c: Clock, zh: str, en: str, **details: Any) -> EventNotAllowed:
    return EventNotAllowed(
        code="deadline",
        message=f"期限“{c.deadline_id}”：{zh} (deadline '{c.deadline_id}': {en})",
        details={"deadline": c.deadline_id, **{k: str(v) for k, v in details.items()}},
    )


def _check_order(c: Clock, at: dt.date, what_zh: str, what_en: str) -> None:
    if c.status == "stopped":
        raise _refuse(
            c,
            f"已于{c.stopped_on}停止计算，不能{what_zh}",
            f"it was stopped on {c.stopped_on}; it cannot be {what_en}",
            stopped_on=c.stopped_on,
        )
    last = c.last_event
    if at < last:
        raise _refuse(
            c,
            f"日期{at}早于该期限最近记录的日期{last}，请按时间顺序登记",
            f"{at} is before {last}, the clock's last recorded date; enter events in date order",
            last=last,
        )


def start_clock(deadline_id: str, limit: Period, at: dt.date) -> Clock:
    """A running clock anchored on `at` (the anchor day itself is never counted, P2)."""
    if limit.n < 0:
        raise ValueError(f"a deadline limit cannot be negative: {limit}")
    return Clock(deadline_id=deadline_id, limit=limit, anchor=at)


def pause(c: Clock, at: dt.date) -> Clock:
    """Stop the count from `at` (中止, 公告送达, 暂缓受理; P7)."""
    _check_order(c, at, "中止", "paused")
    if c.status == "paused":
        raise _refuse(
            c,
            f"已于{c.pauses[-1][0]}中止，请先恢复",
            f"already paused since {c.pauses[-1][0]}; resume it first",
        )
    return replace(c, status="paused", pauses=(*c.pauses, (at, None)))


def resume(c: Clock, at: dt.date) -> Clock:
    """Count again from `at` (the resume day counts). Resuming on the pause day is a zero-length pause."""
    _check_order(c, at, "恢复", "resumed")
    if c.status != "paused":
        raise _refuse(c, "未处于中止状态，无需恢复", "it is not paused; there is nothing to resume")
    start = c.pauses[-1][0]
    return replace(c, status="running", pauses=(*c.pauses[:-1], (start, at)))


def restart(c: Clock, at: dt.date) -> Clock:
    """New anchor `at`; consumed time, pauses and extensions are cleared (P8, R 46(1)-(5))."""
    _check_order(c, at, "重新计算", "restarted")
    return Clock(c.deadline_id, c.limit, at, "running", (), (), (*c.restarted_on, at), None)


def stop(c: Clock, at: dt.date) -> Clock:
    """The obligation is met or the stage is left: the clock stops for good."""
    _check_order(c, at, "停止", "stopped again")
    return replace(c, status="stopped", stopped_on=at)


def extend(c: Clock, at: dt.date, length: Period, up_to: Period, times: int, calendar: WorkCalendar) -> Clock:
    """Add `length` to the period (P6). Refused on a stopped clock, after expiry, past `up_to` (the total
    of all extensions), more than `times` times, or in another unit than the limit."""
    _check_order(c, at, "延长", "extended")
    if length.unit != c.limit.unit or up_to.unit != c.limit.unit:
        raise _refuse(
            c,
            f"延长期间须以与期限相同的单位计算（期限为{c.limit.zh()}，申请延长{length.zh()}）",
            f"an extension must be in the limit's unit ({c.limit}); got {length} (bound {up_to})",
        )
    if length.n <= 0:
        raise _refuse(
            c, f"延长期间须为正数，而非{length.zh()}", f"an extension must be positive, not {length}"
        )
    if len(c.extensions) >= times:
        raise _refuse(
            c,
            f"已延长{len(c.extensions)}次，最多允许{times}次",
            f"already extended {len(c.extensions)} time(s); at most {times} allowed",
            times=times,
        )
    used = sum(p.n for _, p in c.extensions)
    if used + length.n > up_to.n:
        raise _refuse(
            c,
            f"延长{length.zh()}超过上限{up_to.zh()}（已延长{used}{_UNIT_ZH[up_to.unit]}）",
            f"extending by {length} exceeds the bound of {up_to} (already extended: {used} {up_to.unit})",
            up_to=up_to,
        )
    current = due(c, calendar)
    if current.date is not None and at > current.date:
        zh_note, en_note = (
            ("（届满日为暂定）", " (a provisional due date, P5)") if current.provisional else ("", "")
        )
        raise _refuse(
            c,
            f"期限已于{current.date}届满{zh_note}，{at}不能再延长；延长须在届满前决定",
            f"it expired on {current.date}{en_note}; an extension on {at} is refused: it must be decided "
            "before expiry",
            due=current.date,
        )
    if (
        current.status == "unknown"
        and current.missing_year is not None
        and at >= dt.date(current.missing_year, 1, 1)
    ):
        raise _refuse(
            c,
            f"无法判断是否已届满：日历缺少{current.missing_year}年的节假日安排，请先补充{calendar.overlay_path}",
            f"cannot tell whether it has expired: the calendar lacks {current.missing_year}; "
            f"add it to {calendar.overlay_path} first",
        )
    return replace(c, extensions=(*c.extensions, (at, length)))
