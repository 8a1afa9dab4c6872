"""The working-day calendar: which days are working days, and O(1) arithmetic over them.

Owns: `WorkCalendar`, `get_calendar` (cached), `load_calendar` (uncached, any overlay path),
`DayRun`; what one day is by each source lives in engine.dates.day_sources. Pure date arithmetic; the deadline rules (start day excluded,
rolls, extensions, pauses) live in engine.dates.clocks.

Sources, in lookup order (docs/law.md P4-P5, ECOSYSTEM.md section 1):
1. a matching regional block of the overlay (make-up day, then rest day), most specific prefix last;
2. the overlay's national block for that year (make-up day, then holiday, else Monday-Friday);
3. the `chinesecalendar` package (State Council schedules 2004-2026, make-up days included);
4. a year none of these covers, from 2025 (the 2024 revision of 《全国年节及纪念日放假办法》) up to
   `PROVISIONAL_AHEAD` years past the last covered one, is counted **provisionally** (P5): weekends and
   the statutory holiday days (engine.dates.statutory_days) alone, no swaps. `provisional_years` says which
   years of a span are such; every caller that shows or acts on a date asks it (engine.dates.due_dates);
5. otherwise the year is not covered: `YearNotCovered` naming the year and the file. Never guess.
A region that declares rest days must declare every year from its `since:` on; a year it lacks is
counted provisionally on the national days alone (its own rest days not yet known).

Speed: one index over all covered years (a bytearray of flags, prefix sums of working days and the
sorted list of working-day ordinals), so `add_workdays`, `workdays_before`, `workdays_between` and
`roll_forward` are a few list lookups, whatever the period length.

May import: engine.errors, engine.dates.day_sources, engine.dates.overlay, engine.dates.statutory_days.

>>> cal = get_calendar("cn")
>>> cal.add_workdays(dt.date(2026, 9, 29), 5)      # Oct 1-7 off, Sat Oct 10 is a make-up day
datetime.date(2026, 10, 12)
>>> cal.day_note(dt.date(2026, 10, 3)), cal.day_note(dt.date(2026, 10, 10))
('国庆节', '调休上班')
>>> cal.roll_forward(dt.date(2026, 2, 21))
datetime.date(2026, 2, 24)
>>> cal.workdays_before(dt.date(2026, 5, 11), 5)   # P9: hearing notice; Sat May 9 counts
datetime.date(2026, 4, 30)
>>> cal.workdays_between(dt.date(2026, 9, 29), dt.date(2026, 10, 12))
5
>>> cal.provisional_years(dt.date(2026, 12, 28), dt.date(2027, 1, 5))   # 2027: no notice yet
(2027,)
>>> cal.day_note(dt.date(2027, 1, 1)), cal.is_workday(dt.date(2027, 1, 4))   # statutory day; a Monday
('元旦', True)
>>> cal.is_workday(dt.date(2040, 1, 4))
Traceback (most recent call last):
...
engine.errors.YearNotCovered: 日历 'cn' 没有 2040 年的节假日安排 (no holiday data for 2040): add the State Council notice for 2040 to procedures/calendars/cn.yaml
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from array import array
from dataclasses import dataclass
from pathlib import Path

from engine.dates.day_sources import (
    LIB_FIRST,
    LIB_LAST,
    LIB_VERSION,
    MAKEUP,
    DayInfo,
    classify_national,
    provisional_day,
)
from engine.dates.overlay import Overlay, RegionBlock, empty_overlay, read_overlay
from engine.dates.statutory_days import FIRST_YEAR as _STATUTORY_FIRST
from engine.dates.statutory_days import FRAMEWORK as STATUTORY_FRAMEWORK
from engine.dates.statutory_days import LAST_YEAR as _STATUTORY_LAST
from engine.errors import CalendarError, YearNotCovered

ROOT = Path(__file__).resolve().parents[2]
CALENDAR_DIR = ROOT / "procedures" / "calendars"
_REGION = re.compile(r"^\d{2}(\d{2}){0,2}$")
#: how many years past the last covered one are counted provisionally (P5); beyond: YearNotCovered
PROVISIONAL_AHEAD = 5


@dataclass(frozen=True, slots=True)
class DayRun:
    """Consecutive days with the same note (e.g. 2026-10-01..2026-10-07 国庆节, not working)."""

    start: dt.date
    end: dt.date
    note: str
    workday: bool
    regional: bool


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


class WorkCalendar:
    """A national calendar, optionally with one region's rest days. Immutable once built."""

    def __init__(
        self,
        calendar_id: str,
        region: str | None,
        overlay: Overlay,
        overlay_path: str,
        overlay_file: Path | None = None,
    ) -> None:
        self.calendar_id = calendar_id
        self.overlay_file = overlay_file  # the file read, if any (overlay_path is its display form)
        self.region = region
        self.overlay_path = overlay_path
        self.label = f"{calendar_id}/{region}" if region else calendar_id
        self._regions: list[RegionBlock] = sorted(
            (b for p, b in overlay.regions.items() if region and region.startswith(p)),
            key=lambda b: len(b.prefix),
        )
        self.version = (
            f"{self.label} chinesecalendar={LIB_VERSION} overlay={overlay_path}@{overlay.sha256[:12]}"
        )
        national = set(overlay.national) | (
            set(range(LIB_FIRST, LIB_LAST + 1)) if calendar_id == "cn" else set()
        )
        if not national:
            raise CalendarError(f"calendar '{calendar_id}' covers no year: add year blocks to {overlay_path}")
        self._lo = min(national)
        last = max(national)
        reach = min(last + PROVISIONAL_AHEAD, _STATUTORY_LAST) if last + 1 >= _STATUTORY_FIRST else last
        self._hi = max(last, reach)
        # year -> label of the layer that lacks it ("cn" national, "cn/45" regional): not countable
        self._missing: dict[int, str] = {}
        # year -> label of the layer that lacks it, counted provisionally (P5)
        self._provisional: dict[int, str] = {}
        for y in range(self._lo, self._hi + 1):
            lacking = calendar_id if y not in national else None
            if lacking is None:
                for rb in self._regions:
                    start = rb.strict_from
                    if start is not None and y >= start and y not in rb.years:
                        lacking = f"{calendar_id}/{rb.prefix}"
            if lacking is None:
                continue
            if _STATUTORY_FIRST <= y <= _STATUTORY_LAST:
                self._provisional[y] = lacking
            else:
                self._missing[y] = lacking
        self._bad = [0]
        for y in range(self._lo, self._hi + 1):
            self._bad.append(self._bad[-1] + (y in self._missing))
        self._national = frozenset(national)
        self._sources = {y: b.source for y, b in overlay.national.items()}
        self._regional_sources = {
            (rb.prefix, y): b.source for rb in self._regions for y, b in rb.years.items()
        }
        self._build(overlay)

    # -- index ----------------------------------------------------------------------------------
    def _classify(self, d: dt.date, overlay: Overlay) -> DayInfo:
        if d.year in self._provisional:
            if d.year not in self._national:  # P5: the statutory days and weekends alone, no swaps
                return provisional_day(d)
            # the national schedule is known, a region's own rest days are not yet: national days only
            return classify_national(d, overlay)
        for rb in reversed(self._regions):  # most specific prefix first
            block = rb.years.get(d.year)
            if block is not None:
                if d in block.workdays:
                    return DayInfo(True, MAKEUP, True)
                if d in block.holidays:
                    return DayInfo(False, block.holidays[d] or "地方休息日", True)
        return classify_national(d, overlay)

    def _build(self, overlay: Overlay) -> None:
        self._base = dt.date(self._lo, 1, 1).toordinal()
        self._end = dt.date(self._hi, 12, 31).toordinal()
        n = self._end - self._base + 1
        self._flags = bytearray(n)
        self._notes: dict[int, DayInfo] = {}
        cum = array("l", [0]) * (n + 1)  # cum[i] = working days among the first i days
        self._wd: list[int] = []  # ordinals of all working days, ascending
        count = 0
        for i in range(n):
            o = self._base + i
            d = dt.date.fromordinal(o)
            if d.year not in self._missing:
                info = self._classify(d, overlay)
                if info.workday:
                    self._flags[i] = 1
                    self._wd.append(o)
                    count += 1
                if info.note is not None:
                    self._notes[o] = info
            cum[i + 1] = count
        self._cum = cum

    def _require(self, first: int, last: int) -> None:
        """Raise `YearNotCovered` for the first uncovered year between two years (inclusive)."""
        if (
            first >= self._lo
            and last <= self._hi
            and self._bad[last - self._lo + 1] == self._bad[first - self._lo]
        ):
            return
        for y in range(first, last + 1):
            if y < self._lo or y > self._hi or y in self._missing:
                raise YearNotCovered(y, self._missing.get(y, self.calendar_id), self.overlay_path)

    def _next_year_missing(self, from_year: int) -> YearNotCovered:
        self._require(from_year, self._hi)
        return YearNotCovered(self._hi + 1, self.calendar_id, self.overlay_path)

    # -- queries ----------------------------------------------------------------------------------
    def covered_years(self) -> tuple[int, ...]:
        """Every year with its notice: national and, if any, regional data present (not provisional)."""
        return tuple(
            y for y in range(self._lo, self._hi + 1) if y not in self._missing and y not in self._provisional
        )

    def countable_years(self) -> tuple[int, ...]:
        """Every year this calendar can count in: the covered ones and the provisional ones (P5)."""
        return tuple(y for y in range(self._lo, self._hi + 1) if y not in self._missing)

    def provisional_years(self, first: dt.date, last: dt.date) -> tuple[int, ...]:
        """The years in [first, last] counted provisionally (P5: no notice yet), in order; () if none."""
        if not self._provisional or last < first:
            return ()
        return tuple(y for y in range(first.year, last.year + 1) if y in self._provisional)

    def provisional_layer(self, year: int) -> str | None:
        """Which layer lacks a provisional year: the calendar id (national) or "cn/45" (a region)."""
        return self._provisional.get(year)

    def sources(self, year: int) -> list[str]:
        """Where the year's days come from: the notice titles of the overlay, or the library."""
        self._require(year, year)
        if year in self._provisional and year not in self._national:
            national = f"暂定：《{STATUTORY_FRAMEWORK}》规定的法定节假日和周末（{year}年节假日安排尚未公布）"
        else:
            national = (
                self._sources.get(year)
                or f"chinesecalendar {LIB_VERSION} (国务院办公厅{year}年部分节假日安排的通知)"
            )
        regional = [f"{p}: {src}" for (p, y), src in self._regional_sources.items() if y == year]
        return [national, *regional]

    def is_workday(self, d: dt.date) -> bool:
        self._require(d.year, d.year)
        return bool(self._flags[d.toordinal() - self._base])

    def day_info(self, d: dt.date) -> DayInfo:
        self._require(d.year, d.year)
        o = d.toordinal()
        return self._notes.get(o) or DayInfo(bool(self._flags[o - self._base]), None)

    def day_note(self, d: dt.date) -> str | None:
        """The holiday's Chinese name, '调休上班', or a regional rest day; None for an ordinary day."""
        return self.day_info(d).note

    def roll_forward(self, d: dt.date) -> dt.date:
        """`d` if it is a working day, else the next working day (CPL 85, P2)."""
        self._require(d.year, d.year)
        i = d.toordinal() - self._base
        if self._flags[i]:
            return d
        j = self._cum[i]
        if j >= len(self._wd):
            raise self._next_year_missing(d.year)
        target = dt.date.fromordinal(self._wd[j])
        self._require(d.year, target.year)
        return target

    def add_workdays(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day after `d` (`d` itself not counted); `d` for n == 0."""
        if n <= 0:
            if n == 0:
                return d
            raise ValueError(f"add_workdays needs n >= 0, got {n}; use workdays_before")
        o = d.toordinal()
        first_year = d.year + (d.month == 12 and d.day == 31)
        if o + 1 < self._base or o + 1 > self._end:
            self._require(first_year, first_year)
        j = self._cum[o + 1 - self._base] + n - 1
        if j >= len(self._wd):
            raise self._next_year_missing(first_year)
        target = dt.date.fromordinal(self._wd[j])
        self._require(first_year, target.year)
        return target

    def workdays_before(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day counting back from `d`, `d` excluded (P9: latest date for a notice)."""
        if n <= 0:
            if n == 0:
                return d
            raise ValueError(f"workdays_before needs n >= 0, got {n}; use add_workdays")
        o = d.toordinal()
        last_year = d.year - (d.month == 1 and d.day == 1)
        if o - 1 < self._base or o - 1 > self._end:
            self._require(last_year, last_year)
        j = self._cum[o - self._base] - n
        if j < 0:
            raise YearNotCovered(self._lo - 1, self.calendar_id, self.overlay_path)
        target = dt.date.fromordinal(self._wd[j])
        self._require(target.year, last_year)
        return target

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative when b < a (the count of (b, a], negated)."""
        if b < a:
            return -self.workdays_between(b, a)
        if a == b:
            return 0
        oa, ob = a.toordinal(), b.toordinal()
        self._require(dt.date.fromordinal(oa + 1).year, b.year)
        return self._cum[ob - self._base + 1] - self._cum[oa - self._base + 1]

    def runs(self, first: dt.date, last: dt.date) -> list[DayRun]:
        """Days in [first, last] that carry a note, grouped into runs of the same note (for display)."""
        self._require(first.year, last.year)
        out: list[DayRun] = []
        for o in range(first.toordinal(), last.toordinal() + 1):
            info = self._notes.get(o)
            if info is None or info.note is None:
                continue
            day = dt.date.fromordinal(o)
            prev = out[-1] if out else None
            if (
                prev is not None
                and prev.end.toordinal() == o - 1
                and prev.note == info.note
                and prev.workday == info.workday
            ):
                out[-1] = DayRun(prev.start, day, prev.note, prev.workday, prev.regional)
            else:
                out.append(DayRun(day, day, info.note, info.workday, info.regional))
        return out


def overlay_path_for(calendar_id: str) -> Path:
    return CALENDAR_DIR / f"{calendar_id}.yaml"


def load_calendar(
    calendar_id: str = "cn", region: str | None = None, overlay_path: Path | None = None
) -> WorkCalendar:
    """Build a calendar (uncached). `overlay_path` defaults to procedures/calendars/<id>.yaml.

    Raises `CalendarError` for an unknown calendar or region code, `ProcedureInvalid` for a bad overlay.
    """
    if region is not None and not _REGION.match(region):
        raise CalendarError(
            f"地区代码 '{region}' 无效 (region code '{region}' is not valid): use 2, 4 or 6 digits of GB/T 2260, e.g. 45 or 450100"
        )
    path = overlay_path if overlay_path is not None else overlay_path_for(calendar_id)
    shown = _display(path)
    if path.is_file():
        overlay = read_overlay(path)
    elif calendar_id == "cn":
        overlay = empty_overlay(shown)
    else:
        raise CalendarError(f"未知日历 '{calendar_id}' (unknown calendar '{calendar_id}'): no file {shown}")
    return WorkCalendar(calendar_id, region, overlay, shown, path if path.is_file() else None)


@functools.lru_cache(maxsize=64)
def _cached(calendar_id: str, region: str | None, overlay_path: str | None, mtime: float) -> WorkCalendar:
    return load_calendar(calendar_id, region, Path(overlay_path) if overlay_path else None)


def get_calendar(
    calendar_id: str = "cn", region: str | None = None, overlay_path: Path | None = None
) -> WorkCalendar:
    """The calendar for an id and region, cached (rebuilt when the overlay file changes)."""
    path = overlay_path if overlay_path is not None else overlay_path_for(calendar_id)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _cached(calendar_id, region, str(path), mtime)
