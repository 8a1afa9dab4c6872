"""check_guard: unknown names and functions with did-you-mean, arity, operand and result types."""

from __future__ import annotations

import pytest

from engine.errors import Span
from engine.expr import TYPE_ERRORS, TypeEnv, check_guard, infer_type, parse_guard
from engine.expr.gtypes import BOOL, DATE, DECIMAL, INT, MONEY, TEXT, list_of
from engine.expr.type_errors import TEST_ENV_FACTS, TEST_ENV_PARAMS
from tests.expr.strategies import ENV

WELL_TYPED = [
    "workers >= 10 and claim_amount > 0",
    "工作年限 >= 1",
    "stage == 'accepted' implies has_document('award')",
    "at <= filed_on + 45 days and at >= add_workdays(filed_on, 5)",
    "at - filed_on <= 30",
    "days_between(filed_on, at) <= 30",
    "max(claims.amount) <= 12 * monthly_min_wage",
    "all c in claims: c.final implies c.amount <= 12 * monthly_min_wage",
    "any c in claims: c.category in ['wages', 'severance']",
    "'wages' in claims.category",
    "dispute == 'wages' or dispute != track",
    "hearing_on == null or hearing_on > at",
    "claim_amount / 3 > rate",
    "claim_amount >= param('monthly_min_wage', at) * 12",
    "sum(claims.amount) == claim_amount",
    "count(claims) in [1, 2, 3]",
    "times_fired('extend_award_period') < 1",
    "deadline_status('award') == 'running' and at <= deadline_due('award')",
    "-workers < 0 and abs(claim_amount - 1.5) >= 0",
    "at - 1 month < at and at + -2 workdays < at",
    "not fee_paid",
    "year(at) >= 2026",
]


@pytest.mark.parametrize("text", WELL_TYPED)
def test_well_typed_guards_have_no_diagnostics(text: str) -> None:
    assert check_guard(parse_guard(text), ENV) == []


# guard, code, column, message fragment, hint fragment
ILL_TYPED = [
    ("worker >= 10", "E250", 1, "unknown name 'worker'", "did you mean 'workers'?"),
    ("工作年 >= 1", "E250", 1, "'工作年'", "did you mean '工作年限'?"),
    ("has_document >= 1", "E250", 1, "unknown name", "is a function"),
    (
        "has_documnet('application')",
        "E251",
        1,
        "unknown function 'has_documnet'",
        "did you mean 'has_document'?",
    ),
    ("days_betwen(at, at) > 1", "E251", 1, "days_betwen", "'days_between'"),
    ("days_between(at) > 3", "E252", 1, "takes 2 argument(s), 1 given", ""),
    (
        "days_between(at, 3) > 3",
        "E253",
        18,
        "argument 2 of days_between() must be a date value, not an int value",
        "",
    ),
    ("max(workers) > 1", "E253", 5, "argument 1 of max()", ""),
    ("sum(claims.category) > 1", "E253", 5, "argument 1 of sum()", ""),
    ("at + 3 >= hearing_on", "E254", 1, "cannot compute a date value + an int value", "at + 5 workdays"),
    ("claim_amount * monthly_min_wage > 1", "E254", 1, "money value * a money value", "multiply an amount"),
    (
        "hearing_on == 'tomorrow'",
        "E255",
        1,
        "cannot compare a date value with a text value",
        "without quotes",
    ),
    ("at - filed_on <= 30 days", "E261", 1, "cannot order an int value and a duration value", "plain number"),
    ("claim_amount + 1", "E256", 1, "must be true or false, but this is a money value", "compare it"),
    ("null", "E256", 1, "must be true or false, but this is a null value", ""),
    ("max(claims.amout) > 0", "E257", 5, "a claim has no field 'amout'", "did you mean 'amount'?"),
    ("workers.amount > 0", "E257", 1, "has no field 'amount'", ""),
    ("workers in ['a', 'b']", "E258", 1, "an int value is never in a list of text values", ""),
    ("workers in 3", "E258", 12, "needs a list", ""),
    ("workers and fee_paid", "E259", 1, "'and' joins conditions, but this is an int value", ""),
    ("not workers", "E259", 5, "'not'", ""),
    ("stage in ['a', 1]", "E260", 16, "mixes a text value and an int value", ""),
    ("stage < 'b'", "E261", 1, "cannot order two text values", ""),
    ("hearing_on > null", "E261", 1, "'null' can only be compared with == or !=", ""),
    ("all c in workers: c > 1", "E263", 10, "needs a list, not an int value", ""),
    ("all c in claims: c.amount", "E259", 18, "this is a money value", ""),
]


@pytest.mark.parametrize(
    ("text", "code", "col", "fragment", "hint"), ILL_TYPED, ids=[t[0] for t in ILL_TYPED]
)
def test_ill_typed_guards_give_one_located_diagnostic(
    text: str, code: str, col: int, fragment: str, hint: str
) -> None:
    diags = check_guard(parse_guard(text, Span("p.yaml", 9, 1)), ENV)
    assert [d.code for d in diags] == [code], diags
    [d] = diags
    assert d.span is not None and (d.span.path, d.span.line, d.span.col) == ("p.yaml", 9, col)
    assert fragment in d.message
    assert hint in (d.hint or "")


def test_every_problem_of_a_guard_is_reported_in_order() -> None:
    diags = check_guard(parse_guard("workerz > 1 and stage < 'x' and has_docment('a')"), ENV)
    assert [d.code for d in diags] == ["E250", "E261", "E251"]


def test_one_mistake_is_reported_once() -> None:
    # the unknown name makes its comparison and the 'and' unknowable, not wrong
    assert [d.code for d in check_guard(parse_guard("(workerz + 1) * 2 > 1 and fee_paid"), ENV)] == ["E250"]


@pytest.mark.parametrize("code", sorted(TYPE_ERRORS))
def test_every_catalogued_type_error_has_a_working_example(code: str) -> None:
    env = TypeEnv.build(TEST_ENV_FACTS, TEST_ENV_PARAMS)
    assert [d.code for d in check_guard(parse_guard(TYPE_ERRORS[code][1]), env)] == [code]


def test_expected_type_of_a_sets_expression() -> None:
    env = TypeEnv.build({"defence_until": "date", "n": "int", "amount": "money"}, {})
    assert check_guard(parse_guard("add_workdays(at, 10)"), env, expect="date") == []
    assert check_guard(parse_guard("null"), env, expect="date") == []
    assert check_guard(parse_guard("n + 1"), env, expect=MONEY) == []  # an int fits a money fact
    [d] = check_guard(parse_guard("amount"), env, expect="int")
    assert d.code == "E256" and "a money value, but an int value is needed" in d.message
    assert check_guard(parse_guard("at"), env, expect=None) == []


def test_inferred_types() -> None:
    def t(text: str) -> object:
        return infer_type(parse_guard(text), ENV)

    assert t("claims.amount") == list_of(MONEY)
    assert t("7 / 2") == DECIMAL
    assert t("claim_amount / claim_amount") == DECIMAL
    assert t("claim_amount / 2") == MONEY
    assert t("workers * 2") == INT
    assert t("rate * claim_amount") == MONEY
    assert t("at - filed_on") == INT
    assert t("45 days + at") == DATE
    assert t("max(claims.amount)") == MONEY
    assert t("deadline_status('x')") == TEXT
    assert t("[1, 2.5]") == list_of(DECIMAL)
    assert t("a > 1") == BOOL  # an unknown name still gives a comparison its bool type
    assert t("workers > 1") == BOOL


def test_build_adds_at_and_stage_and_accepts_claims() -> None:
    env = TypeEnv.build({"claims": "claims"}, {"wage": "money"})
    assert env.names["at"] == DATE and env.names["stage"] == TEXT and env.names["wage"] == MONEY
    assert str(env.names["claims"]) == "list[claim]"
