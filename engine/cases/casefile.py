"""What a running case looks like to callers, and how its facts are checked and stored.

Owns: `Actor`, the read-only views returned by the runtime (`CaseView`, `DeadlineView`,
`DocumentView`, `EventView`, `TransitionRecord`, `ActionAvailability`) and fact coding: `check_facts` (typed values from user input, with a
clear error naming the fact; a fact with `check: resident_id | uscc` must pass engine.codes.identifiers unless
it is empty text), `checked_facts` (the runtime's facts boundary: input shape checked, numbers and dates
bounded to what the store holds, then `check_facts`), `code_tables` (the process's code tables for
facts of type code), `encode_facts` / `decode_facts` (JSON in the case row <-> typed values).
Stage in the flow: 6 (run). Used by engine.cases.runtime, engine.proving.scenarios, engine.oversight.verify, the API and the CLI.
May import: engine.errors, engine.procedures.model, engine.codes.identifiers, engine.codes.code_tables (lazily, for `code_tables`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from engine.codes.identifiers import IdentifierError, check_resident_id, check_uscc
from engine.errors import BadInput, EventNotAllowed, ZhongcaiError
from engine.procedures.model import Fact, Procedure
from engine.text_input import clean_text, plain_digits

SYSTEM_ROLE = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a user id and the role they act in."""

    user_id: str
    role: str


SYSTEM = Actor("system", SYSTEM_ROLE)


@dataclass(frozen=True, slots=True)
class DeadlineView:
    deadline_id: str
    title: str
    status: str  # running | paused | stopped
    due_on: dt.date | None
    steps: tuple[str, ...]
    note: str | None
    statutory: bool
    basis: str
    #: the due date is provisional (P5): counted through a year without its State Council notice
    provisional: bool = False

    def shown(self) -> str:
        """'2026-11-23', '2027-01-18 provisional', 'paused', 'stopped' or 'unknown (...)' as a scenario
        or a clerk reads it."""
        if self.status in ("paused", "stopped"):
            return self.status
        if self.due_on is None:
            return f"unknown ({self.note})" if self.note else "unknown"
        return f"{self.due_on.isoformat()} provisional" if self.provisional else self.due_on.isoformat()


@dataclass(frozen=True, slots=True)
class DocumentView:
    document_id: str
    title: str
    kind: str
    version: int
    media_type: str
    sha256: str
    event_seq: int


@dataclass(frozen=True, slots=True)
class EventView:
    seq: int
    action: str
    actor_id: str
    role: str
    effective_on: dt.date
    recorded_at: dt.datetime
    stage_before: str | None
    stage_after: str
    facts_changed: Mapping[str, Any]
    clock_ops: tuple[Any, ...]
    documents: tuple[str, ...]
    backdated: bool
    hash: str
    #: what the event allotted: a receipt number, a 案号, a query code issued (never the code)
    allotted: Mapping[str, Any] | None = None
    #: a `calendar_update` event: the calendar versions and each changed due date (engine.oversight.calendar_apply)
    calendar_change: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    case_number: str
    institution_id: str
    region_code: str
    procedure_id: str
    procedure_version: str
    procedure_hash: str
    stage: str
    stage_title: str
    facts: Mapping[str, Any]
    version: int
    opened_on: dt.date
    accepted_on: dt.date | None
    closed_on: dt.date | None
    closure: str | None
    channel: str
    deadlines: Mapping[str, DeadlineView]
    documents: tuple[DocumentView, ...]
    breaches: tuple[str, ...] = ()
    #: the receipt number (收件登记号); `case_number` is the 案号 once the case is accepted
    receipt_number: str | None = None

    def has_document(self, document_id: str) -> bool:
        return any(d.document_id == document_id for d in self.documents)


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """What `fire` did: the new stage, the event's sequence number and hash, the documents produced."""

    case_id: int
    seq: int
    action: str
    stage_before: str
    stage_after: str
    effective_on: dt.date
    version: int
    hash: str
    produced: tuple[str, ...] = ()
    clock_ops: tuple[Any, ...] = ()
    #: the number the case is known by after the event (the 案号 allotted by an acceptance)
    case_number: str = ""
    #: a query code issued by this event (acceptance, reissue), in plain: give it to the parties; never log it
    query_code: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ActionAvailability:
    action: str
    title: str
    allowed: bool
    refusal: EventNotAllowed | None = field(default=None)


# ---------------------------------------------------------------------------- facts

_TYPE_ZH = {
    "money": '金额 (money, e.g. 20000 or "20000.50")',
    "int": "整数 (a whole number)",
    "decimal": "数值 (a number)",
    "bool": "是/否 (true or false)",
    "date": "日期 (a date YYYY-MM-DD)",
    "text": "文字 (text)",
    "code": "代码 (a code from its table)",
    "claims": "请求事项列表 (a list of claims)",
    "texts": "文字列表 (a list of texts)",
}


#: the longest code of a code table a fact may carry, and the most items a claims fact may list
CODE_LENGTH = 64
CLAIMS_LIMIT = 200
#: the most items a `texts` fact may list, and the longest each may be unless the fact says
TEXTS_LIMIT = 50
TEXTS_ITEM_LENGTH = 200
#: the values a field of a claim item may have: text, numbers, true/false or nothing
_CLAIM_SCALARS = (str, int, float, bool, Decimal, type(None))


def _shown(value: Any) -> str:
    """A value as an error message may quote it: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _clean_claim(fact: Fact, n: int, claim: Mapping[Any, Any]) -> dict[Any, Any]:
    """One claim item with its texts cleaned (`clean_text`); a nested value is refused."""
    out: dict[Any, Any] = {}
    for name, value in claim.items():
        if isinstance(name, str):
            name = clean_text(name, field=f"{fact.id}[{n}]", title=fact.title, limit=CODE_LENGTH)
        if not isinstance(value, _CLAIM_SCALARS):
            raise BadInput(
                f"事实 '{fact.id}'（{fact.title}）第{n}项的“{name}”应为文字、数值或是否 "
                f"(claim {n}: '{name}' must be text, a number, true or false; got {type(value).__name__})",
                field=fact.id,
            )
        if isinstance(value, str):
            value = clean_text(value, field=f"{fact.id}[{n}].{name}", title=fact.title, limit=fact.max_length)
        out[name] = value
    return out


def _coerce(fact: Fact, value: Any, clean: bool = True) -> Any:
    """`value` as the fact's type; with `clean`, texts pass `clean_text` (input; not stored values)."""
    t = fact.type
    if value is None:
        return None
    if t in ("money", "decimal"):
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise ValueError
        try:
            d = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            raise ValueError from None
        if not d.is_finite():
            raise ValueError
        if t == "money":
            d = d.quantize(Decimal("0.01"))
        return d
    if t == "int":
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise ValueError
    if t == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "是", "否"):
            return value.lower() in ("true", "是")
        raise ValueError
    if t == "date":
        if isinstance(value, dt.datetime):
            raise ValueError
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            return dt.date.fromisoformat(value.strip())
        raise ValueError
    if t in ("text", "code"):
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            if not clean:
                return str(value)
            limit = fact.max_length if t == "text" else CODE_LENGTH
            return clean_text(str(value), field=fact.id, title=fact.title, limit=limit)
        raise ValueError
    if t == "claims":
        if isinstance(value, list) and all(isinstance(c, Mapping) for c in value):
            if not clean:
                return [dict(c) for c in value]
            if len(value) > CLAIMS_LIMIT:
                raise BadInput(
                    f"事实 '{fact.id}'（{fact.title}）最多 {CLAIMS_LIMIT} 项，收到 {len(value)} 项 "
                    f"(fact '{fact.id}' holds at most {CLAIMS_LIMIT} items; got {len(value)})",
                    field=fact.id,
                )
            return [_clean_claim(fact, n, c) for n, c in enumerate(value, 1)]
        raise ValueError
    if t == "texts":
        return _coerce_texts(fact, value, clean)
    raise ValueError


def _coerce_texts(fact: Fact, value: Any, clean: bool) -> list[str]:
    """A `texts` fact: a list of texts (each cleaned on input); at most TEXTS_LIMIT items."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError
    if not clean:
        return list(value)
    if len(value) > TEXTS_LIMIT:
        raise BadInput(
            f"事实 '{fact.id}'（{fact.title}）最多 {TEXTS_LIMIT} 项，收到 {len(value)} 项 "
            f"(fact '{fact.id}' holds at most {TEXTS_LIMIT} items; got {len(value)})",
            field=fact.id,
        )
    limit = fact.max_length or TEXTS_ITEM_LENGTH
    items = [
        clean_text(v, field=f"{fact.id}[{n}]", title=fact.title, limit=limit) for n, v in enumerate(value, 1)
    ]
    return [v for v in (i.strip() for i in items) if v]


class CodeValidator(Protocol):
    """engine.codes.code_tables.CodeTables' `validate`: None for a known code, else a message."""

    def validate(self, table: str, code: object, on: dt.date | None = None) -> str | None: ...


def check_facts(
    procedure: Procedure,
    facts: Mapping[str, Any] | None,
    codes: CodeValidator | None = None,
    on: dt.date | None = None,
) -> dict[str, Any]:
    """Typed fact values from user input; `BadInput` names the fact and what it should be. With `codes`,
    a fact of type `code` must be a code of its table (in force on `on`)."""
    out: dict[str, Any] = {}
    for key, value in (facts or {}).items():
        fact = procedure.facts.get(key)
        if fact is None:
            close = difflib.get_close_matches(key, list(procedure.facts), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            known = ", ".join(sorted(procedure.facts)) or "(none)"
            raise BadInput(
                f"程序 '{procedure.id}' 没有事实 '{key}' (unknown fact '{key}'{hint}; known facts: {known})",
                field=key,
            )
        try:
            typed = _coerce(fact, value)
        except BadInput:
            raise
        except (ValueError, TypeError):
            raise BadInput(
                f"事实 '{key}'（{fact.title}）应为{_TYPE_ZH.get(fact.type, fact.type)}，收到 {_shown(value)} "
                f"(fact '{key}' must be of type {fact.type}; got {_shown(value)})",
                field=key,
            ) from None
        if typed is not None and fact.type in ("money", "int", "decimal"):
            if fact.min is not None and typed < fact.min:
                raise BadInput(
                    f"事实 '{key}'（{fact.title}）不得小于 {fact.min}，收到 {_shown(value)} "
                    f"(fact '{key}' must be at least {fact.min})",
                    field=key,
                )
            if fact.max is not None and typed > fact.max:
                raise BadInput(
                    f"事实 '{key}'（{fact.title}）不得大于 {fact.max}，收到 {_shown(value)} "
                    f"(fact '{key}' must be at most {fact.max})",
                    field=key,
                )
        if fact.type == "code" and typed is not None and codes is not None and fact.table:
            problem = codes.validate(fact.table, typed, on)
            if problem is not None:
                raise BadInput(f"事实 '{key}'（{fact.title}）：{problem}", field=key)
        if fact.check is not None and isinstance(typed, str) and typed.strip():
            typed = _checked_identifier(key, fact, typed, on)
        if fact.type == "money" and typed is not None and typed < 0:
            raise BadInput(
                f"事实 '{key}'（{fact.title}）金额不能为负 (fact '{key}' must not be negative)", key
            )
        out[key] = typed
    return out


def _checked_identifier(key: str, fact: Fact, value: str, on: dt.date | None) -> str:
    """The identifier in its normal form (no spaces, upper case) when its check passes; else BadInput
    naming the fact, e.g. 事实 'applicant_id_number'（申请人身份证件号码）：身份证号码 ... 校验位错误，应为X."""
    value = plain_digits(value)
    try:
        if fact.check == "resident_id":
            return check_resident_id(value, on=on, field=key).number
        if fact.check == "uscc":
            return check_uscc(value, field=key).number
    except IdentifierError as exc:
        raise BadInput(f"事实 '{key}'（{fact.title}）：{exc}", field=key) from None
    raise BadInput(f"事实 '{key}'：未知的号码校验 '{fact.check}' (unknown identifier check)", field=key)


#: the largest numbers the store keeps: money is NUMERIC(16, 2) in monitoring records, whole numbers
#: are 32-bit integers there (e.g. `workers`); bigger values are refused as facts, never a database error
MONEY_LIMIT = Decimal("1e14")
INT_LIMIT = 2**31 - 1
#: dates a fact may carry: a typo'd year (9999, 0001) is refused at the door instead of overflowing in
#: a rule that adds a year to it
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


@functools.cache
def code_tables() -> CodeValidator | None:
    """The code tables under codes/ (facts of type `code` are checked against them), if they load."""
    from engine.codes.code_tables import CodeTables, default_codes_dir

    try:
        return CodeTables.load(default_codes_dir())
    except ZhongcaiError:
        return None


def checked_facts(
    procedure: Procedure, facts: object, tables: CodeValidator | None, at: dt.date
) -> dict[str, Any]:
    """`check_facts` with the input shape checked first and the numbers bounded to what the store
    holds: every problem is a BadInput naming the fact (the runtime's facts boundary)."""
    if facts is not None and not isinstance(facts, Mapping):
        raise BadInput(
            f"事实应为“名称: 值”的映射 (facts must be a mapping of fact id to value, e.g. "
            f'{{"claim_amount": 20000}}; got {type(facts).__name__})',
            field="facts",
        )
    for key in facts or {}:
        if not isinstance(key, str):
            raise BadInput(f"事实名称应为文字 (a fact id must be text; got {key!r})", field="facts")
    try:
        given = check_facts(procedure, facts, tables, at)
    except ArithmeticError:  # e.g. an amount with more digits than a decimal can carry
        for key, value in (facts or {}).items():
            try:
                check_facts(procedure, {key: value}, None, at)
            except ArithmeticError:
                raise _too_large(procedure, key) from None
        raise BadInput(
            "事实中的数值超出范围 (a number in the facts is out of range)", field="facts"
        ) from None
    for key, value in given.items():
        kind = procedure.facts[key].type
        if kind == "claims" and isinstance(value, list):
            _check_claims(procedure, key, value)
        if isinstance(value, Decimal) and kind in ("money", "decimal") and abs(value) >= MONEY_LIMIT:
            raise _too_large(procedure, key)
        if isinstance(value, int) and kind == "int" and abs(value) > INT_LIMIT:
            raise _too_large(procedure, key)
        if isinstance(value, dt.date) and kind == "date" and not EARLIEST_DATE <= value <= LATEST_DATE:
            fact = procedure.facts[key]
            raise BadInput(
                f"事实 '{key}'（{fact.title}）的日期 {value} 超出范围（{EARLIEST_DATE} 至 {LATEST_DATE}）"
                f"(fact '{key}': the date must lie between {EARLIEST_DATE} and {LATEST_DATE}; check the year)",
                field=key,
            )
    return given


#: the money fields of a claim (DSL record `claim`: item, amount, category, final; documents also read
#: `awarded`): each must be an amount, or the documents and guards cannot compute with it
_CLAIM_MONEY = ("amount", "awarded")


def _check_claims(procedure: Procedure, key: str, claims: list[Any]) -> None:
    title = procedure.facts[key].title
    for n, claim in enumerate(claims, 1):
        for field_name, value in claim.items():
            if not isinstance(field_name, str):
                raise BadInput(
                    f"事实 '{key}'（{title}）第{n}项的字段名应为文字 (claim {n}: field names must be text; "
                    f"got {field_name!r})",
                    field=key,
                )
            if field_name in _CLAIM_MONEY and value is not None:
                amount: Decimal | None = None
                if isinstance(value, (int, float, str, Decimal)) and not isinstance(value, bool):
                    try:
                        amount = Decimal(str(value).replace(",", "").strip())
                    except ArithmeticError:
                        amount = None
                if amount is None or not amount.is_finite() or abs(amount) >= MONEY_LIMIT:
                    raise BadInput(
                        f"事实 '{key}'（{title}）第{n}项的“{field_name}”应为金额，收到 {_shown(value)} "
                        f"(claim {n}: '{field_name}' must be an amount below {MONEY_LIMIT:,.0f}, "
                        f'e.g. 20000 or "20000.50")',
                        field=key,
                    )
            if field_name == "final" and value is not None and not isinstance(value, bool):
                raise BadInput(
                    f"事实 '{key}'（{title}）第{n}项的“final”应为 true 或 false，收到 {_shown(value)} "
                    f"(claim {n}: 'final' must be true or false)",
                    field=key,
                )


def _too_large(procedure: Procedure, key: str) -> BadInput:
    fact = procedure.facts[key]
    limit = f"{MONEY_LIMIT:,.0f}" if fact.type in ("money", "decimal") else f"{INT_LIMIT:,}"
    return BadInput(
        f"事实 '{key}'（{fact.title}）的数值超出范围，绝对值应小于 {limit} "
        f"(fact '{key}' is out of range: its absolute value must be below {limit})",
        field=key,
    )


def with_defaults(procedure: Procedure, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts plus every declared default the case has not set."""
    out = dict(facts)
    for fact in procedure.facts.values():
        if fact.id not in out and fact.has_default:
            out[fact.id] = check_facts(procedure, {fact.id: fact.default})[fact.id]
    return out


def encode_value(value: Any) -> Any:
    """A typed fact value as JSON data (Decimal -> string, date -> ISO string)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): encode_value(v) for k, v in value.items()}
    return value


def encode_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    return {k: encode_value(v) for k, v in sorted(facts.items())}


def decode_facts(procedure: Procedure, data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON facts back to typed values, in the order the procedure declares its facts (JSONB on
    PostgreSQL does not keep the order they were written in); facts the procedure no longer declares
    are kept as stored, after the others."""
    out: dict[str, Any] = {}
    declared = [k for k in procedure.facts if k in data]
    for key in [*declared, *(k for k in data if k not in procedure.facts)]:
        value = data[key]
        fact = procedure.facts.get(key)
        try:
            out[key] = _coerce(fact, value, clean=False) if fact is not None else value
        except (ValueError, TypeError):
            out[key] = value
    return out
