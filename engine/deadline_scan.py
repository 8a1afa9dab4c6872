"""The deadline scan: warnings, breaches and `on_expiry` actions as of a date. Idempotent.

Owns: `scan(service, as_of) -> ScanReport`. It reads only the indexed `deadline` rows (running, with a
due date): a deadline whose warning date has come gets one `deadline_warning` row; a deadline still
running after its due date (P10: breached from 00:00 of the next day, i.e. `as_of > due_on`) gets one
`breach` row, or, when the procedure says `on_expiry: {fire: action}`, that action is fired once as
the system (effective the day after the due date; the expired clock is stopped in the same event), or
nothing when it `lapses` (a party's own window). Unique keys make every write idempotent, so a scan
can be repeated, run late, or run by a restarted scheduler without duplicates. Warnings and breaches
are written in ONE transaction with batched INSERT ... ON CONFLICT DO NOTHING RETURNING, reading only
the columns needed over the partial indexes on running deadlines (due date; warning date): the
million-deadline scan costs about what the bare SQL does (bench/run_all.py, issue 9). The `on_expiry`
actions are fired afterwards, one transaction each, through the service.
Stage in the flow: 7 (watch time). engine.scheduler wraps `CaseService.tick` in its periodic job.
May import: engine.errors, engine.tables, engine.runtime (the service it is given).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
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


def _insert_ignore(dialect: str, table: Any) -> Any:
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return ins.on_conflict_do_nothing().returning(table.c.case_id, table.c.deadline_id, table.c.due_on)


def _insert_all(
    s: Any, dialect: str, table: Any, rows: list[dict[str, Any]]
) -> list[tuple[int, str, dt.date]]:
    """Insert-or-ignore `rows` in one statement batch; the keys actually inserted, in the rows' order."""
    if not rows:
        return []
    got = {(r[0], r[1], r[2]) for r in s.execute(_insert_ignore(dialect, table), rows)}
    keys = [(r["case_id"], r["deadline_id"], r["due_on"]) for r in rows]
    return [k for k in keys if k in got]


def scan(service: CaseService, as_of: dt.date) -> ScanReport:
    """Run the deadline scan as of `as_of` (a local date)."""
    report = ScanReport(as_of)
    db = service.db
    d = Deadline
    with db.transaction() as s:
        # only the columns needed, over the partial index on running deadlines with a warning date
        due_soon = s.execute(
            sa.select(
                col(d.case_id), col(d.deadline_id), col(d.due_on), col(d.warn_on), col(d.institution_id)
            )
            .where(col(d.status) == "running")
            .where(col(d.warn_on).is_not(None))
            .where(col(d.warn_on) <= as_of)
            .where(col(d.due_on) >= as_of)
        ).all()
        now = dt.datetime.now(dt.UTC)
        report.warnings.extend(
            _insert_all(
                s,
                db.dialect,
                DeadlineWarning.__table__,  # type: ignore[attr-defined]
                [
                    {
                        "case_id": case_id,
                        "deadline_id": deadline_id,
                        "due_on": due_on,
                        "warn_on": warn_on,
                        "institution_id": institution_id,
                        "recorded_at": now,
                    }
                    for case_id, deadline_id, due_on, warn_on, institution_id in due_soon
                ],
            )
        )
        expired = s.execute(
            sa.select(
                col(d.case_id),
                col(d.deadline_id),
                col(d.due_on),
                col(d.institution_id),
                col(d.responsible),
                col(CaseFile.procedure_id),
                col(CaseFile.procedure_hash),
            )
            .join(CaseFile, col(CaseFile.id) == col(d.case_id))
            .where(col(d.status) == "running")
            .where(col(d.due_on) < as_of)
            .order_by(col(d.due_on), col(d.case_id), col(d.deadline_id))
        ).all()
        fires: list[tuple[int, str, str, dt.date]] = []
        breaches: list[dict[str, Any]] = []
        for case_id, deadline_id, due_on, institution_id, responsible, procedure_id, content_hash in expired:
            assert due_on is not None
            spec = service.procedure_by_hash(s, procedure_id, content_hash).deadlines.get(deadline_id)
            if spec is not None and spec.on_expiry is not None:
                fires.append((case_id, deadline_id, spec.on_expiry, due_on))
            elif spec is None or not spec.lapses:
                breaches.append(
                    {
                        "case_id": case_id,
                        "deadline_id": deadline_id,
                        "due_on": due_on,
                        "detected_on": as_of,
                        "institution_id": institution_id,
                        "responsible": responsible,
                        "recorded_at": now,
                    }
                )
        # warnings and breaches in one transaction (each idempotent by its unique key)
        report.breaches.extend(
            _insert_all(s, db.dialect, Breach.__table__, breaches)  # type: ignore[attr-defined]
        )
    for case_id, deadline_id, action, due_on in fires:
        _fire_on_expiry(service, report, case_id, deadline_id, action, due_on, as_of)
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
