"""The DSL of a deadline (期限): its limit, its clock's actions, its extension and what its expiry does.

Owns: `DeadlineSpec`, `ExtensionSpec`, `FireSpec` (`on_expiry: {fire: ..., at: ...}`) and `ExpiryAt`.
Split out of engine.procedures.dsl, whose `ProcedureSpec` holds them under `deadlines:`.
Stage in the flow: 3 (validate).
May import: engine.procedures.spec_fields.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, field_validator, model_serializer

from engine.procedures.spec_fields import Flag, Ident, PeriodField, SpecModel


class ExtensionSpec(SpecModel):
    """How a running deadline may be extended (P6)."""

    up_to: PeriodField
    times: int = Field(1, ge=1)
    by: Ident  # the action that extends it
    fact: Ident = "days"  # the action's fact holding the extension length, in the unit of 'up_to'


#: The effective date of an action a deadline fires on expiry (`on_expiry: {fire: ..., at: ...}`).
ExpiryAt = Literal["due", "next_day"]


class FireSpec(SpecModel):
    """`on_expiry: {fire: action, at: due | next_day}`.

    `at: due`: the law attaches the consequence to the LAST day of the period (deemed service: R 20
    "经过三日，即视为送达", CPL 95 "经过三十日，即视为送达"); the action is effective on the due date
    although the scan records it later (a back-dated system entry). `at: next_day` (the default): the
    consequence follows only once the period has run out, at 24:00 of the due date (P10), e.g. a
    non-final award takes effect when the 15 days to sue pass without a suit (L 50).
    """

    fire: Ident
    at: ExpiryAt = "next_day"

    @model_serializer(mode="wrap")
    def _without_default(self, handler: SerializerFunctionWrapHandler) -> Any:
        # the default is left out of snapshots, so procedures written before `at` keep their hash
        data = handler(self)
        if isinstance(data, dict) and data.get("at") == "next_day":
            data.pop("at")
        return data


class DeadlineSpec(SpecModel):
    """A time limit (期限) with its legal basis and the actions that operate its clock."""

    title: str
    limit: PeriodField
    statutory: Flag = False
    mandatory: Flag = False  # a region may not switch it off (statutory implies mandatory)
    basis: str
    starts_on: list[Ident]
    ends_on: list[Ident] = []
    pauses_on: list[Ident] = []
    resumes_on: list[Ident] = []
    restarts_on: list[Ident] = []
    extension: ExtensionSpec | None = None
    warn_before: PeriodField | None = None
    #: what expiry means: `breach` (the commission missed a duty: a breach record), `lapse` (a party's
    #: own window such as 答辩期 or 起诉期 simply ends: no breach), or `{fire: action, at: due|next_day}`
    on_expiry: Literal["breach", "lapse"] | FireSpec = "breach"
    when: str | None = None  # guard: the clock starts only if this holds when a starts_on action fires
    responsible: Ident | None = None  # the role answerable for a breach (audit)
    disabled: Flag = False

    @field_validator("starts_on", "ends_on", "pauses_on", "resumes_on", "restarts_on", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v
