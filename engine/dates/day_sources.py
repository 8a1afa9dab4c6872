"""What one day is, by each source of the calendar: the overlay's national block, the `chinesecalendar`
package (State Council schedules it ships), and the provisional rule for a year with no notice yet (P5).

Owns: `DayInfo`, `MAKEUP`, `classify_national`, `provisional_day`, `library_conflicts` (overlay vs package),
and the package's tables read once (`LIB_FIRST`, `LIB_LAST`, `LIB_VERSION`). engine.dates.calendar builds
its index from these, adding the regional blocks on top.

May import: engine.errors, engine.dates.overlay, engine.dates.statutory_days, chinese_calendar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib.metadata import version as _pkg_version

import chinese_calendar as _cc

from engine.dates.overlay import Overlay
from engine.dates.statutory_days import statutory_days
from engine.errors import Diagnostic

MAKEUP = "调休上班"
LIB_FIRST = min(_cc.holidays).year
LIB_LAST = max(_cc.holidays).year
LIB_VERSION = _pkg_version("chinesecalendar")
_LIB_HOLIDAYS: dict[dt.date, str] = dict(_cc.holidays)
_LIB_WORKDAYS: frozenset[dt.date] = frozenset(_cc.workdays)
_LIB_NAMES: dict[str, str] = {h.value: h.chinese for h in _cc.Holiday}


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the calendar says about one day."""

    workday: bool
    note: str | None  # holiday name, '调休上班', regional rest day name; None for an ordinary day
    regional: bool = False  # the note comes from a regional block


def classify_national(d: dt.date, overlay: Overlay) -> DayInfo:
    """A day by the overlay's national block for its year, else by the chinesecalendar package."""
    nb = overlay.national.get(d.year)
    if nb is not None:
        if d in nb.workdays:
            return DayInfo(True, MAKEUP)
        if d in nb.holidays:
            return DayInfo(False, nb.holidays[d] or "节假日")
        return DayInfo(d.weekday() < 5, None)
    # The library's own rule (chinese_calendar.is_workday), read from its tables directly:
    # calling is_workday per day re-validates the year range each time (~50 us a day).
    if d in _LIB_WORKDAYS:
        return DayInfo(True, MAKEUP if d.weekday() >= 5 else None)
    name = _LIB_HOLIDAYS.get(d)
    if name is None:
        return DayInfo(d.weekday() < 5, None)
    return DayInfo(False, _LIB_NAMES.get(name, name))


def provisional_day(d: dt.date) -> DayInfo:
    """A day of a year whose State Council notice is not yet published (P5): a statutory holiday day or a
    weekend is a rest day, every other day a working day; no swaps.

    >>> provisional_day(dt.date(2027, 1, 1)), provisional_day(dt.date(2027, 1, 4)).workday
    (DayInfo(workday=False, note='元旦', regional=False), True)
    """
    name = statutory_days(d.year).get(d)
    return DayInfo(name is None and d.weekday() < 5, name)


def library_conflicts(overlay: Overlay) -> list[Diagnostic]:
    """Warnings (C020) for overlay years the library also covers but answers differently.

    The overlay wins (it may correct the library); the warning makes the difference visible in
    `zhongcai calendar check`, e.g. after upgrading chinesecalendar to a release with a new year.
    """
    out = []
    for year, block in sorted(overlay.national.items()):
        if not LIB_FIRST <= year <= LIB_LAST:
            continue
        differ = []
        d = dt.date(year, 1, 1)
        while d.year == year:
            mine = d in block.workdays or (d.weekday() < 5 and d not in block.holidays)
            if mine != (d in _LIB_WORKDAYS or (d.weekday() < 5 and d not in _LIB_HOLIDAYS)):
                differ.append(d)
            d += dt.timedelta(days=1)
        if differ:
            out.append(
                Diagnostic(
                    "C020",
                    f"year {year} differs from chinesecalendar {LIB_VERSION} on {len(differ)} day(s), "
                    f"first {differ[0]}: the overlay wins",
                    block.span,
                    severity="warning",
                    hint="check the State Council notice; remove the block if the library is right",
                )
            )
    return out
