"""The effective dates the checker's steps are drawn on: near holidays, on the bounds guards name, on due dates.

Owns: `StepDates`, the part of engine.proving.strategies' `Explorer` that draws dates: the holiday
and make-up-day anchors and the runs of days off of the covered years (`FIRST_DAY`..`LAST_DAY`), the
opening date (`open_date`), random non-decreasing effective dates that land on due dates, date facts,
holidays and the day after (`next_date`), the dates an action's guards compare `at` with (`_bounds`)
and the last working days before a holiday block for an action that starts or pauses a clock
(`_action_date`). Split out of engine.proving.strategies.
Stage in the flow: rule authors' checks (engine.proving.checker).
May import: engine.expr, engine.proving.guidance, engine.proving.invariants (Observed), hypothesis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from engine.expr import Expr, Scope, evaluate
from engine.proving.guidance import Guidance
from engine.proving.invariants import Observed

FIRST_DAY = dt.date(2024, 1, 1)
#: effective dates stay inside the covered years; due dates may reach 2027 ("unknown" by design, P5)
LAST_DAY = dt.date(2026, 12, 31)


class StepDates(Guidance):
    """The date draws of `Explorer` (engine.proving.strategies), which sets the attributes below."""

    #: holidays, make-up working days and year ends; runs of three or more days off with the working
    #: days before them; what each action's guards compare `at` with; actions that operate a clock
    anchors: list[dt.date]
    blocks: list[tuple[int, tuple[dt.date, ...]]]
    at_bounds: dict[str, list[Expr]]
    clock_actions: set[str]

    def _anchors(self) -> list[dt.date]:
        """Holidays, make-up working days and year ends of the covered years (2024-2026)."""
        out: list[dt.date] = []
        day = FIRST_DAY
        while day <= LAST_DAY:
            try:
                note = self.calendar.day_note(day)
            except Exception:  # an uncovered year: no anchors there
                note = None
            if note is not None or (day.month == 12 and day.day == 31):
                out.append(day)
            day += dt.timedelta(days=1)
        return out or [FIRST_DAY]

    def _blocks(self) -> list[tuple[int, tuple[dt.date, ...]]]:
        """Each run of three or more days off in the covered years (New Year, Spring Festival, Labour
        Day, National Day ...) as (its length, the last three working days before it, make-up days
        included)."""
        out: list[tuple[int, tuple[dt.date, ...]]] = []
        day, run = FIRST_DAY, 0
        before: list[dt.date] = []
        while day <= LAST_DAY:
            try:
                working = bool(self.calendar.is_workday(day))
            except Exception:
                break
            if working:
                if run >= 3:
                    out.append((run, tuple(before[-3:])))
                    before = []
                run = 0
                before.append(day)
            else:
                run += 1
            day += dt.timedelta(days=1)
        return out

    def _before_holiday(self, data: st.DataObject, day: dt.date) -> dt.date | None:
        """One of the last working days before a coming holiday block (long blocks preferred)."""
        ahead = [b for b in self.blocks if b[1] and b[1][-1] >= day]
        if not ahead:
            return None
        long = [b for b in ahead if b[0] >= 7]
        pool = long if long and data.draw(st.integers(0, 99), label="a long holiday") < 70 else ahead
        _, days = data.draw(st.sampled_from(pool), label="holiday block")
        choices = [d for d in days if d >= day]
        return data.draw(st.sampled_from(choices), label="day before it") if choices else None

    def open_date(self, data: st.DataObject) -> dt.date:
        if data.draw(st.integers(0, 99), label="open near a holiday") < 65:
            anchor = data.draw(st.sampled_from(self.anchors), label="anchor")
            day = anchor + dt.timedelta(days=data.draw(st.integers(-8, 8), label="offset"))
        else:
            span = (LAST_DAY - FIRST_DAY).days - 60
            day = FIRST_DAY + dt.timedelta(days=data.draw(st.integers(0, span), label="open day"))
        return min(max(day, FIRST_DAY), LAST_DAY)

    def next_date(
        self, data: st.DataObject, obs: Observed, day: dt.date, prefer_jump: bool = False
    ) -> dt.date:
        roll = data.draw(st.integers(0, 99), label="date")
        if prefer_jump:
            roll = 75 + roll // 4
        if roll < 45:
            return day
        if roll < 72:
            got = day + dt.timedelta(days=data.draw(st.integers(1, 7), label="days later"))
        elif roll < 90:
            targets = self._targets(obs, day)
            got = data.draw(st.sampled_from(targets), label="target date") if targets else day
        else:
            got = day + dt.timedelta(days=data.draw(st.integers(8, 60), label="days later"))
        return min(max(got, day), max(LAST_DAY, day))

    def _bounds(
        self, obs: Observed, day: dt.date, action: str, given: Mapping[str, Any] | None = None
    ) -> list[dt.date]:
        """The dates the action's guards compare `at` with, and the day after each (from `day` on),
        computed on the stored facts and the facts `given` with the step."""
        bounds: set[dt.date] = set()
        if action in self.at_bounds:
            names, context = self._scope(obs, day, given)
            for expr in self.at_bounds[action]:
                try:
                    value = evaluate(expr, Scope(names, context)).value
                except Exception:  # a bound that cannot be computed yet: no target
                    continue
                if isinstance(value, dt.date):
                    bounds |= {value, value + dt.timedelta(days=1)}
        return sorted(d for d in bounds if day <= d <= LAST_DAY)

    def _action_date(self, data: st.DataObject, obs: Observed, day: dt.date, action: str) -> dt.date:
        days = self._bounds(obs, day, action)
        if days and data.draw(st.integers(0, 99), label="on a bound its guard names") < 60:
            return data.draw(st.sampled_from(days), label="that day")
        if action in self.clock_actions and data.draw(st.integers(0, 99), label="before a holiday") < 30:
            got = self._before_holiday(data, day)
            if got is not None:
                return got
        return self.next_date(data, obs, day)

    def _targets(self, obs: Observed, day: dt.date) -> list[dt.date]:
        out: set[dt.date] = set()
        for v in obs.view.deadlines.values():
            if v.due_on is not None:
                out |= {v.due_on, v.due_on + dt.timedelta(days=1)}
        for fid, value in obs.view.facts.items():
            if isinstance(value, dt.date) and fid in self.procedure.facts:
                out |= {value, value + dt.timedelta(days=1)}
        out |= {
            a + dt.timedelta(days=k)
            for a in self.anchors
            if day <= a <= day + dt.timedelta(days=60)
            for k in (-1, 0, 1)
        }
        return sorted(d for d in out if day <= d <= LAST_DAY)
