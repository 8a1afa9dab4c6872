"""Small stand-ins for the case and the calendar that guard functions read (tests only).

`FakeCalendar` is Monday-Friday with an optional set of holidays and make-up working days; it is
total (any date in range) and fast for large counts, so property tests can call it freely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class FakeCalendar:
    def __init__(self, holidays: Iterable[dt.date] = (), workdays: Iterable[dt.date] = ()) -> None:
        self.holidays = frozenset(holidays)
        self.extra = frozenset(workdays)

    def is_workday(self, d: dt.date) -> bool:
        if d in self.extra:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def _step(self, d: dt.date, n: int, sign: int) -> dt.date:
        if not self.holidays and not self.extra and n > 10:
            # plain Monday-Friday: jump whole weeks first (keeps huge counts fast)
            weeks = (n - 5) // 5
            d = d + dt.timedelta(days=7 * weeks * sign)
            n -= 5 * weeks
        while n > 0:
            d = d + dt.timedelta(days=sign)
            if self.is_workday(d):
                n -= 1
        return d

    def add_workdays(self, d: dt.date, n: int) -> dt.date:
        return self._step(d, n, 1)

    def workdays_before(self, d: dt.date, n: int) -> dt.date:
        return self._step(d, n, -1)

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        if b <= a:
            return 0
        days = (b - a).days
        weeks = days // 7 if not self.holidays and not self.extra else 0
        count, start = 5 * weeks, a + dt.timedelta(days=7 * weeks)
        return count + sum(
            1 for i in range(1, days - 7 * weeks + 1) if self.is_workday(start + dt.timedelta(days=i))
        )

    def roll_forward(self, d: dt.date) -> dt.date:
        while not self.is_workday(d):
            d += dt.timedelta(days=1)
        return d


@dataclass
class FakeCase:
    """A GuardContext over plain data."""

    documents: set[str] = field(default_factory=set)
    deadlines: Mapping[str, tuple[str, dt.date | None]] = field(default_factory=dict)
    fired: Mapping[str, int] = field(default_factory=dict)
    params: Mapping[str, Mapping[dt.date, Any]] = field(default_factory=dict)
    calendar: FakeCalendar = field(default_factory=FakeCalendar)
    register: Mapping[tuple[str, str], bool] | None = None

    def has_document(self, doc_id: str) -> bool:
        return doc_id in self.documents

    def deadline_due(self, deadline_id: str) -> dt.date | None:
        got = self.deadlines.get(deadline_id)
        return None if got is None else got[1]

    def deadline_status(self, deadline_id: str) -> str | None:
        got = self.deadlines.get(deadline_id)
        return None if got is None else got[0]

    def times_fired(self, action: str) -> int:
        return self.fired.get(action, 0)

    def on_register(self, name: str, post: str) -> bool | None:
        return self.register.get((name, post)) if self.register is not None else None

    def param(self, param_id: str, day: dt.date) -> Any:
        values = self.params.get(param_id, {})
        current = None
        for since in sorted(values):
            if since <= day:
                current = values[since]
        return current
