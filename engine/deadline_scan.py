"""The deadline scan: warnings, breaches and `on_expiry` actions as of a date. Idempotent.

Owns: `scan(service, as_of) -> ScanReport`. It reads only the indexed `deadline` rows (running, with a
due date): a deadline whose warning date has come gets one `deadline_warning` row; a deadline still
running after its due date (P10: breached from 00:00 of the next day, i.e. `as_of > due_on`) gets one
`breach` row, or, when the procedure says `on_expiry: {fire: action}`, that action is fired once as
the system (effective the day after the due date; the expired clock is stopped in the same event), or
nothing when it `lapses` (a party's own window). Unique keys make every write idempotent, so a scan
can be repeated, run late, or run by a restarted scheduler without duplicates.
Stage in the flow: 7 (watch time). engine.scheduler wraps `CaseService.tick` in its periodic job.
May import: engine.errors, engine.tables, engine.runtime (the service it is given).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from engine.errors import CaseConflict, EventNotAllowed
from engine.tables import Breach, CaseFile, Deadline, DeadlineWarning

if TYPE_CHECKING:
    from engine.runtime import CaseService

log = logging.getLogger(__name__)
_DAY = dt.timedelta(days=1)


@dataclass
class ScanReport:
    as_of: dt.date
    warnings: list[tuple[int, str, dt.date]] = field(default_factory=list)
    breaches: list[tuple[int, str, dt.date]] = field(default_factory=list)
    fired: list[tuple[int, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _insert_ignore(dialect: str, table: Any, values: dict[str, Any]) -> Any:
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return ins.values(**values).on_conflict_do_nothing()


def scan(service: CaseService, as_of: dt.date) -> ScanReport:
    """Run the deadline scan as of `as_of` (a local date)."""
    report = ScanReport(as_of)
    db = service.db
    with db.transaction() as s:
        due_soon = s.exec(
            select(Deadline)
            .where(Deadline.status == "running")
            .where(col(Deadline.warn_on).is_not(None))
            .where(col(Deadline.warn_on) <= as_of)
            .where(col(Deadline.due_on) >= as_of)
        ).all()
        for d in due_soon:
            assert d.due_on is not None and d.warn_on is not None
            got = s.execute(
                _insert_ignore(
                    db.dialect,
                    DeadlineWarning.__table__,  # type: ignore[attr-defined]
                    {
                        "case_id": d.case_id,
                        "deadline_id": d.deadline_id,
                        "due_on": d.due_on,
                        "warn_on": d.warn_on,
                        "institution_id": d.institution_id,
                        "recorded_at": dt.datetime.now(dt.UTC),
                    },
                )
            )
            if getattr(got, "rowcount", 0):
                report.warnings.append((d.case_id, d.deadline_id, d.due_on))
    with db.read() as s:
        expired = s.exec(
            select(Deadline, CaseFile.procedure_id, CaseFile.procedure_hash)
            .join(CaseFile, col(CaseFile.id) == col(Deadline.case_id))
            .where(Deadline.status == "running")
            .where(col(Deadline.due_on) < as_of)
            .order_by(col(Deadline.due_on), col(Deadline.case_id), col(Deadline.deadline_id))
        ).all()
        plans = []
        for d, procedure_id, content_hash in expired:
            procedure = service.procedure_by_hash(s, procedure_id, content_hash)
            spec = procedure.deadlines.get(d.deadline_id)
            plans.append((d.case_id, d.deadline_id, d.due_on, d.institution_id, d.responsible, spec))
    for case_id, deadline_id, due_on, institution_id, responsible, spec in plans:
        assert due_on is not None
        if spec is not None and spec.on_expiry is not None:
            _fire_on_expiry(service, report, case_id, deadline_id, spec.on_expiry, due_on, as_of)
            continue
        if spec is not None and spec.lapses:
            continue
        with db.transaction() as s:
            got = s.execute(
                _insert_ignore(
                    db.dialect,
                    Breach.__table__,  # type: ignore[attr-defined]
                    {
                        "case_id": case_id,
                        "deadline_id": deadline_id,
                        "due_on": due_on,
                        "detected_on": as_of,
                        "institution_id": institution_id,
                        "responsible": responsible,
                        "recorded_at": dt.datetime.now(dt.UTC),
                    },
                )
            )
            if getattr(got, "rowcount", 0):
                report.breaches.append((case_id, deadline_id, due_on))
    return report


def _fire_on_expiry(
    service: CaseService,
    report: ScanReport,
    case_id: int,
    deadline_id: str,
    action: str,
    due_on: dt.date,
    as_of: dt.date,
) -> None:
    at = min(due_on + _DAY, as_of)
    try:
        service.fire_on_expiry(case_id, action, deadline_id, at)
    except CaseConflict:
        report.problems.append(
            f"case {case_id}: '{action}' on expiry of '{deadline_id}' met a concurrent change"
        )
    except EventNotAllowed as exc:
        report.problems.append(f"case {case_id}: '{action}' on expiry of '{deadline_id}' refused: {exc}")
        log.warning("on_expiry refused: %s", exc)
    else:
        report.fired.append((case_id, deadline_id, action))


def breaches_of(service: CaseService, case_id: int) -> list[str]:
    """The deadline ids with a breach record for the case."""
    with service.db.read() as s:
        rows = s.exec(select(Breach.deadline_id).where(Breach.case_id == case_id).distinct()).all()
    return sorted(rows)
