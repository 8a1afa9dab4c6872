"""Guard spans land on the right characters of the YAML file, whatever scalar style holds the guard."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import ProcedureInvalid, Span
from engine.expr import nodes as n
from engine.expr import parse_guard, print_guard
from tests.expr.strategies import guards

SOURCE = """\
a:
  plain: workers >= 10
    and fee_paid = true
  dq: "workers >= 10 and
    stage == \\"x\\" and fee_paid = true"
  sq: 'stage == ''x'' and
    fee_paid = true'
  fold: >
    workers >= 10
    and fee_paid = true
  lit: |
    workers >= 10
    and fee_paid = true
  esc: "stage == 'a\\u4e2d' and x = 1"
"""


def _start(node: yaml.ScalarNode, lines: list[str]) -> Span:
    """Where the scalar's text starts (what engine.procedures.source records for a value)."""
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if node.style in ("'", '"'):
        col += 1
    elif node.style in ("|", ">"):
        i = node.start_mark.line + 1
        line, col = i + 1, len(lines[i]) - len(lines[i].lstrip(" ")) + 1
    return Span("p.yaml", line, col)


def _scalars(source: str) -> dict[str, yaml.ScalarNode]:
    root = yaml.compose(source)
    return {k.value: v for k, v in root.value[0][1].value}


@pytest.mark.parametrize(
    ("key", "line", "col"),
    [("plain", 3, 18), ("dq", 5, 33), ("sq", 7, 14), ("fold", 10, 18), ("lit", 13, 18), ("esc", 14, 34)],
)
def test_a_folded_guard_is_located_with_the_file_lines(key: str, line: int, col: int) -> None:
    lines = SOURCE.splitlines(keepends=True)
    node = _scalars(SOURCE)[key]
    with pytest.raises(ProcedureInvalid) as info:
        parse_guard(node.value, _start(node, lines), tuple(lines))
    [d] = info.value.diagnostics
    assert d.code == "E110" and d.span is not None and (d.span.line, d.span.col) == (line, col)
    assert lines[line - 1][col - 1] == "="


def test_without_the_file_lines_the_block_rule_applies() -> None:
    lines = SOURCE.splitlines(keepends=True)
    node = _scalars(SOURCE)["lit"]
    with pytest.raises(ProcedureInvalid) as info:
        parse_guard(node.value, _start(node, lines))
    assert info.value.diagnostics[0].span == Span("p.yaml", 13, 18, 13, 19)


def test_text_that_is_not_in_the_file_falls_back_to_the_simple_rule() -> None:
    e = parse_guard("x > 1", Span("p.yaml", 2, 5), ("nothing like it\n", "at all\n"))
    assert e.span == Span("p.yaml", 2, 5, 2, 10)


@given(guards(2), st.sampled_from([None, '"', "'", ">", "|"]), st.integers(12, 40))
def test_every_name_span_covers_that_name_in_the_file(e: n.Expr, style: str | None, width: int) -> None:
    text = print_guard(e)
    source = yaml.dump({"a": {"when": text}}, default_style=style, width=width, allow_unicode=True)
    lines = source.splitlines(keepends=True)
    root = yaml.compose(source)
    node = root.value[0][1].value[0][1]  # {"a": {"when": ...}}: the when scalar
    if node.value != text or node.tag != "tag:yaml.org,2002:str":
        return  # YAML changed the text (e.g. trailing spaces of a block); not a guard we locate
    parsed = parse_guard(node.value, _start(node, lines), tuple(lines))
    for sub in n.walk(parsed):
        if isinstance(sub, n.Name) and sub.span is not None and sub.span.end_line == sub.span.line:
            written = lines[sub.span.line - 1][sub.span.col - 1 : (sub.span.end_col or 0) - 1]
            assert written == sub.id, (source, sub)
