"""The building blocks of the DSL models: identifiers, strict flags, periods and the frozen base model.

Owns: `Ident`, `Flag`, `PeriodField` (a period written "N UNIT", dumped back as that text) and
`SpecModel`, the base of every DSL model (unknown keys refused, frozen). Split out of
engine.procedures.dsl, whose models and engine.procedures.deadline_specs' are built from these.
Stage in the flow: 3 (validate).
May import: engine.dates.periods.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, Strict, StringConstraints

from engine.dates.periods import Period, parse_period

#: Identifiers: ASCII snake_case (stable across regions, used in scenarios, the API and monitoring).
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
#: Booleans are strict: only YAML `true`/`false` (engine.procedures.source keeps `yes`/`no`/`on`/`off` as text, and
#: pydantic's lax mode would otherwise turn the text "yes" back into True).
Flag = Annotated[bool, Strict()]


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


def _period(v: Any) -> Period:
    if isinstance(v, Period):
        return v
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise ValueError("write a period as 'N UNIT', e.g. '5 workdays' or '45 days'")
    if isinstance(v, int):
        raise ValueError(f"a period needs its unit: write '{v} days' or '{v} workdays'")
    return parse_period(v)


#: A period written "N UNIT" ("45 days", "5 workdays"); dumped back as that text (snapshots, hashes).
PeriodField = Annotated[Period, BeforeValidator(_period), PlainSerializer(str, return_type=str)]
