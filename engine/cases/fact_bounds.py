"""The runtime's facts boundary: the input's shape checked, numbers and dates bounded to what the store holds.

Owns: `checked_facts` (input shape checked, numbers and dates bounded, claims' amounts checked, then
`check_facts`), the bounds (`MONEY_LIMIT`, `INT_LIMIT`, `EARLIEST_DATE`, `LATEST_DATE`) and
`code_tables` (the process's code tables for facts of type code). Split out of engine.cases.casefile.
Stage in the flow: 6 (run). Used by engine.cases.firing, engine.proving.checker and the tests.
May import: engine.errors, engine.procedures.model, engine.cases.facts, engine.codes.code_tables (lazily,
for `code_tables`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.cases.facts import CodeValidator, check_facts, shown_value
from engine.errors import BadInput, ZhongcaiError
from engine.procedures.model import Procedure

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
                        f"事实 '{key}'（{title}）第{n}项的“{field_name}”应为金额，收到 {shown_value(value)} "
                        f"(claim {n}: '{field_name}' must be an amount below {MONEY_LIMIT:,.0f}, "
                        f'e.g. 20000 or "20000.50")',
                        field=key,
                    )
            if field_name == "final" and value is not None and not isinstance(value, bool):
                raise BadInput(
                    f"事实 '{key}'（{title}）第{n}项的“final”应为 true 或 false，收到 {shown_value(value)} "
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
