"""Evaluate a guard on a case's values, and explain a false one. A tree walk: never eval/exec.

Owns: `Scope`, `MissingValue`, `evaluate` (its `Outcome` and `Failure` are engine.expr.outcome).
`evaluate` returns an `Outcome` whose `explain()` says which sub-guard was false and with which
values, in Chinese and English. A well-typed guard either evaluates or raises GuardRuntimeError
(a missing fact: `MissingValue`); the calendar's YearNotCovered passes through unchanged (P5).
Semantics: `and`/`or`/`implies` short-circuit left to right; `x == null` is true when x is not set;
any other use of an unset value raises. Money and decimals are Decimal; int / int is a Decimal.
date ± N days/months/years: calendar days, months keep the day number or take the month's last
day (P3, no roll); date ± N workdays: the calendar. date − date: days (int).
Stage in the flow: 6 (run), called by engine.cases.runtime for `when`, `check`, `sets`, invariants.
May import: engine.errors, engine.dates.periods, engine.expr.

>>> from engine.expr.parse import parse_guard
>>> out = evaluate(parse_guard("workers >= 10 and claim_amount > 0"), Scope({"workers": 3, "claim_amount": 500}))
>>> out.value, out.explain()
(False, 'workers >= 10 为假（workers = 3） / is false (workers = 3)')
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, DecimalException
from typing import Any

from engine.dates.periods import Period, add_months
from engine.errors import CalendarError, GuardRuntimeError, Span
from engine.expr import nodes as n
from engine.expr.functions import REGISTRY, FunctionRegistry, GuardContext, shift_workdays
from engine.expr.outcome import Failure, Outcome, format_value
from engine.expr.printer import print_guard

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class MissingValue(GuardRuntimeError):
    """A guard needs a value that is not set (a fact not yet entered, a field of a claim)."""

    def __init__(self, name: str, is_fact: bool, span: Span | None) -> None:
        self.name = name
        self.span = span
        if is_fact:
            msg = f"事实 '{name}' 尚未填写 (fact '{name}' is not set)"
        else:
            msg = f"'{name}' 没有值 ('{name}' has no value)"
        super().__init__(msg)


@dataclass(frozen=True)
class Scope:
    """The values a guard reads: facts, params in force, `at`, `stage`, and the case for functions."""

    names: Mapping[str, object]
    context: GuardContext | None = None
    functions: FunctionRegistry = field(default=REGISTRY)


def evaluate(expr: n.Expr, scope: Scope, allow_unset: bool = False) -> Outcome:
    """Evaluate `expr` in `scope`; a false result carries its explanation. With `allow_unset` (a `sets:`
    expression such as `if_else(...)` that keeps a fact unset) the result may be None.

    Raises:
        GuardRuntimeError: a value it needs is not set (MissingValue), division by zero, an empty
            list for max/min, a date out of range, a function that needs the case without one.
    """
    ev = _Evaluator(scope)
    value = ev.value_of(expr, {}) if allow_unset else ev.need(expr, {})
    failures = tuple(ev.why_false(expr, {})) if value is False else ()
    return Outcome(value, expr, failures)


#: the most expression nodes one evaluation of a guard (with its explanation) may visit; validation
#: bounds the nesting of quantifiers (E115), this bounds what lists of any length cost at run time
MAX_GUARD_STEPS = 100_000


class GuardTooCostly(GuardRuntimeError):
    """A guard needed more than MAX_GUARD_STEPS steps on this case's values."""


class _Evaluator:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.steps = 0

    # ---- values -----------------------------------------------------------------------------------

    def value_of(self, e: n.Expr, local: dict[str, object]) -> Any:
        self.steps += 1
        if self.steps > MAX_GUARD_STEPS:
            raise GuardTooCostly(
                f"守卫计算量过大（超过 {MAX_GUARD_STEPS:,} 步），未执行任何更改；请简化该条件或分成几项检查 "
                f"(the guard '{print_guard(e)[:60]}' needs more than {MAX_GUARD_STEPS:,} steps on this case; "
                "nothing was changed: simplify it or split it into several checks)"
            )
        if isinstance(e, n.Literal):
            return e.value
        if isinstance(e, n.Duration):
            return Period(e.n, e.unit)
        if isinstance(e, n.Name):
            return self._name(e, local)
        if isinstance(e, n.ListLit):
            return [self.value_of(i, local) for i in e.items]
        if isinstance(e, n.Attr):
            return self._attr(e, local)
        if isinstance(e, n.Unary):
            v = self.need(e.operand, local)
            return Period(-v.n, v.unit) if isinstance(v, Period) else self._op(e, operator.neg, v)
        if isinstance(e, n.Arith):
            return self._arith(e, local)
        if isinstance(e, n.Compare):
            return self._compare(e, local)
        if isinstance(e, n.In):
            item, container = self.value_of(e.item, local), self.need(e.container, local)
            if item is None and not (isinstance(e.item, n.Literal) and e.item.kind == "null"):
                self._missing(e.item, local)
            return (item not in container) if e.negated else (item in container)
        if isinstance(e, n.Not):
            return not self.cond(e.operand, local)
        if isinstance(e, n.And):
            return all(self.cond(i, local) for i in e.items)
        if isinstance(e, n.Or):
            return any(self.cond(i, local) for i in e.items)
        if isinstance(e, n.Implies):
            return (not self.cond(e.left, local)) or self.cond(e.right, local)
        if isinstance(e, n.Quantifier):
            items = self.need(e.source, local)
            test = (self.cond(e.body, {**local, e.var: x}) for x in items)
            return all(test) if e.kind == "all" else any(test)
        return self._call(e, local)

    def need(self, e: n.Expr, local: dict[str, object]) -> Any:
        v = self.value_of(e, local)
        if v is None and not _is_null(e):
            self._missing(e, local)
        return v

    def cond(self, e: n.Expr, local: dict[str, object]) -> bool:
        v = self.need(e, local)
        if not isinstance(v, bool):
            raise GuardRuntimeError(
                f"'{print_guard(e)}' 不是真假值 (is not true or false): {format_value(v)}"
            )
        return v

    def _missing(self, e: n.Expr, local: dict[str, object]) -> None:
        is_fact = isinstance(e, n.Name) and e.id not in local
        raise MissingValue(print_guard(e), is_fact, e.span)

    def _name(self, e: n.Name, local: dict[str, object]) -> Any:
        v = local[e.id] if e.id in local else self.scope.names.get(e.id)
        return Decimal(str(v)) if isinstance(v, float) else v

    def _attr(self, e: n.Attr, local: dict[str, object]) -> Any:
        v = self.need(e.value, local)
        if isinstance(v, (list, tuple)):
            return [_field(x, e.attr) for x in v]
        return _field(v, e.attr)

    def _op(self, e: n.Expr, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except CalendarError:
            raise  # a year no calendar covers (P5): the caller must see it, never a guess
        except (ArithmeticError, DecimalException) as exc:
            raise GuardRuntimeError(
                f"无法计算 '{print_guard(e)}' (cannot compute it): {_reason(exc)}"
            ) from None
        except (TypeError, ValueError, OverflowError) as exc:
            raise GuardRuntimeError(f"无法计算 '{print_guard(e)}' (cannot compute it): {exc}") from None

    def _arith(self, e: n.Arith, local: dict[str, object]) -> Any:
        a, b = self.need(e.left, local), self.need(e.right, local)
        if isinstance(b, Period) and isinstance(a, dt.date):
            return self._op(e, self._shift, a, b if e.op == "+" else Period(-b.n, b.unit))
        if isinstance(a, Period) and isinstance(b, dt.date):
            return self._op(e, self._shift, b, a)
        if isinstance(a, dt.date) and isinstance(b, dt.date):
            return (a - b).days
        if e.op == "/":
            return self._op(e, lambda x, y: Decimal(x) / Decimal(y), a, b)
        fn = {"+": operator.add, "-": operator.sub, "*": operator.mul}[e.op]
        return self._op(e, fn, a, b)

    def _shift(self, d: dt.date, p: Period) -> dt.date:
        if p.unit == "days":
            return d + dt.timedelta(days=p.n)
        if p.unit == "workdays":
            return shift_workdays(self._context().calendar, d, p.n)
        return add_months(d, p.n * (12 if p.unit == "years" else 1))

    def _compare(self, e: n.Compare, local: dict[str, object]) -> bool:
        a, b = self.value_of(e.left, local), self.value_of(e.right, local)
        if e.op in ("==", "!=") and (_is_null(e.left) or _is_null(e.right)):
            return (a is None) == (e.op == "==") if _is_null(e.right) else (b is None) == (e.op == "==")
        if a is None:
            self._missing(e.left, local)
        if b is None:
            self._missing(e.right, local)
        return bool(self._op(e, _COMPARE[e.op], a, b))

    def _call(self, e: n.Call, local: dict[str, object]) -> Any:
        fn = self.scope.functions.get(e.func)
        if fn is None:
            raise GuardRuntimeError(
                f"未知函数 '{e.func}' (unknown function '{e.func}'): type-check the guard first"
            )
        if fn.chooses and len(e.args) == 3:
            # a choice: only the picked value is computed (the other may need a value that is unset)
            return self.value_of(e.args[1] if self.cond(e.args[0], local) else e.args[2], local)
        args = []
        for a in e.args:
            v = self.value_of(a, local) if fn.takes_unset else self.need(a, local)
            if isinstance(v, list) and any(x is None for x in v):
                raise MissingValue(f"{print_guard(a)}[{v.index(None) + 1}]", False, a.span)
            args.append(v)
        try:
            return fn.impl(self._context() if fn.needs_case else self.scope.context, *args)
        except (GuardRuntimeError, CalendarError):
            raise
        except (ArithmeticError, DecimalException, TypeError, ValueError, OverflowError) as exc:
            raise GuardRuntimeError(
                f"无法计算 '{print_guard(e)}' (cannot compute it): {_reason(exc)}"
            ) from None

    def _context(self) -> GuardContext:
        if self.scope.context is None:
            raise GuardRuntimeError(
                "此处没有案件可读 (no case to read here): this guard reads the case or the calendar"
            )
        return self.scope.context

    # ---- explanations -----------------------------------------------------------------------------

    def why_false(self, e: n.Expr, local: dict[str, object]) -> list[Failure]:
        """The failures of a sub-guard that evaluated to False."""
        if isinstance(e, n.And):
            first = next(i for i in e.items if not self.cond(i, local))
            return self.why_false(first, local)
        if isinstance(e, n.Or):
            return [f for i in e.items for f in self.why_false(i, local)]
        if isinstance(e, n.Implies):
            given = print_guard(e.left)
            return [
                _given(f, f"（{given} 成立时）", f"(as {given} holds) ")
                for f in self.why_false(e.right, local)
            ]
        if isinstance(e, n.Quantifier) and e.kind == "all":
            items = list(self.need(e.source, local))
            src = print_guard(e.source)
            for i, x in enumerate(items, start=1):
                inner = {**local, e.var: x}
                if not self.cond(e.body, inner):
                    zh, en = f"{src} 第 {i} 项（{e.var} = {format_value(x)}）：", f"for item {i} of {src}, "
                    return [_given(f, zh, en) for f in self.why_false(e.body, inner)]
        return [Failure(print_guard(e), self._shown(e, local), e.span)]

    def _shown(self, e: n.Expr, local: dict[str, object]) -> tuple[tuple[str, str], ...]:
        """The values worth showing for a false leaf: its operands, and what calls and sums read."""
        out: dict[str, str] = {}

        def show(sub: n.Expr) -> None:
            if isinstance(sub, (n.Literal, n.Duration)) or _bound(sub, e):
                return
            text = print_guard(sub)
            if not isinstance(sub, n.ListLit) and text not in out:
                try:
                    out[text] = format_value(self.value_of(sub, local))
                except GuardRuntimeError:
                    out[text] = "?"
            if isinstance(sub, (n.Call, n.Arith, n.Unary, n.ListLit)):
                for c in n.children(sub):
                    show(c)

        inner = e.operand if isinstance(e, n.Not) else e
        if isinstance(inner, (n.Name, n.Call, n.Attr)):
            show(inner)
        elif isinstance(inner, n.Quantifier):
            show(inner.source)
        else:
            for c in n.children(inner):
                show(c)
        return tuple(out.items())


def _bound(sub: n.Expr, e: n.Expr) -> bool:
    return isinstance(e, n.Quantifier) and isinstance(sub, n.Name) and sub.id == e.var


def _given(f: Failure, zh: str, en: str) -> Failure:
    return Failure(f.text, f.values, f.span, zh + f.given_zh, en + f.given_en)


def _is_null(e: n.Expr) -> bool:
    return isinstance(e, n.Literal) and e.kind == "null"


def _field(v: object, name: str) -> Any:
    if isinstance(v, Mapping):
        return v.get(name)
    return getattr(v, name, None)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (ZeroDivisionError, DecimalException)) and "division" in type(exc).__name__.lower():
        return "除数为零 (division by zero)"
    if isinstance(exc, ZeroDivisionError):
        return "除数为零 (division by zero)"
    return str(exc) or type(exc).__name__
