"""The bare SQL floor for the two set-based workloads, measured in the same run as zhongcai:
- the breach scan: 1,000,000 running deadlines bulk-loaded (executemany on SQLite, COPY on
  PostgreSQL, not through the runtime) into zhongcai's own schema, a small share past due or inside
  their warning window; zhongcai's `CaseService.tick` against the hand-written statements doing the
  same job (the indexed SELECT of overdue and soon-due running deadlines plus set-based
  INSERT ... ON CONFLICT DO NOTHING of breaches and warnings, one transaction);
- the monthly report over 1,000,000 cases: bench/report_bench.py's loaders and bare aggregate.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import sqlalchemy as sa

from bench.systems import zhongcai as zc
from engine import Database, scan

AS_OF = dt.date(2026, 6, 15)
DEADLINE_IDS = ("award", "service", "tribunal_notice", "defence_copy")
OVERDUE_EVERY = 1000  # 0.1% of the running deadlines are past due
WARN_EVERY = 40  # every 40th has a warning date (5 days before it is due)

BARE_BREACHES = """
insert into breach (case_id, deadline_id, due_on, detected_on, institution_id, responsible, recorded_at)
select case_id, deadline_id, due_on, {p}, institution_id, responsible, {p}
from deadline where status = 'running' and due_on < {p}
on conflict do nothing
"""
BARE_WARNINGS = """
insert into deadline_warning (case_id, deadline_id, due_on, warn_on, institution_id, recorded_at)
select case_id, deadline_id, due_on, warn_on, institution_id, {p}
from deadline where status = 'running' and due_on >= {p} and warn_on is not null and warn_on <= {p}
on conflict do nothing
"""


def load_deadlines(url: str, n: int) -> tuple[Database, Any]:
    """A migrated database with one real case (its deadline row is the template) and `n` more running
    deadlines on n/4 synthetic cases. Returns (db, service)."""
    db, svc, clock = zc.prepare(url)
    case_id = zc.open_case(svc, clock)
    with db.engine.connect() as conn:
        case = dict(
            conn.execute(sa.text("select * from case_file where id = :i"), {"i": case_id}).mappings().one()
        )
        tmpl = dict(
            conn.execute(sa.text("select * from deadline where case_id = :i"), {"i": case_id})
            .mappings()
            .first()
        )
        conn.rollback()
    case_cols = [c for c in case if c != "id"]
    dl_cols = [c for c in tmpl if c != "id"]
    cases_n = max(n // len(DEADLINE_IDS), 1)
    first = case_id + 1

    def case_rows() -> Any:
        for i in range(cases_n):
            numbers = {"id": first + i, "case_number": f"B{first + i}", "receipt_number": f"R{first + i}"}
            yield tuple(numbers[c] if c in numbers else case[c] for c in ["id", *case_cols])

    def deadline_rows(conv: Any) -> Any:
        base = [conv(tmpl[c]) for c in dl_cols]
        at = {c: dl_cols.index(c) for c in ("case_id", "deadline_id", "status", "due_on", "warn_on")}
        k = 0
        for i in range(cases_n):
            for did in DEADLINE_IDS:
                if k % OVERDUE_EVERY == 0:
                    due = AS_OF - dt.timedelta(days=1 + k % 7)
                else:
                    due = AS_OF + dt.timedelta(days=1 + k % 90)
                row = base.copy()
                row[at["case_id"]] = first + i
                row[at["deadline_id"]] = did
                row[at["status"]] = "running"
                row[at["due_on"]] = conv(due)
                row[at["warn_on"]] = conv(due - dt.timedelta(days=5)) if k % WARN_EVERY == 1 else None
                yield row
                k += 1

    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if db.is_sqlite:

            def conv(v: Any) -> Any:
                if isinstance(v, (dict, list)):
                    return json.dumps(v)
                if isinstance(v, (dt.date, dt.datetime)):
                    return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
                return v

            cur.execute("BEGIN")
            ph = ",".join("?" * (len(case_cols) + 1))
            cur.executemany(
                f"insert into case_file (id, {','.join(case_cols)}) values ({ph})",
                ([conv(v) for v in r] for r in case_rows()),
            )
            ph = ",".join("?" * len(dl_cols))
            cur.executemany(
                f"insert into deadline ({','.join(dl_cols)}) values ({ph})",
                deadline_rows(conv),
            )
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
        else:

            def pgconv(v: Any) -> Any:
                return json.dumps(v) if isinstance(v, (dict, list)) else v

            with cur.copy(f"COPY case_file (id, {','.join(case_cols)}) FROM STDIN") as cp:
                for r in case_rows():
                    cp.write_row([pgconv(v) for v in r])
            with cur.copy(f"COPY deadline ({','.join(dl_cols)}) FROM STDIN") as cp:
                for r in deadline_rows(pgconv):
                    cp.write_row(r)
            cur.execute(
                "select setval(pg_get_serial_sequence('case_file', 'id'), (select max(id) from case_file))"
            )
            raw.commit()
    finally:
        raw.close()
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE case_file")
            conn.exec_driver_sql("VACUUM ANALYZE deadline")
    return db, svc


def reset_scan(db: Database) -> None:
    """Forget the breaches and warnings a scan wrote (so every run does the whole job again)."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("delete from breach")
        conn.exec_driver_sql("delete from deadline_warning")


def bare_scan(db: Database) -> tuple[float, int, int]:
    """The same job in two set-based statements on the DBAPI cursor: (seconds, breaches, warnings)."""
    p = "?" if db.is_sqlite else "%s"
    now = dt.datetime.now(dt.UTC)
    as_of: Any = AS_OF.isoformat() if db.is_sqlite else AS_OF
    stamp: Any = now.isoformat(sep=" ") if db.is_sqlite else now
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        if db.is_sqlite:
            cur.execute("BEGIN IMMEDIATE")
        cur.execute(BARE_BREACHES.format(p=p), (as_of, stamp, as_of))
        breaches = cur.rowcount
        cur.execute(BARE_WARNINGS.format(p=p), (stamp, as_of, as_of))
        warnings = cur.rowcount
        if db.is_sqlite:
            cur.execute("COMMIT")
        else:
            raw.commit()
        return time.perf_counter() - t0, breaches, warnings
    finally:
        raw.close()


def bare_select(db: Database) -> float:
    """Only the indexed SELECT of the overdue running deadlines (what the partial index answers)."""
    p = "?" if db.is_sqlite else "%s"
    as_of: Any = AS_OF.isoformat() if db.is_sqlite else AS_OF
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        cur.execute(
            f"select case_id, deadline_id, due_on from deadline where status = 'running' and due_on < {p}",
            (as_of,),
        )
        cur.fetchall()
        took = time.perf_counter() - t0
        raw.rollback()
        return took
    finally:
        raw.close()


def zhongcai_scan(svc: Any) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    report = scan(svc, AS_OF)
    return time.perf_counter() - t0, len(report.breaches), len(report.warnings)
