"""Case numbers (案号) and receipt numbers (收件登记号): per institution and year, without gaps or duplicates.

Owns: `allocate_receipt_number` (on receipt: the opening transaction) and `allocate_case_number` (on
acceptance, 立案: the transaction of the `accept` action, in the year of its effective date). Each
increments its own counter row (`receipt_number_counter`, `case_number_counter`) inside the caller's
transaction, so a rolled-back opening or acceptance gives its number back and two concurrent ones never
share a number; a rejected application never takes a 案号.
Formats: the 案号 comes from the institution (`case_number_format`), else `DEFAULT_FORMAT`. A procedure
that writes its own `case_number:` format (e.g. the register's verification, 核准) is a number series of
its own: its cases take that format and the next number of that series (`series_number_counter`, per
institution, year and format), never a 案号 of the institution's sequence, so the arbitration numbers
stay without gaps. The receipt number comes from the institution
(`receipt_number_format`), else `DEFAULT_RECEIPT_FORMAT`. Both are filled by
engine.documents.render.format_case_number (fields {abbr}/{prefix}, {year}, {seq}/{n}, {seq:4}; never
str.format on author text).
Stage in the flow: 6 (opening a case, accepting it).
May import: engine.errors, engine.store.tables, engine.documents.render (the format filler), sqlalchemy, sqlmodel.
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from engine.documents.render import format_case_number
from engine.store.tables import (
    CaseNumberCounterRow,
    CaseRow,
    InstitutionRow,
    ReceiptNumberCounterRow,
    SeriesNumberCounterRow,
)

_COUNTER: sa.Table = CaseNumberCounterRow.__table__  # type: ignore[attr-defined]
_RECEIPTS: sa.Table = ReceiptNumberCounterRow.__table__  # type: ignore[attr-defined]
_SERIES: sa.Table = SeriesNumberCounterRow.__table__  # type: ignore[attr-defined]
#: the default format; {abbr} is the institution's abbreviation (e.g. 京朝), {seq} the number in the year
DEFAULT_FORMAT = os.environ.get("ZHONGCAI_CASE_NUMBER_FORMAT", "{abbr}劳人仲案字〔{year}〕第{seq}号")
#: the default format of receipt numbers (收件登记号), which a case carries until it is accepted
DEFAULT_RECEIPT_FORMAT = os.environ.get(
    "ZHONGCAI_RECEIPT_NUMBER_FORMAT", "{abbr}劳人仲收字〔{year}〕第{seq}号"
)
#: the action that accepts a case (立案) and so allots its 案号 (regional overlays extend it, same id)
ACCEPT_ACTION = "accept"


def _next(
    session: Session, table: sa.Table, model: Any, institution_id: str, year: int, **series: str
) -> int:
    t = table
    stmt = (
        sa.update(t)
        .where(
            t.c.institution_id == institution_id,
            t.c.year == year,
            *(t.c[k] == v for k, v in series.items()),
        )
        .values(last=t.c.last + 1)
        .returning(t.c.last)
    )
    got = session.execute(stmt).scalar_one_or_none()
    if got is not None:
        return int(got)
    try:
        with session.begin_nested():
            session.add(model(institution_id=institution_id, year=year, last=1, **series))
            session.flush()
        return 1
    except sa.exc.IntegrityError:
        # another transaction created the row first: take the next number from it
        got = session.execute(stmt).scalar_one()
        return int(got)


def allocate_case_number(
    session: Session, institution: InstitutionRow, year: int, procedure_format: str | None
) -> str:
    """The next 案号 of `institution` for `year`, formatted; call inside the accepting transaction
    (or, for a procedure without an `accept` action, the opening one). With `procedure_format` (the
    procedure's own `case_number:`), the next number of that series instead, in that format."""
    abbr = institution.case_number_prefix or ""
    if procedure_format:
        format_case_number(procedure_format, abbr, year, 1)
        seq = _next(session, _SERIES, SeriesNumberCounterRow, institution.id, year, series=procedure_format)
        return format_case_number(procedure_format, abbr, year, seq)
    fmt = institution.case_number_format or DEFAULT_FORMAT
    # check the format before taking a number, so a bad format costs nothing
    format_case_number(fmt, abbr, year, 1)
    return format_case_number(
        fmt, abbr, year, _next(session, _COUNTER, CaseNumberCounterRow, institution.id, year)
    )


def allocate_receipt_number(session: Session, institution: InstitutionRow, year: int) -> str:
    """The next receipt number (收件登记号) of `institution` for `year`, formatted; call inside the
    opening transaction. Its own counter: receipts never use up 案号."""
    fmt = institution.receipt_number_format or DEFAULT_RECEIPT_FORMAT
    abbr = institution.case_number_prefix or ""
    format_case_number(fmt, abbr, year, 1)
    seq = _next(session, _RECEIPTS, ReceiptNumberCounterRow, institution.id, year)
    return format_case_number(fmt, abbr, year, seq)


def known_by(number: str) -> sa.ColumnElement[bool]:
    """The cases a number finds: by the number they are known by (their 案号 once accepted) or by their
    receipt number (收件登记号). Every lookup by number (API, public lookup, CLI) uses it."""
    cases: sa.Table = CaseRow.__table__  # type: ignore[attr-defined]
    return sa.or_(cases.c.case_number == number, cases.c.receipt_number == number)


def takes_case_number_on_acceptance(procedure: Any) -> bool:
    """True when the procedure has an `accept` action: its cases carry a receipt number until then.
    A procedure without one (e.g. mediation) gives the 案号 on receipt, as there is no acceptance."""
    return ACCEPT_ACTION in procedure.actions
