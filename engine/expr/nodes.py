"""The guard AST: small frozen dataclasses, one per construct of the guard language.

Owns: the node classes (`Name`, `Attr`, `Literal`, `Duration`, `ListLit`, `Unary`, `Arith`,
`Compare`, `In`, `Not`, `And`, `Or`, `Implies`, `Quantifier`, `Call`), the `Expr` union and `walk`.
Every node has a `span` (where it was written in the YAML file) that is excluded from equality and
hashing, so `parse_guard(print_guard(e)) == e` holds whatever the spans are.
Stage in the flow: built by engine.expr.parse, read by the type checker, the evaluator, the
printer, the compiler and engine.procedures.model.
May import: engine.errors, engine.dates.periods.

>>> Compare("<=", Name("a"), Literal(3, "int")) == Compare("<=", Name("a", span=None), Literal(3, "int"))
True
>>> [type(n).__name__ for n in walk(And((Name("x"), Not(Name("y")))))]
['And', 'Name', 'Not', 'Name']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal as TLiteral
from typing import TypeAlias

from engine.dates.periods import Unit
from engine.errors import Span

LiteralKind = TLiteral["int", "decimal", "text", "bool", "date", "null"]
LiteralValue: TypeAlias = int | Decimal | str | bool | dt.date | None
ArithOp = TLiteral["+", "-", "*", "/"]
CompareOp = TLiteral["==", "!=", "<", "<=", ">", ">="]
QuantifierKind = TLiteral["all", "any"]

ARITH_OPS: tuple[ArithOp, ...] = ("+", "-", "*", "/")
COMPARE_OPS: tuple[CompareOp, ...] = ("==", "!=", "<", "<=", ">", ">=")
#: Words that are never names.
KEYWORDS: frozenset[str] = frozenset(
    {"and", "or", "not", "implies", "in", "true", "false", "null", "all", "any"}
)


def _span() -> Span | None:
    return field(default=None, compare=False, hash=False, repr=False)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Name:
    """A fact, a param, `at`, `stage`, or a quantifier's variable."""

    id: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Attr:
    """A field of a record (`c.amount`) or the projection of a list of records (`claims.amount`)."""

    value: Expr
    attr: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Literal:
    """A number, text, `true`/`false`, `null` or a date. Numbers are never negative (`-3` is a `Unary`)."""

    value: LiteralValue
    kind: LiteralKind
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of time: `45 days`, `5 workdays`, `3 months`, `1 year` (unit stored in plural)."""

    n: int
    unit: Unit
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class ListLit:
    """A list literal: `['wages', 'overtime']`."""

    items: tuple[Expr, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Unary:
    """Negation of a number or a duration: `-x`."""

    op: TLiteral["-"]
    operand: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Arith:
    """`left op right` for op in + - * /."""

    op: ArithOp
    left: Expr
    right: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Compare:
    """`left op right` for op in == != < <= > >= (comparisons do not chain)."""

    op: CompareOp
    left: Expr
    right: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class In:
    """`item in container`, or `item not in container` when `negated`."""

    item: Expr
    container: Expr
    negated: bool = False
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class And:
    """Two or more conjuncts, evaluated left to right; the first false one decides."""

    items: tuple[Expr, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Or:
    """Two or more disjuncts, evaluated left to right; the first true one decides."""

    items: tuple[Expr, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Implies:
    """`left implies right`: false only when left is true and right is false (right associative)."""

    left: Expr
    right: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Quantifier:
    """`all c in claims: c.amount <= x` or `any c in claims: ...`; `var` is bound in `body`."""

    kind: QuantifierKind
    var: str
    source: Expr
    body: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a registered function: `has_document('application')`."""

    func: str
    args: tuple[Expr, ...]
    span: Span | None = _span()


Expr: TypeAlias = (
    Name
    | Attr
    | Literal
    | Duration
    | ListLit
    | Unary
    | Arith
    | Compare
    | In
    | Not
    | And
    | Or
    | Implies
    | Quantifier
    | Call
)


def children(e: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `e`, left to right."""
    if isinstance(e, Attr):
        return (e.value,)
    if isinstance(e, (ListLit, And, Or)):
        return e.items
    if isinstance(e, Unary):
        return (e.operand,)
    if isinstance(e, Not):
        return (e.operand,)
    if isinstance(e, (Arith, Compare, Implies)):
        return (e.left, e.right)
    if isinstance(e, In):
        return (e.item, e.container)
    if isinstance(e, Quantifier):
        return (e.source, e.body)
    if isinstance(e, Call):
        return e.args
    return ()


def walk(e: Expr) -> Iterator[Expr]:
    """Every node of `e`, pre-order (the compiler uses it to find calls and names)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))
