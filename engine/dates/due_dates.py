"""Due dates of deadline clocks, with their explanation (届满日及其计算说明).

Owns: `Step` (one bilingual line of an explanation), `Due` (date + status + steps), `due` (the due date
of a `Clock` with every step explained), `due_date` (the same computation without the explanation, for
scans), `counted_span` (the days a due date depends on, P5), `is_breached`, `breached_from`, `warn_on`, `latest_before`, `explain_latest_before`. The rules
are docs/law.md section 7: P2 start day excluded, `workdays` end on the Nth working day, other units
roll forward; P3 month ends; P5 a year without its State Council notice is counted provisionally on the statutory days
and weekends (`Due.provisional` names the years, a step says so), a year past that reach gives an unknown
due date (status "unknown"), never a guess; P6 extensions add to the unrolled end; P7 pauses (days: the end moves by resume - pause;
workdays: days in [pause, resume) do not count; while paused the due date is unknown); P8 a restart
counts from its new anchor; P9 backward periods; P10 breached from 00:00 Asia/Shanghai of the day after
the due date.
Stage in the flow: engine.dates.clocks (the clock data and operations, and the public home of these names:
import them from there) asks it for the due date before an extension; the runtime, the scheduler and
the audit read due dates through engine.dates.clocks.
May import: engine.errors, engine.dates.periods, engine.dates.calendar, engine.dates.statutory_days; engine.dates.clocks for the `Clock` type only
(engine.dates.clocks imports this module).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from engine.dates.calendar import WorkCalendar
from engine.dates.periods import Period, add_months
from engine.dates.statutory_days import FRAMEWORK as STATUTORY_FRAMEWORK
from engine.dates.statutory_days import PROVISIONAL_MARK
from engine.errors import YearNotCovered

if TYPE_CHECKING:
    from engine.dates.clocks import Clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
DueStatus = Literal["running", "paused", "stopped", "unknown"]
_DAY = dt.timedelta(days=1)
_WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a due date's explanation, in English and Chinese."""

    en: str
    zh: str

    def to_json(self) -> dict[str, str]:
        return {"en": self.en, "zh": self.zh}


@dataclass(frozen=True, slots=True)
class Due:
    """A computed due date.

    `status` is the clock's status (running, paused, stopped), except "unknown" for a running clock
    whose due date needs a year no calendar covers (P5; `missing_year` names it). `date` is None while
    an open pause holds the count (P7) or when the year is missing; a pause that began after the period
    had already ended does not hide the date. `unrolled` is the end before the roll (P2, P6).
    """

    date: dt.date | None
    status: DueStatus
    steps: tuple[Step, ...]
    unrolled: dt.date | None = None
    missing_year: int | None = None
    calendar_version: str = ""
    #: the years without their notice that the count went through (P5): the date is provisional
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        """The date stands until the State Council publishes the schedule of `provisional_years` (P5)."""
        return bool(self.provisional_years) and self.date is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "due": self.date.isoformat() if self.date else None,
            "status": self.status,
            "provisional": self.provisional,
            "provisional_years": list(self.provisional_years) if self.provisional else [],
            "unrolled": self.unrolled.isoformat() if self.unrolled else None,
            "missing_year": self.missing_year,
            "calendar": self.calendar_version,
            "steps": [s.to_json() for s in self.steps],
        }


def provisional_step(cal: WorkCalendar, years: tuple[int, ...]) -> Step:
    """The step that says which part of a provisional count is not yet known (P5)."""
    shown = "、".join(str(y) for y in years)
    regional = [cal.provisional_layer(y) for y in years if cal.provisional_layer(y) != cal.calendar_id]
    if regional and len(regional) == len(years):
        return Step(
            f"provisional: the regional rest days of {regional[0]} for {shown} are not yet published; "
            "counted on the national schedule alone (P5)",
            f"暂定：{shown}年本地休息日安排（{regional[0]}）尚未公布，按全国节假日安排计算，以公布的安排为准",
        )
    return Step(
        f"provisional: the State Council has not yet published the holiday schedule for {shown}; counted on "
        f"the statutory holidays of {STATUTORY_FRAMEWORK} and weekends alone, without its swaps (调休) (P5)",
        f"暂定：{shown}年节假日安排尚未公布，按《{STATUTORY_FRAMEWORK}》规定的法定节假日和周末计算，"
        f"未计调休{PROVISIONAL_MARK}",
    )


def counted_span(c: Clock, date: dt.date | None, unrolled: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """The days whose kind (working or not) the due date depends on: every counted day for working
    days, the roll for the other units (a calendar-day count does not look at the calendar)."""
    if date is None:
        return None
    if c.limit.unit == "workdays":
        return c.anchor + _DAY, date
    return (unrolled or date), date


def _rest_reason(cal: WorkCalendar, d: dt.date) -> tuple[str, str]:
    info = cal.day_info(d)
    if info.note is not None and info.regional:
        return f"a regional rest day ({info.note})", f"本地休息日（{info.note}）"
    if info.note is not None:
        return f"a holiday ({info.note})", f"法定节假日（{info.note}）"
    return f"a rest day ({_WEEKDAY_EN[d.weekday()]})", f"休息日（{_WEEKDAY_ZH[d.weekday()]}）"


def _skipped(cal: WorkCalendar, a: dt.date, b: dt.date) -> list[Step]:
    """Holidays skipped and make-up days counted in (a, b], one step per run of days."""
    if (b - a).days > 400:
        return []
    out = []
    for run in cal.runs(a + _DAY, b):
        span = str(run.start) if run.start == run.end else f"{run.start}..{run.end}"
        if run.workday:
            out.append(
                Step(f"{span} is a make-up working day ({run.note}): counted", f"{span}为{run.note}日，计入")
            )
        else:
            kind_en, kind_zh = (
                ("regional rest day", "本地休息日") if run.regional else ("holiday", "法定节假日")
            )
            out.append(
                Step(
                    f"{span} is a {kind_en} ({run.note}): not counted",
                    f"{span}为{kind_zh}（{run.note}），不计入",
                )
            )
    return out


def _compute(c: Clock, cal: WorkCalendar, steps: list[Step] | None) -> tuple[dt.date | None, dt.date | None]:
    """(due, unrolled end); due None while an open pause holds the clock. Raises YearNotCovered."""
    lim, a = c.limit, c.anchor
    extra = sum(p.n for _, p in c.extensions) if c.extensions else 0
    if steps is not None:
        steps.append(
            Step(f"anchor {a} (not counted); limit {lim}", f"起算日{a}（当日不计入），期限{lim.zh()}")
        )
        if c.restarted_on:
            steps.append(
                Step(
                    f"restarted on {c.restarted_on[-1]}: earlier time, pauses and extensions cleared (P8)",
                    f"{c.restarted_on[-1]}重新计算期限，此前已经过的期间、中止和延长均不再计算",
                )
            )
        for on, ext in c.extensions:
            steps.append(
                Step(
                    f"extended by {ext} on {on}, added to the unrolled end (P6)",
                    f"{on}决定延长{ext.zh()}，自未顺延的届满日起算",
                )
            )
    if lim.unit == "workdays":
        remaining, cursor = lim.n + extra, a
        for p, r in c.pauses:
            avail = cal.workdays_between(cursor, p - _DAY) if p - _DAY > cursor else 0
            if avail >= remaining:
                break
            remaining -= avail
            if r is None:
                if steps is not None:
                    steps.append(
                        Step(
                            f"paused on {p} with {remaining} working day(s) left: due date unknown until resumed (P7)",
                            f"{p}中止，尚余{remaining}个工作日，恢复前届满日无法确定",
                        )
                    )
                return None, None
            cursor = max(cursor, r - _DAY)
            if steps is not None:
                steps.append(
                    Step(
                        f"paused {p} to {r}: working days from {p} to the day before {r} not counted",
                        f"{p}至{r}中止，{p}起至{r}前一日的工作日不计入",
                    )
                )
        end = cal.add_workdays(cursor, remaining)
        if steps is not None:
            steps += _skipped(cal, a, end)
            steps.append(
                Step(
                    f"working day {lim.n + extra} after {a} is {end}",
                    f"{a}后第{lim.n + extra}个工作日为{end}",
                )
            )
        return end, end
    if lim.unit == "days":
        end = a + dt.timedelta(days=lim.n + extra)
    else:
        months = (lim.n + extra) * (12 if lim.unit == "years" else 1)
        end = add_months(a, months)
    if steps is not None:
        total = Period(lim.n + extra, lim.unit)
        note_en = note_zh = ""
        if lim.unit != "days" and end.day != a.day:
            note_en = f" ({end:%Y-%m} has no day {a.day}: last day of the month, P3)"
            note_zh = f"（该月无{a.day}日，以月末为届满日）"
        steps.append(Step(f"{a} + {total} = {end}{note_en}", f"{a}起{total.zh()}届满为{end}{note_zh}"))
    first = a + _DAY
    for p, r in c.pauses:
        s = max(p, first)
        if s > end:
            if steps is not None:
                steps.append(
                    Step(
                        f"paused on {p}, after the period had ended on {end}: no effect",
                        f"{p}中止时期间已于{end}届满，不影响届满日",
                    )
                )
            break
        if r is None:
            if steps is not None:
                steps.append(
                    Step(
                        f"paused on {p}: due date unknown until resumed (P7)",
                        f"{p}中止，恢复前届满日无法确定",
                    )
                )
            return None, None
        if r > s:
            end = end + (r - s)
            if steps is not None:
                steps.append(
                    Step(
                        f"paused {p} to {r}: {(r - s).days} day(s) added, end {end}",
                        f"{p}至{r}中止，顺延{(r - s).days}日，届满日为{end}",
                    )
                )
    rolled = cal.roll_forward(end)
    if steps is not None and rolled != end:
        why_en, why_zh = _rest_reason(cal, end)
        steps.append(Step(f"{end} is {why_en}: moved to {rolled}", f"{end}为{why_zh}，顺延至{rolled}"))
    return rolled, end


def due(c: Clock, calendar: WorkCalendar) -> Due:
    """The due date with every step explained. Never raises for an uncovered year: status 'unknown'."""
    steps: list[Step] = []
    status: DueStatus = c.status
    try:
        date, unrolled = _compute(c, calendar, steps)
    except YearNotCovered as exc:
        steps.append(
            Step(
                f"the due date is unknown: no holiday schedule for {exc.year} ({exc.calendar}); add it to {exc.overlay_path}",
                f"届满日无法确定：日历缺少{exc.year}年节假日安排（{exc.calendar}），请补充{exc.overlay_path}",
            )
        )
        return Due(
            None,
            "unknown" if c.status == "running" else status,
            tuple(steps),
            None,
            exc.year,
            calendar.version,
        )
    span = counted_span(c, date, unrolled)
    years = calendar.provisional_years(*span) if span is not None else ()
    if years:
        steps.append(provisional_step(calendar, years))
    if c.status == "stopped":
        steps.append(Step(f"stopped on {c.stopped_on}", f"{c.stopped_on}停止计算"))
    return Due(date, status, tuple(steps), unrolled, None, calendar.version, years)


def due_date(c: Clock, calendar: WorkCalendar) -> dt.date | None:
    """The due date alone (same rules as `due`, no explanation). Raises `YearNotCovered` (P5)."""
    return _compute(c, calendar, None)[0]


def _local_date(as_of: dt.date | dt.datetime) -> dt.date:
    if isinstance(as_of, dt.datetime):
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware (legal dates are Asia/Shanghai, P10)")
        return as_of.astimezone(SHANGHAI).date()
    return as_of


def is_breached(c: Clock, calendar: WorkCalendar, as_of: dt.date | dt.datetime) -> bool:
    """True from 00:00 Asia/Shanghai of the day after the due date (P10), unless met on time.

    A stopped clock counts as breached if it was stopped after its due date. An unknown due date
    (paused, or a year not covered) is not a breach; `zhongcai calendar check` reports the missing year.
    """
    try:
        d = due_date(c, calendar)
    except YearNotCovered:
        return False
    if d is None:
        return False
    day = _local_date(as_of)
    if c.status == "stopped":
        return c.stopped_on is not None and c.stopped_on > d and day > d
    return day > d


def breached_from(c: Clock, calendar: WorkCalendar) -> dt.datetime | None:
    """The instant a breach begins: 00:00 Asia/Shanghai on the day after the due date (P10)."""
    try:
        d = due_date(c, calendar)
    except YearNotCovered:
        return None
    return None if d is None else dt.datetime.combine(d + _DAY, dt.time(0), SHANGHAI)


def latest_before(d: dt.date, period: Period, calendar: WorkCalendar) -> dt.date:
    """The latest date that is at least `period` before `d`, `d` excluded (P9). No rolling backwards."""
    if period.unit == "workdays":
        return calendar.workdays_before(d, period.n)
    if period.unit == "days":
        return d - dt.timedelta(days=period.n)
    return add_months(d, -period.n * (12 if period.unit == "years" else 1))


def explain_latest_before(d: dt.date, period: Period, calendar: WorkCalendar) -> Due:
    """`latest_before` with its explanation; status 'unknown' when a year is not covered."""
    head = Step(f"{period} before {d} (that day not counted)", f"{d}前{period.zh()}（当日不计入）")
    try:
        latest = latest_before(d, period, calendar)
    except YearNotCovered as exc:
        return Due(
            None,
            "unknown",
            (
                head,
                Step(
                    f"unknown: no holiday schedule for {exc.year}; add it to {exc.overlay_path}",
                    f"无法确定：日历缺少{exc.year}年节假日安排，请补充{exc.overlay_path}",
                ),
            ),
            None,
            exc.year,
            calendar.version,
        )
    steps = [head]
    years: tuple[int, ...] = ()
    if period.unit == "workdays":
        steps += _skipped(calendar, latest - _DAY, d - _DAY)
        years = calendar.provisional_years(latest, d - _DAY)
    steps.append(Step(f"latest compliant date: {latest}", f"最迟应于{latest}"))
    if years:
        steps.append(provisional_step(calendar, years))
    return Due(latest, "running", tuple(steps), latest, None, calendar.version, years)


def warn_on(c: Clock, warn_before: Period, calendar: WorkCalendar) -> dt.date | None:
    """The day to warn: `warn_before` ahead of the due date; None while the due date is unknown."""
    try:
        d = due_date(c, calendar)
    except YearNotCovered:
        return None
    return None if d is None else latest_before(d, warn_before, calendar)
