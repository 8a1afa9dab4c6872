"""The floor under every system with per-step persistence: what one durable commit per step costs on
this machine when the step does nothing else.

Raw `sqlite3` (no SQLAlchemy, no state machine, no checks) with zhongcai's SQLite set-up (WAL,
synchronous=FULL, BEGIN IMMEDIATE): a case is the demo path's 13 transactions (opening plus 12
actions), each inserting one event row of about 300 bytes and committing. No system that persists
every step in its own transaction on this database can complete cases faster than this; the table
shows how far each system is from it, and what "5x SpiffWorkflow" would require.
"""

from __future__ import annotations

import json
import sqlite3
import time

from bench.systems import STEPS

NAME = "SQLite commit floor"


def connect(url: str) -> sqlite3.Connection:
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ":memory:"
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS floor_event (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, "
        "seq INTEGER NOT NULL, action TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (case_id, seq))"
    )
    return conn


def _run_case(conn: sqlite3.Connection, case_id: int) -> None:
    for seq, action in enumerate(["open", *(step[1] for step in STEPS)], start=1):
        body = json.dumps({"case": case_id, "seq": seq, "action": action, "pad": "x" * 200})
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO floor_event (case_id, seq, action, body) VALUES (?, ?, ?, ?)",
            (case_id, seq, action, body),
        )
        conn.execute("COMMIT")


def complete_cases(url: str, n: int) -> float:
    conn = connect(url)
    try:
        first = int(conn.execute("SELECT coalesce(max(case_id), 0) + 1 FROM floor_event").fetchone()[0])
        _run_case(conn, first)  # warm-up, as the other systems
        start = time.perf_counter()
        for case_id in range(first + 1, first + n + 1):
            _run_case(conn, case_id)
        return time.perf_counter() - start
    finally:
        conn.close()
