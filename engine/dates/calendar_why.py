"""Why a calendar update moved a due date: the days whose kind the State Council notice changed.

Owns: `why_changed` (one Chinese line for a `calendar_update` event, e.g. "2027-02-09..2027-02-12
春节放假（国务院通知）；2027-02-20 调休上班"). For a date that was provisional (P5) it compares, over the
counted span (every counted day for working days, the roll for the other units), the provisional rule
(the provisional rule of engine.dates.calendar.provisional_day; national days only for a year whose
regional rest days were missing) with the current calendar; otherwise it names the calendar versions.
Stage in the flow: 7 (engine.oversight.calendar_apply).
May import: engine.dates.calendar, engine.dates.clocks, engine.dates.due_dates.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from engine.dates.calendar import WorkCalendar, get_calendar
from engine.dates.clocks import Clock, due
from engine.dates.day_sources import MAKEUP, provisional_day
from engine.dates.due_dates import counted_span

_DAY = dt.timedelta(days=1)
#: the provisional step of engine.dates.due_dates.provisional_step, as stored in a deadline row's steps
_PROVISIONAL = re.compile(r"暂定：([\d、]+)年(本地休息日)?")
_MAX_SPAN = 800


def _old_years(steps: Any) -> tuple[set[int], bool]:
    """(the years a provisional row counted provisionally, whether its regional days were the missing part)."""
    for text in steps or ():
        m = _PROVISIONAL.search(str(text))
        if m:
            return {int(y) for y in m.group(1).split("、") if y}, bool(m.group(2))
    return set(), False


def _span(clock: Clock, calendar: WorkCalendar, days: list[dt.date]) -> tuple[dt.date, dt.date] | None:
    if not days:
        return None
    last = max(days)
    counted = counted_span(clock, last, due(clock, calendar).unrolled)
    first = min([*days, *(counted[:1] if counted else [])])
    if (last - first).days > _MAX_SPAN:
        first = last - dt.timedelta(days=_MAX_SPAN)
    return first, last


def _runs(days: list[tuple[dt.date, str, bool]]) -> list[str]:
    out: list[tuple[dt.date, dt.date, str, bool]] = []
    for d, note, workday in days:
        if out and out[-1][1] + _DAY == d and out[-1][2] == note and out[-1][3] == workday:
            out[-1] = (out[-1][0], d, note, workday)
        else:
            out.append((d, d, note, workday))
    shown = []
    for a, b, note, workday in out:
        span = a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}"
        if workday or "本地休息日" in note:
            shown.append(f"{span} {note}")
        else:
            shown.append(f"{span} {note}放假（国务院通知）")
    return shown


def why_changed(
    calendar: WorkCalendar,
    clock: Clock,
    due_before: dt.date | None,
    due_after: dt.date | None,
    provisional_before: bool,
    steps_before: Any,
    version_before: str | None,
    version_after: str,
) -> str:
    """One line saying why the due date of `clock` went from `due_before` to `due_after`."""
    versions = (
        f"日历版本由 {version_before or '（未记录）'} 变为 {version_after} "
        f"(calendar changed from version {version_before or '(none)'} to {version_after})"
    )
    if not provisional_before:
        return versions
    years, regional = _old_years(steps_before)
    known = set(calendar.covered_years())
    years &= known
    span = _span(clock, calendar, [d for d in (due_before, due_after) if d is not None])
    if not years or span is None:
        return versions
    national = get_calendar(calendar.calendar_id) if regional else None
    differ: list[tuple[dt.date, str, bool]] = []
    d = span[0]
    while d <= span[1]:
        if d.year in years:
            if national is not None:
                was = national.is_workday(d)
            else:
                was = provisional_day(d).workday
            info = calendar.day_info(d)
            if was != info.workday:
                note = info.note or (MAKEUP if info.workday else "休息日")
                differ.append(
                    (d, note if info.workday or not info.regional else f"{note}（本地休息日）", info.workday)
                )
        d += _DAY
    shown = "、".join(str(y) for y in sorted(years))
    if not differ:
        return (
            f"{shown}年节假日安排已公布，届满日{'不变' if due_before == due_after else '重新计算'}，不再暂定"
        )
    return "；".join(_runs(differ))
