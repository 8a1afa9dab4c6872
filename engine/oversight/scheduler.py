"""The periodic deadline scan: ONE APScheduler 3 job, one leader, idempotent work.

Owns: `Leadership` (who may scan: a PostgreSQL advisory lock held on a dedicated connection, or an
exclusive file lock next to a SQLite database), `DeadlineScanner` (the APScheduler wrapper around
`engine.oversight.scan.scan`), and `scan_now` (one scan, for the CLI and tests).
Place in the flow: stage 7 of DESIGN.md. Deadlines are rows in our own tables; the job does not
know any deadline, it calls `scan(CaseService, as_of)` which warns, records breaches and fires the
`on_expiry` actions. Unique keys on `breach` and `deadline_warning` make a doubled scan harmless;
leadership makes it rare. Never a job per deadline, never an in-process timer for a legal date.
May import: engine.errors, engine.store.db, engine.dates.calendar, engine.oversight (scan, audit,
calendar_apply), engine.registry.verification; the service is given, never imported. Never FastAPI.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine.dates.calendar import get_calendar
from engine.oversight.audit import breach_audit, reconcile_breaches
from engine.oversight.calendar_apply import apply_calendar_update
from engine.oversight.scan import scan
from engine.registry.verification import last_ended_period, open_due_periods

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: the advisory lock key: a stable number derived from the project name
ADVISORY_KEY = zlib.crc32(b"zhongcai.deadline_scan")
JOB_ID = "zhongcai.deadline_scan"

log = logging.getLogger("zhongcai.scheduler")


class Leadership(Protocol):
    """Only the holder scans. `acquire` never blocks; it may be called again after a loss."""

    def acquire(self) -> bool: ...

    def release(self) -> None: ...

    @property
    def held(self) -> bool: ...


class PgAdvisoryLeadership:
    """`pg_try_advisory_lock` on a connection held for the scanner's lifetime.

    The lock lives as long as the session: if the leader dies, PostgreSQL frees it and the next
    `acquire` elsewhere succeeds. A lost connection loses leadership (checked before each scan).
    """

    def __init__(self, engine: sa.Engine, key: int = ADVISORY_KEY) -> None:
        self._engine = engine
        self._key = key
        self._conn: sa.Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def acquire(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("select 1"))
                return True
            except sa.exc.DBAPIError:
                log.warning("scheduler lost its database connection; leadership dropped")
                self._drop()
        conn = self._engine.connect()
        try:
            got = bool(conn.execute(sa.text("select pg_try_advisory_lock(:k)"), {"k": self._key}).scalar())
            conn.commit()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": self._key})
            self._conn.commit()
        except sa.exc.DBAPIError:
            pass
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except sa.exc.DBAPIError:
                pass


class FileLockLeadership:
    """An exclusive, non-blocking `flock` on `<database>.scheduler.lock` (SQLite: one scanner)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def leadership_for(engine: sa.Engine) -> Leadership:
    """PostgreSQL: an advisory lock. SQLite: a file lock next to the database file (or in var/)."""
    if engine.dialect.name == "postgresql":
        return PgAdvisoryLeadership(engine)
    db_path = engine.url.database
    if db_path and db_path != ":memory:" and not db_path.startswith("file:"):
        return FileLockLeadership(Path(db_path + ".scheduler.lock"))
    return FileLockLeadership(Path("var") / f"memory-{os.getpid()}.scheduler.lock")


def shanghai_now() -> dt.datetime:
    """The current aware time in Asia/Shanghai (legal dates are local, docs/law.md P10)."""
    return dt.datetime.now(SHANGHAI)


Tick = Callable[[dt.date], Any]


def scan_now(
    tick: Tick, leadership: Leadership | None, now: Callable[[], dt.datetime] = shanghai_now
) -> bool:
    """One scan as of today's local date, if we lead (or no leadership is asked). True if it ran.

    A deadline is breached from 00:00 of the day after its due date (P10), so the scan's `as_of`
    is the local date of `now()`; the runtime decides `as_of > due_on`.
    """
    if leadership is not None and not leadership.acquire():
        log.debug("not the scheduler leader; skipping this scan")
        return False
    as_of = now().astimezone(SHANGHAI).date()
    tick(as_of)
    return True


class DeadlineScanner:
    """APScheduler 3 with one interval job that calls `scan_now`.

    `coalesce=True` and `max_instances=1`: after downtime the missed runs collapse into one, and a
    slow scan is never overlapped by the next. The job store is in memory on purpose: the job is
    re-added at every start, and deadlines live in our tables, not in APScheduler's.
    """

    def __init__(
        self,
        tick: Tick,
        leadership: Leadership | None,
        interval_seconds: float = 60.0,
        now: Callable[[], dt.datetime] = shanghai_now,
    ) -> None:
        self.tick = tick
        self.leadership = leadership
        self.interval_seconds = interval_seconds
        self.now = now
        self.runs = 0
        self.errors = 0
        self._lock = threading.Lock()
        self._scheduler: Any = None

    def _job(self) -> None:
        try:
            if scan_now(self.tick, self.leadership, self.now):
                with self._lock:
                    self.runs += 1
        except Exception:  # a failed scan must not kill the scheduler: log it, the next one retries
            with self._lock:
                self.errors += 1
            log.exception("deadline scan failed; it will be retried at the next interval")

    def _configure(self, scheduler: Any) -> None:
        scheduler.add_job(
            self._job,
            "interval",
            seconds=self.interval_seconds,
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=dt.datetime.now(SHANGHAI),
        )

    def start(self) -> None:
        """Run in a background thread (the API process)."""
        from apscheduler.schedulers.background import BackgroundScheduler

        self._scheduler = BackgroundScheduler(timezone=SHANGHAI)
        self._configure(self._scheduler)
        self._scheduler.start()

    def run_forever(self) -> None:
        """Block, scanning every interval (`zhongcai scheduler`). Ctrl-C stops it."""
        from apscheduler.schedulers.blocking import BlockingScheduler

        self._scheduler = BlockingScheduler(timezone=SHANGHAI)
        self._configure(self._scheduler)
        try:
            self._scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        sched, self._scheduler = self._scheduler, None
        if sched is not None and sched.running:
            sched.shutdown(wait=True)
        if self.leadership is not None:
            self.leadership.release()


def _apply_calendar(service: Any, as_of: dt.date) -> bool:
    """Apply a pending calendar update (open deadlines counted on another calendar version, e.g. after
    the next year's notice was added) before the scheduler's first scan, so the scan warns, records
    breaches and fires on_expiry actions on the current dates. True when done (or nothing pending);
    False after an error (logged; tried again before the next scan)."""
    try:
        report = apply_calendar_update(service, today=as_of)
    except Exception:
        log.exception("calendar update before the first scan failed; it is tried again before the next scan")
        return False
    log.info(
        "calendar update before the first scan: %d case(s) changed, %d event(s), %d case(s) skipped "
        "(changed concurrently)",
        report.cases_changed,
        report.events_written,
        len(report.skipped),
    )
    return not report.skipped


def service_tick(service: Any, register_periods: bool = False) -> Tick:
    """The scan job's work: the deadline scan (engine.oversight.scan), then the audit's catch-up of late-stopped breaches.
    The first call, and the first after the national calendar changed, applies a pending calendar update
    first (engine.oversight.calendar_apply). With `register_periods`, the first call in each quarter also
    opens every institution's verification case of the quarter that ended (engine.registry.verification),
    so the submission deadline runs for an institution that never submits.

    `service` is an engine.cases.runtime.CaseService (typed loosely: the runtime imports nothing from here).
    """

    calendar_applied = False
    seen_version = ""
    seen_period = ""

    def tick(as_of: dt.date) -> Any:
        nonlocal calendar_applied, seen_version, seen_period
        # the national calendar's version changes when its overlay file does (a notice imported while the
        # scheduler runs): the update is applied again before the scan; get_calendar is a cached stat
        version = get_calendar("cn").version
        if version != seen_version:
            calendar_applied, seen_version = False, version
        if not calendar_applied:  # the first scan of this scheduler, or a new calendar: update first
            calendar_applied = _apply_calendar(service, as_of)
        if register_periods and last_ended_period(as_of) != seen_period:
            opened = open_due_periods(service, as_of)
            seen_period = last_ended_period(as_of)
            if opened:
                log.info("opened %d verification case(s) of %s", len(opened), seen_period)
        report = scan(service, as_of)
        with service.db.transaction() as s:
            entries = breach_audit(s, as_of, procedures=service.versions.lookup(s))
            added = reconcile_breaches(s, entries, as_of)
        if added:
            log.info("recorded %d breach(es) of deadlines stopped late while no scan ran", added)
        log.info(
            "deadline scan as of %s: %d warning(s), %d breach(es), %d on_expiry action(s), %d problem(s)",
            as_of,
            len(getattr(report, "warnings", ())),
            len(getattr(report, "breaches", ())) + added,
            len(getattr(report, "fired", ())),
            len(getattr(report, "problems", ())),
        )
        for problem in getattr(report, "problems", ()):
            log.warning("deadline scan: %s", problem)
        return report

    return tick
