"""parse_guard: the AST of good guards, spans in the YAML file, and located E1xx errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine.errors import ProcedureInvalid, Span, render_diagnostic
from engine.expr import GUARD_SYNTAX_ERRORS, parse_guard
from engine.expr.nodes import (
    And,
    Arith,
    Attr,
    Call,
    Compare,
    Duration,
    Implies,
    In,
    ListLit,
    Literal,
    Name,
    Not,
    Or,
    Quantifier,
    Unary,
)


def lit(v: object) -> Literal:
    kind = {int: "int", Decimal: "decimal", str: "text", bool: "bool", dt.date: "date"}.get(type(v), "null")
    return Literal(v, kind)  # type: ignore[arg-type]


a, b, c, x = Name("a"), Name("b"), Name("c"), Name("x")

GOOD = [
    ("workers >= 10", Compare(">=", Name("workers"), lit(10))),
    ("工作年限 >= 1", Compare(">=", Name("工作年限"), lit(1))),
    ("案件.争议金额 > 0", Compare(">", Attr(Name("案件"), "争议金额"), lit(0))),
    ("a and b and c", And((a, b, c))),
    ("a and (b and c)", And((a, And((b, c))))),
    ("a or b and c", Or((a, And((b, c))))),
    ("not a or b", Or((Not(a), b))),
    ("not not a", Not(Not(a))),
    ("a implies b implies c", Implies(a, Implies(b, c))),
    ("a or b implies c", Implies(Or((a, b)), c)),
    ("1 + 2 * 3", Arith("+", lit(1), Arith("*", lit(2), lit(3)))),
    ("(1 + 2) * 3", Arith("*", Arith("+", lit(1), lit(2)), lit(3))),
    ("a - b - c", Arith("-", Arith("-", a, b), c)),
    ("-a * 2", Arith("*", Unary("-", a), lit(2))),
    ("1.50 / 3", Arith("/", lit(Decimal("1.50")), lit(3))),
    ("x in [1, 2]", In(x, ListLit((lit(1), lit(2))))),
    ("x not in []", In(x, ListLit(()), negated=True)),
    ("stage == 'accepted'", Compare("==", Name("stage"), lit("accepted"))),
    ('track != "simple"', Compare("!=", Name("track"), lit("simple"))),
    (r"x == 'it\'s \\ \n'", Compare("==", x, lit("it's \\ \n"))),
    ("fee_paid == true", Compare("==", Name("fee_paid"), lit(True))),
    ("hearing_on == null", Compare("==", Name("hearing_on"), Literal(None, "null"))),
    ("at <= 2026-10-01", Compare("<=", Name("at"), lit(dt.date(2026, 10, 1)))),
    ("2026-10-01 - 1", Arith("-", lit(dt.date(2026, 10, 1)), lit(1))),
    ("2026 - 10 - 1", Arith("-", Arith("-", lit(2026), lit(10)), lit(1))),
    ("at + 45 days", Arith("+", Name("at"), Duration(45, "days"))),
    ("at + 1 workday", Arith("+", Name("at"), Duration(1, "workdays"))),
    ("at - 3months", Arith("-", Name("at"), Duration(3, "months"))),
    ("at + 1 year", Arith("+", Name("at"), Duration(1, "years"))),
    ("has_document('application')", Call("has_document", (lit("application"),))),
    ("f()", Call("f", ())),
    (
        "days_between(filed_on, at) <= 30",
        Compare("<=", Call("days_between", (Name("filed_on"), Name("at"))), lit(30)),
    ),
    ("max(claims.amount)", Call("max", (Attr(Name("claims"), "amount"),))),
    (
        "all c in claims: c.amount <= 12 * monthly_min_wage",
        Quantifier(
            "all",
            "c",
            Name("claims"),
            Compare("<=", Attr(Name("c"), "amount"), Arith("*", lit(12), Name("monthly_min_wage"))),
        ),
    ),  # fmt: skip
    (
        "a and (any c in claims: c.final)",
        And((a, Quantifier("any", "c", Name("claims"), Attr(Name("c"), "final")))),
    ),
    ("android or order or notary", Or((Name("android"), Name("order"), Name("notary")))),
    ("a\n  and b", And((a, b))),
]


@pytest.mark.parametrize(("text", "expected"), GOOD, ids=[g[0] for g in GOOD])
def test_good_guards_parse_to_their_ast(text: str, expected: object) -> None:
    assert parse_guard(text) == expected


def test_spans_point_into_the_yaml_file() -> None:
    # `    when: workers >= 10 and has_document('application')` on line 14; the guard starts at column 11
    e = parse_guard("workers >= 10 and has_document('application')", Span("p.yaml", 14, 11))
    assert isinstance(e, And)
    assert e.span == Span("p.yaml", 14, 11, 14, 56)
    cmp, call = e.items
    assert cmp.span == Span("p.yaml", 14, 11, 14, 24)
    assert isinstance(cmp, Compare) and cmp.right.span == Span("p.yaml", 14, 22, 14, 24)
    assert isinstance(call, Call) and call.args[0].span == Span("p.yaml", 14, 42, 14, 55)


def test_block_scalar_lines_keep_the_block_indentation() -> None:
    # when: |
    #       workers >= 10
    #       and fee_paid          <- line 8, the block's text starts at column 7
    e = parse_guard("workers >= 10\nand fee_paid\n", Span("p.yaml", 7, 7))
    assert isinstance(e, And)
    assert e.items[1].span == Span("p.yaml", 8, 11, 8, 19)


def test_spans_do_not_take_part_in_equality() -> None:
    assert parse_guard("a + 1", Span("x.yaml", 3, 9)) == parse_guard("a   +   1")


# code, guard, line, col of the caret in the YAML file (the guard starts at 5:11), message fragment, hint fragment
BAD = [
    ("E100", "   ", 5, 11, "empty guard", "write a condition"),
    ("E101", "workers >= 10 & fee_paid", 5, 25, "unexpected character '&'", ""),
    ("E101", "workers @ 3", 5, 19, "'@'", ""),
    ("E102", "workers >= and fee_paid", 5, 22, "unexpected 'and'", "missing"),
    ("E102", "workers fee_paid", 5, 19, "unexpected name 'fee_paid'", "join two conditions"),
    ("E102", "f(1,,2)", 5, 15, "unexpected ','", ""),
    ("E102", "x == 1 2", 5, 18, "unexpected number '2'", ""),
    ("E103", "(a and b", 5, 19, "ends too early", ""),
    ("E103", "workers >= 10 and", 5, 28, "ends too early", "complete the condition"),
    ("E103", "has_document(", 5, 24, "ends too early", ""),
    ("E104", "stage == 'accepted", 5, 20, "closing quote", "end the text with '"),
    ("E105", "at >= 2026-02-30", 5, 17, "'2026-02-30' is not a date", "month"),
    ("E106", "1 < workers < 10", 5, 23, "do not chain", "1 < x and x < 10"),
    ("E107", "at + 3 weeks", 5, 16, "'3 weeks' is not a duration", "5 workdays"),
    ("E107", "at + 1.5 days", 5, 16, "'1.5 days' is not a duration", ""),
    ("E108", "in == 3", 5, 11, "'in' is a keyword", "rename"),
    ("E108", "x.and > 1", 5, 13, "'and'", ""),
    ("E109", "a and all c in claims: c.final", 5, 17, "parentheses", "a and (all c"),
    ("E110", "fee_paid = true and days_since(filed_on) <= 30", 5, 20, "unexpected '='", "compare with '=='"),
    ("E111", "a && b", 5, 13, "'&&'", "write 'and'"),
    ("E111", "a || b", 5, 13, "'||'", "write 'or'"),
    ("E111", "!a", 5, 11, "'!'", "write 'not'"),
    ("E112", "workers （>= 1)", 5, 19, "full-width", "'('"),
    ("E112", "workers ＞= 1", 5, 19, "full-width", "'>'"),
    ("E113", "claim_amount > 99999999999999999999999999999999", 5, 26, "too long", ""),
]


@pytest.mark.parametrize(
    ("code", "text", "line", "col", "fragment", "hint"), BAD, ids=[f"{b[0]}:{b[1]}" for b in BAD]
)
def test_bad_guards_give_a_located_diagnostic(code: str, text: str, line: int, col: int, fragment: str,
                                              hint: str) -> None:  # fmt: skip
    with pytest.raises(ProcedureInvalid) as info:
        parse_guard(text, Span("procedures/p.yaml", 5, 11))
    [d] = info.value.diagnostics
    assert (d.code, d.span.path if d.span else None, d.span.line if d.span else None) == (
        code,
        "procedures/p.yaml",
        line,
    )
    assert d.span is not None and d.span.col == col, render_diagnostic(d)
    text_of_d = d.message + " " + (d.expected or "")
    assert fragment in text_of_d or fragment in (d.hint or ""), render_diagnostic(d)
    assert hint in (d.hint or ""), render_diagnostic(d)
    assert d.expected, "every syntax error says what was expected"
    assert "__ANON" not in text_of_d and "_LPAR" not in text_of_d and "NAME" not in text_of_d


def test_the_style_guide_example_renders_as_documented() -> None:
    line = "    when: fee_paid = true and days_since(filed_on) <= 30"
    with pytest.raises(ProcedureInvalid) as info:
        parse_guard(line[10:], Span("procedures/appeal.yaml", 22, 11))
    out = render_diagnostic(info.value.diagnostics[0], [""] * 21 + [line])
    assert out.splitlines()[0] == "procedures/appeal.yaml:22:20: error E110: unexpected '=' in guard"
    assert out.splitlines()[3] == "   |                    ^"
    assert "= expected: " in out and "a comparison (==, !=, <, <=, >, >=)" in out and "'and'" in out
    assert out.splitlines()[-1] == "   = hint: compare with '=='"


@pytest.mark.parametrize("code", sorted(GUARD_SYNTAX_ERRORS))
def test_every_catalogued_syntax_error_has_a_working_example(code: str) -> None:
    _, example, col = GUARD_SYNTAX_ERRORS[code]
    with pytest.raises(ProcedureInvalid) as info:
        parse_guard(example, Span("x.yaml", 1, 1))
    [d] = info.value.diagnostics
    assert (d.code, d.span.col if d.span else None) == (code, col)


def test_keywords_are_not_names_but_may_start_one() -> None:
    for word in ("and", "or", "not", "implies", "in", "true", "false", "null", "all", "any"):
        with pytest.raises(ProcedureInvalid):
            parse_guard(f"x.{word} == 1")
        assert parse_guard(f"{word}_x == 1") == Compare("==", Name(f"{word}_x"), lit(1))


def test_the_caret_lands_on_the_mistake_in_a_real_yaml_file() -> None:
    import yaml

    source = (
        "actions:\n"
        "  accept:\n"
        '    when: "workers >= 10 and fee_paid = true"\n'
        "  award:\n"
        "    when: |\n"
        "      stage == 'heard'\n"
        "      and has_document('award_document'\n"
    )
    root = yaml.compose(source)
    actions = root.value[0][1]
    found = []
    for _, action in actions.value:
        node = action.value[0][1]  # the scalar of `when`
        quote = 1 if node.style in ('"', "'") else 0
        # PyYAML marks are 0-based; a block scalar's text starts on the line after '|', at its indentation
        if node.style == "|":
            first = next(
                i for i, line in enumerate(source.splitlines()) if line.strip() and i > node.start_mark.line
            )
            at = Span(
                "p.yaml",
                first + 1,
                len(source.splitlines()[first]) - len(source.splitlines()[first].lstrip()) + 1,
            )
        else:
            at = Span("p.yaml", node.start_mark.line + 1, node.start_mark.column + 1 + quote)
        with pytest.raises(ProcedureInvalid) as info:
            parse_guard(node.value, at)
        found.append(render_diagnostic(info.value.diagnostics[0], source.splitlines()))
    assert found[0].splitlines()[0] == "p.yaml:3:39: error E110: unexpected '=' in guard"
    assert found[0].splitlines()[2:4] == [
        '3 |     when: "workers >= 10 and fee_paid = true"',
        "  |                                       ^",
    ]
    assert found[1].splitlines()[0] == "p.yaml:7:40: error E103: the guard ends too early"
    assert "')'" in found[1]
