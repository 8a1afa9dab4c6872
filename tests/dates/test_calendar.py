"""engine.dates.calendar and engine.dates.overlay: the working-day calendar, its overlay file, its index,
and the `zhongcai calendar` commands. docs/law.md P4, P5, P9; ECOSYSTEM.md section 1."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import chinese_calendar as cc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from engine.dates.calendar import get_calendar, load_calendar
from engine.dates.overlay import check_overlay, read_overlay
from engine.dates.periods import add_months
from engine.errors import CalendarError, ProcedureInvalid, YearNotCovered
from tests.paths import ROOT

D = dt.date.fromisoformat
CAL = get_calendar("cn")
FIRST, LAST = dt.date(2004, 1, 1), dt.date(2026, 12, 31)
covered_days = st.dates(min_value=FIRST, max_value=LAST)
ANY_DAY = st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2029, 12, 31))


def naive_add_workdays(d: dt.date, n: int) -> dt.date:
    """The day-by-day reference, straight from the library (raises NotImplementedError past 2026)."""
    while n > 0:
        d += dt.timedelta(days=1)
        n -= cc.is_workday(d)
    return d


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "cal.yaml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


# ---------------------------------------------------------------- the national calendar


def test_every_day_matches_the_library_2004_to_2026() -> None:
    d = FIRST
    while d <= LAST:
        assert CAL.is_workday(d) == cc.is_workday(d), d
        d += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "workday", "note"),
    [
        ("2026-10-10", True, "调休上班"),  # make-up Saturday (get_workdays(include_weekends=False) drops it)
        ("2026-09-20", True, "调休上班"),
        ("2026-10-03", False, "国庆节"),
        ("2026-02-21", False, "春节"),
        ("2026-01-04", True, "调休上班"),  # Sunday make-up day (T36 example)
        ("2026-03-07", False, None),  # ordinary Saturday
        ("2026-03-09", True, None),  # ordinary Monday
        ("2025-05-05", False, "劳动节"),
    ],
)
def test_day_info(day: str, workday: bool, note: str | None) -> None:
    assert CAL.is_workday(D(day)) is workday
    assert CAL.day_note(D(day)) == note


def test_2026_has_248_working_days_and_coverage() -> None:
    assert CAL.workdays_between(D("2025-12-31"), D("2026-12-31")) == 248
    assert CAL.covered_years() == tuple(range(2004, 2027))
    assert "chinesecalendar=1.11.0" in CAL.version and "cn.yaml@" in CAL.version


def test_2027_is_counted_provisionally_on_the_statutory_days_alone() -> None:
    """P5: no notice for 2027 yet, so weekends and the 13 statutory days, no swaps, marked provisional."""
    assert CAL.provisional_years(D("2026-12-01"), D("2027-01-10")) == (2027,)
    assert CAL.provisional_years(D("2026-01-01"), D("2026-12-31")) == ()
    assert 2027 not in CAL.covered_years() and 2027 in CAL.countable_years()
    assert CAL.is_workday(D("2027-01-04")) and CAL.day_note(D("2027-01-01")) == "元旦"
    assert CAL.add_workdays(D("2026-12-30"), 5) == D("2027-01-07")  # Dec 31, Jan 4-7 (Jan 1 off)
    assert CAL.roll_forward(D("2027-01-01")) == D("2027-01-04")
    assert CAL.workdays_between(D("2026-12-01"), D("2027-01-10")) == 22 + 5
    assert CAL.day_note(D("2027-10-01")) == "国庆" and CAL.is_workday(D("2027-10-04"))  # no extension
    spring = [d for d in (D("2027-02-04") + dt.timedelta(days=i) for i in range(6)) if not CAL.is_workday(d)]
    assert spring == [D("2027-02-05"), D("2027-02-06"), D("2027-02-07"), D("2027-02-08")]
    assert CAL.sources(2027)[0].startswith("暂定")


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.is_workday(D("2032-01-05")),
        lambda: CAL.add_workdays(D("2031-12-30"), 5),
        lambda: CAL.roll_forward(D("2032-01-01")),
        lambda: CAL.workdays_between(D("2031-12-01"), D("2032-01-10")),
        lambda: CAL.day_note(D("2032-10-01")),
    ],
)
def test_past_the_provisional_reach_nothing_is_guessed(call: object) -> None:
    with pytest.raises(YearNotCovered) as exc:
        call()  # type: ignore[operator]
    assert exc.value.year == 2032 and exc.value.overlay_path == "procedures/calendars/cn.yaml"
    assert "2032" in str(exc.value) and "cn.yaml" in str(exc.value)


def test_before_2004_is_not_guessed() -> None:
    with pytest.raises(YearNotCovered) as exc:
        CAL.workdays_before(D("2004-01-05"), 10)
    assert exc.value.year == 2003
    with pytest.raises(YearNotCovered):
        CAL.add_workdays(D("2003-06-01"), 1)
    # the anchor day is not counted: 2003-12-31 + 1 working day only looks at 2004
    assert CAL.add_workdays(D("2003-12-31"), 1) == D("2004-01-02")


def test_last_covered_day_and_zero_counts() -> None:
    assert CAL.add_workdays(D("2026-12-30"), 1) == D("2026-12-31")
    assert CAL.add_workdays(D("2026-10-03"), 0) == D("2026-10-03")
    assert CAL.workdays_between(D("2026-10-12"), D("2026-09-29")) == -5
    with pytest.raises(ValueError):
        CAL.add_workdays(D("2026-10-03"), -1)


def test_add_months_month_end() -> None:
    assert add_months(D("2025-01-31"), 1) == D("2025-02-28")
    assert add_months(D("2024-01-31"), 1) == D("2024-02-29")
    assert add_months(D("2026-12-15"), 1) == D("2027-01-15")
    assert add_months(D("2026-01-15"), -1) == D("2025-12-15")


# ---------------------------------------------------------------- properties


@given(covered_days, st.integers(min_value=1, max_value=260))
def test_add_workdays_lands_on_the_nth_working_day(d: dt.date, n: int) -> None:
    due = CAL.add_workdays(d, n)
    assert CAL.is_workday(due)
    assert CAL.workdays_between(d, due) == n
    assert CAL.workdays_between(d, due - dt.timedelta(days=1)) == n - 1
    if due.year > LAST.year:  # provisional (P5): the library has no 2027 to compare with
        assert CAL.provisional_years(d + dt.timedelta(days=1), due) == (2027,)
        with pytest.raises(NotImplementedError):
            naive_add_workdays(d, n)
    else:
        assert due == naive_add_workdays(d, n)


@given(covered_days, st.integers(min_value=1, max_value=120))
def test_add_workdays_is_monotone_in_n(d: dt.date, n: int) -> None:
    try:
        a, b = CAL.add_workdays(d, n), CAL.add_workdays(d, n + 1)
    except YearNotCovered:
        return
    assert a < b


@given(covered_days, st.integers(min_value=1, max_value=60))
def test_backward_and_forward_working_days_are_inverse(d: dt.date, n: int) -> None:
    try:
        back = CAL.workdays_before(d, n)
        assert CAL.add_workdays(back, n) == CAL.roll_forward(d)
        fwd = CAL.add_workdays(d, n)
    except YearNotCovered:
        return
    assert CAL.workdays_before(fwd, n) == CAL.workdays_before(CAL.add_workdays(d, 1), 1)
    if CAL.is_workday(d):
        assert CAL.workdays_before(fwd, n) == d


@given(covered_days)
def test_roll_forward_is_the_first_working_day_on_or_after(d: dt.date) -> None:
    r = CAL.roll_forward(d)
    assert r >= d and CAL.is_workday(r)
    assert all(not CAL.is_workday(d + dt.timedelta(days=i)) for i in range((r - d).days))


@given(ANY_DAY, st.integers(min_value=0, max_value=300))
def test_no_computation_silently_crosses_into_an_uncovered_year(d: dt.date, n: int) -> None:
    """Either every day the count looks at is in a covered or a provisional year (and the provisional
    ones are named), or YearNotCovered names the first year it cannot count in."""
    try:
        due = CAL.add_workdays(d, n)
    except YearNotCovered as exc:
        assert exc.year not in CAL.countable_years()
        assert exc.year in {d.year, (d + dt.timedelta(days=1)).year} or exc.year == 2003
        return
    looked_at = {(d + dt.timedelta(days=i)).year for i in range(1, (due - d).days + 1)}
    assert looked_at <= set(CAL.countable_years())
    first = d + dt.timedelta(days=1)
    assert set(CAL.provisional_years(first, due)) == looked_at - set(CAL.covered_years())


# ---------------------------------------------------------------- the overlay


OVERLAY_2027 = """\
    calendar: cn
    national:
      2027:
        source: 国务院办公厅关于2027年部分节假日安排的通知（测试用，虚构）
        holidays:
          元旦: [2027-01-01]
          春节: [2027-02-05..2027-02-12]
        workdays: [2027-02-20]
    regions:
      "45":
        name: 广西
        since: 2026
        2026:
          source: 测试用地方通知（虚构）
          holidays: {三月三: [2026-04-20..2026-04-21]}
          workdays: [2026-04-25]
"""


def test_overlay_adds_a_year_and_wins_for_it(tmp_path: Path) -> None:
    cal = load_calendar("cn", None, write(tmp_path, OVERLAY_2027))
    assert cal.covered_years()[-1] == 2027
    assert cal.is_workday(D("2027-02-20")) and cal.day_note(D("2027-02-20")) == "调休上班"  # a Saturday
    assert not cal.is_workday(D("2027-02-08")) and cal.day_note(D("2027-02-08")) == "春节"
    assert cal.is_workday(D("2027-03-01")) and not cal.is_workday(D("2027-03-06"))  # Mon-Fri rule
    assert cal.add_workdays(D("2026-12-30"), 3) == D("2027-01-05")
    assert cal.sources(2027) == ["国务院办公厅关于2027年部分节假日安排的通知（测试用，虚构）"]
    assert cal.sources(2026)[0].startswith("chinesecalendar 1.11.0")
    assert cal.provisional_years(D("2027-01-01"), D("2028-12-31")) == (2028,)  # the reach moves on
    with pytest.raises(YearNotCovered) as exc:
        cal.is_workday(D("2033-01-03"))
    assert exc.value.year == 2033 and exc.value.overlay_path.endswith("cal.yaml")


def test_regional_rest_days_by_prefix(tmp_path: Path) -> None:
    path = write(tmp_path, OVERLAY_2027)
    national = load_calendar("cn", None, path)
    nanning = load_calendar("cn", "450100", path)
    assert national.is_workday(D("2026-04-20")) and not nanning.is_workday(D("2026-04-20"))
    assert nanning.day_info(D("2026-04-20")).regional and nanning.day_note(D("2026-04-20")) == "三月三"
    assert nanning.is_workday(D("2026-04-25")) and not national.is_workday(D("2026-04-25"))
    assert nanning.add_workdays(D("2026-04-17"), 2) == D("2026-04-23")
    assert national.add_workdays(D("2026-04-17"), 2) == D("2026-04-21")
    assert load_calendar("cn", "33", path).is_workday(D("2026-04-20"))  # Zhejiang: no block
    assert "cn/450100" in nanning.version
    # a region that declares rest days must declare every year from `since:` on (P5)
    assert nanning.is_workday(D("2025-04-21"))  # before `since`: national days only
    # ... a year it lacks is counted on the national days alone, provisionally, naming the region
    assert nanning.provisional_years(D("2027-04-09"), D("2027-04-09")) == (2027,)
    assert nanning.provisional_layer(2027) == "cn/45" and nanning.is_workday(D("2027-04-09"))
    assert nanning.is_workday(D("2027-02-20")) and not nanning.is_workday(D("2027-02-08"))  # national 2027
    assert 2027 not in nanning.covered_years() and 2027 in national.covered_years()


def test_bad_region_code() -> None:
    with pytest.raises(CalendarError, match="GB/T 2260"):
        load_calendar("cn", "4501x")
    with pytest.raises(CalendarError, match="unknown calendar"):
        load_calendar("xx")


def test_shipped_overlay_is_clean_and_encodes_no_2027() -> None:
    path = ROOT / "procedures" / "calendars" / "cn.yaml"
    assert check_overlay(path) == []
    assert 2027 not in read_overlay(path).national  # docs/law.md (g): not published


@pytest.mark.parametrize(
    ("text", "code", "line", "col", "fragment"),
    [
        ("national:\n  2027:\n    source: x\n    holidays: [2027-02-30]\n", "C010", 4, 16, "does not exist"),
        ("national:\n  2027:\n    source: x\n    holidays: [27-02-01]\n", "C010", 4, 16, "not a date"),
        (
            "national:\n  2027:\n    source: x\n    workdays: [2027-02-22]\n",
            "C013",
            4,
            16,
            "Saturday or Sunday",
        ),
        (
            "national:\n  2027:\n    source: x\n    holidays: [2027-02-12..2027-02-05]\n",
            "C011",
            4,
            16,
            "ends before",
        ),
        ("national:\n  2027:\n    source: x\n    holidays: [2028-01-01]\n", "C012", 4, 16, "not in 2027"),
        ("national:\n  2027:\n    holidays: [2027-01-01]\n", "C007", 3, 5, "no 'source:'"),
        ("national:\n  2027:\n    source: x\n    holiday: [2027-01-01]\n", "C003", 4, 5, "did you mean"),
        ("national:\n  27:\n    source: x\n", "C005", 2, 3, "not a year"),
        ("regions:\n  45x:\n    name: x\n", "C006", 2, 3, "region code"),
        ("national:\n  2027:\n    source: x\n  2027:\n    source: y\n", "C002", 4, 3, "duplicate key"),
        (
            "national:\n  2027:\n    source: x\n    holidays: [2027-02-20]\n    workdays: [2027-02-20]\n",
            "C014",
            5,
            16,
            "both",
        ),
        ("national: [1, 2\n", "C001", 2, 1, "YAML syntax"),
        ("nationl: {}\n", "C003", 1, 1, "did you mean 'national'"),
        ("national:\n  2027:\n    source: x\n    holidays: 2027-01-01\n", "C004", 4, 15, "list of dates"),
    ],
)
def test_overlay_diagnostics_are_located(
    tmp_path: Path, text: str, code: str, line: int, col: int, fragment: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProcedureInvalid) as exc:
        load_calendar("cn", None, path)
    diags = [d for d in exc.value.diagnostics if d.code == code]
    assert diags, exc.value.diagnostics
    assert diags[0].span is not None
    assert (diags[0].span.line, diags[0].span.col) == (line, col)
    assert fragment in diags[0].message + (diags[0].hint or "") + (diags[0].expected or "")


def test_all_problems_of_a_file_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        national:
          2027:
            source: x
            holidays: [2027-02-30, 2027-13-01]
            workdays: [2027-02-22]
        """,
    )
    with pytest.raises(ProcedureInvalid) as exc:
        read_overlay(path)
    assert [d.code for d in exc.value.diagnostics] == ["C010", "C010", "C013"]


def test_duplicate_day_is_a_warning_only(tmp_path: Path) -> None:
    path = write(tmp_path, "national:\n  2027:\n    source: x\n    holidays: [2027-01-01, 2027-01-01]\n")
    diags = check_overlay(path)
    assert [(d.code, d.severity) for d in diags] == [("C015", "warning")]
    assert not load_calendar("cn", None, path).is_workday(D("2027-01-01"))


def test_get_calendar_is_cached_and_follows_file_changes(tmp_path: Path) -> None:
    assert get_calendar("cn") is get_calendar("cn")
    path = write(tmp_path, OVERLAY_2027)
    first = get_calendar("cn", None, path)
    assert first is get_calendar("cn", None, path)
    path.write_text("national: {}\n", encoding="utf-8")
    import os

    os.utime(path, (1, 1))
    assert get_calendar("cn", None, path).covered_years()[-1] == 2026


# ---------------------------------------------------------------- the commands

runner = CliRunner()


def test_cli_due_json_must_show() -> None:
    res = runner.invoke(app, ["calendar", "due", "--from", "2026-09-29", "--limit", "5 workdays", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["due"] == "2026-10-12"
    assert any("国庆节" in s["zh"] and "holiday" in s["en"] for s in out["steps"])


def test_cli_due_text_shows_both_languages() -> None:
    res = runner.invoke(app, ["calendar", "due", "--from", "2025-10-03", "--limit", "1 year"])
    assert res.exit_code == 0, res.output
    assert "2026-10-08" in res.stdout
    assert "2026-10-03 is a holiday (国庆节): moved to 2026-10-08" in res.stdout
    assert "2026-10-03为法定节假日（国庆节），顺延至2026-10-08" in res.stdout


def test_cli_due_before() -> None:
    res = runner.invoke(app, ["calendar", "due", "--before", "2025-10-13", "--limit", "5 workdays", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["due"] == "2025-09-29"


def test_cli_due_unknown_year_is_a_finding_not_a_crash() -> None:
    res = runner.invoke(app, ["calendar", "due", "--from", "2031-12-20", "--limit", "10 workdays", "--json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["due"] is None and out["status"] == "unknown" and out["missing_year"] == 2032
    assert out["provisional"] is False and "cn.yaml" in out["steps"][-1]["en"]


def test_cli_due_into_a_year_without_its_notice_is_provisional() -> None:
    """The issue's own example: 5 working days from 2026-12-28 (Jan 1 2027 is 元旦 by law)."""
    res = runner.invoke(app, ["calendar", "due", "--from", "2026-12-28", "--limit", "5 workdays", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["due"] == "2027-01-05" and out["provisional"] is True and out["provisional_years"] == [2027]
    assert "调休" in out["steps"][-1]["zh"] and "2027" in out["steps"][-1]["en"]
    text = runner.invoke(app, ["calendar", "due", "--from", "2026-12-28", "--limit", "5 workdays"])
    assert text.exit_code == 0 and "2027-01-05" in text.stdout and "暂定" in text.stdout.splitlines()[0]
    inside = runner.invoke(
        app, ["calendar", "due", "--from", "2026-12-01", "--limit", "5 workdays", "--json"]
    )
    assert json.loads(inside.stdout)["provisional"] is False


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--from", "2026-02-30", "--limit", "5 workdays"], "not a date"),
        (["--from", "2026-02-01", "--limit", "five days"], "not a period"),
        (["--limit", "5 workdays"], "exactly one of"),
        (["--from", "2026-02-01", "--before", "2026-03-01", "--limit", "5 workdays"], "exactly one of"),
        (["--from", "2026-02-01", "--limit", "5 workdays", "--region", "guangxi"], "GB/T 2260"),
    ],
)
def test_cli_bad_input_exit_2_one_line(args: list[str], fragment: str) -> None:
    res = runner.invoke(app, ["calendar", "due", *args])
    assert res.exit_code == 2
    assert fragment in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.output


def test_cli_bad_overlay_prints_located_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("national:\n  2027:\n    source: x\n    workdays: [2027-02-22]\n", encoding="utf-8")
    res = runner.invoke(app, ["calendar", "show", "2026", "--overlay", str(path)])
    assert res.exit_code == 1
    assert f"{path}:4:16: error C013" in res.stderr and "^" in res.stderr


def test_cli_show_lists_holidays_and_make_up_days() -> None:
    res = runner.invoke(app, ["calendar", "show", "2026"])
    assert res.exit_code == 0, res.output
    assert "248" in res.stdout
    assert "2026-10-01..2026-10-07" in res.stdout and "国庆节" in res.stdout
    assert "2026-10-10" in res.stdout and "调休上班" in res.stdout
    res = runner.invoke(app, ["calendar", "show", "2027"])  # provisional: the statutory days alone
    assert res.exit_code == 0 and "暂定" in res.stdout and "2027-02-05..2027-02-08" in res.stdout
    res = runner.invoke(app, ["calendar", "show", "2032"])
    assert res.exit_code == 1 and "2032" in res.stderr


def test_cli_show_region(tmp_path: Path) -> None:
    path = write(tmp_path, OVERLAY_2027)
    res = runner.invoke(app, ["calendar", "show", "2026", "--region", "45", "--overlay", str(path)])
    assert res.exit_code == 0, res.output
    assert "三月三" in res.stdout and "regional" in res.stdout
    assert "45: 测试用地方通知（虚构）" in res.stdout


@pytest.mark.parametrize(
    ("today", "code", "fragment"),
    [
        ("2026-11-30", 0, "warns from 2026-12-01"),
        ("2026-12-01", 1, "2027"),
        ("2026-12-31", 1, "cn.yaml"),
        ("2027-01-05", 1, "this year"),
    ],
)
def test_cli_check_warns_from_1_december(today: str, code: int, fragment: str) -> None:
    res = runner.invoke(app, ["calendar", "check", "--today", today])
    assert res.exit_code == code, res.output
    assert fragment in res.stdout


def test_cli_check_with_next_year_added(tmp_path: Path) -> None:
    path = write(tmp_path, OVERLAY_2027)
    res = runner.invoke(app, ["calendar", "check", "--today", "2026-12-05", "--overlay", str(path)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["calendar", "check", "--today", "2026-12-05", "--region", "45", "--overlay", str(path)]
    )
    assert res.exit_code == 1 and "cn/45" in res.stdout


def test_check_warns_when_the_overlay_contradicts_the_library(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        national:
          2026:
            source: 测试（虚构）：国庆节少放一天
            holidays: {国庆节: [2026-10-01..2026-10-06]}
            workdays: [2026-09-20, 2026-10-10]
        """,
    )
    cal = load_calendar("cn", None, path)
    assert cal.is_workday(D("2026-10-07"))  # the overlay wins for its year
    res = runner.invoke(app, ["calendar", "check", "--today", "2026-06-01", "--overlay", str(path)])
    assert res.exit_code == 0, res.output
    assert "warning C020: year 2026 differs from chinesecalendar 1.11.0 on" in res.stdout
    assert "first 2026-01-01" in res.stdout  # the block omits 元旦 too: every difference is counted
