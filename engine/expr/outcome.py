"""The result of evaluating a guard: its value and, when false, the sub-guards that made it so.

Owns: `Outcome`, `Failure`, `format_value` (a value as guard text). engine.expr.evaluate produces them;
the runtime's refusals and the checker's reports print them.
May import: engine.errors, engine.dates.periods, engine.expr.nodes, engine.expr.printer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.dates.periods import Period
from engine.errors import Span
from engine.expr import nodes as n
from engine.expr.printer import print_guard


@dataclass(frozen=True, slots=True)
class Failure:
    """One false sub-guard, with the values that made it false."""

    text: str
    values: tuple[tuple[str, str], ...]
    span: Span | None = None
    given_zh: str = ""
    given_en: str = ""

    def to_json(self) -> dict[str, Any]:
        """For the API's refusal details: the false sub-guard, where it is written, and its values."""
        out: dict[str, Any] = {"guard": self.text, "values": dict(self.values)}
        if self.span is not None:
            out.update(path=self.span.path, line=self.span.line, col=self.span.col)
        if self.given_en:
            out["given"] = {"zh": self.given_zh, "en": self.given_en.rstrip(", ")}
        return out

    def explain(self, zh_first: bool = True) -> str:
        vals = ", ".join(f"{k} = {v}" for k, v in self.values)
        zh_vals, en_vals = (f"（{vals}）", f" ({vals})") if vals else ("", "")
        if zh_first:
            en_text = f"{self.given_en}{self.text} " if self.given_en else ""
            return f"{self.given_zh}{self.text} 为假{zh_vals} / {en_text}is false{en_vals}"
        return f"{self.given_en}{self.text} is false{en_vals} / {self.given_zh}为假{zh_vals}"


@dataclass(frozen=True)
class Outcome:
    """The value of a guard and, when it is false, the sub-guards that made it so."""

    value: object
    expr: n.Expr
    failures: tuple[Failure, ...] = ()

    @property
    def ok(self) -> bool:
        return self.value is True

    def to_json(self) -> dict[str, Any]:
        """The value (as guard text), the explanation in both orders, and each false sub-guard."""
        return {
            "value": format_value(self.value),
            "explain_zh": self.explain(zh_first=True),
            "explain_en": self.explain(zh_first=False),
            "failures": [f.to_json() for f in self.failures],
        }

    def explain(self, zh_first: bool = True) -> str:
        """Why the guard has its value: the false parts for a false guard; '... 为真 / is true' otherwise."""
        text = print_guard(self.expr)
        if self.value is True:
            return f"{text} 为真 / is true" if zh_first else f"{text} is true / 为真"
        if self.value is not False:
            v = format_value(self.value)
            return f"{text} = {v}"
        return (
            "；".join(f.explain(zh_first) for f in self.failures)
            if self.failures
            else f"{text} 为假 / is false"
        )


def format_value(v: object) -> str:
    """A value as guard text: 30240, 1.5, 2026-10-01, 'wages', true, null, [1, 2], 45 days."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral_value() else format(v, "f")
    if isinstance(v, str):
        return "'" + v + "'"
    if isinstance(v, Period):
        return f"{v.n} {v.unit}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}: {format_value(x)}" for k, x in v.items()) + "}"
    return str(v)
