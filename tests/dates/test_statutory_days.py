"""The statutory holiday days (FJ 2024, art 2) computed for any year agree with the State Council's
published schedules where they are encoded (2025, 2026), and hold their shape for every year."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.dates.statutory_days import FIRST_YEAR, LAST_YEAR, YearOutsideFramework, statutory_days


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_is_a_holiday_of_the_published_schedule(year: int) -> None:
    days = statutory_days(year)
    assert len(days) == 13
    assert all(chinese_calendar.is_holiday(day) for day in days), [
        d for d in days if not chinese_calendar.is_holiday(d)
    ]


def test_2026_spring_festival_starts_on_new_years_eve() -> None:
    spring = [d for d, n in statutory_days(2026).items() if n == "春节"]
    assert spring == [dt.date(2026, 2, 16) + dt.timedelta(days=i) for i in range(4)]


@given(st.integers(FIRST_YEAR, LAST_YEAR))
def test_the_shape_holds_every_year(year: int) -> None:
    days = statutory_days(year)
    names = list(days.values())
    assert names.count("元旦") == 1 and names.count("劳动节") == 2 and names.count("清明") == 1
    assert names.count("春节") == 4 and names.count("端午") == 1 and names.count("中秋") == 1
    assert 2 <= names.count("国庆") <= 3  # 中秋 may fall on 1-3 October
    spring = [d for d, n in days.items() if n == "春节"]
    assert dt.date(year, 1, 20) <= spring[0] <= dt.date(year, 2, 20)
    assert all(b - a == dt.timedelta(days=1) for a, b in zip(spring, spring[1:], strict=False))
    assert dt.date(year, 4, 4) <= next(d for d, n in days.items() if n == "清明") <= dt.date(year, 4, 6)
    assert all(d.year == year for d in days)


def test_a_year_outside_the_framework_is_refused() -> None:
    with pytest.raises(YearOutsideFramework):
        statutory_days(2024)
