"""Properties of the guard language that hold for all inputs (hypothesis).

- printing and re-parsing a well-typed guard gives the same AST (spans aside);
- a well-typed guard (or value expression) evaluates, or raises only GuardRuntimeError, whatever
  the fact values (any of them unset) and the case;
- any text, and any mutation of a valid guard, parses or raises only ProcedureInvalid with E1xx
  diagnostics that point inside the text.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engine.errors import GuardRuntimeError, ProcedureInvalid, Span
from engine.expr import Scope, check_guard, evaluate, parse_guard, print_guard
from engine.expr import nodes as n
from engine.expr.gtypes import DATE, DECIMAL, INT, MONEY, TEXT
from tests.expr.fakes import FakeCase
from tests.expr.strategies import ENV, cases, exprs, guards, scope_values
from tests.paths import ROOT


@given(guards())
def test_print_then_parse_gives_the_same_ast(e: n.Expr) -> None:
    assert check_guard(e, ENV) == []  # the strategy really draws well-typed guards
    text = print_guard(e)
    assert parse_guard(text) == e, text
    assert print_guard(parse_guard(text)) == text


@given(st.sampled_from([INT, DECIMAL, MONEY, DATE, TEXT]).flatmap(lambda t: exprs(t, 2)))
def test_value_expressions_round_trip_too(e: n.Expr) -> None:
    assert parse_guard(print_guard(e)) == e


@given(guards(), scope_values(), cases())
def test_a_well_typed_guard_evaluates_or_raises_only_guard_runtime_error(
    e: n.Expr, values: dict[str, Any], case: FakeCase
) -> None:
    try:
        out = evaluate(e, Scope(values, case))
    except GuardRuntimeError as exc:
        assert str(exc)
        return
    assert isinstance(out.value, bool)
    if out.value is False:
        assert out.failures
        assert " 为假" in out.explain() and "is false" in out.explain(zh_first=False)


@given(st.sampled_from([INT, DECIMAL, MONEY, DATE]).flatmap(lambda t: exprs(t, 2)), scope_values(), cases())
def test_a_value_expression_evaluates_or_raises_only_guard_runtime_error(
    e: n.Expr, values: dict[str, Any], case: FakeCase
) -> None:
    try:
        evaluate(e, Scope(values, case))
    except GuardRuntimeError:
        pass


def _check_syntax_error(text: str, exc: ProcedureInvalid) -> None:
    [d] = exc.diagnostics
    assert d.code.startswith("E1") and d.span is not None and d.expected
    lines = text.split("\n")
    assert 3 <= d.span.line <= 2 + len(lines)
    assert 5 <= d.span.col <= 5 + len(lines[d.span.line - 3]) + 1


@given(st.text(max_size=40))
def test_any_text_parses_or_gives_a_syntax_diagnostic(text: str) -> None:
    try:
        parse_guard(text, Span("p.yaml", 3, 5))
    except ProcedureInvalid as exc:
        _check_syntax_error(text, exc)


_PIECES = st.sampled_from(list("()[],.:'\"=<>!&|+-*/ \n0123456789aé工") + ["and", "or", "not", "in", "all",
                                                                          "implies", "2026-13-01", "5 days"])  # fmt: skip


@given(
    guards(2), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 3), _PIECES), min_size=1, max_size=3)
)
def test_a_mutated_guard_parses_or_gives_a_syntax_diagnostic(
    e: n.Expr, edits: list[tuple[int, int, str]]
) -> None:
    text = print_guard(e)
    for pos, cut, piece in edits:
        pos %= len(text) + 1
        text = text[:pos] + piece + text[pos + cut :]
    try:
        parse_guard(text, Span("p.yaml", 3, 5))
    except ProcedureInvalid as exc:
        _check_syntax_error(text, exc)


_WORDS = st.sampled_from(["and", "or", "not", "in", "all c in claims:", "any", "null", "true", "claims", "c.amount",
                          "at", "5 days", "2026-01-01", "max(", "count(", "has_document(", "stage", "'x'", "1.5",
                          "workers", "[1]", "sum(", ")", "(", "+", "*", "==", "<", " "])  # fmt: skip


@given(guards(2), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 3), _WORDS), min_size=1, max_size=4))
def test_the_type_checker_answers_any_parsed_guard_with_diagnostics(
    e: n.Expr, edits: list[tuple[int, int, str]]
) -> None:
    text = print_guard(e)
    for pos, cut, piece in edits:
        pos %= len(text) + 1
        text = text[:pos] + piece + text[pos + cut :]
    try:
        guard = parse_guard(text)
    except ProcedureInvalid:
        return
    for expect in ("bool", None, "money", "date"):
        assert all(
            d.code.startswith("E2") and d.span is not None for d in check_guard(guard, ENV, expect=expect)
        )


def test_the_guards_of_a_real_procedure_round_trip() -> None:
    for text in [
        "representatives > 0 implies (workers >= 10 and representatives >= 3 and representatives <= 5)",
        "(workers >= 10 or collective_contract) and track != 'simple' implies tribunal_size == 3",
        "times_fired('serve_respondent') + times_fired('posting_served') > 0",
        "defence_until == null or at <= defence_until",
    ]:
        e = parse_guard(text)
        assert parse_guard(print_guard(e)) == e
    assert (
        print_guard(parse_guard("a and (b or c) and not (d implies e)"))
        == "a and (b or c) and not (d implies e)"
    )
    assert print_guard(parse_guard("(a implies b) implies c")) == "(a implies b) implies c"
    assert print_guard(parse_guard("x - (y - 1) * -(2 + 3)")) == "x - (y - 1) * -(2 + 3)"
    assert print_guard(parse_guard("(any c in claims: c.final) or (x.y).z == 1")) == (
        "(any c in claims: c.final) or x.y.z == 1"
    )


def _procedure_guards() -> list[str]:
    import yaml

    root = ROOT / "procedures"
    texts: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("when", "check") and isinstance(v, str):
                    texts.append(v)
                elif k == "sets" and isinstance(v, dict):
                    texts.extend(str(x) for x in v.values())
                else:
                    collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    for path in sorted(root.rglob("*.yaml")):
        if "calendars" not in path.parts:
            collect(yaml.safe_load(path.read_text(encoding="utf-8")))
    return texts


def test_every_guard_of_the_shipped_procedures_round_trips() -> None:
    texts = _procedure_guards()
    assert len(texts) > 20
    for text in texts:
        e = parse_guard(text)
        assert parse_guard(print_guard(e)) == e, text
