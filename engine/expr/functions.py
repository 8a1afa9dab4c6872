"""The functions guards may call, in one explicit registry.

Owns: `GuardFunction`, `FunctionRegistry`, the default `REGISTRY`, the `@guard_function` decorator,
the `GuardContext` port (what a function may read about the case) with its `CalendarLike` part,
and the built-in functions. docs/guards.md documents every one of them (a test keeps them in step).
A function receives the context first, then its arguments (never None: the evaluator stops a
missing value before the call). It may raise GuardRuntimeError with a message for the clerk.
May import: engine.errors, engine.expr.gtypes. The calendar is reached through `GuardContext.calendar`
(engine.dates.calendar.WorkCalendar fits `CalendarLike`), never imported.

>>> REGISTRY.get("days_between").signature()
'days_between(date, date) -> int'
>>> "has_document" in REGISTRY.names()
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from engine.errors import GuardRuntimeError
from engine.expr.gtypes import GType, parse_gtype


class CalendarLike(Protocol):
    """The working-day calendar as guards use it (engine.dates.calendar.WorkCalendar)."""

    def is_workday(self, d: dt.date) -> bool: ...
    def add_workdays(self, d: dt.date, n: int) -> dt.date: ...
    def workdays_before(self, d: dt.date, n: int) -> dt.date: ...
    def workdays_between(self, a: dt.date, b: dt.date) -> int: ...
    def roll_forward(self, d: dt.date) -> dt.date: ...


class GuardContext(Protocol):
    """What guard functions may read about the case being decided (given by the runtime)."""

    @property
    def calendar(self) -> CalendarLike: ...
    def has_document(self, doc_id: str) -> bool: ...
    def deadline_due(self, deadline_id: str) -> dt.date | None: ...
    def deadline_status(self, deadline_id: str) -> str | None: ...
    def deadline_provisional(self, deadline_id: str) -> bool: ...
    def times_fired(self, action: str) -> int: ...
    def on_register(self, name: str, post: str) -> bool | None: ...
    def param(self, param_id: str, day: dt.date) -> Any: ...


Impl = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class GuardFunction:
    """A registered function: its name, parameter and result types, documentation and code."""

    name: str
    params: tuple[GType, ...]
    returns: GType
    doc_zh: str
    doc_en: str
    impl: Impl
    example: str = ""
    #: False for functions of their arguments alone (they may run without a case)
    needs_case: bool = True
    #: True for functions that take unset values (`if_else`, `latest`): an unset argument is passed as
    #: None instead of being an error
    takes_unset: bool = False
    #: True for a choice (`if_else(condition, a, b)`): the evaluator computes the condition, then only
    #: the argument it picks (the other may need a value that is unset); `impl` is not called
    chooses: bool = False

    def signature(self) -> str:
        return f"{self.name}({', '.join(str(p) for p in self.params)}) -> {self.returns}"


class FunctionRegistry:
    """Functions by name. New behaviour comes from registering here (STYLE.md 2.8)."""

    def __init__(self) -> None:
        self._functions: dict[str, GuardFunction] = {}

    def register(self, fn: GuardFunction) -> None:
        if fn.name in self._functions:
            raise ValueError(f"guard function '{fn.name}' is already registered")
        self._functions[fn.name] = fn

    def get(self, name: str) -> GuardFunction | None:
        return self._functions.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._functions))

    def __iter__(self) -> Iterator[GuardFunction]:
        return iter(self._functions[k] for k in self.names())


REGISTRY = FunctionRegistry()


def guard_function(
    name: str,
    params: Sequence[str],
    returns: str,
    doc_zh: str,
    doc_en: str,
    example: str = "",
    registry: FunctionRegistry | None = None,
    needs_case: bool = True,
    takes_unset: bool = False,
    chooses: bool = False,
) -> Callable[[Impl], Impl]:
    """Register the decorated `impl(ctx, *args)` as guard function `name` (types as text: 'list[money]')."""

    def deco(impl: Impl) -> Impl:
        fn = GuardFunction(name, tuple(parse_gtype(p) for p in params), parse_gtype(returns), doc_zh, doc_en, impl,
                           example, needs_case, takes_unset, chooses)  # fmt: skip
        (registry or REGISTRY).register(fn)
        return impl

    return deco


# ---- the case -------------------------------------------------------------------------------------


@guard_function("has_document", ["text"], "bool", "案卷中是否已有该文书（按文书 id）。",
                "Whether a document with this id is on file for the case.", "has_document('application')")  # fmt: skip
def _has_document(ctx: GuardContext, doc_id: str) -> bool:
    return bool(ctx.has_document(doc_id))


@guard_function("deadline_due", ["text"], "date", "期限的到期日；期限未开始或已暂停时无法计算（报错）。",
                "The due date of a deadline; an error while it has not started or is paused.",
                "at <= deadline_due('award')")  # fmt: skip
def _deadline_due(ctx: GuardContext, deadline_id: str) -> dt.date:
    due = ctx.deadline_due(deadline_id)
    if due is None:
        raise GuardRuntimeError(
            f"期限 '{deadline_id}' 没有到期日（未开始或已暂停） (deadline '{deadline_id}' has no due date: "
            "it has not started or is paused)"
        )
    return due


@guard_function("deadline_status", ["text"], "text",
                "期限的状态：'running'、'paused'、'stopped'，未开始为 'not_started'。",
                "A deadline's status: 'running', 'paused', 'stopped', or 'not_started'.",
                "deadline_status('award') == 'running'")  # fmt: skip
def _deadline_status(ctx: GuardContext, deadline_id: str) -> str:
    return ctx.deadline_status(deadline_id) or "not_started"


@guard_function("deadline_provisional", ["text"], "bool",
                "期限的到期日是否为暂定（经过尚未公布节假日安排的年度，以国务院公布的安排为准）。",
                "Whether a deadline's due date is provisional (counted through a year whose holiday "
                "schedule is not yet published, docs/law.md P5).",
                "at <= deadline_due('challenge_applicant') or deadline_provisional('challenge_applicant')")  # fmt: skip
def _deadline_provisional(ctx: GuardContext, deadline_id: str) -> bool:
    return bool(ctx.deadline_provisional(deadline_id))


@guard_function("times_fired", ["text"], "int", "该操作在本案中已执行的次数。",
                "How many times an action has been done in this case.",
                "times_fired('extend_award_period') < 1")  # fmt: skip
def _times_fired(ctx: GuardContext, action: str) -> int:
    return int(ctx.times_fired(action))


@guard_function("on_register", ["text", "text"], "bool",
                "该人员在生效日是否为本案仲裁机构该岗位（arbitrator 仲裁员、clerk 书记员）的在聘人员；机构尚未登记人员时为真。",
                "Whether the person holds the post (arbitrator, clerk) at the case's institution on the effective "
                "date; true while the institution keeps no register.",
                "on_register('黄志远', 'arbitrator')")  # fmt: skip
def _on_register(ctx: GuardContext, name: str, post: str) -> bool:
    got = ctx.on_register(name, post)
    return True if got is None else bool(got)


@guard_function("param", ["text", "date"], "decimal", "参数在某日有效的值（如当地月最低工资标准）。",
                "The value a param has on a day (e.g. the local monthly minimum wage).",
                "claim_amount <= 12 * param('monthly_min_wage', at)")  # fmt: skip
def _param(ctx: GuardContext, param_id: str, day: dt.date) -> Decimal:
    value = ctx.param(param_id, day)
    if value is None:
        raise GuardRuntimeError(
            f"参数 '{param_id}' 在 {day} 没有有效值 (param '{param_id}' has no value on {day}): "
            "add a value that takes effect on or before that day"
        )
    return Decimal(str(value))


# ---- dates and the calendar -----------------------------------------------------------------------


@guard_function("days_between", ["date", "date"], "int", "两日之间的自然日数（b − a，不含起算日）。",
                "Calendar days from a to b (b - a; the first day is not counted).",
                "days_between(received_on, at) <= 45", needs_case=False)  # fmt: skip
def _days_between(ctx: GuardContext, a: dt.date, b: dt.date) -> int:
    return (b - a).days


@guard_function("workdays_between", ["date", "date"], "int", "a 之后至 b（含 b）的工作日数。",
                "Working days after a up to and including b.", "workdays_between(received_on, at) <= 5")  # fmt: skip
def _workdays_between(ctx: GuardContext, a: dt.date, b: dt.date) -> int:
    return int(ctx.calendar.workdays_between(a, b))


@guard_function("add_workdays", ["date", "int"], "date", "d 之后第 n 个工作日（不含 d）；n 为负数时向前数。",
                "The n-th working day after d (d not counted); counts back when n is negative.",
                "at <= add_workdays(served_on, 10)")  # fmt: skip
def _add_workdays(ctx: GuardContext, d: dt.date, n: int) -> dt.date:
    return shift_workdays(ctx.calendar, d, n)


@guard_function("workdays_before", ["date", "int"], "date", "从 d 向前数第 n 个工作日（不含 d；P9）。",
                "The n-th working day counting back from d, d excluded (P9).",
                "at <= workdays_before(hearing_on, 5)")  # fmt: skip
def _workdays_before(ctx: GuardContext, d: dt.date, n: int) -> dt.date:
    return shift_workdays(ctx.calendar, d, -n)


@guard_function("is_workday", ["date"], "bool", "该日是否为工作日（含调休上班日）。",
                "Whether the day is a working day (make-up working days included).", "is_workday(at)")  # fmt: skip
def _is_workday(ctx: GuardContext, d: dt.date) -> bool:
    return bool(ctx.calendar.is_workday(d))


@guard_function("roll_forward", ["date"], "date", "该日为工作日则为该日，否则为其后第一个工作日（P2）。",
                "The day itself if a working day, else the next working day (P2).",
                "at <= roll_forward(filed_on + 15 days)")  # fmt: skip
def _roll_forward(ctx: GuardContext, d: dt.date) -> dt.date:
    return ctx.calendar.roll_forward(d)


@guard_function("year", ["date"], "int", "日期的年份。", "The year of a date.", "year(at) >= 2026", needs_case=False)  # fmt: skip
def _year(ctx: GuardContext, d: dt.date) -> int:
    return d.year


@guard_function("month", ["date"], "int", "日期的月份（1–12）。", "The month of a date (1-12).", "month(at) == 12", needs_case=False)  # fmt: skip
def _month(ctx: GuardContext, d: dt.date) -> int:
    return d.month


def shift_workdays(cal: CalendarLike, d: dt.date, n: int) -> dt.date:
    """`d` moved by `n` working days (forward for n > 0, back for n < 0, `d` itself for 0)."""
    if n > 0:
        return cal.add_workdays(d, n)
    if n < 0:
        return cal.workdays_before(d, -n)
    return d


# ---- choice ----------------------------------------------------------------------------------------


@guard_function("if_else", ["bool", "T", "T"], "T", "条件成立时取第二个值，否则取第三个值（两者类型相同，可为未设定；只计算取到的那个值）。",
                "The second value when the condition holds, else the third (both of one type; either may be unset; only the chosen one is computed).",
                "claim_amount <= if_else(count(claims) > 1, 20000, 10000)", needs_case=False, takes_unset=True,
                chooses=True)  # fmt: skip
def _if_else(ctx: GuardContext, condition: bool | None, then: Any, otherwise: Any) -> Any:
    if condition is None:
        raise GuardRuntimeError("if_else 的条件未设定 (the condition of if_else is unset)")
    return then if condition else otherwise


@guard_function("latest", ["date", "date"], "date", "两个日期中较晚的一个；未设定的日期不计（都未设定时为未设定）。",
                "The later of two dates; an unset one is ignored (unset when both are).",
                "at <= latest(served_on, filed_on) + 15 days", needs_case=False, takes_unset=True)  # fmt: skip
def _latest(ctx: GuardContext, a: dt.date | None, b: dt.date | None) -> dt.date | None:
    if a is None or b is None:
        return a if b is None else b
    return max(a, b)


@guard_function("add_days", ["date", "int"], "date", "d 之后第 n 个自然日（n 为负数时向前数；不顺延）。",
                "The day n calendar days after d (before it when n is negative; never rolled).",
                "at <= add_days(served_on, 15)", needs_case=False)  # fmt: skip
def _add_days(ctx: GuardContext, d: dt.date, n: int) -> dt.date:
    return d + dt.timedelta(days=n)


# ---- lists and numbers ----------------------------------------------------------------------------


@guard_function("count", ["list[T]"], "int", "列表的项数。", "The number of items in a list.", "count(claims) >= 1", needs_case=False)  # fmt: skip
def _count(ctx: GuardContext, items: list[Any]) -> int:
    return len(items)


@guard_function("sum", ["list[N]"], "N", "数值列表之和；空列表为 0。", "The sum of a list of numbers; 0 when empty.",
                "sum(claims.amount) == claim_amount", needs_case=False)  # fmt: skip
def _sum(ctx: GuardContext, items: list[Any]) -> Any:
    return sum(items, 0)


def _extreme(pick: Callable[[list[Any]], Any], what: tuple[str, str]) -> Impl:
    def impl(ctx: GuardContext, items: list[Any]) -> Any:
        if not items:
            raise GuardRuntimeError(f"空列表没有{what[0]} (an empty list has no {what[1]})")
        return pick(items)

    return impl


guard_function("max", ["list[O]"], "O", "列表中的最大值（数值、日期）；空列表报错。",
               "The largest item (numbers, dates); an error for an empty list.",
               "max(claims.amount) <= 12 * monthly_min_wage", needs_case=False)(_extreme(max, ("最大值", "largest item")))  # fmt: skip
guard_function("min", ["list[O]"], "O", "列表中的最小值（数值、日期）；空列表报错。",
               "The smallest item (numbers, dates); an error for an empty list.",
               "min(claims.amount) > 0", needs_case=False)(_extreme(min, ("最小值", "smallest item")))  # fmt: skip


@guard_function("abs", ["N"], "N", "绝对值。", "The absolute value.", "abs(claim_amount - sum(claims.amount)) < 1", needs_case=False)  # fmt: skip
def _abs(ctx: GuardContext, x: Any) -> Any:
    return abs(x)


@guard_function("round", ["N", "int"], "N", "四舍五入到 n 位小数。", "Rounded half up to n decimal places.",
                "round(claim_amount / 3, 2) > 0", needs_case=False)  # fmt: skip
def _round(ctx: GuardContext, x: Any, places: int) -> Any:
    if isinstance(x, int):
        return x
    if not -20 <= places <= 20:
        raise GuardRuntimeError(
            f"round() 的位数须在 -20 到 20 之间 (round() places must be within -20..20, got {places})"
        )
    return Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
