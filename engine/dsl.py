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
import difflib
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from engine.errors import Diagnostic, Span
from engine.periods import Period, parse_period

#: Identifiers: ASCII snake_case (stable across regions, used in scenarios, the API and monitoring).
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
IDENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")

FactType = Literal["money", "int", "decimal", "bool", "date", "text", "code", "claims"]
DocumentKind = Literal["submitted", "generated"]
RefusalCodeSpec = Literal["guard", "date", "deadline", "facts"]

#: The pseudo-action that stands for opening a case; deadlines may start on it (`starts_on: [open]`).
OPEN_ACTION = "open"

#: Booleans are strict: only YAML `true`/`false` (engine.source keeps `yes`/`no`/`on`/`off` as text, and
#: pydantic's lax mode would otherwise turn the text "yes" back into True).
Flag = Annotated[bool, Strict()]


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
    disabled: Flag = False

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
    initial: Flag = False
    final: Flag = False
    closure: Ident | None = None  # closure code (codes/closure_methods) for final stages
    mandatory: Flag = False  # a regional overlay may not switch it off
    disabled: Flag = False


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
    returns: Flag = False  # instead of 'to': back to the stage the case was in before its current one
    stays: Flag = False  # instead of 'to': the case stays in the stage it is in (e.g. serving a copy)
    roles: list[Ident]
    requires: list[Ident] = []
    produces: list[Ident | ProduceSpec] = []
    when: list[CheckSpec] = []
    needs: list[Ident] = []  # facts the caller must supply with this action
    sets: dict[Ident, str] = {}  # facts this action assigns: fact id -> expression
    mandatory: Flag = False  # a regional overlay may not switch it off
    disabled: Flag = False

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
        return self


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


class ExtensionSpec(_Spec):
    """How a running deadline may be extended (P6)."""

    up_to: PeriodField
    times: int = Field(1, ge=1)
    by: Ident  # the action that extends it
    fact: Ident = "days"  # the action's fact holding the extension length, in the unit of 'up_to'


class FireSpec(_Spec):
    fire: Ident


class DeadlineSpec(_Spec):
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
    #: own window such as 答辩期 or 起诉期 simply ends: no breach), or `{fire: action}`
    on_expiry: Literal["breach", "lapse"] | FireSpec = "breach"
    when: str | None = None  # guard: the clock starts only if this holds when a starts_on action fires
    responsible: Ident | None = None  # the role answerable for a breach (audit)
    disabled: Flag = False

    @field_validator("starts_on", "ends_on", "pauses_on", "resumes_on", "restarts_on", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class DocumentSpec(_Spec):
    """A document (文书): submitted by a party or generated from a template in documents/."""

    title: str
    kind: DocumentKind
    template: str | None = None  # file name under documents/ (generated documents)
    internal: Flag = False  # belongs to the internal file (副卷), not shown to parties
    publish: Flag = False  # published online in masked form (裁决书网上公开)
    mandatory: Flag = False  # a regional overlay may not switch it off
    disabled: Flag = False

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
    within: PeriodField = Period(1, "years")


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

_PERIOD_KEYS = frozenset({"limit", "up_to", "warn_before", "within"})
_TYPE_WORDS = {
    "string_type": "text (a string)",
    "list_type": "a list, e.g. [a, b]",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "decimal_parsing": "a number",
    "decimal_type": "a number",
    "date_type": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "greater_than_equal": "a larger number",
}


def element_kind(path: tuple[Any, ...]) -> str:
    """The DSL element a key path points into: 'procedure', 'action', 'extension', ...

    >>> element_kind(("actions", "accept")), element_kind(("deadlines", "award", "extension"))
    ('action', 'extension')
    """
    if not path:
        return "procedure"
    if path[0] in SECTIONS and len(path) >= 2:
        kind = SECTIONS[path[0]]
        rest = path[2:]
        if kind == "deadline" and rest[:1] == ("extension",):
            return "extension"
        if kind == "deadline" and rest[:1] == ("on_expiry",):
            return "fire"
        if kind == "action" and rest[:1] == ("when",):
            return "check"
        if kind == "action" and rest[:1] == ("produces",):
            return "produce"
        return kind
    if path[0] == "backdating":
        return "backdating"
    if path[0] == "invariants":
        return "invariant"
    return "procedure"


def describe(path: tuple[Any, ...]) -> str:
    """Words for the element at a key path, e.g. "action 'accept'" or 'the procedure'."""
    if len(path) >= 2 and path[0] in SECTIONS:
        return f"{SECTIONS[path[0]]} '{path[1]}'"
    if path[:1] == ("invariants",) and len(path) >= 2:
        return f"invariant {path[1]}"
    if path[:1] == ("backdating",):
        return "'backdating'"
    return "the procedure"


def validate_spec(
    data: Any,
    spans: Mapping[tuple[Any, ...], Span],
    key_spans: Mapping[tuple[Any, ...], Span],
) -> tuple[ProcedureSpec | None, list[Diagnostic]]:
    """Validate a (resolved) procedure document; every problem becomes a located Diagnostic (E2xx).

    `spans`/`key_spans` map key paths to where the value/key was written (engine.source, or the
    provenance of engine.layers for an overlay). Returns (spec, []) or (None, all diagnostics).
    """
    try:
        return ProcedureSpec.model_validate(data), []
    except ValidationError as exc:
        return None, errors_to_diagnostics(exc.errors(), spans, key_spans)


def errors_to_diagnostics(
    errors: list[Any],
    spans: Mapping[tuple[Any, ...], Span],
    key_spans: Mapping[tuple[Any, ...], Span],
) -> list[Diagnostic]:
    """Translate pydantic error entries into Diagnostics located through the source map."""
    out: list[Diagnostic] = []
    unions: dict[tuple[Any, ...], list[Any]] = {}
    for err in errors:
        loc = tuple(err["loc"])
        keyed = err["type"] in ("missing", "extra_forbidden")
        path: tuple[Any, ...] = ()
        skipped = False
        on_key = False
        for i, part in enumerate(loc):
            if part == "[key]":
                on_key = True
                continue
            nxt = (*path, part)
            if nxt in spans or nxt in key_spans:
                path = nxt
            elif not (keyed and i == len(loc) - 1):
                skipped = True  # a union member's tag, or a key a validator inserted
        if skipped:
            unions.setdefault(path, []).append(err)
            continue
        out.append(_diagnostic(err, loc, path, on_key, spans, key_spans))
    for path, errs in unions.items():
        if len(errs) == 1:
            out.append(_diagnostic(errs[0], tuple(errs[0]["loc"]), path, False, spans, key_spans))
            continue
        msgs = [_short(e) for e in errs]
        span = _where(path, spans, key_spans)
        what = (
            f"item {path[-1] + 1} of '{path[-2]}'"
            if len(path) > 1 and isinstance(path[-1], int)
            else path[-1]
        )
        expected = "a document id, or {document: ID, when: GUARD}" if "produces" in path else None
        if "on_expiry" in path:
            expected = "breach, lapse, or {fire: ACTION}"
        out.append(
            Diagnostic(
                "E210",
                f"{what} of {describe(path)} does not fit any accepted form: "
                + "; or ".join(dict.fromkeys(msgs)),
                span,
                expected=expected,
            )
        )
    return out


def _where(
    path: tuple[Any, ...],
    spans: Mapping[tuple[Any, ...], Span],
    key_spans: Mapping[tuple[Any, ...], Span],
    key: bool = False,
) -> Span | None:
    p = path
    if key and p in key_spans:
        return key_spans[p]
    while p:
        if p in spans:
            return spans[p]
        p = p[:-1]
    return spans.get(())


def _diagnostic(
    err: Any,
    loc: tuple[Any, ...],
    path: tuple[Any, ...],
    on_key: bool,
    spans: Mapping[tuple[Any, ...], Span],
    key_spans: Mapping[tuple[Any, ...], Span],
) -> Diagnostic:
    etype = str(err["type"])
    where = describe(path)
    value = err.get("input")
    last = path[-1] if path else None
    if etype == "missing":
        name = loc[-1]
        return Diagnostic(
            "E200",
            f"缺少必填键 (missing key) '{name}' in {where}",
            _where(path, spans, key_spans, key=True),
            expected=f"'{name}:' inside {where}",
        )
    if etype == "extra_forbidden":
        name = loc[-1]
        allowed = DSL_KEYS.get(element_kind(path), ())
        close = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
        return Diagnostic(
            "E209",
            f"未知的键 (unknown key) '{name}' in {where}",
            _where(path if path[-1:] == (name,) else (*path, name), spans, key_spans, key=True),
            expected=f"one of: {', '.join(allowed)}" if allowed else None,
            hint=f"did you mean '{close[0]}'?"
            if close
            else "see docs/procedures.md for the keys of each element",
        )
    if etype == "string_pattern_mismatch":
        return Diagnostic(
            "E211",
            f"'{value}' 不是合法的标识 (not a valid id) in {where}",
            _where(path, spans, key_spans, key=on_key),
            expected="lower-case ASCII snake_case: a letter, then letters, digits or '_' (e.g. 'file_defence')",
            hint=f"write '{_snake(str(value))}'" if _snake(str(value)) else None,
        )
    if etype == "bool_type":
        return Diagnostic(
            "E213",
            f"'{last}' of {where} must be true or false, not {value!r}",
            _where(path, spans, key_spans),
            expected="true or false",
            hint="yes/no/on/off are text in this DSL; write true or false",
        )
    if etype == "literal_error":
        return Diagnostic(
            "E210",
            f"'{last}' of {where} cannot be {value!r}",
            _where(path, spans, key_spans),
            expected=str(err.get("ctx", {}).get("expected", "")) or None,
        )
    if etype in ("value_error", "assertion_error"):
        msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        code = "E212" if last in _PERIOD_KEYS else "E214"
        return Diagnostic(code, f"{where}: {msg}" if code == "E214" else msg, _where(path, spans, key_spans))
    expected = _TYPE_WORDS.get(etype)
    return Diagnostic(
        "E210",
        f"'{last if last is not None else 'value'}' of {where}: expected {expected or err['msg']}, got {_show(value)}",
        _where(path, spans, key_spans, key=on_key),
        expected=expected,
    )


def _short(err: Any) -> str:
    words = _TYPE_WORDS.get(str(err["type"]))
    if words:
        return words
    if err["type"] == "literal_error":
        return str(err.get("ctx", {}).get("expected", err["msg"]))
    return str(err["msg"]).removeprefix("Value error, ")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _snake(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", text).lower()).strip("_")
    return out if IDENT_RE.match(out) and out != text else ""
