"""docs/guards.md documents every registered function and every guard diagnostic code."""

from __future__ import annotations

import re

import pytest

from engine.errors import ProcedureInvalid
from engine.expr import GUARD_SYNTAX_ERRORS, REGISTRY, TYPE_ERRORS, TypeEnv, check_guard, parse_guard
from tests.expr.strategies import ENV
from tests.paths import ROOT

DOC = (ROOT / "docs" / "guards.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", REGISTRY.names())
def test_every_function_is_documented_with_its_signature_and_both_languages(name: str) -> None:
    fn = REGISTRY.get(name)
    assert fn is not None
    row = next((line for line in DOC.splitlines() if line.startswith(f"| `{fn.signature()}`")), None)
    assert row is not None, f"docs/guards.md has no row for {fn.signature()}"
    assert fn.doc_zh in row and fn.doc_en in row
    assert ("★" in row) == fn.needs_case


@pytest.mark.parametrize("name", REGISTRY.names())
def test_every_function_example_is_a_guard(name: str) -> None:
    fn = REGISTRY.get(name)
    assert fn is not None and fn.example
    env = TypeEnv.build(
        {"claim_amount": "money", "claims": "claims", "received_on": "date", "served_on": "date",
         "hearing_on": "date", "filed_on": "date"},
        {"monthly_min_wage": "money"},
    )  # fmt: skip
    assert check_guard(parse_guard(fn.example), env) == []


@pytest.mark.parametrize("code", sorted({*GUARD_SYNTAX_ERRORS, *TYPE_ERRORS}))
def test_every_guard_code_is_in_the_reference(code: str) -> None:
    assert re.search(rf"^\| {code} \|", DOC, re.MULTILINE), code


def test_the_examples_in_the_reference_are_valid_guards() -> None:
    blocks = re.findall(r"```text\n(.*?)```", DOC, re.DOTALL)
    examples = [line.split("#")[0].strip() for line in blocks[0].splitlines() if line.strip()]
    env = TypeEnv.build({"collective_contract": "bool", "tribunal_size": "int"}, {}, extra=dict(ENV.names))
    for text in examples:
        try:
            expr = parse_guard(text)
        except ProcedureInvalid as exc:  # pragma: no cover - the message names the example
            raise AssertionError(f"{text}: {exc}") from None
        assert check_guard(expr, env) == [], text
