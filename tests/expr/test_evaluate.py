"""evaluate: values, date arithmetic on the calendar, missing facts, and explanations of false guards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from engine.errors import GuardRuntimeError
from engine.expr import MissingValue, Scope, evaluate, parse_guard
from tests.expr.fakes import FakeCalendar, FakeCase

D = dt.date
# 2026-10-01..07 National Day holidays, 2026-10-10 (Saturday) a make-up working day (ECOSYSTEM.md §1)
NATIONAL_DAY = FakeCalendar(holidays=[D(2026, 10, d) for d in range(1, 8)], workdays=[D(2026, 10, 10)])

CLAIMS = [
    {"item": "拖欠工资", "amount": Decimal("12000"), "category": "wages", "final": True},
    {"item": "经济补偿", "amount": Decimal("40000"), "category": "severance", "final": True},
]
VALUES: dict[str, Any] = {
    "workers": 3,
    "工作年限": 2,
    "claim_amount": Decimal("52000"),
    "monthly_min_wage": Decimal("2520"),
    "fee_paid": False,
    "filed_on": D(2026, 9, 29),
    "hearing_on": None,
    "at": D(2026, 11, 11),
    "stage": "accepted",
    "track": "simple",
    "claims": CLAIMS,
}
CASE = FakeCase(
    documents={"application"},
    deadlines={"award": ("running", D(2026, 11, 23)), "service": ("paused", None)},
    fired={"extend_award_period": 1},
    params={"monthly_min_wage": {D(2025, 7, 1): 2520, D(2026, 7, 1): "2660"}},
    calendar=NATIONAL_DAY,
)


def value(text: str, **names: Any) -> Any:
    return evaluate(parse_guard(text), Scope({**VALUES, **names}, CASE)).value


VALUE_TABLE = [
    ("workers >= 3", True),
    ("工作年限 >= 1", True),
    ("1 + 2 * 3", 7),
    ("7 / 2", Decimal("3.5")),
    ("claim_amount / 4", Decimal("13000")),
    ("-workers", -3),
    ("1.5 * 2", Decimal("3.0")),
    ("filed_on + 5 workdays", D(2026, 10, 12)),  # 09-30, 10-08, 10-09, 10-10 (make-up), 10-12
    ("filed_on + 45 days", D(2026, 11, 13)),
    ("2026-01-31 + 1 month", D(2026, 2, 28)),
    ("2024-02-29 + 1 year", D(2025, 2, 28)),
    ("2026-03-31 - 1 month", D(2026, 2, 28)),
    ("2026-10-12 - 2 workdays", D(2026, 10, 9)),
    ("-2 workdays + 2026-10-12", D(2026, 10, 9)),
    ("at - filed_on", 43),
    ("days_between(filed_on, at)", 43),
    ("workdays_between(2026-09-29, 2026-10-12)", 5),
    ("workdays_before(2026-10-12, 5)", D(2026, 9, 29)),
    ("add_workdays(2026-09-30, 1)", D(2026, 10, 8)),
    ("add_workdays(2026-10-08, 0)", D(2026, 10, 8)),
    ("add_workdays(2026-10-08, -1)", D(2026, 9, 30)),
    ("is_workday(2026-10-10)", True),
    ("is_workday(2026-10-02)", False),
    ("roll_forward(2026-10-03)", D(2026, 10, 8)),
    ("has_document('application')", True),
    ("has_document('award_document')", False),
    ("deadline_due('award')", D(2026, 11, 23)),
    ("deadline_status('award')", "running"),
    ("deadline_status('acceptance')", "not_started"),
    ("times_fired('extend_award_period')", 1),
    ("param('monthly_min_wage', at)", Decimal("2660")),
    ("param('monthly_min_wage', 2026-01-01)", Decimal("2520")),
    ("count(claims)", 2),
    ("sum(claims.amount)", Decimal("52000")),
    ("max(claims.amount)", Decimal("40000")),
    ("min(claims.amount)", Decimal("12000")),
    ("claims.category", ["wages", "severance"]),
    ("'wages' in claims.category", True),
    ("track not in ['simple', 'collective']", False),
    ("abs(-3)", 3),
    ("round(7 / 3, 2)", Decimal("2.33")),
    ("round(2.5, 0)", Decimal("3")),
    ("year(at)", 2026),
    ("month(at)", 11),
    ("hearing_on == null", True),
    ("hearing_on != null", False),
    ("null == hearing_on", True),
    ("hearing_on == null or hearing_on > at", True),
    ("hearing_on != null and hearing_on > at", False),
    ("fee_paid implies hearing_on > at", True),
    ("all c in claims: c.final", True),
    ("any c in claims: c.amount > 50000", False),
    ("all c in []: false", True),
    ("dispute == 'wages'", None),  # evaluated below with dispute set; None here means "not asserted"
]


@pytest.mark.parametrize(
    ("text", "expected"), [v for v in VALUE_TABLE if v[1] is not None], ids=lambda x: str(x)
)
def test_values(text: str, expected: Any) -> None:
    got = value(text)
    assert got == expected and type(got) is type(expected), (got, expected)


def test_false_guard_names_the_false_part_and_its_values() -> None:
    out = evaluate(parse_guard("workers >= 10 and claim_amount > 0"), Scope(VALUES, CASE))
    assert out.value is False
    assert out.explain() == "workers >= 10 为假（workers = 3） / is false (workers = 3)"
    assert out.explain(zh_first=False) == "workers >= 10 is false (workers = 3) / 为假（workers = 3）"


def test_and_explains_only_its_first_false_conjunct() -> None:
    out = evaluate(parse_guard("claim_amount > 0 and fee_paid and workers > 5"), Scope(VALUES, CASE))
    assert [f.text for f in out.failures] == ["fee_paid"]
    assert out.explain().startswith("fee_paid 为假（fee_paid = false）")


def test_or_explains_every_false_disjunct() -> None:
    out = evaluate(parse_guard("fee_paid or days_between(filed_on, at) <= 30"), Scope(VALUES, CASE))
    assert [f.text for f in out.failures] == ["fee_paid", "days_between(filed_on, at) <= 30"]
    assert ("days_between(filed_on, at) = 43", "filed_on = 2026-09-29") == tuple(
        f"{k} = {v}" for k, v in out.failures[1].values[:2]
    )


def test_all_names_the_first_claim_item_that_breaks_the_final_award_limit() -> None:
    # R 50: an award is final only if each claim item is at most 12 x the monthly minimum wage
    guard = parse_guard("all c in claims: c.final implies c.amount <= 12 * monthly_min_wage")
    out = evaluate(guard, Scope(VALUES, CASE))
    assert out.value is False
    [f] = out.failures
    assert f.text == "c.amount <= 12 * monthly_min_wage"
    assert dict(f.values) == {
        "c.amount": "40000",
        "12 * monthly_min_wage": "30240",
        "monthly_min_wage": "2520",
    }
    assert "claims 第 2 项" in out.explain() and "for item 2 of claims" in out.explain()
    assert "c.final" in out.explain()  # the premise that made the limit apply


def test_not_and_calls_show_what_they_read() -> None:
    out = evaluate(parse_guard("not has_document('application')"), Scope(VALUES, CASE))
    assert out.explain() == (
        "not has_document('application') 为假（has_document('application') = true） / "
        "is false (has_document('application') = true)"
    )


def test_true_and_non_bool_outcomes_explain_themselves() -> None:
    assert evaluate(parse_guard("workers > 1"), Scope(VALUES, CASE)).explain() == "workers > 1 为真 / is true"
    assert evaluate(parse_guard("workers + 1"), Scope(VALUES, CASE)).explain() == "workers + 1 = 4"


def test_short_circuit_does_not_touch_a_missing_fact() -> None:
    assert value("fee_paid and hearing_on > at") is False
    assert value("workers > 1 or hearing_on > at") is True


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("hearing_on > at", "hearing_on"),
        ("hearing_on + 5 days > at", "hearing_on"),
        ("at <= workdays_before(hearing_on, 5)", "hearing_on"),
        ("-hearing_on2 > 1", "hearing_on2"),
        ("hearing_on in [at]", "hearing_on"),
        ("not fee_unknown", "fee_unknown"),
        ("fee_unknown", "fee_unknown"),
    ],
)
def test_a_missing_fact_is_named_in_chinese_and_english(text: str, fact: str) -> None:
    with pytest.raises(MissingValue) as info:
        value(text)
    assert str(info.value) == f"事实 '{fact}' 尚未填写 (fact '{fact}' is not set)"
    assert info.value.name == fact and isinstance(info.value, GuardRuntimeError)
    assert info.value.span is not None and info.value.span.col == text.index(fact) + 1


def test_a_missing_field_of_a_claim_is_named() -> None:
    claims = [{"item": "x", "amount": None, "category": "wages", "final": True}]
    with pytest.raises(MissingValue, match=r"'c.amount' 没有值"):
        value("all c in claims: c.amount > 0", claims=claims)
    with pytest.raises(MissingValue, match=r"claims.amount\[1\]"):
        value("sum(claims.amount) > 0", claims=claims)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("workers / 0 > 1", "除数为零 (division by zero)"),
        ("claim_amount / (workers - 3) > 1", "division by zero"),
        ("max([]) > 1", "空列表没有最大值 (an empty list has no largest item)"),
        ("deadline_due('service') > at", "期限 'service' 没有到期日"),
        ("param('monthly_min_wage', 2020-01-01) > 0", "参数 'monthly_min_wage' 在 2020-01-01 没有有效值"),
        ("9999-12-31 + 1 day > at", "cannot compute"),
        ("9999-12-31 + 1 month > at", "cannot compute"),
    ],
)
def test_runtime_errors_say_what_went_wrong(text: str, fragment: str) -> None:
    with pytest.raises(GuardRuntimeError) as info:
        value(text)
    assert fragment in str(info.value)


def test_functions_that_read_the_case_need_one() -> None:
    with pytest.raises(GuardRuntimeError, match="no case to read"):
        evaluate(parse_guard("has_document('x')"), Scope({}))
    assert evaluate(parse_guard("days_between(2026-01-01, 2026-02-01)"), Scope({})).value == 31


def test_floats_from_json_become_decimals() -> None:
    assert value("claim_amount * 3", claim_amount=0.1) == Decimal("0.3")


def test_codes_compare_with_text() -> None:
    assert value("dispute == 'wages'", dispute="wages") is True
    assert value("dispute in ['wages', 'overtime']", dispute="injury") is False


def test_an_outcome_as_json_for_the_api() -> None:
    from engine.errors import Span

    guard = parse_guard("workers >= 10 and claim_amount > 0", Span("p.yaml", 7, 11))
    data = evaluate(guard, Scope(VALUES, CASE)).to_json()
    assert data["value"] == "false"
    assert data["failures"] == [
        {"guard": "workers >= 10", "values": {"workers": "3"}, "path": "p.yaml", "line": 7, "col": 11}
    ]
    assert data["explain_zh"].startswith("workers >= 10 为假") and data["explain_en"].startswith(
        "workers >= 10 is false"
    )


def test_a_year_no_calendar_covers_is_not_hidden() -> None:
    from engine.errors import YearNotCovered

    class NoFuture(FakeCalendar):
        def add_workdays(self, d: dt.date, n: int) -> dt.date:
            raise YearNotCovered(2027, "cn", "procedures/calendars/cn.yaml")

    case = FakeCase(calendar=NoFuture())
    for text in ("at + 5 workdays > at", "add_workdays(at, 5) > at"):
        with pytest.raises(YearNotCovered):
            evaluate(parse_guard(text), Scope({"at": D(2026, 12, 30)}, case))


def test_the_real_national_calendar_fits_the_guard_context() -> None:
    from engine.dates.calendar import get_calendar

    case = FakeCase(calendar=get_calendar("cn"))  # type: ignore[arg-type]
    scope = Scope({"at": D(2026, 9, 29)}, case)
    assert evaluate(parse_guard("at + 5 workdays"), scope).value == D(2026, 10, 12)
    assert evaluate(parse_guard("workdays_before(2026-10-12, 5)"), scope).value == D(2026, 9, 29)
    assert evaluate(parse_guard("is_workday(2026-10-10) and not is_workday(2026-10-02)"), scope).value is True
