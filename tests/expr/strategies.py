"""Hypothesis strategies for the guard language: well-typed guard ASTs, fact values and cases.

`exprs(t)` draws an AST of guard type `t` that type-checks in `ENV` (the tests assert that too),
using every node kind, every operator and the registered functions. Number literals are never
negative: the parser reads `-3` as `Unary('-', 3)`, so that is what we generate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from engine.dates.periods import UNITS
from engine.expr import nodes as n
from engine.expr.gtypes import (
    BOOL,
    CLAIM_ITEM,
    CODE,
    DATE,
    DECIMAL,
    DURATION,
    INT,
    MONEY,
    TEXT,
    GType,
    list_of,
)
from engine.expr.types import TypeEnv
from tests.expr.fakes import FakeCalendar, FakeCase

ENV_FACTS = {
    "workers": "int",
    "claim_amount": "money",
    "rate": "decimal",
    "fee_paid": "bool",
    "hearing_on": "date",
    "filed_on": "date",
    "track": "text",
    "dispute": "code",
    "claims": "claims",
    "工作年限": "int",
}
ENV_PARAMS = {"monthly_min_wage": "money"}
ENV = TypeEnv.build(ENV_FACTS, ENV_PARAMS)

Local = tuple[tuple[str, GType], ...]
_TEXT_ALPHABET = "ab 'z\"\\\n\t工资案-_"


def _lit(kind: n.LiteralKind) -> Any:
    return lambda v: n.Literal(v, kind)


_LITERALS: dict[GType, SearchStrategy[n.Expr]] = {
    INT: st.integers(0, 10**6).map(_lit("int")),
    DECIMAL: st.decimals(0, 10**6, places=2, allow_nan=False, allow_infinity=False)
    .filter(lambda d: not d.is_signed())
    .map(_lit("decimal")),
    TEXT: st.text(_TEXT_ALPHABET, max_size=8).map(_lit("text")),
    BOOL: st.booleans().map(_lit("bool")),
    DATE: st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)).map(_lit("date")),
    DURATION: st.builds(n.Duration, st.integers(0, 400), st.sampled_from(UNITS)),
}
_NUMS = (INT, DECIMAL, MONEY)


def _names(t: GType, local: Local) -> list[n.Expr]:
    out: list[n.Expr] = [n.Name(k) for k, v in ENV.names.items() if v == t]
    for var, vt in local:
        if vt == t:
            out.append(n.Name(var))
        if vt == CLAIM_ITEM:
            out += [n.Attr(n.Name(var), f) for f, ft in CLAIM_ITEM.fields if ft == t]
    if t.kind == "list" and t.item is not None:
        out += [n.Attr(n.Name("claims"), f) for f, ft in CLAIM_ITEM.fields if ft == t.item]
    return out


def _call(name: str, *args: SearchStrategy[n.Expr]) -> SearchStrategy[n.Expr]:
    return st.tuples(*args).map(lambda a: n.Call(name, tuple(a)))


def _arith(ops: str, left: SearchStrategy[n.Expr], right: SearchStrategy[n.Expr]) -> SearchStrategy[n.Expr]:
    return st.builds(n.Arith, st.sampled_from(list(ops)), left, right)


def _text_lit() -> SearchStrategy[n.Expr]:
    return st.sampled_from(["application", "award", "accept", "x"]).map(_lit("text"))


@cache
def exprs(t: GType, depth: int = 3, local: Local = ()) -> SearchStrategy[n.Expr]:
    """Well-typed guard ASTs of type `t`, at most `depth` operators deep."""
    leaves: list[SearchStrategy[n.Expr]] = []
    if t in _LITERALS:
        leaves.append(_LITERALS[t])
    names = _names(t, local)
    if names:
        leaves.append(st.sampled_from(names))
    if t == list_of(INT):
        leaves.append(st.lists(_LITERALS[INT], max_size=3).map(lambda xs: n.ListLit(tuple(xs))))
    if depth <= 0 or t not in (BOOL, INT, DECIMAL, MONEY, DATE, TEXT, DURATION):
        return st.one_of(leaves)

    def sub(tt: GType, loc: Local = local) -> SearchStrategy[n.Expr]:
        return exprs(tt, depth - 1, loc)

    opts: list[SearchStrategy[n.Expr]] = []
    if t == BOOL:
        num = st.sampled_from(_NUMS).flatmap(sub)
        opts += [
            st.builds(n.Compare, st.sampled_from(n.COMPARE_OPS), num, num),
            st.builds(n.Compare, st.sampled_from(n.COMPARE_OPS), sub(DATE), sub(DATE)),
            st.builds(n.Compare, st.sampled_from(["==", "!="]), sub(TEXT), st.one_of(sub(TEXT), sub(CODE))),
            st.builds(n.Compare, st.sampled_from(["==", "!="]), sub(BOOL), sub(BOOL)),
            st.builds(
                n.Compare,
                st.sampled_from(["==", "!="]),
                st.sampled_from([n.Name(k) for k in ENV.names]),
                st.just(n.Literal(None, "null")),
            ),  # fmt: skip
            st.lists(sub(BOOL), min_size=2, max_size=3).map(lambda xs: n.And(tuple(xs))),
            st.lists(sub(BOOL), min_size=2, max_size=3).map(lambda xs: n.Or(tuple(xs))),
            st.builds(n.Not, sub(BOOL)),
            st.builds(n.Implies, sub(BOOL), sub(BOOL)),
            st.builds(n.In, sub(INT), exprs(list_of(INT), 0, local), st.booleans()),
            st.builds(n.In, sub(TEXT), st.just(n.Attr(n.Name("claims"), "category")), st.booleans()),
            st.builds(
                n.Quantifier,
                st.sampled_from(["all", "any"]),
                st.just("c"),
                st.just(n.Name("claims")),
                sub(BOOL, (*[x for x in local if x[0] != "c"], ("c", CLAIM_ITEM))),
            ),  # fmt: skip
            _call("has_document", _text_lit()),
            _call("is_workday", sub(DATE)),
        ]
    elif t == INT:
        opts += [
            _arith("+-*", sub(INT), sub(INT)),
            st.builds(n.Unary, st.just("-"), sub(INT)),
            _arith("-", sub(DATE), sub(DATE)),
            _call("days_between", sub(DATE), sub(DATE)),
            _call("workdays_between", sub(DATE), sub(DATE)),
            _call("count", st.just(n.Name("claims"))),
            _call("year", sub(DATE)),
            _call("month", sub(DATE)),
            _call("times_fired", _text_lit()),
            _call("abs", sub(INT)),
        ]
    elif t == DECIMAL:
        opts += [
            _arith("+-*", sub(DECIMAL), st.one_of(sub(INT), sub(DECIMAL))),
            _arith("/", sub(INT), sub(INT)),
            _call("param", st.just(n.Literal("monthly_min_wage", "text")), sub(DATE)),
            _call("round", sub(DECIMAL), st.integers(0, 4).map(_lit("int"))),
        ]
    elif t == MONEY:
        opts += [
            _arith("+-", sub(MONEY), st.one_of(sub(MONEY), sub(INT))),
            _arith("*", sub(MONEY), st.one_of(sub(INT), sub(DECIMAL))),
            _arith("/", sub(MONEY), sub(INT)),
            _call("sum", st.just(n.Attr(n.Name("claims"), "amount"))),
            _call("max", st.just(n.Attr(n.Name("claims"), "amount"))),
            _call("min", st.just(n.Attr(n.Name("claims"), "amount"))),
            _call("abs", sub(MONEY)),
        ]
    elif t == DATE:
        opts += [
            _arith("+-", sub(DATE), sub(DURATION)),
            st.builds(n.Arith, st.just("+"), sub(DURATION), sub(DATE)),
            _call("add_workdays", sub(DATE), sub(INT)),
            _call("workdays_before", sub(DATE), sub(INT)),
            _call("roll_forward", sub(DATE)),
            _call("deadline_due", st.sampled_from(["award", "service"]).map(_lit("text"))),
        ]
    elif t == TEXT:
        opts.append(_call("deadline_status", st.sampled_from(["award", "service"]).map(_lit("text"))))
    elif t == DURATION:
        opts.append(st.builds(n.Unary, st.just("-"), sub(DURATION)))
    return st.one_of(*leaves, *opts)


def guards(depth: int = 3) -> SearchStrategy[n.Expr]:
    return exprs(BOOL, depth)


# ---- values -----------------------------------------------------------------------------------------

_money = st.decimals(-(10**6), 10**6, places=2, allow_nan=False, allow_infinity=False)
_date = st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31))
_code = st.sampled_from(["wages", "overtime", "severance", "injury"])
_claim = st.fixed_dictionaries(
    {
        "item": st.none() | st.text(max_size=4),
        "amount": st.none() | _money,
        "category": st.none() | _code,
        "final": st.none() | st.booleans(),
    }
)
_VALUES: dict[str, SearchStrategy[Any]] = {
    "int": st.integers(-1000, 1000),
    "money": _money,
    "decimal": st.decimals(-1000, 1000, places=3, allow_nan=False, allow_infinity=False),
    "bool": st.booleans(),
    "date": _date,
    "text": st.text(_TEXT_ALPHABET, max_size=6),
    "code": _code,
    "claims": st.lists(_claim, max_size=3),
}


def scope_values() -> SearchStrategy[dict[str, Any]]:
    """Values for every name of ENV; any of them may be unset (None)."""
    fields = {k: st.none() | _VALUES[v] for k, v in {**ENV_FACTS, **ENV_PARAMS}.items()}
    fields["at"] = _date
    fields["stage"] = st.sampled_from(["received", "accepted"])
    return st.fixed_dictionaries(fields)


def cases() -> SearchStrategy[FakeCase]:
    return st.builds(
        FakeCase,
        documents=st.sets(st.sampled_from(["application", "award", "x"])),
        deadlines=st.dictionaries(
            st.sampled_from(["award", "service"]),
            st.tuples(st.sampled_from(["running", "paused", "stopped"]), st.none() | _date),
        ),  # fmt: skip
        fired=st.dictionaries(st.sampled_from(["accept", "x"]), st.integers(0, 3)),
        params=st.just({"monthly_min_wage": {dt.date(2000, 1, 1): Decimal("2520")}}),
        calendar=st.just(FakeCalendar()),
    )
