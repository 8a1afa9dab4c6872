"""The procedure DSL as pydantic models: what an author may write, and nothing else.

Owns: `ProcedureSpec` and its parts (`StageSpec`, `ActionSpec`, `DocumentSpec`, ...; a deadline's are
engine.procedures.deadline_specs', the field types engine.procedures.spec_fields'). These models
validate the *resolved* document (after `extends:` overlays are merged by engine.procedures.layers), so every
key an overlay writes is checked here too. Field names are the DSL's keys; messages use them.
Stage in the flow: 3 (validate), after engine.procedures.source (read) and engine.procedures.layers (resolve).
May import: engine.errors, engine.dates.periods, engine.procedures.spec_fields, engine.procedures.deadline_specs. Never the store, the runtime, FastAPI or Typer.

See docs/procedures.md for the author's reference of every key; engine.procedures.spec_errors turns pydantic's
errors into located diagnostics (`validate_spec`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from engine.dates.periods import Period
from engine.procedures.deadline_specs import DeadlineSpec, ExtensionSpec, FireSpec
from engine.procedures.spec_fields import Flag, Ident, PeriodField, SpecModel

IDENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: a template's name under documents/: relative, plain characters (checked further for '..' parts)
TEMPLATE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$")

#: `texts` is a list of short texts (e.g. the names of the arbitrators of a tribunal)
FactType = Literal["money", "int", "decimal", "bool", "date", "text", "code", "claims", "texts"]
DocumentKind = Literal["submitted", "generated"]
RefusalCodeSpec = Literal["guard", "date", "deadline", "facts", "role"]
#: Identifier checks a text fact may ask for (engine.codes.identifiers).
IdentifierCheck = Literal["resident_id", "uscc"]

#: The pseudo-action that stands for opening a case; deadlines may start on it (`starts_on: [open]`).
OPEN_ACTION = "open"


class FactSpec(SpecModel):
    """A typed fact of a case (事实/要素). Guards and templates read facts by id."""

    type: FactType
    title: str | None = None
    default: Any = None
    table: Ident | None = None  # for type: code, the codes/ table whose codes are allowed
    min: Decimal | None = None
    max: Decimal | None = None
    #: an identifier check for a text fact, enforced whenever a value is supplied (empty text = not yet
    #: known): `resident_id` (公民身份号码, GB 11643) or `uscc` (统一社会信用代码, GB 32100)
    check: IdentifierCheck | None = None
    #: the case's descriptive facts that opening a case may state (the application's particulars)
    opening: Flag = False
    #: the roles that may ever state this fact (when given: an action taking it by another role is
    #: refused with code `role`); unset = any role of an action that takes it
    set_by: list[Ident] | None = None
    #: the longest text a text fact (or a claim item's text) may hold, in characters
    max_length: int | None = Field(default=None, ge=1, le=100_000)
    disabled: Flag = False

    @field_validator("set_by", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _code_needs_table(self) -> FactSpec:
        if self.type == "code" and self.table is None:
            raise ValueError("a fact of type 'code' needs 'table': the codes/ table its values come from")
        if self.type != "code" and self.table is not None:
            raise ValueError("'table' is only for facts of type 'code'")
        if self.check is not None and self.type != "text":
            raise ValueError(f"'check: {self.check}' is only for facts of type 'text'")
        if self.max_length is not None and self.type not in ("text", "claims", "texts"):
            raise ValueError("'max_length' is only for facts of type 'text', 'texts' or 'claims'")
        return self

    @model_serializer(mode="wrap")
    def _without_unset_check(self, handler: SerializerFunctionWrapHandler) -> Any:
        # keys added later are left out of snapshots when not written, so older procedures keep
        # their hash
        data = handler(self)
        if isinstance(data, dict):
            for key, unset in (("check", None), ("opening", False), ("set_by", None), ("max_length", None)):
                if key in data and data[key] == unset:
                    data.pop(key)
        return data


class ParamSpec(SpecModel):
    """A parameter whose value depends on the date (e.g. the local monthly minimum wage)."""

    title: str | None = None
    type: Literal["money", "int", "decimal", "text"] = "decimal"
    values: dict[dt.date, Any]
    basis: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        # Short form of DESIGN.md: `monthly_min_wage: {2025-07-01: 2520}`.
        # A key that is not a date (a mistyped one such as 2026-13-01) is then reported as a bad date.
        long_keys = {"title", "type", "values", "basis"}
        if isinstance(data, dict) and any(isinstance(k, dt.date) for k in data) and not long_keys & set(data):
            return {"values": data}
        return data

    @field_validator("values")
    @classmethod
    def _not_empty(cls, v: dict[dt.date, Any]) -> dict[dt.date, Any]:
        if not v:
            raise ValueError("a param needs at least one value keyed by the date it takes effect")
        return v


class StageSpec(SpecModel):
    """A stage (阶段) a case can be in."""

    title: str
    initial: Flag = False
    final: Flag = False
    closure: Ident | None = None  # closure code (codes/closure_methods) for final stages
    mandatory: Flag = False  # a regional overlay may not switch it off
    disabled: Flag = False


class CheckSpec(SpecModel):
    """One guard with the refusal code and Chinese message to show when it is false."""

    check: str
    code: RefusalCodeSpec = "guard"
    message: str | None = None


class ProduceSpec(SpecModel):
    """A document an action produces only when a guard holds (e.g. a separate final award, R 50(4))."""

    document: Ident
    when: str


class BranchSpec(SpecModel):
    """A stage an action moves to instead of its `to` when a guard holds (first match wins)."""

    to: Ident
    when: str


class ActionSpec(SpecModel):
    """An action (操作) that moves a case, operates deadlines and produces documents."""

    title: str
    from_: list[Ident] = Field(alias="from")
    to: Ident | None = None
    returns: Flag = False  # instead of 'to': back to the stage the case was in before its current one
    stays: Flag = False  # instead of 'to': the case stays in the stage it is in (e.g. serving a copy)
    #: with 'to': other stages the action moves to when their guard holds (the first that holds)
    branches: list[BranchSpec] = []
    roles: list[Ident]
    requires: list[Ident] = []
    produces: list[Ident | ProduceSpec] = []
    when: list[CheckSpec] = []
    needs: list[Ident] = []  # facts the caller must supply with this action
    takes: list[Ident] = []  # facts the caller may supply with this action (besides `needs`)
    sets: dict[Ident, str] = {}  # facts this action assigns: fact id -> expression
    mandatory: Flag = False  # a regional overlay may not switch it off
    disabled: Flag = False

    @model_serializer(mode="wrap")
    def _without_empty_takes(self, handler: SerializerFunctionWrapHandler) -> Any:
        # `takes` is left out of snapshots when empty, so older procedures keep their hash
        data = handler(self)
        if isinstance(data, dict):
            for key in ("takes", "branches"):
                if data.get(key) == []:
                    data.pop(key)
        return data

    @field_validator("from_", "roles", "requires", "produces", "needs", "takes", mode="before")
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
        given = [
            k
            for k, on in (("to", self.to is not None), ("returns", self.returns), ("stays", self.stays))
            if on
        ]
        if len(given) > 1:
            raise ValueError(
                f"an action has one of 'to', 'returns: true' or 'stays: true', not {' and '.join(given)}"
            )
        if not given and not self.disabled:
            raise ValueError(
                "an action needs 'to' (the stage it moves to), 'returns: true' (back to the stage before) "
                "or 'stays: true' (no change of stage)"
            )
        if self.branches and self.to is None:
            raise ValueError("'branches' choose among stages besides 'to': give 'to' (the stage otherwise)")
        return self


class DocumentSpec(SpecModel):
    """A document (文书): submitted by a party or generated from a template in documents/."""

    title: str
    kind: DocumentKind
    template: str | None = None  # file name under documents/ (generated documents)
    internal: Flag = False  # belongs to the internal file (副卷), not shown to parties
    publish: Flag = False  # published online in masked form (裁决书网上公开)
    mandatory: Flag = False  # a regional overlay may not switch it off
    disabled: Flag = False

    @field_validator("template")
    @classmethod
    def _inside_documents(cls, v: str | None) -> str | None:
        # a name under documents/, never a path out of it (the answer must not depend on whether some
        # file exists on the server)
        if v is None:
            return v
        parts = v.split("/")
        if not TEMPLATE_RE.match(v) or any(p in ("", ".", "..") for p in parts):
            raise ValueError(
                f"模板应为 documents/ 下的文件名，如 award_document.html.j2 (template {v[:80]!r} is not a file "
                "name under documents/: use letters, digits, '_', '-', '.' and '/' between folder names; "
                "no absolute path, no '..')"
            )
        return v

    @model_validator(mode="after")
    def _template(self) -> DocumentSpec:
        if self.kind == "generated" and not self.template and not self.disabled:
            raise ValueError("a generated document needs 'template': its file name under documents/")
        if self.kind == "submitted" and self.template:
            raise ValueError("a submitted document has no 'template'")
        return self


class BackdatingSpec(SpecModel):
    """Who may enter an effective date earlier than the recorded day, and how far back (P11)."""

    roles: list[Ident] = []
    within: PeriodField = Period(1, "years")


class InvariantSpec(SpecModel):
    check: str
    message: str | None = None


class ProcedureSpec(SpecModel):
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
            raise ValueError(f'quote the version, e.g. version: "{v}" (a bare number loses digits)')
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
    "produce": tuple(ProduceSpec.model_fields),
    "branch": tuple(BranchSpec.model_fields),
    "fire": tuple(FireSpec.model_fields),
    "invariant": tuple(InvariantSpec.model_fields),
}

#: The sections of a procedure that hold named elements, and the element kind of each.
SECTIONS: dict[str, str] = {
    "roles": "role",
    "facts": "fact",
    "params": "param",
    "stages": "stage",
    "actions": "action",
    "deadlines": "deadline",
    "documents": "document",
}
