"""engine.procedures.source: safe YAML reading with a 1-based source map; every problem a diagnostic, never a traceback."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.procedures.source import read_yaml


def codes(text: str) -> list[str]:
    return [d.code for d in read_yaml("p.yaml", text).diagnostics]


def test_spans_of_keys_and_values_are_one_based() -> None:
    doc = read_yaml("p.yaml", "stages:\n  received: {title: 收到申请, initial: true}\n  list: [a, 'b c']\n")
    assert doc.diagnostics == []
    key = doc.key_spans[("stages", "received")]
    assert (key.line, key.col, key.end_col) == (2, 3, 11)
    title = doc.spans[("stages", "received", "title")]
    assert (title.line, title.col, title.end_col) == (2, 21, 25)  # a Chinese character is one column
    quoted = doc.spans[("stages", "list", 1)]
    assert (quoted.line, quoted.col, quoted.end_col) == (3, 14, 17)  # the text, without its quotes
    assert doc.span(("stages", "received", "nonexistent")) == doc.spans[("stages", "received")]


def test_block_scalar_span_points_at_its_first_text_line() -> None:
    doc = read_yaml("p.yaml", "when: |\n    workers >= 1\n    and claim_amount > 0\n")
    span = doc.spans[("when",)]
    assert (span.line, span.col) == (2, 5)
    assert doc.data == {"when": "workers >= 1\nand claim_amount > 0\n"}


def test_only_true_and_false_are_booleans() -> None:
    doc = read_yaml("p.yaml", "a: true\nb: false\nc: yes\nd: no\ne: on\nf: off\ng: y\nh: True\n")
    assert doc.data == {
        "a": True,
        "b": False,
        "c": "yes",
        "d": "no",
        "e": "on",
        "f": "off",
        "g": "y",
        "h": True,
    }
    assert doc.diagnostics == []


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "y", "n", "Yes", "ON"])
def test_yaml11_boolean_words_as_keys_must_be_quoted(word: str) -> None:
    doc = read_yaml("p.yaml", f"actions:\n  {word}: 1\n")
    assert [(d.code, d.span.line, d.span.col) for d in doc.diagnostics] == [("E004", 2, 3)]
    assert doc.data == {"actions": {word: 1}}
    assert read_yaml("p.yaml", f"actions:\n  '{word}': 1\n").diagnostics == []


def test_dates_load_as_dates() -> None:
    doc = read_yaml("p.yaml", "params:\n  wage: {2025-07-01: 2520}\n")
    assert doc.data == {"params": {"wage": {dt.date(2025, 7, 1): 2520}}}
    assert doc.key_spans[("params", "wage", dt.date(2025, 7, 1))].col == 10


def test_duplicate_key_is_reported_at_the_second() -> None:
    doc = read_yaml("p.yaml", "a:\n  x: 1\n  z: 2\n  x: 3\n")
    (d,) = doc.diagnostics
    assert (d.code, d.span.line, d.span.col) == ("E005", 4, 3)
    assert "first at line 2" in d.message
    assert doc.data == {"a": {"x": 1, "z": 2}}  # the first one is kept, never silently the last


def test_tab_in_indentation_but_not_inside_text() -> None:
    assert [(d.code, d.span.line, d.span.col) for d in read_yaml("p.yaml", "a:\n  \tb: 1\n").diagnostics] == [
        ("E002", 2, 3)
    ]
    assert codes("a: 'x\ty'\n") == []


@pytest.mark.parametrize(
    ("text", "what"),
    [("- a\n- b\n", "a list"), ("just text\n", "a single value"), ("", "empty"), ("# only\n", "empty")],
)
def test_root_must_be_a_mapping(text: str, what: str) -> None:
    doc = read_yaml("p.yaml", text)
    assert doc.data is None and not doc.ok
    (d,) = doc.diagnostics
    assert d.code == "E003" and what in d.message


def test_syntax_error_has_line_and_column() -> None:
    (d,) = read_yaml("p.yaml", "a: 1\nb: 'unclosed\n").diagnostics
    assert d.code == "E001" and d.span.line >= 2 and d.span.col >= 1


def test_complex_key_is_a_diagnostic() -> None:
    assert codes("? [a, b]\n: 1\n") == ["E006"]


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    assert [d.code for d in read_yaml(tmp_path / "missing.yaml").diagnostics] == ["E007"]
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("title: 仲裁\n".encode("gbk"))
    (d,) = read_yaml(gbk).diagnostics
    assert d.code == "E007" and "UTF-8" in d.message


def test_byte_order_mark_is_ignored() -> None:
    assert read_yaml("p.yaml", "\ufeffa: 1\n").data == {"a": 1}


_keys = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda k: k.lower() not in {"on", "off", "yes", "no", "y", "n", "true", "false", "null"}
)
_scalars = st.one_of(
    st.integers(-(10**6), 10**6),
    st.text(alphabet=string.ascii_letters + " 仲裁-", max_size=12),
    st.booleans(),
    st.dates(),
)
_trees = st.recursive(
    _scalars,
    lambda kids: st.dictionaries(_keys, kids, min_size=1, max_size=4) | st.lists(kids, max_size=3),
    max_leaves=20,
)


@settings(max_examples=60)
@given(st.dictionaries(_keys, _trees, min_size=1, max_size=5))
def test_round_trip_and_every_key_located(data: dict) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    doc = read_yaml("p.yaml", text)
    assert doc.diagnostics == []
    assert doc.data == data
    for path, span in doc.key_spans.items():
        line = doc.lines[span.line - 1]
        assert line[span.col - 1 :].startswith(str(path[-1])), (path, line)


@settings(max_examples=100)
@given(st.text(alphabet=string.printable + "仲裁：\t", max_size=80))
def test_any_text_gives_data_or_diagnostics_never_an_exception(text: str) -> None:
    doc = read_yaml("p.yaml", text)
    assert doc.data is not None or doc.diagnostics
    for d in doc.diagnostics:
        assert d.span is not None and d.span.line >= 1 and d.span.col >= 1


def test_aliases_work_but_a_recursive_alias_is_a_diagnostic() -> None:
    doc = read_yaml("p.yaml", "active: &a [received, accepted]\nfrom: *a\n")
    assert doc.data == {"active": ["received", "accepted"], "from": ["received", "accepted"]}
    doc = read_yaml("p.yaml", "facts: &x\n  claim: *x\n")
    assert [d.code for d in doc.diagnostics] == ["E008"]
    assert "refers to itself" in doc.diagnostics[0].message


@pytest.mark.parametrize("text", ["d: 2026-13-01\n", "2026-02-30: 1\n", "count: !!int x\n"])
def test_values_yaml_cannot_build_are_diagnostics(text: str) -> None:
    doc = read_yaml("p.yaml", text)
    assert [d.code for d in doc.diagnostics] == ["E009"]
    assert doc.data is not None  # the value stays text; the rest of the file is still read
