"""Case numbers (案号): one per case, per institution and year, without gaps or duplicates.

Owns: `allocate_case_number` (increments the `case_number_counter` row inside the opening transaction,
so a rolled-back opening gives its number back and two concurrent openings never share one).
The format comes from the institution (`case_number_format`), else the procedure
(`case_number:`), else `DEFAULT_FORMAT`; it is filled by engine.documents.format_case_number (fields
{abbr}/{prefix}, {year}, {seq}/{n}, {seq:4}; never str.format on author text).
Stage in the flow: 6 (opening a case).
May import: engine.errors, engine.tables, engine.documents (the format filler), sqlalchemy, sqlmodel.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlmodel import Session

from engine.documents import format_case_number
from engine.tables import CaseNumberCounter, Institution

_COUNTER: sa.Table = CaseNumberCounter.__table__  # type: ignore[attr-defined]
#: the default format; {abbr} is the institution's abbreviation (e.g. 京朝), {seq} the number in the year
DEFAULT_FORMAT = os.environ.get("ZHONGCAI_CASE_NUMBER_FORMAT", "{abbr}劳人仲案字〔{year}〕第{seq}号")


def _next(session: Session, institution_id: str, year: int) -> int:
    t = _COUNTER
    stmt = (
        sa.update(t)
        .where(t.c.institution_id == institution_id, t.c.year == year)
        .values(last=t.c.last + 1)
        .returning(t.c.last)
    )
    got = session.execute(stmt).scalar_one_or_none()
    if got is not None:
        return int(got)
    try:
        with session.begin_nested():
            session.add(CaseNumberCounter(institution_id=institution_id, year=year, last=1))
            session.flush()
        return 1
    except sa.exc.IntegrityError:
        # another opening created the row first: take the next number from it
        got = session.execute(stmt).scalar_one()
        return int(got)


def allocate_case_number(
    session: Session, institution: Institution, year: int, procedure_format: str | None
) -> str:
    """The next case number of `institution` for `year`, formatted; call inside the opening transaction."""
    fmt = institution.case_number_format or procedure_format or DEFAULT_FORMAT
    abbr = institution.case_number_prefix or ""
    # check the format before taking a number, so a bad format costs nothing
    format_case_number(fmt, abbr, year, 1)
    return format_case_number(fmt, abbr, year, _next(session, institution.id, year))
