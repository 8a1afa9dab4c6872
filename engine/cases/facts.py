"""How a case's facts are coded: typed values from user input, and JSON in the case row.

Owns: `check_facts` (typed values from user input, with a clear error naming the fact; a fact with
`check: resident_id | uscc` must pass engine.codes.identifiers unless it is empty text), `CodeValidator`
(what facts of type code are checked against), `with_defaults` (the declared defaults a case has not
set) and `encode_facts` / `encode_value` / `decode_facts` (JSON in the case row <-> typed values).
Split out of engine.cases.casefile; the runtime's facts boundary is engine.cases.fact_bounds.
Stage in the flow: 6 (run). Used by engine.cases.fact_bounds, engine.cases.state, engine.cases.writes,
engine.cases.firing, engine.proving, engine.oversight.verify and the CLI.
May import: engine.errors, engine.procedures.model, engine.codes.identifiers, engine.text_input.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from engine.codes.identifiers import IdentifierError, check_resident_id, check_uscc
from engine.errors import BadInput
from engine.procedures.model import Fact, Procedure
from engine.text_input import clean_text, plain_digits

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


def shown_value(value: Any) -> str:
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
                f"事实 '{key}'（{fact.title}）应为{_TYPE_ZH.get(fact.type, fact.type)}，收到 {shown_value(value)} "
                f"(fact '{key}' must be of type {fact.type}; got {shown_value(value)})",
                field=key,
            ) from None
        if typed is not None and fact.type in ("money", "int", "decimal"):
            if fact.min is not None and typed < fact.min:
                raise BadInput(
                    f"事实 '{key}'（{fact.title}）不得小于 {fact.min}，收到 {shown_value(value)} "
                    f"(fact '{key}' must be at least {fact.min})",
                    field=key,
                )
            if fact.max is not None and typed > fact.max:
                raise BadInput(
                    f"事实 '{key}'（{fact.title}）不得大于 {fact.max}，收到 {shown_value(value)} "
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
