"""The procedure DSL as pydantic models: what an author may write, and nothing else.

Owns: `ProcedureSpec` and its parts (`StageSpec`, `ActionSpec`, `DeadlineSpec`, ...). These models
validate the *resolved* document (after `extends:` overlays are merged by engine.layers), so every
key an overlay writes is checked here too. Field names are the DSL's keys; messages use them.
Stage in the flow: 3 (validate), after engine.source (read) and engine.layers (resolve).
May import: engine.errors, engine.periods. Never the store, the runtime, FastAPI or Typer.

See docs/procedures.md for the author's reference of every key.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from engine.periods import Period, parse_period

#: Identifiers: ASCII snake_case (stable across regions, used in scenarios, the API and monitoring).
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
IDENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")

FactType = Literal["money", "int", "decimal", "bool", "date", "text", "code", "claims"]
DocumentKind = Literal["submitted", "generated"]
RefusalCodeSpec = Literal["guard", "date", "deadline", "facts"]

#: The pseudo-action that stands for opening a case; deadlines may start on it (`starts_on: [open]`).
OPEN_ACTION = "open"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class FactSpec(_Spec):
    """A typed fact of a case (事实/要素). Guards and templates read facts by id."""

    type: FactType
    title: str | None = None
    default: Any = None
    table: Ident | None = None  # for type: code, the codes/ table whose codes are allowed
    min: Decimal | None = None
    max: Decimal | None = None
    disabled: bool = False

    @model_validator(mode="after")
    def _code_needs_table(self) -> FactSpec:
        if self.type == "code" and self.table is None:
            raise ValueError("a fact of type 'code' needs 'table': the codes/ table its values come from")
        if self.type != "code" and self.table is not None:
            raise ValueError("'table' is only for facts of type 'code'")
        return self


class ParamSpec(_Spec):
    """A parameter whose value depends on the date (e.g. the local monthly minimum wage)."""

    title: str | None = None
    type: Literal["money", "int", "decimal", "text"] = "decimal"
    values: dict[dt.date, Any]
    basis: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        # Short form of DESIGN.md: `monthly_min_wage: {2025-07-01: 2520}`.
        if isinstance(data, dict) and data and all(isinstance(k, dt.date) for k in data):
            return {"values": data}
        return data

    @field_validator("values")
    @classmethod
    def _not_empty(cls, v: dict[dt.date, Any]) -> dict[dt.date, Any]:
        if not v:
            raise ValueError("a param needs at least one value keyed by the date it takes effect")
        return v


class StageSpec(_Spec):
    """A stage (阶段) a case can be in."""

    title: str
    initial: bool = False
    final: bool = False
    closure: Ident | None = None  # closure code (codes/closure_methods) for final stages
    disabled: bool = False


class CheckSpec(_Spec):
    """One guard with the refusal code and Chinese message to show when it is false."""

    check: str
    code: RefusalCodeSpec = "guard"
    message: str | None = None


class ProduceSpec(_Spec):
    """A document an action produces only when a guard holds (e.g. a separate final award, R 50(4))."""

    document: Ident
    when: str


class ActionSpec(_Spec):
    """An action (操作) that moves a case, operates deadlines and produces documents."""

    title: str
    from_: list[Ident] = Field(alias="from")
    to: Ident | None = None
    returns: bool = False  # instead of 'to': back to the stage the case was in before its current one
    roles: list[Ident]
    requires: list[Ident] = []
    produces: list[Ident | ProduceSpec] = []
    when: list[CheckSpec] = []
    needs: list[Ident] = []  # facts the caller must supply with this action
    sets: dict[Ident, str] = {}  # facts this action assigns: fact id -> expression
    disabled: bool = False

    @field_validator("from_", "roles", "requires", "produces", "needs", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("when", mode="before")
    @classmethod
    def _checks(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [{"check": v}]
        if isinstance(v, list):
            return [{"check": c} if isinstance(c, str) else c for c in v]
        return v

    @model_validator(mode="after")
    def _target(self) -> ActionSpec:
        if self.returns and self.to is not None:
            raise ValueError("an action has either 'to' or 'returns: true', not both")
        if not self.returns and self.to is None and not self.disabled:
            raise ValueError("an action needs 'to' (the stage it moves to) or 'returns: true'")
        return self


def _period(v: Any) -> Period:
    if isinstance(v, Period):
        return v
    if not isinstance(v, (str, int)):
        raise ValueError("write a period as 'N UNIT', e.g. '5 workdays' or '45 days'")
    return parse_period(v)


PeriodField = Annotated[Period, Field()]


class ExtensionSpec(_Spec):
    """How a running deadline may be extended (P6)."""

    up_to: Period
    times: int = Field(1, ge=1)
    by: Ident  # the action that extends it
    fact: Ident = "days"  # the action's fact holding the extension length, in the unit of 'up_to'

    _p = field_validator("up_to", mode="before")(classmethod(lambda cls, v: _period(v)))


class FireSpec(_Spec):
    fire: Ident


class DeadlineSpec(_Spec):
    """A time limit (期限) with its legal basis and the actions that operate its clock."""

    title: str
    limit: Period
    statutory: bool = False
    mandatory: bool = False  # a region may not switch it off (statutory implies mandatory)
    basis: str
    starts_on: list[Ident]
    ends_on: list[Ident] = []
    pauses_on: list[Ident] = []
    resumes_on: list[Ident] = []
    restarts_on: list[Ident] = []
    extension: ExtensionSpec | None = None
    warn_before: Period | None = None
    #: what expiry means: `breach` (the commission missed a duty: a breach record), `lapse` (a party's
    #: own window such as 答辩期 or 起诉期 simply ends: no breach), or `{fire: action}`
    on_expiry: Literal["breach", "lapse"] | FireSpec = "breach"
    when: str | None = None  # guard: the clock starts only if this holds when a starts_on action fires
    responsible: Ident | None = None  # the role answerable for a breach (audit)
    disabled: bool = False

    _p = field_validator("limit", "warn_before", mode="before")(
        classmethod(lambda cls, v: None if v is None else _period(v))
    )

    @field_validator("starts_on", "ends_on", "pauses_on", "resumes_on", "restarts_on", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class DocumentSpec(_Spec):
    """A document (文书): submitted by a party or generated from a template in documents/."""

    title: str
    kind: DocumentKind
    template: str | None = None  # file name under documents/ (generated documents)
    internal: bool = False  # belongs to the internal file (副卷), not shown to parties
    publish: bool = False  # published online in masked form (裁决书网上公开)
    disabled: bool = False

    @model_validator(mode="after")
    def _template(self) -> DocumentSpec:
        if self.kind == "generated" and not self.template and not self.disabled:
            raise ValueError("a generated document needs 'template': its file name under documents/")
        if self.kind == "submitted" and self.template:
            raise ValueError("a submitted document has no 'template'")
        return self


class BackdatingSpec(_Spec):
    """Who may enter an effective date earlier than the recorded day, and how far back (P11)."""

    roles: list[Ident] = []
    within: Period = Period(1, "years")

    _p = field_validator("within", mode="before")(classmethod(lambda cls, v: _period(v)))


class InvariantSpec(_Spec):
    check: str
    message: str | None = None


class ProcedureSpec(_Spec):
    """A whole procedure (national) or the resolved result of an overlay (regional)."""

    procedure: Ident
    version: str
    title: str
    extends: Ident | None = None
    region: str | None = Field(None, pattern=r"^\d{2}(\d{2}){0,2}$")  # GB/T 2260 prefix (2, 4 or 6 digits)
    calendar: Ident = "cn"
    basis: str | None = None
    roles: dict[Ident, str]
    facts: dict[Ident, FactSpec] = {}
    params: dict[Ident, ParamSpec] = {}
    stages: dict[Ident, StageSpec]
    actions: dict[Ident, ActionSpec]
    deadlines: dict[Ident, DeadlineSpec] = {}
    documents: dict[Ident, DocumentSpec] = {}
    case_number: str | None = None  # format of the case number (案号), see docs/procedures.md
    backdating: BackdatingSpec = BackdatingSpec()
    invariants: list[InvariantSpec] = []

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        if isinstance(v, (int, float)):
            raise ValueError(f"quote the version, e.g. version: \"{v}\" (a bare number loses digits)")
        return v

    @field_validator("invariants", mode="before")
    @classmethod
    def _invariants(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"check": c} if isinstance(c, str) else c for c in v]
        return v

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, v: Any) -> Any:
        return v


#: Every key the DSL accepts, per element (used by docs and the did-you-mean of unknown keys).
DSL_KEYS: dict[str, tuple[str, ...]] = {
    "procedure": tuple(f.alias or n for n, f in ProcedureSpec.model_fields.items()),
    "fact": tuple(FactSpec.model_fields),
    "param": tuple(ParamSpec.model_fields),
    "stage": tuple(StageSpec.model_fields),
    "action": tuple(f.alias or n for n, f in ActionSpec.model_fields.items()),
    "deadline": tuple(DeadlineSpec.model_fields),
    "extension": tuple(ExtensionSpec.model_fields),
    "document": tuple(DocumentSpec.model_fields),
    "backdating": tuple(BackdatingSpec.model_fields),
    "check": tuple(CheckSpec.model_fields),
}
