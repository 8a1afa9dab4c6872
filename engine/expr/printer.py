"""Print a guard AST back as guard text, with the fewest parentheses that keep its meaning.

Owns: `print_guard`. The round trip `parse_guard(print_guard(e)) == e` holds for every AST the
parser can produce (tests/expr/test_roundtrip.py proves it with hypothesis); the output is also
what explanations and diagnostics quote.
May import: engine.expr.nodes.

>>> from engine.expr.parse import parse_guard
>>> print_guard(parse_guard("(a + b) * c >= 10 and not (x or y)"))
'(a + b) * c >= 10 and not (x or y)'
>>> print_guard(parse_guard("((a and b)) implies c implies d"))
'a and b implies c implies d'
"""

from __future__ import annotations

from decimal import Decimal

from engine.expr import nodes as n

# Binding strength, weakest first. An operand is parenthesised when it binds weaker than its slot needs.
_IMPLIES, _OR, _AND, _NOT, _CMP, _SUM, _PRODUCT, _UNARY, _ATOM = range(9)


def print_guard(e: n.Expr) -> str:
    """The guard text of `e` (canonical spacing, single-quoted text, plural units except for 1)."""
    return _print(e, _IMPLIES)


def _level(e: n.Expr) -> int:
    if isinstance(e, (n.Implies, n.Quantifier)):
        return _IMPLIES
    if isinstance(e, n.Or):
        return _OR
    if isinstance(e, n.And):
        return _AND
    if isinstance(e, n.Not):
        return _NOT
    if isinstance(e, (n.Compare, n.In)):
        return _CMP
    if isinstance(e, n.Arith):
        return _SUM if e.op in ("+", "-") else _PRODUCT
    if isinstance(e, n.Unary):
        return _UNARY
    return _ATOM


def _print(e: n.Expr, need: int) -> str:
    text = _bare(e)
    return f"({text})" if _level(e) < need else text


def _bare(e: n.Expr) -> str:
    if isinstance(e, n.Name):
        return e.id
    if isinstance(e, n.Literal):
        return format_literal(e)
    if isinstance(e, n.Duration):
        unit = e.unit[:-1] if abs(e.n) == 1 else e.unit
        return f"{e.n} {unit}"
    if isinstance(e, n.ListLit):
        return "[" + ", ".join(_print(i, _IMPLIES) for i in e.items) + "]"
    if isinstance(e, n.Call):
        return e.func + "(" + ", ".join(_print(a, _IMPLIES) for a in e.args) + ")"
    if isinstance(e, n.Attr):
        return f"{_print(e.value, _ATOM)}.{e.attr}"
    if isinstance(e, n.Unary):
        return "-" + _print(e.operand, _UNARY)
    if isinstance(e, n.Arith):
        lvl = _SUM if e.op in ("+", "-") else _PRODUCT
        return f"{_print(e.left, lvl)} {e.op} {_print(e.right, lvl + 1)}"
    if isinstance(e, n.Compare):
        return f"{_print(e.left, _SUM)} {e.op} {_print(e.right, _SUM)}"
    if isinstance(e, n.In):
        op = "not in" if e.negated else "in"
        return f"{_print(e.item, _SUM)} {op} {_print(e.container, _SUM)}"
    if isinstance(e, n.Not):
        return "not " + _print(e.operand, _NOT)
    if isinstance(e, n.And):
        return " and ".join(_print(i, _NOT) for i in e.items)
    if isinstance(e, n.Or):
        return " or ".join(_print(i, _AND) for i in e.items)
    if isinstance(e, n.Implies):
        return f"{_print(e.left, _OR)} implies {_print(e.right, _IMPLIES)}"
    if isinstance(e, n.Quantifier):
        return f"{e.kind} {e.var} in {_print(e.source, _SUM)}: {_print(e.body, _IMPLIES)}"
    raise TypeError(f"not a guard node: {e!r}")  # pragma: no cover


def format_literal(e: n.Literal) -> str:
    """A literal as guard text: `'it''s'` is written `'it\\'s'`; decimals keep their point.

    >>> format_literal(n.Literal(Decimal("3"), "decimal"))
    '3.0'
    >>> format_literal(n.Literal("工资", "text"))
    "'工资'"
    """
    v = e.value
    if e.kind == "null":
        return "null"
    if e.kind == "bool":
        return "true" if v else "false"
    if e.kind == "text":
        return (
            "'"
            + str(v).replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
            + "'"
        )
    if isinstance(v, Decimal):
        text = format(v, "f")
        return text if "." in text else text + ".0"
    if e.kind == "date":
        return str(v)  # date.__str__ is ISO: 2026-10-01
    return str(v)
