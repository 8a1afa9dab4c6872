"""Due-date computations per second, against the naive day-by-day loop measured in the same run.

Run: .venv/bin/python bench/calendar_bench.py [--cases N] [--seed S]

Cases: random anchors 2005-2025 with periods from 5 days to 1 year in every unit (5/10 workdays,
15/30/45/60 days, 3/6 months, 1 year). Four figures:
- `due_date` (engine.dates.clocks, the scan path: the index, no explanation);
- `due` (the same plus the bilingual explanation of every step);
- the calendar index alone (`add_workdays` / `roll_forward`);
- the naive baseline: walk day by day asking `chinese_calendar.is_workday` (what a first version
  would do). Every naive result is compared with the indexed result: a mismatch aborts the bench.
Target (issue 3): at least 200,000 due computations per second for the scan path.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chinese_calendar as cc

from engine import get_calendar
from engine.dates.clocks import due, due_date, start_clock
from engine.dates.periods import Period, add_months, parse_period

PERIODS = [
    parse_period(p)
    for p in (
        "5 workdays",
        "10 workdays",
        "15 days",
        "30 days",
        "45 days",
        "60 days",
        "3 months",
        "6 months",
        "1 year",
    )
]
DAY = dt.timedelta(days=1)


def naive_due(anchor: dt.date, period: Period) -> dt.date:
    """Day-by-day reference straight from the library."""
    if period.unit == "workdays":
        d, left = anchor, period.n
        while left:
            d += DAY
            left -= cc.is_workday(d)
        return d
    if period.unit == "days":
        d = anchor + dt.timedelta(days=period.n)
    else:
        d = add_months(anchor, period.n * (12 if period.unit == "years" else 1))
    while not cc.is_workday(d):
        d += DAY
    return d


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>12,.0f} /s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=300_000)
    ap.add_argument("--naive-cases", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lo, hi = dt.date(2005, 1, 1).toordinal(), dt.date(2025, 12, 31).toordinal()
    cases = [(dt.date.fromordinal(rng.randint(lo, hi)), rng.choice(PERIODS)) for _ in range(args.cases)]
    cal = get_calendar("cn")
    clocks = [start_clock("bench", p, a) for a, p in cases]

    t = time.perf_counter()
    fast = [due_date(c, cal) for c in clocks]
    t_fast = time.perf_counter() - t

    sub = clocks[: max(1, args.cases // 10)]
    t = time.perf_counter()
    explained = [due(c, cal) for c in sub]
    t_explained = time.perf_counter() - t

    wd = [(a, p.n) for a, p in cases if p.unit == "workdays"]
    t = time.perf_counter()
    for a, n in wd:
        cal.add_workdays(a, n)
    t_index = time.perf_counter() - t

    naive_cases = cases[: args.naive_cases]
    t = time.perf_counter()
    naive = [naive_due(a, p) for a, p in naive_cases]
    t_naive = time.perf_counter() - t

    mismatches = [(c, f, s) for c, f, s in zip(naive_cases, fast, naive, strict=False) if f != s]
    mismatches += [(c, e.date, f) for c, e, f in zip(cases, explained, fast, strict=False) if e.date != f]
    if mismatches:
        print(f"MISMATCH between indexed and naive results: {mismatches[:5]}", file=sys.stderr)
        sys.exit(1)

    fast_rate = len(clocks) / t_fast
    naive_rate = len(naive_cases) / t_naive
    print(f"calendar: {cal.version}")
    print(f"cases: {len(clocks):,} (periods 5 workdays .. 1 year, anchors 2005-2025, seed {args.seed})")
    print(
        f"due_date (index, scan path)        {rate(len(clocks), t_fast)}   target >= 200,000 /s: "
        f"{'met' if fast_rate >= 200_000 else 'NOT met'}"
    )
    print(f"due (with bilingual explanation)   {rate(len(sub), t_explained)}")
    print(f"add_workdays (index alone)         {rate(len(wd), t_index)}")
    print(f"naive day-by-day loop (baseline)   {rate(len(naive_cases), t_naive)}")
    print(
        f"speed-up of due_date over naive:   {fast_rate / naive_rate:,.1f}x; "
        f"{len(naive_cases):,} naive results identical"
    )


if __name__ == "__main__":
    main()
