"""The statutory holiday days of 《全国年节及纪念日放假办法》 (2024 revision, art 2) for any year: the days
that are law before the State Council announces the year's schedule (docs/law.md P5 and section 9).

Owns: `PROVISIONAL_MARK` (what follows a provisional date in a document), `statutory_days(year)` (date -> festival name, 13 days from 2025): 元旦 1 January; 春节 lunar New
Year's Eve and the 1st-3rd days of the first lunar month; 清明 the day of the solar term; 劳动节 1-2 May;
端午 the 5th of the fifth lunar month; 中秋 the 15th of the eighth lunar month; 国庆 1-3 October. Lunar
dates come from `lunardate` (tables 1900-2099), the 清明 solar term from `chinesecalendar`: computed,
never typed. The State Council's extensions and swaps (调休) are not law and are not here.
Stage in the flow: 2 (calendar), beside engine.dates.calendar.
May import: nothing of the engine.
"""

from __future__ import annotations

import datetime as dt
import functools

import chinese_calendar
from lunardate import LunarDate

#: printed after a provisional date (one counted on these days alone, before the notice) in documents
PROVISIONAL_MARK = "（暂定，以国务院公布的节假日安排为准）"
#: the revision of the framework whose days these are: 春节 gained New Year's Eve, 劳动节 2 May (2025)
FRAMEWORK = "全国年节及纪念日放假办法（2024年修订）"
FIRST_YEAR = 2025
LAST_YEAR = 2099


class YearOutsideFramework(ValueError):
    """A year before the 2024 revision took effect or past the lunar tables."""


@functools.cache
def statutory_days(year: int) -> dict[dt.date, str]:
    """The statutory holiday days of `year`, in date order.

    >>> days = statutory_days(2027)
    >>> [(d.isoformat(), n) for d, n in days.items() if n in ("春节", "清明", "端午", "中秋")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('2027-02-05', '春节'), ('2027-02-06', '春节'), ('2027-02-07', '春节'), ('2027-02-08', '春节'),
     ('2027-04-05', '清明'), ('2027-06-09', '端午'), ('2027-09-15', '中秋')]
    >>> len(days)
    13
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise YearOutsideFramework(
            f"{year} 年不在《{FRAMEWORK}》的计算范围内（{FIRST_YEAR}–{LAST_YEAR}） "
            f"(the statutory days are computed for {FIRST_YEAR}-{LAST_YEAR})"
        )
    new_year = LunarDate(year, 1, 1).toSolarDate()
    qingming = next(
        day
        for day, name in chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
        if name == "清明"
    )
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    for offset in range(-1, 3):  # New Year's Eve (the last day of the twelfth month, 29th or 30th) to the 3rd
        days[new_year + dt.timedelta(days=offset)] = "春节"
    days[qingming] = "清明"
    days[dt.date(year, 5, 1)] = "劳动节"
    days[dt.date(year, 5, 2)] = "劳动节"
    days[LunarDate(year, 5, 5).toSolarDate()] = "端午"
    days[LunarDate(year, 8, 15).toSolarDate()] = "中秋"
    for day in (1, 2, 3):
        days.setdefault(dt.date(year, 10, day), "国庆")  # 中秋 on 1-3 October keeps its own name
    return dict(sorted(days.items()))
