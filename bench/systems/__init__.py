"""The systems `bench/run_all.py` compares, one module each, plus what they share.

Each system module offers the same three measurements, so the table compares like with like:
- `complete_cases(url, n) -> float`: seconds to take `n` cases from opening to an effective award
  (the action sequence of `engine/demo/walkthrough.py`), every step persisted in its own transaction;
- `hold_cases(url, n) -> None`: open `n` cases and keep whatever the system keeps per open case
  (run in a child process by run_all, which measures RSS and the traced heap around it);
- the database they leave behind is measured for stored bytes per case (`db_bytes`).
Shared here: timing, memory probes, database sizes and throw-away PostgreSQL schemas.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from engine.demo import walkthrough as demo

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "bench" / "fixtures"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

#: (effective date, action, role, facts, documents): the demo's path from application to award
#: (engine/demo/walkthrough.py, one source for both). "attach" attaches documents; the demo's final deadline scan
#: ("tick", which fires take_effect when the 15-day challenge period ends) becomes an explicit
#: `take_effect` step, because the baselines have no scan.
STEPS: list[tuple[dt.date, str, str, dict[str, object] | None, list[str] | None]] = [
    (when, "take_effect", "clerk", None, None) if action == "tick" else (when, action, role, facts, documents)
    for when, action, role, facts, documents in demo.STEPS
]
OPENED_ON = demo.OPENED_ON


def rss_bytes() -> int:
    """The resident set size of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def sqlite_bytes(url: str) -> int:
    """Bytes in use in a SQLite database file (page_count - freelist) x page_size, WAL checkpointed."""
    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
            size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
    finally:
        eng.dispose()
    return int((pages - free) * size)


def pg_bytes(url: str) -> int:
    """pg_total_relation_size summed over the tables of the URL's schema (after VACUUM)."""
    eng = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.exec_driver_sql("VACUUM")
            got = conn.exec_driver_sql(
                "select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = current_schema() and c.relkind = 'r'"
            ).scalar_one()
    finally:
        eng.dispose()
    return int(got)


def db_bytes(url: str) -> int:
    return sqlite_bytes(url) if url.startswith("sqlite") else pg_bytes(url)


@contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    """A fresh schema on the PostgreSQL server of `base_url`, dropped afterwards; yields its URL."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'create schema "{schema}"')
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'drop schema "{schema}" cascade')
        admin.dispose()
