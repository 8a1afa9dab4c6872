"""Scheduler leadership: one scanner at a time, on SQLite (file lock) and PostgreSQL (advisory lock)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from engine.oversight.scheduler import (
    SHANGHAI,
    DeadlineScanner,
    FileLockLeadership,
    PgAdvisoryLeadership,
    leadership_for,
    scan_now,
)
from engine.store.db import Database

FIXED = dt.datetime(2026, 5, 4, 0, 30, tzinfo=SHANGHAI)


def test_file_lock_admits_one_leader_and_hands_over(tmp_path: Path) -> None:
    a = FileLockLeadership(tmp_path / "db.scheduler.lock")
    b = FileLockLeadership(tmp_path / "db.scheduler.lock")
    assert a.acquire() and a.acquire()  # re-entrant for its holder
    assert not b.acquire()
    a.release()
    assert b.acquire() and not a.acquire()
    b.release()


def test_sqlite_leadership_is_a_file_next_to_the_database(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'z.db'}")
    lead = leadership_for(db.engine)
    assert isinstance(lead, FileLockLeadership) and lead.path == tmp_path / "z.db.scheduler.lock"


def test_scan_runs_only_for_the_leader_with_the_local_date(tmp_path: Path) -> None:
    seen: list[dt.date] = []
    a = FileLockLeadership(tmp_path / "l.lock")
    b = FileLockLeadership(tmp_path / "l.lock")
    # 2026-05-03 17:00 UTC is already 2026-05-04 in Shanghai: the scan must use the local date (P10).
    utc = dt.datetime(2026, 5, 3, 17, 0, tzinfo=dt.UTC)
    assert scan_now(seen.append, a, now=lambda: utc) is True
    assert scan_now(seen.append, b, now=lambda: utc) is False
    assert seen == [dt.date(2026, 5, 4)]
    a.release()


def test_background_scanner_coalesces_and_survives_a_failing_scan(tmp_path: Path) -> None:
    calls: list[dt.date] = []
    boom = threading.Event()

    def tick(as_of: dt.date) -> None:
        calls.append(as_of)
        if not boom.is_set():
            boom.set()
            raise RuntimeError("database briefly unavailable")

    scanner = DeadlineScanner(
        tick, FileLockLeadership(tmp_path / "s.lock"), interval_seconds=0.05, now=lambda: FIXED
    )
    scanner.start()
    try:
        deadline = time.monotonic() + 5
        while scanner.runs < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        scanner.shutdown()
    assert scanner.errors == 1 and scanner.runs >= 2
    assert set(calls) == {dt.date(2026, 5, 4)}
    job_count_after = len(calls)
    time.sleep(0.15)
    assert len(calls) == job_count_after  # shut down: no more scans
    assert not scanner.leadership.held  # type: ignore[union-attr]


def test_postgres_advisory_lock_admits_one_leader(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    a, b = PgAdvisoryLeadership(engine, key=991), PgAdvisoryLeadership(engine, key=991)
    try:
        assert a.acquire() and a.acquire()
        assert not b.acquire()
        a.release()
        assert b.acquire()
    finally:
        a.release()
        b.release()
        engine.dispose()


def test_postgres_leader_that_dies_frees_the_lock(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    a, b = PgAdvisoryLeadership(engine, key=992), PgAdvisoryLeadership(engine, key=992)
    try:
        assert a.acquire()
        assert a._conn is not None
        a._conn.invalidate()  # the leader's session ends as if the process died
        a._conn = None
        assert b.acquire()
    finally:
        b.release()
        engine.dispose()
