"""The deadline scan: warnings, breaches and `on_expiry` actions as of a date. Idempotent.

Owns: `scan(service, as_of) -> ScanReport`. It reads only the indexed `deadline` rows (running, with a
due date): a deadline whose warning date has come gets one `deadline_warning` row; a deadline still
running after its due date (P10: breached from 00:00 of the next day, i.e. `as_of > due_on`) gets one
`breach` row, or, when the procedure says `on_expiry: {fire: action}`, that action is fired once as
the system (the expired clock is stopped in the same event), or nothing when it `lapses` (a party's
own window). The fired action's effective date follows the deadline's `at:`: `next_day` (default) is
the day after the due date, `due` is the due date itself (deemed service, R 20 / CPL 95: served ON
the last day of the period). Either is earlier than the scan, so the event is a back-dated system
entry (P11: back-dating rules bind people, not the system; the audit shows it as back-dated). Unique keys make every write idempotent, so a scan
can be repeated, run late, or run by a restarted scheduler without duplicates. Warnings and breaches
are written in ONE transaction by set-based INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING over
the partial indexes on running deadlines (due date; warning date); a warning or breach on a provisional
due date (P5) is recorded as provisional, and an `on_expiry` action of a deadline whose due date is
provisional is held (`ScanReport.held`), never fired, until the year's notice is added; the procedures are consulted once
per procedure version among the expired deadlines (which deadlines fire an action or lapse), never
per row, so the million-deadline scan costs about what the bare SQL does (bench/run_all.py).
The `on_expiry` actions are fired afterwards, one transaction each, through the service.
Stage in the flow: 7 (watch time). engine.oversight.scheduler runs `scan(service, as_of)` in its periodic job.
May import: engine.errors, engine.store.tables, engine.cases.runtime (the service it is given).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from engine.errors import CaseConflict, EventNotAllowed
from engine.store.tables import BreachRow, CaseRow, DeadlineRow, EventRow, WarningRow

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService

log = logging.getLogger(__name__)


@dataclass
class ScanReport:
    as_of: dt.date
    warnings: list[tuple[int, str, dt.date]] = field(default_factory=list)
    breaches: list[tuple[int, str, dt.date]] = field(default_factory=list)
    fired: list[tuple[int, str, str]] = field(default_factory=list)
    #: (case, deadline, action): an on_expiry action refused with code `deadline`, i.e. waiting for another
    #: period of the case to run out (a non-final award takes effect after the LAST party's period); the
    #: expired deadline runs on and the action is tried again by the next scan
    waiting: list[tuple[int, str, str]] = field(default_factory=list)
    #: (case, deadline, action, due date): an on_expiry action NOT fired because the due date is
    #: provisional (docs/law.md P5): it waits until the year's State Council notice is in the calendar
    held: list[tuple[int, str, str, dt.date]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _insert_from(
    s: Any, dialect: str, table: Any, columns: list[str], rows: Any
) -> list[tuple[dt.date, int, str]]:
    """INSERT INTO table (columns) SELECT ... ON CONFLICT DO NOTHING: the (due_on, case_id, deadline_id)
    keys actually inserted, sorted."""
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = (
        ins.from_select(columns, rows)
        .on_conflict_do_nothing()
        .returning(table.c.case_id, table.c.deadline_id, table.c.due_on)
    )
    return sorted((r[2], r[0], r[1]) for r in s.execute(stmt))


def scan(service: CaseService, as_of: dt.date) -> ScanReport:
    """Run the deadline scan as of `as_of` (a local date)."""
    report = ScanReport(as_of)
    db = service.db
    d = DeadlineRow
    warning_t: Any = WarningRow.__table__  # type: ignore[attr-defined]
    breach_t: Any = BreachRow.__table__  # type: ignore[attr-defined]
    now = dt.datetime.now(dt.UTC)
    running = col(d.status) == "running"
    expired_where = (running, col(d.due_on) < as_of)
    with db.transaction() as s:
        # warnings: set-based, over the partial index on running deadlines with a warning date
        soon = (
            sa.select(
                col(d.case_id),
                col(d.deadline_id),
                col(d.due_on),
                col(d.warn_on),
                col(d.institution_id),
                sa.literal(now, type_=warning_t.c.recorded_at.type),
                col(d.provisional),
            )
            .where(running)
            .where(col(d.warn_on).is_not(None))
            .where(col(d.warn_on) <= as_of)
            .where(col(d.due_on) >= as_of)
        )
        cols = ["case_id", "deadline_id", "due_on", "warn_on", "institution_id", "recorded_at", "provisional"]
        report.warnings.extend(
            (c, k, due) for due, c, k in _insert_from(s, db.dialect, warning_t, cols, soon)
        )
        # which expired deadlines fire an action or lapse instead of recording a breach: per procedure
        # version among the expired ones (few), never per row
        versions = s.execute(
            sa.select(col(CaseRow.procedure_id), col(CaseRow.procedure_hash))
            .distinct()
            .join(d, col(CaseRow.id) == col(d.case_id))
            .where(*expired_where)
        ).all()
        fire_on: dict[tuple[str, str], Any] = {}  # (hash, deadline id) -> the model.Deadline
        no_breach: list[tuple[str, str]] = []
        for procedure_id, content_hash in versions:
            procedure = service.versions.by_hash(s, procedure_id, content_hash)
            for spec in procedure.deadlines.values():
                if spec.on_expiry is not None:
                    fire_on[(content_hash, spec.id)] = spec
                if spec.on_expiry is not None or spec.lapses:
                    no_breach.append((content_hash, spec.id))
        pair = sa.tuple_(col(CaseRow.procedure_hash), col(d.deadline_id))
        breached = (
            sa.select(
                col(d.case_id),
                col(d.deadline_id),
                col(d.due_on),
                sa.literal(as_of, type_=breach_t.c.detected_on.type),
                col(d.institution_id),
                col(d.responsible),
                sa.literal(now, type_=breach_t.c.recorded_at.type),
                col(d.provisional),
            )
            .join(CaseRow, col(CaseRow.id) == col(d.case_id))
            .where(*expired_where)
        )
        if no_breach:
            breached = breached.where(pair.not_in(no_breach))
        cols = [
            "case_id",
            "deadline_id",
            "due_on",
            "detected_on",
            "institution_id",
            "responsible",
            "recorded_at",
            "provisional",
        ]
        report.breaches.extend(
            (c, k, due) for due, c, k in _insert_from(s, db.dialect, breach_t, cols, breached)
        )
        fires: Sequence[Any] = []
        if fire_on:
            found = s.execute(
                sa.select(
                    col(d.case_id),
                    col(d.deadline_id),
                    col(d.due_on),
                    col(CaseRow.procedure_hash),
                    col(d.provisional),
                )
                .join(CaseRow, col(CaseRow.id) == col(d.case_id))
                .where(*expired_where)
                .where(pair.in_(list(fire_on)))
                .order_by(col(d.due_on), col(d.case_id), col(d.deadline_id))
            ).all()
            # P5: an on_expiry action decides on a party's right (an award taking effect, deemed service
            # starting a party's period): never on a provisional date. It waits for the year's notice
            # (`zhongcai calendar apply` recomputes the date; the next scan fires it).
            report.held.extend(
                (c, k, fire_on[(h, k)].on_expiry, due_on) for c, k, due_on, h, prov in found if prov
            )
            fires = [(c, k, due_on, h) for c, k, due_on, h, prov in found if not prov]
    # in order of effective date (a case's dates never go backwards): an `at: due` action of a deadline
    # due on day X comes before an `at: next_day` one of a deadline due the day before
    planned = sorted(
        (fire_on[(h, k)].expiry_effective_on(due_on, as_of), c, k, fire_on[(h, k)].on_expiry)
        for c, k, due_on, h in fires
    )
    for at, case_id, deadline_id, action in planned:
        if not _still_running(service, case_id, deadline_id):
            continue  # an earlier action of this scan ended it (two periods expired on one day)
        _fire_on_expiry(
            service,
            report,
            case_id,
            deadline_id,
            action,
            _not_before_last_event(service, report, case_id, action, at),
        )
    return report


def _still_running(service: CaseService, case_id: int, deadline_id: str) -> bool:
    with service.db.read() as s:
        status = s.execute(
            sa.select(col(DeadlineRow.status)).where(
                col(DeadlineRow.case_id) == case_id, col(DeadlineRow.deadline_id) == deadline_id
            )
        ).scalar()
    return status == "running"


def _not_before_last_event(
    service: CaseService, report: ScanReport, case_id: int, action: str, at: dt.date
) -> dt.date:
    """The effective date for an `on_expiry` action: `at`, unless the case already has a later event.

    That happens only when the scan did not run on time (a scheduler outage) and someone acted on the
    case meanwhile. A case's dates never go backwards (the clocks replay in order), so the action is
    dated on the day of that last event, and the report says so: a supervisor sees that the legal date
    was `at`. Without this, the action would be refused and the expired deadline would run for ever.
    """
    with service.db.read() as s:
        last: dt.date | None = s.execute(
            sa.select(sa.func.max(col(EventRow.effective_on))).where(col(EventRow.case_id) == case_id)
        ).scalar()
    if last is None or last <= at:
        return at
    report.problems.append(
        f"case {case_id}: '{action}' should take effect on {at.isoformat()} but the case has a later event "
        f"on {last.isoformat()} (the scan ran late): recorded on {last.isoformat()}"
    )
    return last


def _fire_on_expiry(
    service: CaseService,
    report: ScanReport,
    case_id: int,
    deadline_id: str,
    action: str,
    at: dt.date,
) -> None:
    try:
        service.fire_on_expiry(case_id, action, deadline_id, at)
    except CaseConflict:
        report.problems.append(
            f"case {case_id}: '{action}' on expiry of '{deadline_id}' met a concurrent change"
        )
    except EventNotAllowed as exc:
        if exc.code == "deadline":
            report.waiting.append((case_id, deadline_id, action))
            return
        report.problems.append(f"case {case_id}: '{action}' on expiry of '{deadline_id}' refused: {exc}")
        log.warning("on_expiry refused: %s", exc)
    else:
        report.fired.append((case_id, deadline_id, action))


def breaches_of(service: CaseService, case_id: int) -> list[str]:
    """The deadline ids with a breach record for the case."""
    with service.db.read() as s:
        rows = s.exec(select(BreachRow.deadline_id).where(BreachRow.case_id == case_id).distinct()).all()
    return sorted(rows)
