"""The catalogue of guard type errors (E250-E263) and the wording of their messages and hints.

Owns: `TYPE_ERRORS` (code -> meaning and an example guard that yields it, tested), the facts and params
the examples are written against, and the phrasing helpers the type checker (engine.expr.types) uses.
May import: engine.expr.gtypes.
"""

from __future__ import annotations

import difflib

from engine.expr.gtypes import GType

#: code -> (what it means, a guard that yields it in TEST_ENV_FACTS/TEST_ENV_PARAMS below)
TYPE_ERRORS: dict[str, tuple[str, str]] = {
    "E250": ("unknown name", "worker >= 10"),
    "E251": ("unknown function", "has_documnet('application')"),
    "E252": ("wrong number of arguments", "days_between(at) > 3"),
    "E253": ("argument of the wrong type", "days_between(at, 3) > 3"),
    "E254": ("arithmetic on values of the wrong types", "at + 3 >= hearing_on"),
    "E255": ("'==' or '!=' between values that can never be equal", "hearing_on == 'tomorrow'"),
    "E256": ("a guard that is not true or false (or a value of the wrong type)", "claim_amount + 1"),
    "E257": ("unknown field", "max(claims.amout) > 0"),
    "E258": ("'in' without a list, or with items of another type", "workers in ['a', 'b']"),
    "E259": (
        "'and', 'or', 'not' or 'implies' applied to a value that is not a condition",
        "workers and fee_paid",
    ),
    "E260": ("a list literal that mixes types", "stage in ['a', 1]"),
    "E261": ("ordering (<, >) of values that have no order", "stage < 'b'"),
    "E263": ("'all'/'any' over something that is not a list", "all c in workers: c > 1"),
}
#: The facts and params the TYPE_ERRORS examples are written against.
TEST_ENV_FACTS = {"workers": "int", "claim_amount": "money", "hearing_on": "date", "fee_paid": "bool",
                  "claims": "claims"}  # fmt: skip
TEST_ENV_PARAMS = {"monthly_min_wage": "money"}


def article(t: GType) -> str:
    s = str(t)
    return f"an {s} value" if s[0] in "aeiou" else f"a {s} value"


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def cannot_order(a: GType, b: GType) -> str:
    return f"cannot order two {a} values" if a == b else f"cannot order {article(a)} and {article(b)}"


def compare_hint(a: GType, b: GType) -> str | None:
    kinds = {a.kind, b.kind}
    if kinds == {"date", "int"}:
        return (
            "a date minus a date is a number of days: compare 'days_between(a, b)' or 'a - b' with a number"
        )
    if kinds == {"int", "duration"} or kinds == {"decimal", "duration"}:
        return "'45 days' is a duration; compare a number of days with a plain number (45)"
    if "date" in kinds and "text" in kinds:
        return "write a date without quotes: 2026-10-01"
    if "bool" in kinds and "text" in kinds:
        return "write true or false without quotes"
    return None
