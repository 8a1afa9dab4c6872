"""Parse guard text into the AST, with spans that point into the YAML file.

Owns: `parse_guard`, the one cached lark LALR parser built from `guard.lark`, the translation of
lark's errors into E1xx diagnostics in the author's words, and `GUARD_SYNTAX_ERRORS` (the catalogue
of syntax error codes with a bad example each; tests prove every example).
Stage in the flow: 3 (parse guards), called by engine.compiler for every `when`, `check`, `sets`.
May import: lark, engine.errors, engine.periods, engine.expr.nodes.

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
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from engine.errors import Diagnostic, ProcedureInvalid, Span
from engine.expr import nodes as n
from engine.periods import parse_period

_GRAMMAR = Path(__file__).with_name("guard.lark")

#: code -> (what it means, a bad guard that yields it, 1-based column of the caret in that guard)
GUARD_SYNTAX_ERRORS: dict[str, tuple[str, str, int]] = {
    "E100": ("empty guard", "   ", 1),
    "E101": ("a character that is not part of the guard language", "workers >= 10 & fee_paid", 15),
    "E102": ("a word or symbol in the wrong place", "workers >= and fee_paid", 12),
    "E103": ("the guard ends too early", "workers >= 10 and", 18),
    "E104": ("text without its closing quote", "stage == 'accepted", 10),
    "E105": ("a date that does not exist", "at >= 2026-02-30", 7),
    "E106": ("chained comparison", "1 < workers < 10", 13),
    "E107": ("a duration with an unknown unit or a fraction", "at + 3 weeks", 6),
    "E108": ("a keyword used as a name", "in == 3", 1),
    "E109": ("'all'/'any' inside a condition without parentheses", "x and all c in claims: c.final", 7),
    "E110": ("'=' instead of '=='", "fee_paid = true", 10),
    "E111": ("'&&', '||' or '!' instead of 'and', 'or', 'not'", "a && b", 3),
    "E113": ("a number with too many digits", "workers < 1234567890123456789012345678901", 11),
    "E112": ("a full-width character (Chinese punctuation) instead of ASCII", "a（", 2),
}

_TERMINALS: dict[str, str] = {
    "EQ": "'=='",
    "NE": "'!='",
    "LE": "'<='",
    "GE": "'>='",
    "LT": "'<'",
    "GT": "'>'",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_LSQB": "'['",
    "_RSQB": "']'",
    "_COMMA": "','",
    "_DOT": "'.'",
    "_COLON": "':'",
    "_IMPLIES": "'implies'",
    "_OR": "'or'",
    "_AND": "'and'",
    "_NOT": "'not'",
    "_IN": "'in'",
    "_TRUE": "'true'",
    "_FALSE": "'false'",
    "_NULL": "'null'",
    "ALL": "'all'",
    "ANY": "'any'",
    "NAME": "a name",
    "INT": "a number",
    "DECIMAL": "a number",
    "STRING": "a text in quotes",
    "DATE": "a date (2026-10-01)",
    "DURATION": "a duration (45 days)",
    "$END": "the end of the guard",
}
_COMPARISONS = {"EQ", "NE", "LE", "GE", "LT", "GT"}
_OPERAND_START = {"NAME", "INT", "DECIMAL", "STRING", "DATE", "DURATION", "_TRUE", "_FALSE", "_NULL"}
_FULL_WIDTH = {"（": "(", "）": ")", "，": ",", "＝": "=", "＜": "<", "＞": ">", "“": '"', "”": '"',
               "‘": "'", "’": "'", "！": "!", "　": " ", "：": ":", "［": "[", "］": "]", "＋": "+",
               "－": "-", "＊": "*", "／": "/", "．": "."}  # fmt: skip
_KEYWORD_HINT = (
    "rename the fact, param or variable (keywords: and, or, not, implies, in, true, false, null, all, any)"
)
# Keywords an author may have meant as a name (and/or/implies/not in the wrong place are missing values).
_NAME_LIKE_KEYWORDS = {"_IN", "ALL", "ANY"}
_KEYWORD_NAMES = {k.upper() for k in n.KEYWORDS}


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
def parse_guard(text: str, at: Span | None = None) -> n.Expr:
    """Parse a guard; `at` is where its first character stands in the YAML file.

    Node spans are shifted by `at`: line 1 of the text starts at `at.col`; later lines (a block
    scalar `|`) are taken to start at the same column, the block's indentation. Results are cached
    by (text, at): nodes are immutable, and recompiling an unchanged file parses nothing again.

    Raises:
        ProcedureInvalid: with one E1xx diagnostic at the first syntax error.
    """
    loc = _Locator(at)
    if not text.strip():
        raise ProcedureInvalid([Diagnostic("E100", "empty guard", loc.point(1, 1),
                                           expected="a condition, e.g. workers >= 1",
                                           hint="remove the key or write a condition")])  # fmt: skip
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise ProcedureInvalid([_syntax_diagnostic(exc, text, loc)]) from None
    return _Builder(loc).build(cast(Tree[Token], tree.children[0]))


class _Locator:
    """Maps 1-based (line, col) positions inside the guard text to spans in the YAML file."""

    def __init__(self, at: Span | None) -> None:
        self.path = at.path if at is not None else "<guard>"
        self.line0 = at.line - 1 if at is not None else 0
        self.col0 = at.col - 1 if at is not None else 0

    def span(self, line: int, col: int, end_line: int | None, end_col: int | None) -> Span:
        end_l = None if end_line is None else end_line + self.line0
        end_c = None if end_col is None else end_col + self.col0
        return Span(self.path, line + self.line0, col + self.col0, end_l, end_c)

    def point(self, line: int, col: int, width: int = 1) -> Span:
        return self.span(line, col, line, col + width)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


_ORDER = ("NAME", "INT", "DECIMAL", "STRING", "DATE", "DURATION", "_TRUE", "_FALSE", "_NULL", "_LPAR", "_LSQB",
          "MINUS", "_NOT", "ALL", "ANY", "_DOT", "CMP", "ARITH", "_IN", "_AND", "_OR", "_IMPLIES", "_COLON",
          "_COMMA", "_RPAR", "_RSQB", "$END")  # fmt: skip


def _expected(exc: UnexpectedInput, fallback: set[str]) -> set[str]:
    """The terminals the parser really accepts here (LALR's own table is too generous)."""
    ip = getattr(exc, "interactive_parser", None)
    if ip is not None:
        try:
            return set(ip.accepts())
        except UnexpectedInput:  # pragma: no cover - accepts() swallows its own trials
            pass
    return fallback


def _describe_expected(names: set[str]) -> str:
    words: dict[str, str] = {}
    for name in names:
        if name in _COMPARISONS:
            words["CMP"] = "a comparison (==, !=, <, <=, >, >=)"
        elif name in ("PLUS", "STAR", "SLASH") or (name == "MINUS" and names & {"PLUS"}):
            words["ARITH"] = "an operator (+, -, *, /)"
        elif name == "_NOT" and "_IN" in names:
            words[name] = "'not in'"
        else:
            words[name] = _TERMINALS.get(name, name.lower())
    order = {k: i for i, k in enumerate(_ORDER)}
    parts: list[str] = []
    for key in sorted(words, key=lambda k: order.get(k, len(order))):
        if words[key] not in parts:
            parts.append(words[key])
    if len(parts) > 2:
        return ", ".join(parts[:-1]) + ", or " + parts[-1]
    return " or ".join(parts) if parts else "something else"


def _syntax_diagnostic(exc: UnexpectedInput, text: str, loc: _Locator) -> Diagnostic:
    if isinstance(exc, UnexpectedCharacters):
        return _bad_character(exc, text, loc)
    if isinstance(exc, UnexpectedToken):
        return _bad_token(exc, text, loc)
    if isinstance(exc, UnexpectedEOF):  # pragma: no cover - LALR reports the end as a '$END' token
        line, col = _line_col(text, len(text))
        return Diagnostic("E103", "the guard ends too early", loc.point(line, col),
                          expected=_describe_expected(set(exc.expected)))  # fmt: skip
    raise exc  # pragma: no cover - lark has no other UnexpectedInput subclasses


def _bad_character(exc: UnexpectedCharacters, text: str, loc: _Locator) -> Diagnostic:
    pos = exc.pos_in_stream or 0
    ch = text[pos]
    line, col = _line_col(text, pos)
    expected = _describe_expected(_expected(exc, set(exc.allowed or ())))
    where = loc.point(line, col)
    if ch in "\"'":
        return Diagnostic("E104", "text without its closing quote", where, expected=f"a closing {ch} on the same line",
                          hint=f"end the text with {ch}; write \\{ch} for a quote inside it")  # fmt: skip
    if ch == "=":
        return Diagnostic(
            "E110", "unexpected '=' in guard", where, expected=expected, hint="compare with '=='"
        )
    two = text[pos : pos + 2]
    if two in ("&&", "||") or ch == "!":
        word = {"&&": "and", "||": "or"}.get(two, "not")
        width = 2 if two in ("&&", "||") else 1
        return Diagnostic("E111", f"unexpected '{two if width == 2 else ch}' in guard", loc.point(line, col, width),
                          expected=expected, hint=f"write '{word}'")  # fmt: skip
    if ch in _FULL_WIDTH:
        return Diagnostic("E112", f"unexpected full-width character '{ch}' in guard", where, expected=expected,
                          hint=f"use the ASCII character '{_FULL_WIDTH[ch]}' (switch the input method to half-width)")  # fmt: skip
    word = text[pos:].split(None, 1)[0] if text[pos:].strip() else ch
    if ch.isdigit() or word[:1].isdigit():
        return Diagnostic("E102", f"unexpected number '{word}' in guard", loc.point(line, col, len(word)),
                          expected=expected, hint="put an operator or 'and'/'or' between two values")  # fmt: skip
    return Diagnostic("E101", f"unexpected character '{ch}' in guard", where, expected=expected,
                      hint="guards use names, numbers, 'text', dates, ==, <, +, and, or, not, in")  # fmt: skip


def _bad_token(exc: UnexpectedToken, text: str, loc: _Locator) -> Diagnostic:
    tok = exc.token
    expected_names = _expected(exc, set(exc.expected))
    expected = _describe_expected(expected_names)
    if tok.type == "$END":
        line, col = _line_col(text, len(text.rstrip()))
        return Diagnostic("E103", "the guard ends too early", loc.point(line, col), expected=expected,
                          hint="complete the condition after the last operator")  # fmt: skip
    line, col = cast(int, tok.line), cast(int, tok.column)
    where = loc.point(line, col, max(1, len(str(tok))))
    if tok.type in _COMPARISONS and not (expected_names & _COMPARISONS):
        return Diagnostic("E106", f"comparisons do not chain: unexpected '{tok}'", where, expected=expected,
                          hint="write two comparisons joined by 'and', e.g. 1 < x and x < 10")  # fmt: skip
    if tok.type == "NAME":
        prev = _previous_token(text, tok)
        if prev is not None and prev.type in ("INT", "DECIMAL"):
            where = loc.span(cast(int, prev.line), cast(int, prev.column), tok.end_line, tok.end_column)
            return Diagnostic("E107", f"'{prev} {tok}' is not a duration", where,
                              expected="a duration in whole workdays, days, months or years",
                              hint="write e.g. '5 workdays', '45 days', '3 months', '1 year'")  # fmt: skip
    if tok.type in ("ALL", "ANY") and "NAME" in expected_names:
        return Diagnostic("E109", f"'{tok} ... : ...' must be in parentheses here", where, expected=expected,
                          hint=f"write e.g. a and ({tok} c in claims: c.amount > 0); its condition runs to the end")  # fmt: skip
    if (
        tok.type.lstrip("_") in _KEYWORD_NAMES
        and "NAME" in expected_names
        and (
            expected_names == {"NAME"} or (tok.type in _NAME_LIKE_KEYWORDS and tok.type not in expected_names)
        )
    ):
        return Diagnostic("E108", f"'{tok}' is a keyword and cannot be a name", where, expected=expected,
                          hint=_KEYWORD_HINT)  # fmt: skip
    what = _TERMINALS.get(tok.type, f"'{tok}'")
    if what.startswith(("a ", "an ")):
        shown = f"{what.split(' ', 1)[1].split(' (')[0]} '{tok}'"
    else:
        shown = what
    hint = None
    if tok.type in _OPERAND_START and not (expected_names & _OPERAND_START):
        hint = "join two conditions with 'and' or 'or'; put an operator between two values"
    elif tok.type in _COMPARISONS | {"PLUS", "STAR", "SLASH", "_AND", "_OR", "_IMPLIES", "_RPAR", "_COMMA"}:
        hint = "a value or a name is missing here"
    return Diagnostic("E102", f"unexpected {shown} in guard", where, expected=expected, hint=hint)


def _previous_token(text: str, tok: Token) -> Token | None:
    prev: Token | None = None
    for t in _parser().lex(text[: tok.start_pos]):
        prev = t
    return prev


class _Builder:
    """Turns lark's tree into nodes; every node gets the span of the tokens it was parsed from.

    The parser keeps every token (`keep_all_tokens`) instead of propagating positions to each tree
    (`propagate_positions` doubles lark's parse time); a node's span runs from its first token to
    its last, so a call includes its ')' and a list its brackets.
    """

    def __init__(self, loc: _Locator) -> None:
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
