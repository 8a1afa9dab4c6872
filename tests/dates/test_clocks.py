"""engine.dates.clocks: every worked example of docs/law.md section (d), the clock operations and their
refusals, and the properties of P2-P10 over random clocks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.dates.calendar import get_calendar, load_calendar
from engine.dates.clocks import (
    Clock,
    breached_from,
    due,
    due_date,
    explain_latest_before,
    extend,
    is_breached,
    latest_before,
    pause,
    restart,
    resume,
    start_clock,
    stop,
    warn_on,
)
from engine.dates.periods import Period, parse_period
from engine.errors import BadInput, EventNotAllowed

D = dt.date.fromisoformat
P = parse_period
CAL = get_calendar("cn")
DAY = dt.timedelta(days=1)
SH = dt.timezone(dt.timedelta(hours=8))

# ---------------------------------------------------------------- docs/law.md section (d), worked examples

FORWARD = [
    ("T12 acceptance, make-up Sunday 09-28 counts", "2025-09-26", "5 workdays", "2025-10-10"),
    ("T12 acceptance, make-up Saturday 02-14 counts", "2026-02-12", "5 workdays", "2026-02-26"),
    ("T14 defence over Labour Day", "2025-04-25", "10 workdays", "2025-05-13"),
    ("T14 defence over Mid-Autumn and National Day", "2026-09-18", "10 workdays", "2026-10-09"),
    ("T28 award, no roll", "2025-09-26", "45 days", "2025-11-10"),
    ("T28 award rolls out of National Day", "2025-08-20", "45 days", "2025-10-09"),
    ("T28 award rolls out of Spring Festival", "2026-01-05", "45 days", "2026-02-24"),
    ("T38/T40 sue against award, raw Sat 02-21", "2026-02-06", "15 days", "2026-02-24"),
    ("T38/T40 sue against award, raw 10-01", "2025-09-16", "15 days", "2025-10-09"),
    ("T39 employer set-aside", "2025-12-31", "30 days", "2026-01-30"),
    ("T07 mediation, raw 05-05", "2025-04-20", "15 days", "2025-05-06"),
    ("T01 limitation, raw Sat 2026-01-31", "2025-01-31", "1 year", "2026-02-02"),
    ("T01 limitation, raw 2026-10-03", "2025-10-03", "1 year", "2026-10-08"),
    ("T36 public notice, first working day is a make-up Sunday", "2025-12-02", "30 days", "2026-01-04"),
    ("T33 collective acceptance", "2026-04-30", "5 workdays", "2026-05-11"),
    ("T34 one-shot notice after acceptance", "2026-05-11", "5 workdays", "2026-05-18"),
    ("T09 review", "2025-09-30", "5 workdays", "2025-10-14"),
    ("T35 posting deemed service", "2026-02-13", "3 workdays", "2026-02-25"),
    ("must-show: acceptance over National Day", "2026-09-29", "5 workdays", "2026-10-12"),
]


@pytest.mark.parametrize(("case", "anchor", "limit", "expected"), FORWARD, ids=[f[0] for f in FORWARD])
def test_domain_forward_examples(case: str, anchor: str, limit: str, expected: str) -> None:
    result = due(start_clock("x", P(limit), D(anchor)), CAL)
    assert result.status == "running"
    assert result.date == D(expected), case
    assert due_date(start_clock("x", P(limit), D(anchor)), CAL) == D(expected)


BACKWARD = [
    ("T24 hearing notice, Sat 05-09 counts", "2026-05-11", "5 workdays", "2026-04-30"),
    ("T25 postponement request", "2026-05-11", "3 workdays", "2026-05-07"),
    ("T24 hearing notice, Sat 10-11 counts", "2025-10-13", "5 workdays", "2025-09-29"),
]


@pytest.mark.parametrize(("case", "hearing", "limit", "expected"), BACKWARD, ids=[b[0] for b in BACKWARD])
def test_domain_backward_examples(case: str, hearing: str, limit: str, expected: str) -> None:
    assert latest_before(D(hearing), P(limit), CAL) == D(expected), case
    assert explain_latest_before(D(hearing), P(limit), CAL).date == D(expected)


@pytest.mark.parametrize(
    ("anchor", "limit", "ext_on", "length", "up_to", "before", "after"),
    [
        # T28 + 15 days: from the UNROLLED day 45 (02-19), not from the rolled 02-24 (P6)
        ("2026-01-05", "45 days", "2026-02-10", "15 days", "15 days", "2026-02-24", "2026-03-06"),
        # T09 review: 5 WD (+5)
        ("2025-09-30", "5 workdays", "2025-10-10", "5 workdays", "5 workdays", "2025-10-14", "2025-10-21"),
    ],
)
def test_domain_extension_examples(
    anchor: str, limit: str, ext_on: str, length: str, up_to: str, before: str, after: str
) -> None:
    c = start_clock("x", P(limit), D(anchor))
    assert due(c, CAL).date == D(before)
    c2 = extend(c, D(ext_on), P(length), P(up_to), 1, CAL)
    result = due(c2, CAL)
    assert result.date == D(after)
    assert any("P6" in s.en for s in result.steps)


def test_steps_explain_the_roll_in_both_languages() -> None:
    result = due(start_clock("limitation", P("1 year"), D("2025-10-03")), CAL)
    assert ("2026-10-03 is a holiday (国庆节): moved to 2026-10-08") in [s.en for s in result.steps]
    assert ("2026-10-03为法定节假日（国庆节），顺延至2026-10-08") in [s.zh for s in result.steps]
    weekend = due(start_clock("x", P("15 days"), D("2026-03-06")), CAL)  # raw Sat 03-21
    assert weekend.date == D("2026-03-23")
    assert "2026-03-21 is a rest day (Saturday): moved to 2026-03-23" in [s.en for s in weekend.steps]
    assert "休息日（星期六）" in weekend.steps[-1].zh


def test_month_end_rule_p3() -> None:
    result = due(start_clock("x", P("1 year"), D("2024-02-29")), CAL)
    assert result.unrolled == D("2025-02-28") and result.date == D("2025-02-28")
    assert any("P3" in s.en for s in result.steps)
    assert due(start_clock("x", P("1 month"), D("2025-01-31")), CAL).date == D("2025-02-28")  # a Friday
    assert due(start_clock("x", P("1 month"), D("2026-03-31")), CAL).unrolled == D("2026-04-30")


def test_month_end_roll_on_make_up_saturday() -> None:
    # 2026-02-28 is a make-up working Saturday (春节 swap): no roll
    assert due(start_clock("x", P("1 month"), D("2026-01-28")), CAL).date == D("2026-02-28")


# ---------------------------------------------------------------- P5: unknown years


def test_a_year_without_its_notice_gives_a_provisional_date() -> None:
    """P5: 2026-12-01 + 45 days = Fri 2027-01-15, a weekday not a statutory day; provisional."""
    result = due(start_clock("award", P("45 days"), D("2026-12-01")), CAL)
    assert result.date == D("2027-01-15") and result.status == "running"
    assert result.provisional and result.provisional_years == (2027,)
    assert "2027" in result.steps[-1].zh and "暂定" in result.steps[-1].zh and "P5" in result.steps[-1].en
    assert result.to_json()["provisional"] is True
    # a count that stays in 2026 is not provisional, even on a calendar that lacks 2027
    inside = due(start_clock("x", P("20 days"), D("2026-12-01")), CAL)
    assert not inside.provisional and inside.to_json()["provisional"] is False
    # a calendar-day count looks only at its roll: 2026-12-02 + 30 days = Fri 2027-01-01 (元旦) -> Mon 01-04
    rolled = due(start_clock("x", P("30 days"), D("2026-12-02")), CAL)
    assert rolled.date == D("2027-01-04") and rolled.provisional
    assert warn_on(start_clock("award", P("45 days"), D("2026-12-01")), P("3 workdays"), CAL) == D(
        "2027-01-12"
    )


def test_past_the_provisional_reach_the_due_date_is_unknown_not_an_exception() -> None:
    result = due(start_clock("award", P("45 days"), D("2031-12-01")), CAL)
    assert result.date is None and result.status == "unknown" and result.missing_year == 2032
    assert "2032" in result.steps[-1].en and "procedures/calendars/cn.yaml" in result.steps[-1].en
    assert "2032" in result.steps[-1].zh and not result.provisional
    assert not is_breached(start_clock("award", P("45 days"), D("2031-12-01")), CAL, D("2032-03-01"))
    assert warn_on(start_clock("award", P("45 days"), D("2031-12-01")), P("3 workdays"), CAL) is None


def test_days_period_inside_2026_needs_no_2027() -> None:
    assert due(start_clock("x", P("20 days"), D("2026-12-01")), CAL).date == D("2026-12-21")
    # raw end 2026-12-31 is a Thursday: no roll, no 2027 needed
    assert due(start_clock("x", P("30 days"), D("2026-12-01")), CAL).date == D("2026-12-31")


@given(
    st.dates(min_value=D("2026-01-01"), max_value=D("2026-12-31")),
    st.sampled_from(["5 workdays", "10 workdays", "15 days", "45 days", "3 months", "1 year"]),
)
def test_no_due_date_silently_lands_in_an_uncovered_year(anchor: dt.date, limit: str) -> None:
    """Every due date reaching into 2027 says it is provisional; none inside 2026 does."""
    result = due(start_clock("x", P(limit), anchor), CAL)
    assert result.date is not None and CAL.is_workday(result.date)
    assert result.provisional == (result.date.year == 2027)


# ---------------------------------------------------------------- operations and refusals


def test_pause_makes_due_unknown_and_resume_moves_days_by_the_gap() -> None:
    c = start_clock("award", P("45 days"), D("2025-09-26"))  # due 2025-11-10
    p = pause(c, D("2025-10-20"))
    result = due(p, CAL)
    assert result.date is None and result.status == "paused" and "P7" in result.steps[-1].en
    r = resume(p, D("2025-10-30"))  # 10 days
    assert due(r, CAL).unrolled == D("2025-11-20")
    assert due(r, CAL).date == D("2025-11-20")


def test_resume_on_the_pause_day_is_zero_length() -> None:
    c = start_clock("award", P("45 days"), D("2025-09-26"))
    r = resume(pause(c, D("2025-10-20")), D("2025-10-20"))
    assert r.status == "running" and r.pauses == ((D("2025-10-20"), D("2025-10-20")),)
    assert due(r, CAL).date == due(c, CAL).date


def test_pause_after_the_end_has_no_effect() -> None:
    c = start_clock("x", P("5 days"), D("2026-03-02"))  # due 2026-03-09 (raw Sat 03-07)
    p = pause(c, D("2026-03-08"))  # after the unrolled end, during the roll
    assert due(p, CAL).date == D("2026-03-09") and due(p, CAL).status == "paused"
    assert is_breached(p, CAL, D("2026-03-10"))


def test_pause_on_the_anchor_day_resume_day_counts() -> None:
    c = start_clock("x", P("10 days"), D("2026-03-02"))
    r = resume(pause(c, D("2026-03-02")), D("2026-03-05"))
    assert due(r, CAL).unrolled == D("2026-03-14")  # 03-05 is day 1


def test_workdays_pause_skips_working_days_in_the_pause() -> None:
    c = start_clock("acceptance", P("5 workdays"), D("2026-03-02"))  # Mon; due Mon 03-09
    r = resume(pause(c, D("2026-03-04")), D("2026-03-06"))  # 03-04, 03-05 not counted
    # counted: 03-03, 03-06, 03-09, 03-10, 03-11
    assert due(r, CAL).date == D("2026-03-11")


def test_restart_forgets_pauses_extensions_and_consumed_time() -> None:
    c = start_clock("award", P("45 days"), D("2026-01-05"))
    c = extend(c, D("2026-01-20"), P("15 days"), P("15 days"), 1, CAL)
    c = resume(pause(c, D("2026-01-25")), D("2026-02-01"))
    c = restart(c, D("2026-02-02"))
    assert c.pauses == () and c.extensions == () and c.anchor == D("2026-02-02")
    assert c.restarted_on == (D("2026-02-02"),)
    assert due(c, CAL).date == due(start_clock("award", P("45 days"), D("2026-02-02")), CAL).date
    # the extension count starts again after a restart
    extend(c, D("2026-02-03"), P("15 days"), P("15 days"), 1, CAL)
    assert any("P8" in s.en or "restarted" in s.en for s in due(c, CAL).steps)


def _refusal(call: object, fragment: str) -> EventNotAllowed:
    with pytest.raises(EventNotAllowed) as exc:
        call()  # type: ignore[operator]
    assert exc.value.code == "deadline"
    assert fragment in exc.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)  # Chinese and English
    return exc.value


AWARD = start_clock("award", P("45 days"), D("2026-01-05"))  # due 2026-02-24 (unrolled 02-19)


def test_extension_refusals() -> None:
    ext = P("15 days")
    _refusal(lambda: extend(AWARD, D("2026-02-25"), ext, ext, 1, CAL), "expired on 2026-02-24")
    assert extend(AWARD, D("2026-02-24"), ext, ext, 1, CAL).extensions  # on the due day: still allowed
    _refusal(lambda: extend(AWARD, D("2026-02-01"), P("16 days"), ext, 1, CAL), "exceeds the bound")
    once = extend(AWARD, D("2026-02-01"), P("10 days"), ext, 1, CAL)
    _refusal(lambda: extend(once, D("2026-02-02"), P("5 days"), ext, 1, CAL), "at most 1")
    twice = extend(AWARD, D("2026-02-01"), P("10 days"), ext, 2, CAL)
    _refusal(lambda: extend(twice, D("2026-02-02"), P("6 days"), ext, 2, CAL), "already extended: 10")
    _refusal(lambda: extend(AWARD, D("2026-02-01"), P("2 workdays"), ext, 1, CAL), "unit")
    _refusal(lambda: extend(AWARD, D("2026-02-01"), P("0 days"), ext, 1, CAL), "positive")
    stopped = stop(AWARD, D("2026-02-01"))
    _refusal(lambda: extend(stopped, D("2026-02-01"), ext, ext, 1, CAL), "stopped on 2026-02-01")


def test_operation_refusals() -> None:
    p = pause(AWARD, D("2026-01-10"))
    _refusal(lambda: pause(p, D("2026-01-11")), "already paused")
    _refusal(lambda: resume(AWARD, D("2026-01-11")), "not paused")
    _refusal(lambda: resume(p, D("2026-01-09")), "before 2026-01-10")
    _refusal(lambda: pause(AWARD, D("2026-01-04")), "date order")
    s = stop(AWARD, D("2026-01-20"))
    for op in (pause, resume, restart, stop):
        _refusal(lambda op=op: op(s, D("2026-01-21")), "stopped")
    assert AWARD.status == "running" and AWARD.pauses == ()  # a refusal changes nothing


def test_extension_of_a_clock_whose_due_year_is_missing() -> None:
    late = start_clock("award", P("45 days"), D("2031-12-01"))
    assert extend(late, D("2031-12-20"), P("15 days"), P("15 days"), 1, CAL).extensions
    _refusal(lambda: extend(late, D("2032-01-20"), P("15 days"), P("15 days"), 1, CAL), "lacks 2032")


def test_extension_after_a_provisional_expiry_says_the_date_is_provisional() -> None:
    late = start_clock("award", P("45 days"), D("2026-12-01"))  # provisional due 2027-01-15
    assert extend(late, D("2027-01-15"), P("15 days"), P("15 days"), 1, CAL).extensions
    _refusal(lambda: extend(late, D("2027-01-20"), P("15 days"), P("15 days"), 1, CAL), "provisional")


def test_stopped_clock_keeps_its_due_date() -> None:
    s = stop(AWARD, D("2026-02-10"))
    result = due(s, CAL)
    assert result.status == "stopped" and result.date == D("2026-02-24")
    assert "stopped on 2026-02-10" in result.steps[-1].en


# ---------------------------------------------------------------- P10 breach, warnings


def test_breach_from_midnight_shanghai_after_the_due_date() -> None:
    c = start_clock("acceptance", P("5 workdays"), D("2026-09-29"))  # due 2026-10-12
    assert not is_breached(c, CAL, D("2026-10-12"))
    assert is_breached(c, CAL, D("2026-10-13"))
    assert not is_breached(c, CAL, dt.datetime(2026, 10, 12, 23, 59, tzinfo=SH))
    assert is_breached(c, CAL, dt.datetime(2026, 10, 12, 16, 0, tzinfo=dt.UTC))  # = 10-13 00:00 +08:00
    assert breached_from(c, CAL) == dt.datetime(2026, 10, 13, 0, 0, tzinfo=SH)
    assert not is_breached(stop(c, D("2026-10-12")), CAL, D("2026-11-01"))  # met on the last day
    assert is_breached(stop(c, D("2026-10-13")), CAL, D("2026-11-01"))  # met late
    assert not is_breached(pause(c, D("2026-10-09")), CAL, D("2026-11-01"))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_breached(c, CAL, dt.datetime(2026, 10, 13, 1, 0))


def test_warn_on() -> None:
    assert warn_on(AWARD, P("5 workdays"), CAL) == D("2026-02-10")  # 02-14 make-up Saturday counts
    assert warn_on(AWARD, P("3 days"), CAL) == D("2026-02-21")
    assert warn_on(pause(AWARD, D("2026-01-10")), P("3 days"), CAL) is None


# ---------------------------------------------------------------- JSON


def test_json_round_trip_and_errors() -> None:
    c = extend(
        resume(pause(AWARD, D("2026-01-10")), D("2026-01-12")),
        D("2026-01-13"),
        P("5 days"),
        P("15 days"),
        1,
        CAL,
    )
    c = stop(pause(restart(c, D("2026-01-14")), D("2026-01-15")), D("2026-01-16"))
    data = json.loads(json.dumps(c.to_json()))
    assert Clock.from_json(data) == c
    for bad, field in [
        ({**data, "anchor": "2026-13-01"}, "anchor"),
        ({**data, "limit": "x"}, "limit"),
        ({**data, "status": "done"}, "status"),
    ]:
        with pytest.raises(BadInput) as exc:
            Clock.from_json(bad)
        assert exc.value.field == field
    with pytest.raises(BadInput, match="lacks field"):
        Clock.from_json({"limit": "5 days"})


OPS = st.lists(
    st.tuples(
        st.sampled_from(["pause", "resume", "restart", "extend", "stop"]),
        st.integers(min_value=0, max_value=20),
    ),
    max_size=8,
)


@given(st.dates(min_value=D("2024-01-01"), max_value=D("2025-12-31")), OPS)
def test_random_operation_sequences_round_trip_and_stay_consistent(
    anchor: dt.date, ops: list[tuple[str, int]]
) -> None:
    c = start_clock("award", P("45 days"), anchor)
    at = anchor
    for name, gap in ops:
        at = at + dt.timedelta(days=gap)
        try:
            if name == "extend":
                c = extend(c, at, P("5 days"), P("15 days"), 2, CAL)
            else:
                c = {"pause": pause, "resume": resume, "restart": restart, "stop": stop}[name](c, at)
        except EventNotAllowed as exc:
            assert exc.code == "deadline"
        assert Clock.from_json(json.loads(json.dumps(c.to_json()))) == c
        assert sum(p.n for _, p in c.extensions) <= 15
        result = due(c, CAL)
        assert result.status == c.status  # anchors up to 2025: no unknown year
        if result.date is None:  # only an open pause hides the due date
            assert c.pauses and c.pauses[-1][1] is None
        assert due_date(c, CAL) == result.date  # the scan path and the explained path agree


# ---------------------------------------------------------------- properties of P6-P8

ANCHORS = st.dates(min_value=D("2005-01-01"), max_value=D("2025-09-30"))


@given(
    ANCHORS,
    st.integers(min_value=1, max_value=90),
    st.integers(min_value=1, max_value=200),
    st.integers(min_value=0, max_value=60),
)
def test_pause_of_k_days_moves_a_days_deadline_by_k(anchor: dt.date, n: int, offset: int, k: int) -> None:
    c = start_clock("x", Period(n, "days"), anchor)
    before = due(c, CAL).unrolled
    assert before is not None
    p_day = anchor + dt.timedelta(days=1 + offset % n)  # a day inside the period: (anchor, unrolled end]
    r = resume(pause(c, p_day), p_day + dt.timedelta(days=k))
    after = due(r, CAL)
    assert after.unrolled == before + dt.timedelta(days=k)
    assert after.date == CAL.roll_forward(before + dt.timedelta(days=k))


@given(
    ANCHORS,
    st.integers(min_value=1, max_value=30),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=20),
)
def test_workdays_pause_does_not_count_days_in_the_pause(
    anchor: dt.date, n: int, offset: int, k: int
) -> None:
    p_day = anchor + dt.timedelta(days=offset)
    r_day = p_day + dt.timedelta(days=k)
    c = resume(pause(start_clock("x", Period(n, "workdays"), anchor), p_day), r_day)
    # naive: the n-th day after the anchor that is a working day and not in [pause, resume)
    d, left = anchor, n
    while left:
        d += DAY
        left -= CAL.is_workday(d) and not (p_day <= d < r_day)
    assert due(c, CAL).date == d


@given(
    ANCHORS,
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=1, max_value=30),
    st.integers(min_value=1, max_value=30),
    st.integers(min_value=0, max_value=120),
)
def test_extension_never_exceeds_its_bound_and_is_refused_after_expiry(
    anchor: dt.date, n: int, length: int, bound: int, when: int
) -> None:
    c = start_clock("x", Period(n, "days"), anchor)
    base = due(c, CAL)
    assert base.date is not None and base.unrolled is not None
    at = anchor + dt.timedelta(days=when)
    try:
        e = extend(c, at, Period(length, "days"), Period(bound, "days"), 1, CAL)
    except EventNotAllowed as exc:
        assert length > bound or at > base.date, exc.message
        return
    assert length <= bound and at <= base.date
    assert due(e, CAL).unrolled == base.unrolled + dt.timedelta(days=length)  # P6: the unrolled end + length


@given(
    ANCHORS,
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=1, max_value=40),
    st.sampled_from(["days", "workdays"]),
)
def test_restart_equals_a_fresh_clock(anchor: dt.date, k: int, j: int, unit: str) -> None:
    limit = Period(10, unit)  # type: ignore[arg-type]
    c = start_clock("x", limit, anchor)
    c = resume(pause(c, anchor + dt.timedelta(days=k)), anchor + dt.timedelta(days=k + j))
    again = restart(c, anchor + dt.timedelta(days=k + j + 1))
    fresh = start_clock("x", limit, anchor + dt.timedelta(days=k + j + 1))
    assert due(again, CAL).date == due(fresh, CAL).date


@given(ANCHORS, st.integers(min_value=1, max_value=250))
def test_workdays_due_is_a_working_day_exactly_n_after_and_monotone(anchor: dt.date, n: int) -> None:
    d1 = due(start_clock("x", Period(n, "workdays"), anchor), CAL).date
    d2 = due(start_clock("x", Period(n + 1, "workdays"), anchor), CAL).date
    assert d1 is not None and d2 is not None
    assert CAL.is_workday(d1) and CAL.workdays_between(anchor, d1) == n and d1 < d2


@given(ANCHORS, st.integers(min_value=1, max_value=400), st.sampled_from(["days", "months"]))
def test_days_and_months_due_dates_never_decrease(anchor: dt.date, n: int, unit: str) -> None:
    if unit == "months":
        n = n % 14 + 1  # stay inside the covered years
    a = due_date(start_clock("x", Period(n, unit), anchor), CAL)  # type: ignore[arg-type]
    b = due_date(start_clock("x", Period(n + 1, unit), anchor), CAL)  # type: ignore[arg-type]
    assert a is not None and b is not None and a <= b and CAL.is_workday(a)


# ---------------------------------------------------------------- regional calendar in a clock


def test_regional_rest_day_in_the_explanation(tmp_path: Path) -> None:
    path = tmp_path / "cal.yaml"
    path.write_text(
        "regions:\n  '45':\n    since: 2026\n    2026:\n      source: 测试（虚构）\n"
        "      holidays: {三月三: [2026-04-20..2026-04-21]}\n",
        encoding="utf-8",
    )
    gx = load_calendar("cn", "45", path)
    result = due(start_clock("x", P("10 days"), D("2026-04-10")), gx)  # raw Mon 04-20
    assert result.date == D("2026-04-22")
    assert "2026-04-20 is a regional rest day (三月三): moved to 2026-04-22" in [s.en for s in result.steps]
