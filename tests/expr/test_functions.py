"""The function registry: registering, generic signatures, and functions outside the default registry."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.expr import (
    REGISTRY,
    FunctionRegistry,
    Scope,
    TypeEnv,
    check_guard,
    evaluate,
    guard_function,
    parse_guard,
)
from engine.expr.gtypes import DATE, INT, MONEY, TEXT, list_of
from engine.expr.types import infer_type


def test_a_region_specific_function_lives_in_its_own_registry() -> None:
    reg = FunctionRegistry()

    @guard_function("is_minority_holiday", ["date"], "bool", "是否为本地少数民族节日。", "Whether the day is a local "
                    "ethnic festival.", "not is_minority_holiday(at)", registry=reg, needs_case=False)  # fmt: skip
    def _festival(ctx: object, d: dt.date) -> bool:
        return (d.month, d.day) == (4, 19)

    env = TypeEnv({"at": DATE}, reg)
    assert check_guard(parse_guard("not is_minority_holiday(at)"), env) == []
    [d] = check_guard(parse_guard("has_document('x')"), env)  # not in this registry
    assert d.code == "E251"
    out = evaluate(parse_guard("is_minority_holiday(at)"), Scope({"at": dt.date(2026, 4, 19)}, None, reg))
    assert out.value is True
    assert "is_minority_holiday" not in REGISTRY.names()


def test_a_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="already registered"):
        guard_function("count", ["list[T]"], "int", "重复", "duplicate")(lambda ctx, xs: len(xs))


def test_generic_functions_take_the_type_of_their_argument() -> None:
    env = TypeEnv(
        {"days": list_of(DATE), "ns": list_of(INT), "amounts": list_of(MONEY), "texts": list_of(TEXT)}
    )
    assert infer_type(parse_guard("max(days)"), env) == DATE
    assert infer_type(parse_guard("sum(ns)"), env) == INT
    assert infer_type(parse_guard("sum(amounts)"), env) == MONEY
    assert infer_type(parse_guard("abs(-3)"), env) == INT
    assert infer_type(parse_guard("count(texts)"), env) == INT
    [d] = check_guard(parse_guard("max(texts) == 'a'"), env)  # text has no order
    assert d.code == "E253" and "argument 1 of max()" in d.message
    [d] = check_guard(parse_guard("count(3) > 1"), env)
    assert d.code == "E253"


def test_every_function_has_documentation_in_both_languages() -> None:
    for fn in REGISTRY:
        assert fn.doc_zh and fn.doc_en and fn.example, fn.name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in fn.doc_zh), fn.name
