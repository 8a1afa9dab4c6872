"""The systems `bench/run_all.py` compares, one module each, plus what they share.

Each system module offers the same three measurements, so the table compares like with like:
- `complete_cases(url, n) -> float`: seconds to take `n` cases from opening to an effective award
  (the action sequence of `engine/demo.py`), every step persisted in its own transaction;
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

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "bench" / "fixtures"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

#: (effective date, action, role, facts, documents): the demo's path from application to award;
#: "attach" attaches documents; "take_effect" ends the 15-day challenge period (the demo's scan fires it)
D = dt.date
STEPS: list[tuple[dt.date, str, str, dict[str, object] | None, list[str] | None]] = [
    (D(2026, 1, 5), "attach", "clerk", None, ["application", "applicant_identity"]),
    (D(2026, 1, 5), "accept", "clerk", None, None),
    (D(2026, 1, 7), "serve_respondent", "clerk", None, None),
    (D(2026, 1, 8), "notify_tribunal", "clerk", None, None),
    (D(2026, 1, 20), "file_defence", "respondent", None, ["defence_statement"]),
    (D(2026, 1, 22), "serve_defence_copy", "clerk", None, None),
    (
        D(2026, 2, 2),
        "schedule_hearing",
        "arbitrator",
        {"hearing_on": "2026-02-10", "hearing_place": "第一仲裁庭"},
        None,
    ),
    (D(2026, 2, 10), "hold_hearing", "arbitrator", None, None),
    (D(2026, 2, 12), "extend_award_period", "director", {"days": 15}, None),
    (
        D(2026, 3, 2),
        "award",
        "arbitrator",
        {"awarded_amount": "36000.00", "award_summary": "被申请人支付拖欠工资36000元。"},
        None,
    ),
    (D(2026, 3, 4), "deliver_award", "clerk", None, None),
    (D(2026, 3, 20), "take_effect", "clerk", None, None),
]
OPENED_ON = D(2025, 12, 30)


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
