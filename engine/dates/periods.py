"""Periods such as "45 days" or "5 workdays": parsing and printing.

Owns: `Unit`, `Period`, `parse_period`, `add_months` (P3: calendar months, no roll). Pure; no calendar knowledge (that is engine.dates.calendar).
May import: engine.errors.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Unit = Literal["workdays", "days", "months", "years"]
UNITS: tuple[Unit, ...] = ("workdays", "days", "months", "years")

_ALIASES: dict[str, Unit] = {
    "workday": "workdays",
    "workdays": "workdays",
    "working day": "workdays",
    "working days": "workdays",
    "wd": "workdays",
    "工作日": "workdays",
    "个工作日": "workdays",
    "day": "days",
    "days": "days",
    "calendar days": "days",
    "cd": "days",
    "日": "days",
    "天": "days",
    "自然日": "days",
    "month": "months",
    "months": "months",
    "个月": "months",
    "月": "months",
    "year": "years",
    "years": "years",
    "年": "years",
}

_PERIOD = re.compile(r"^\s*(\d+)\s*([A-Za-z\u4e00-\u9fff ]+?)\s*$")


@dataclass(frozen=True, slots=True)
class Period:
    """A length of time in one unit: `Period(45, "days")`."""

    n: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.n} {self.unit}"

    def zh(self) -> str:
        """The period in Chinese, e.g. '5个工作日', '45日', '1年'."""
        return {
            "workdays": f"{self.n}个工作日",
            "days": f"{self.n}日",
            "months": f"{self.n}个月",
            "years": f"{self.n}年",
        }[self.unit]


def parse_period(text: str | int) -> Period:
    """Parse "N UNIT"; singular and Chinese unit names are accepted.

    >>> parse_period("45 days")
    Period(n=45, unit='days')
    >>> parse_period("1 workday")
    Period(n=1, unit='workdays')
    >>> parse_period("5个工作日")
    Period(n=5, unit='workdays')
    >>> parse_period("forty days")
    Traceback (most recent call last):
    ...
    ValueError: 'forty days' is not a period: write a whole number and a unit, e.g. '5 workdays', '45 days', '1 year' (units: workdays, days, months, years)
    """
    raw = str(text)
    m = _PERIOD.match(raw)
    unit = _ALIASES.get(m.group(2).strip().lower()) if m else None
    if m is None or unit is None:
        raise ValueError(
            f"'{raw}' is not a period: write a whole number and a unit, e.g. '5 workdays', "
            f"'45 days', '1 year' (units: {', '.join(UNITS)})"
        )
    return Period(int(m.group(1)), unit)


def add_months(d: dt.date, months: int) -> dt.date:
    """Same day number `months` later (or earlier); the month's last day if it has no such day (P3).

    >>> add_months(dt.date(2024, 2, 29), 12), add_months(dt.date(2025, 1, 31), 1)
    (datetime.date(2025, 2, 28), datetime.date(2025, 2, 28))
    >>> add_months(dt.date(2026, 3, 31), -1)
    datetime.date(2026, 2, 28)
    """
    y, m0 = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m0 + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise OverflowError(f"year {year} is out of range")
    last = 31 if month == 12 else (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(d.day, last))
