"""Syntax errors in guards, in the author's words: lark's exceptions become E1xx diagnostics.

Owns: `GUARD_SYNTAX_ERRORS` (the catalogue: every code with a bad example that a test proves),
`Locator` (guard text positions -> spans in the YAML file) and `syntax_diagnostic`. Terminal names
are translated ('==', "a name", "a number"); `expected:` lists what the parser really accepts at
that point (lark's interactive parser), and the hint says what to write instead (STYLE.md 2.4).
Stage in the flow: 3 (parse guards), used by engine.expr.parse.
May import: lark, engine.errors.

>>> from engine.expr.parse import parse_guard
>>> try:
...     parse_guard("fee_paid = true")
... except ValueError as exc:
...     d = exc.diagnostics[0]
>>> d.code, d.span.col, d.hint
('E110', 10, "compare with '=='")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import cast

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from engine.errors import Diagnostic, Span

Lexer = Callable[[str], Iterable[Token]]

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
    "E112": ("a full-width character (Chinese punctuation) instead of ASCII", "a（", 2),
    "E113": ("a number with too many digits", "workers < 1234567890123456789012345678901", 11),
    "E114": ("a guard nested too deep or too long", "(" * 41 + "workers" + ")" * 41, 41),
    "E115": (
        "quantifiers nested more than 3 deep",
        "any a in claims: any b in claims: any c in claims: any d in claims: a.final",
        52,
    ),
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
_KEYWORD_NAMES = {"AND", "OR", "NOT", "IMPLIES", "IN", "TRUE", "FALSE", "NULL", "ALL", "ANY"}


class Locator:
    """Maps 1-based (line, col) positions inside the guard text to spans in the YAML file.

    Without the file's lines, line 1 of the text starts at `at` and later lines (a `|` block) at
    the same column. With them (`source_lines`), every character of the text is found in the file,
    so guards folded by YAML (plain or quoted scalars over several lines, `>` blocks, escapes such
    as `\\"`) are located exactly; if the text cannot be matched, the simple rule applies.
    """

    def __init__(self, at: Span | None, text: str = "", source_lines: Sequence[str] | None = None) -> None:
        self.path = at.path if at is not None else "<guard>"
        self.line0 = at.line - 1 if at is not None else 0
        self.col0 = at.col - 1 if at is not None else 0
        self.map: list[tuple[int, int]] | None = None
        if at is not None and source_lines and text:
            self.map = _map_offsets(text, source_lines, at.line - 1, at.col - 1)
            self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def span(self, line: int, col: int, end_line: int | None, end_col: int | None) -> Span:
        if self.map is not None:
            start = self._pos(self.starts[line - 1] + col - 1)
            if end_line is None or end_col is None:
                return Span(self.path, start[0], start[1])
            last = self._pos(max(self.starts[end_line - 1] + end_col - 2, 0))
            return Span(self.path, start[0], start[1], last[0], last[1] + 1)
        end_l = None if end_line is None else end_line + self.line0
        end_c = None if end_col is None else end_col + self.col0
        return Span(self.path, line + self.line0, col + self.col0, end_l, end_c)

    def point(self, line: int, col: int, width: int = 1) -> Span:
        return self.span(line, col, line, col + width)

    def _pos(self, offset: int) -> tuple[int, int]:
        table = self.map or [(self.line0 + 1, self.col0 + 1)]
        if offset < len(table):
            return table[offset]
        line, col = table[-1]  # past the end of the text (a guard that ends too early)
        return line, col + offset - len(table) + 1


_ESCAPE_WIDTH = {"x": 4, "u": 6, "U": 10}


def _map_offsets(text: str, lines: Sequence[str], li: int, ci: int) -> list[tuple[int, int]] | None:
    """For each character of `text`, its 1-based (line, col) in `lines`, starting the search at
    0-based (li, ci); None when the text is not the scalar written there."""
    if li >= len(lines):
        return None
    quote = lines[li][ci - 1] if 0 < ci <= len(lines[li]) and lines[li][ci - 1] in "\"'" else ""
    out: list[tuple[int, int]] = []
    for ch in text:
        while True:
            if li >= len(lines):
                return None
            raw = lines[li].rstrip("\r\n")
            continuation = quote == '"' and ci == len(raw) - 1 and raw.endswith("\\")
            if ci >= len(raw) or continuation:  # a line break in the file: a space or newline in the text
                here = (li + 1, ci + 1)
                li += 1
                ci = len(lines[li]) - len(lines[li].lstrip(" \t")) if li < len(lines) else 0
                if ch in " \n" and not continuation:
                    out.append(here)
                    break
                continue
            rc = raw[ci]
            if quote == '"' and rc == "\\":  # an escape such as \" or \u4e2d: one character of the text
                out.append((li + 1, ci + 1))
                ci += _ESCAPE_WIDTH.get(raw[ci + 1 : ci + 2], 2)
                break
            if quote == "'" and rc == "'" and ch == "'":  # '' is one quote in a single-quoted scalar
                out.append((li + 1, ci + 1))
                ci += 2
                break
            if rc == ch:
                out.append((li + 1, ci + 1))
                ci += 1
                break
            if rc in " \t":  # spaces YAML folded away
                ci += 1
                continue
            return None
    return out


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


def syntax_diagnostic(exc: UnexpectedInput, text: str, loc: Locator, lex: Lexer) -> Diagnostic:
    """The E1xx diagnostic for lark's error, in the author's words."""
    if isinstance(exc, UnexpectedCharacters):
        return _bad_character(exc, text, loc)
    if isinstance(exc, UnexpectedToken):
        return _bad_token(exc, text, loc, lex)
    if isinstance(exc, UnexpectedEOF):  # pragma: no cover - LALR reports the end as a '$END' token
        line, col = _line_col(text, len(text))
        return Diagnostic("E103", "the guard ends too early", loc.point(line, col),
                          expected=_describe_expected(set(exc.expected)))  # fmt: skip
    raise exc  # pragma: no cover - lark has no other UnexpectedInput subclasses


def _bad_character(exc: UnexpectedCharacters, text: str, loc: Locator) -> Diagnostic:
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


def _bad_token(exc: UnexpectedToken, text: str, loc: Locator, lex: Lexer) -> Diagnostic:
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
        prev = _previous_token(text, tok, lex)
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


def _previous_token(text: str, tok: Token, lex: Lexer) -> Token | None:
    prev: Token | None = None
    for t in lex(text[: tok.start_pos]):
        prev = t
    return prev
