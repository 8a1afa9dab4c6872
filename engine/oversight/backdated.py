"""The back-dated entries report (docs/law.md P11): actions recorded long after their effective date.

Owns: `BackdatedEntry` and `backdated_entries(session, min_days, since, until, scope)`. A supervisor
reads it next to the breach audit: an entry recorded weeks after the day it claims may hide a missed
deadline (the audit trusts effective dates; this report shows where they came late). Events of the
system (role `system`: a scheduler catching up, a quarter's verification case opened on the quarter's
last day, a calendar update) are not a person's back-dating and are left out.
Place in the flow: stage 7 (oversight), read-only.
May import: engine.store.tables, engine.cases.casefile (the system role), engine.cases.listing (scoping and the scope filter).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from engine.cases.casefile import SYSTEM_ROLE
from engine.cases.listing import ListScope, apply_scope
from engine.store.tables import CaseRow, EventRow

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class BackdatedEntry:
    """An event whose effective date is `days_back` days before the local date it was recorded."""

    case_id: int
    case_number: str
    institution_id: str
    seq: int
    action: str
    actor_id: str
    role: str
    effective_on: dt.date
    recorded_at: dt.datetime  # aware, Asia/Shanghai
    days_back: int

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["effective_on"] = self.effective_on.isoformat()
        out["recorded_at"] = self.recorded_at.isoformat()
        return out


def backdated_entries(
    session: Session,
    min_days: int = 30,
    since: dt.date | None = None,
    until: dt.date | None = None,
    scope: ListScope | None = None,
) -> list[BackdatedEntry]:
    """Events recorded at least `min_days` days after their effective date (P11), most back-dated first.

    `since`/`until` bound the local date the event was recorded.
    """
    stmt = (
        select(EventRow, CaseRow)
        .join(CaseRow, col(CaseRow.id) == col(EventRow.case_id))
        .where(col(EventRow.role) != SYSTEM_ROLE)  # the system's catch-up is not a person's back-dating
    )
    if since is not None:
        stmt = stmt.where(col(EventRow.recorded_at) >= _utc_start(since))
    if until is not None:
        stmt = stmt.where(col(EventRow.recorded_at) < _utc_start(until + dt.timedelta(days=1)))
    out = []
    for ev, case in session.exec(apply_scope(stmt, scope)).all():
        recorded = _aware(ev.recorded_at).astimezone(SHANGHAI)
        days_back = (recorded.date() - ev.effective_on).days
        if days_back >= min_days:
            out.append(
                BackdatedEntry(
                    case_id=ev.case_id,
                    case_number=case.case_number,
                    institution_id=case.institution_id,
                    seq=ev.seq,
                    action=ev.action,
                    actor_id=ev.actor_id,
                    role=ev.role,
                    effective_on=ev.effective_on,
                    recorded_at=recorded,
                    days_back=days_back,
                )
            )
    out.sort(key=lambda e: (-e.days_back, e.case_id, e.seq))
    return out


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _utc_start(day: dt.date) -> dt.datetime:
    """00:00 Asia/Shanghai of `day`, as the naive/aware UTC the store keeps."""
    return dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)
