"""Hypothesis-mutated copies of valid procedures give diagnostics or a valid procedure, never another
exception: the pipeline (read, resolve, validate, compile) must answer every author mistake."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.procedures.compiler import compile_snapshot
from engine.procedures.library import check_text, discover
from engine.procedures.source import read_yaml
from tests.paths import ROOT

MINI = ROOT / "tests" / "bad_procedures" / "base" / "mini.yaml"
INDEX = [MINI, *discover(ROOT / "procedures")]
SOURCES = [(p, p.read_text(encoding="utf-8")) for p in INDEX]

_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.sampled_from(
        [
            "",
            "yes",
            "no",
            "on",
            "5 days",
            "5",
            "45 weeks",
            "received",
            "accept",
            "open",
            "award",
            "claim_amount >=",
            "has_document('x')",
            "Accepted",
            "审理",
            "2025-13-01",
        ]
    ),  # fmt: skip
    st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
    st.lists(st.sampled_from(["received", "accept", "clerk", "application", "nope", "open"]), max_size=3),
    st.dictionaries(
        st.sampled_from(["title", "to", "from", "limit", "fire", "x", "disabled"]),
        st.sampled_from(["a", "accepted", "true"]) | st.booleans(),
        max_size=3,
    ),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def tree_mutation(draw: st.DrawFn) -> tuple[Path, str]:
    path, text = draw(st.sampled_from(SOURCES))
    data = read_yaml(str(path), text).data
    assert data is not None
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        target = draw(st.sampled_from(paths))
        parent, last = _parent(data, target), target[-1]
        op = draw(st.sampled_from(["delete", "replace", "rename", "copy"]))
        if op == "delete":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(_junk)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["form", "tittle", "on", "Stage", "open", "accepted", "x_1"]))] = (
                parent.pop(last)
            )
        elif op == "copy" and isinstance(parent, dict):
            other = draw(st.sampled_from(paths))
            parent[last] = copy.deepcopy(_parent(data, other)[other[-1]])
    return path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def text_mutation(draw: st.DrawFn) -> tuple[Path, str]:
    path, text = draw(st.sampled_from(SOURCES))
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "tab", "char", "truncate", "dedent"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "tab":
            lines[i] = "\t" + lines[i]
        elif op == "char":
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = (
                lines[i][:j]
                + draw(
                    st.sampled_from(
                        [
                            ":",
                            "[",
                            "{",
                            "'",
                            '"',
                            "-",
                            " ",
                            "#",
                            "：",
                            "&a",
                            "*b",
                            " 2026-13-01",
                            " 1e999",
                            "!!int x",
                        ]
                    )
                )
                + lines[i][j:]
            )
        elif op == "truncate":
            lines = lines[: i + 1]
        elif op == "dedent":
            lines[i] = lines[i].lstrip(" ")
    return path, "".join(lines)


def _check(path: Path, text: str) -> None:
    r = check_text(text, str(path), INDEX, codes_root=ROOT / "codes", documents_root=ROOT / "documents")
    errors = [d for d in r.diagnostics if d.severity == "error"]
    assert (r.procedure is None) == bool(errors)
    for d in r.diagnostics:
        assert d.code[0] in "EW" and d.code[1:].isdigit()
        assert d.span is not None and d.span.line >= 1 and d.span.col >= 1, d
    if r.procedure is not None:
        assert compile_snapshot(r.procedure.snapshot).content_hash == r.procedure.content_hash


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(tree_mutation())
def test_tree_mutations_give_diagnostics_or_a_procedure(case: tuple[Path, str]) -> None:
    _check(*case)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(text_mutation())
def test_text_mutations_give_diagnostics_or_a_procedure(case: tuple[Path, str]) -> None:
    _check(*case)


def test_unmutated_sources_are_valid() -> None:
    for path, text in SOURCES:
        r = check_text(text, str(path), INDEX, codes_root=ROOT / "codes", documents_root=ROOT / "documents")
        assert r.procedure is not None, [str(d) for d in r.diagnostics]
