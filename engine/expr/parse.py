"""Parse guard text into the AST, with spans that point into the YAML file.

Owns: `parse_guard`, the one cached lark LALR parser built from `guard.lark`, and the builder that
turns lark's tree into engine.expr.nodes with spans. Syntax errors are translated by
engine.expr.syntax (`GUARD_SYNTAX_ERRORS` is re-exported here).
Stage in the flow: 3 (parse guards), called by engine.procedures.compiler for every `when`, `check`, `sets`.
May import: lark, engine.errors, engine.dates.periods, engine.expr (nodes, syntax).

>>> parse_guard("workers >= 10 and has_document('application')")
And(items=(Compare(op='>=', left=Name(id='workers'), right=Literal(value=10, kind='int')), \
Call(func='has_document', args=(Literal(value='application', kind='text'),))))
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import cast

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from engine.dates.periods import parse_period
from engine.errors import Diagnostic, ProcedureInvalid, Span
from engine.expr import nodes as n
from engine.expr.syntax import GUARD_SYNTAX_ERRORS as GUARD_SYNTAX_ERRORS  # re-exported (tests, docs)
from engine.expr.syntax import Locator, syntax_diagnostic

_GRAMMAR = Path(__file__).with_name("guard.lark")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    # Built once per process; `cache=True` keeps the LALR tables in the temp dir between processes.
    return Lark(
        _GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        keep_all_tokens=True,  # spans come from the tokens (see _Builder)
        maybe_placeholders=False,
        cache=True,
    )


@lru_cache(maxsize=8192)
def parse_guard(text: str, at: Span | None = None, source_lines: tuple[str, ...] | None = None) -> n.Expr:
    """Parse a guard; `at` is where its first character stands in the YAML file.

    Node spans are shifted by `at`: line 1 of the text starts at `at.col`; later lines (a block
    scalar `|`) are taken to start at the same column, the block's indentation. Give the file's
    lines as `source_lines` to locate guards that YAML folded (a plain or quoted scalar over several
    lines, a `>` block, escapes). Results are cached by the arguments: nodes are immutable, and
    recompiling an unchanged file parses nothing again.

    Raises:
        ProcedureInvalid: with one E1xx diagnostic at the first syntax error.
    """
    loc = Locator(at, text, source_lines)
    if not text.strip():
        raise ProcedureInvalid([Diagnostic("E100", "empty guard", loc.point(1, 1),
                                           expected="a condition, e.g. workers >= 1",
                                           hint="remove the key or write a condition")])  # fmt: skip
    _check_size(text, loc)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise ProcedureInvalid([syntax_diagnostic(exc, text, loc, _parser().lex)]) from None
    expr = _Builder(loc).build(cast(Tree[Token], tree.children[0]))
    _check_quantifier_depth(expr)
    return expr


#: a guard's budget before it is parsed: its length in characters, and how deep brackets and `not`s
#: nest (the builder, the type checker and the evaluator walk the tree recursively)
MAX_GUARD_CHARS = 2_000
MAX_GUARD_DEPTH = 40
#: quantifiers inside quantifiers: each level multiplies the work by the length of a list
MAX_QUANTIFIER_DEPTH = 3
_NOT = re.compile(r"\bnot\b")


def _check_size(text: str, loc: Locator) -> None:
    """E114 for a guard longer than MAX_GUARD_CHARS or nested deeper than MAX_GUARD_DEPTH."""

    def refuse(message: str, line: int, col: int) -> ProcedureInvalid:
        return ProcedureInvalid(
            [
                Diagnostic(
                    "E114",
                    message,
                    loc.point(line, col),
                    hint="split it into several checks under 'when:', or name a part with a fact set by 'sets:'",
                )
            ]
        )

    if len(text) > MAX_GUARD_CHARS:
        raise refuse(
            f"a guard nested too deep or too long: {len(text):,} characters, at most {MAX_GUARD_CHARS:,}",
            1,
            1,
        )
    depth, line, col, quote = 0, 1, 0, ""
    for ch in text:
        col += 1
        if ch == "\n":
            line, col = line + 1, 0
        elif quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
            if depth > MAX_GUARD_DEPTH:
                raise refuse(
                    f"a guard nested too deep or too long: brackets nested more than {MAX_GUARD_DEPTH} deep",
                    line,
                    col,
                )
        elif ch in ")]":
            depth -= 1
    nots = len(_NOT.findall(text))
    if nots > MAX_GUARD_DEPTH:
        raise refuse(f"a guard nested too deep or too long: {nots} 'not's, at most {MAX_GUARD_DEPTH}", 1, 1)


def _check_quantifier_depth(expr: n.Expr) -> None:
    """E115 for a quantifier nested more than MAX_QUANTIFIER_DEPTH deep in others."""
    todo: list[tuple[n.Expr, int]] = [(expr, 0)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, n.Quantifier):
            depth += 1
            if depth > MAX_QUANTIFIER_DEPTH:
                raise ProcedureInvalid(
                    [
                        Diagnostic(
                            "E115",
                            f"quantifiers nested more than {MAX_QUANTIFIER_DEPTH} deep: every level "
                            "multiplies the work by the length of a list",
                            node.span,
                            hint="test the lists one at a time, or record the result as a fact",
                        )
                    ]
                )
        todo.extend((child, depth) for child in n.children(node))


class _Builder:
    """Turns lark's tree into nodes; every node gets the span of the tokens it was parsed from.

    The parser keeps every token (`keep_all_tokens`) instead of propagating positions to each tree
    (`propagate_positions` doubles lark's parse time); a node's span runs from its first token to
    its last, so a call includes its ')' and a list its brackets.
    """

    def __init__(self, loc: Locator) -> None:
        self.loc = loc

    def _span(self, item: Tree[Token] | Token) -> Span:
        first = last = item
        while isinstance(first, Tree):
            first = first.children[0]
        while isinstance(last, Tree):
            last = last.children[-1]
        return self.loc.span(cast(int, first.line), cast(int, first.column), last.end_line, last.end_column)

    def build(self, t: Tree[Token] | Token) -> n.Expr:
        if isinstance(t, Token):  # pragma: no cover - every atom has an alias in guard.lark
            raise TypeError(f"unexpected token {t.type}")
        return self._rules[str(t.data)](self, t.children, self._span(t))

    def _operands(self, kids: list[Tree[Token] | Token]) -> list[n.Expr]:
        return [self.build(k) for k in kids if isinstance(k, Tree)]

    def _name(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Name(str(kids[0]), span=sp)

    def _int_(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Literal(self._int(cast(Token, kids[0])), "int", span=sp)

    def _decimal(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Literal(Decimal(str(kids[0])), "decimal", span=sp)

    def _string(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Literal(_unquote(str(kids[0])), "text", span=sp)

    def _date_(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Literal(self._date(cast(Token, kids[0])), "date", span=sp)

    def _duration(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        tok = cast(Token, kids[0])
        digits = _LEADING_DIGITS.match(str(tok))
        self._int(Token("INT", digits.group() if digits else "0", 0, tok.line, tok.column))
        p = parse_period(str(tok))
        return n.Duration(p.n, p.unit, span=sp)

    def _true(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Literal(True, "bool", span=sp)

    def _false(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Literal(False, "bool", span=sp)

    def _null(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Literal(None, "null", span=sp)

    def _list(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.ListLit(self._args(kids), span=sp)

    def _call(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Call(str(kids[0]), self._args(kids), span=sp)

    def _attr(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Attr(self.build(kids[0]), str(kids[2]), span=sp)

    def _neg(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Unary("-", self.build(kids[1]), span=sp)

    def _arith(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Arith(cast(n.ArithOp, str(kids[1])), self.build(kids[0]), self.build(kids[2]), span=sp)

    def _compare(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Compare(cast(n.CompareOp, str(kids[1])), self.build(kids[0]), self.build(kids[2]), span=sp)

    def _in(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        item, container = self._operands(kids)
        return n.In(item, container, negated=len(kids) == 4, span=sp)

    def _not(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Not(self.build(kids[1]), span=sp)

    def _and(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.And(tuple(self._operands(kids)), span=sp)

    def _or(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return n.Or(tuple(self._operands(kids)), span=sp)

    def _implies(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        left, right = self._operands(kids)
        return n.Implies(left, right, span=sp)

    def _quantifier(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        source, body = self._operands(kids)
        return n.Quantifier(cast(n.QuantifierKind, str(kids[0])), str(kids[1]), source, body, span=sp)

    def _parens(self, kids: list[Tree[Token] | Token], sp: Span) -> n.Expr:
        return self.build(kids[1])  # the node keeps its own span, without the parentheses

    _rules: dict[str, Callable[[_Builder, list[Tree[Token] | Token], Span], n.Expr]] = {
        "name": _name, "int_": _int_, "decimal": _decimal, "string": _string, "date": _date_,
        "duration": _duration, "true": _true, "false": _false, "null": _null, "list_": _list, "call": _call,
        "attr": _attr, "neg": _neg, "arith": _arith, "compare": _compare, "in_": _in, "not_in": _in,
        "not_": _not, "and_": _and, "or_": _or, "implies": _implies, "quantifier": _quantifier, "atom": _parens,
    }  # fmt: skip

    def _args(self, kids: list[Tree[Token] | Token]) -> tuple[n.Expr, ...]:
        args = next((k for k in kids if isinstance(k, Tree)), None)
        return () if args is None else tuple(self._operands(args.children))

    def _int(self, tok: Token) -> int:
        text = str(tok)
        if len(text) > _MAX_DIGITS:
            raise ProcedureInvalid([Diagnostic("E113", f"the number {text[:12]}... is too long ({len(text)} digits)",
                                               self._span(tok), expected=f"at most {_MAX_DIGITS} digits",
                                               hint="write a realistic amount or count")])  # fmt: skip
        return int(text)

    def _date(self, tok: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(tok))
        except ValueError:
            where = self._span(tok)
            raise ProcedureInvalid([Diagnostic("E105", f"'{tok}' is not a date that exists", where,
                                               expected="a calendar date written YYYY-MM-DD",
                                               hint="check the month (01-12) and the day of the month")]) from None  # fmt: skip


_MAX_DIGITS = 30
_LEADING_DIGITS = re.compile(r"\d+")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in _ESCAPES:
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)
