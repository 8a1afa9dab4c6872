"""The monthly monitoring report over N synthetic cases on SQLite and PostgreSQL, against the bare
SQL aggregate measured in the same run.

Run: .venv/bin/python bench/report_bench.py [--cases 1000000] [--months 24] [--db sqlite|postgres|both]
     [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--repeat 5]

Set-up: a fresh schema through the migrations (so the indexes are the ones production has), then
bulk inserts (sqlite3 `executemany`, PostgreSQL `COPY`) of N case rows and about 4.2 monitoring
records per case (opening, acceptance, a hearing, a closure or an award followed by the award taking
effect), spread over `--months` months, 40 regions, 120 institutions; then ANALYZE (SQLite) or
VACUUM ANALYZE (PostgreSQL: what autovacuum does; it sets the visibility map index-only scans need).
Figures (best of `--repeat` warm runs, plus the first run):
- `report`: engine.monitoring.indicators.monthly_report for the middle month, whole country and one province;
- `bare`: the hand-written SQL a person would write for the same figures (the month grouped by
  milestone, closure, channel, collective, on time; the stock at the start, all and online), run on
  the DBAPI cursor without SQLAlchemy (the floor any implementation pays);
- ratio report / bare. Targets (issue 7): report < 2 s, ratio <= 2.
The bench also checks that the report and the bare SQL agree on every shared figure (abort if not).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from engine import Database, monthly_report
from engine.codes.code_tables import CodeTables
from engine.monitoring.indicators import Scope, month_bounds

ROOT = Path(__file__).resolve().parent.parent
HASH = "b" * 64
REGIONS = [
    "110105",
    "110108",
    "120101",
    "130102",
    "140105",
    "150102",
    "210102",
    "220102",
    "230102",
    "310104",
    "310115",
    "320102",
    "320506",
    "330106",
    "330212",
    "340103",
    "350102",
    "360102",
    "370102",
    "370202",
    "410102",
    "420102",
    "430102",
    "440106",
    "440305",
    "440306",
    "441900",
    "450102",
    "460105",
    "500103",
    "510107",
    "520102",
    "530102",
    "540102",
    "610102",
    "620102",
    "630102",
    "640104",
    "650102",
    "442000",
]
CASE_COLS = (
    "id",
    "case_number",
    "institution_id",
    "region_code",
    "procedure_id",
    "procedure_version",
    "procedure_hash",
    "stage",
    "facts",
    "version",
    "opened_on",
    "accepted_on",
    "closed_on",
    "closure",
    "channel",
    "created_at",
    "updated_at",
)
REC_COLS = (
    "case_id",
    "event_seq",
    "institution_id",
    "region_code",
    "procedure_id",
    "procedure_version",
    "action",
    "role",
    "stage_before",
    "stage_after",
    "closure",
    "effective_on",
    "recorded_at",
    "backdated",
    "dispute_type",
    "collective",
    "workers",
    "claim_amount",
    "awarded_amount",
    "channel",
    "milestone",
    "accepted_on",
    "industry",
    "case_source",
    "outcome",
    "on_time",
    "risk_flags",
)


def _institutions() -> list[tuple[str, str]]:
    return [(f"inst-{i:03d}", REGIONS[i % len(REGIONS)]) for i in range(120)]


def _add_record(
    recs: list[tuple[Any, ...]],
    cid: int,
    base: tuple[Any, ...],
    common: tuple[Any, ...],
    channel: str,
    industry: str,
    now: str,
    seq: int,
    action: str,
    before: str | None,
    after: str,
    closure: str | None,
    on: dt.date,
    milestone: str | None,
    acc: dt.date | None,
    awarded: float | None = None,
    on_time: int | None = None,
) -> None:
    recs.append(
        (
            cid,
            seq,
            *base,
            action,
            "clerk",
            before,
            after,
            closure,
            on.isoformat(),
            now,
            0,
            *common,
            awarded,
            channel,
            milestone,
            acc and acc.isoformat(),
            industry,
            None,
            None,
            on_time,
            None,
        )
    )


def generate(
    n: int, months: int, seed: int = 1
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Chunks of (case rows, monitoring record rows). Dates as ISO strings, booleans as 0/1."""
    rng = random.Random(seed)
    insts = _institutions()
    first = dt.date(2025, 1, 1)
    span = months * 30
    now = "2026-11-28 00:00:00.000000"
    cases: list[tuple[Any, ...]] = []
    recs: list[tuple[Any, ...]] = []
    for cid in range(1, n + 1):
        inst, region = insts[rng.randrange(len(insts))]
        opened = first + dt.timedelta(days=rng.randrange(span))
        channel = "online" if rng.random() < 0.45 else "offline"
        workers = 1 if rng.random() < 0.9 else rng.randrange(2, 40)
        collective = int(workers >= 10)
        claim = float(rng.randrange(1000, 600000))
        dispute = rng.choice(("labour_pay", "social_insurance", "contract_termination", "other"))
        industry = rng.choice(("13", "39", "47", "52", "62", "72"))
        base = (inst, region, "arbitration", "2017.1")
        common = (dispute, collective, workers, claim)

        rec = functools.partial(_add_record, recs, cid, base, common, channel, industry, now)
        rec(1, "open", None, "received", None, opened, "received", None)
        accepted = closed = None
        closure = stage = None
        fate = rng.random()
        if fate < 0.08:
            closed, closure, stage = (
                opened + dt.timedelta(days=rng.randrange(1, 6)),
                "not_accepted",
                "rejected",
            )
            rec(2, "reject", "received", "rejected", closure, closed, "ended", None)
        else:
            accepted = opened + dt.timedelta(days=rng.randrange(0, 6))
            rec(2, "accept", "received", "accepted", None, accepted, "accepted", accepted)
            stage = "accepted"
            k = rng.random()
            if k < 0.9:
                closed = accepted + dt.timedelta(days=rng.randrange(5, 70))
                on_time = int((closed - accepted).days <= 45)
                if k < 0.35:
                    closure, stage = "mediation", "mediated"
                    rec(
                        3,
                        "mediate",
                        "accepted",
                        "mediated",
                        closure,
                        closed,
                        "closed",
                        accepted,
                        claim / 2,
                        on_time,
                    )
                elif k < 0.75:
                    heard = accepted + dt.timedelta(days=rng.randrange(3, (closed - accepted).days))
                    rec(3, "hold_hearing", "accepted", "heard", None, heard, None, accepted)
                    closure = "award_final" if rng.random() < 0.4 else "award_nonfinal"
                    rec(
                        4,
                        "award",
                        "heard",
                        "awarded",
                        closure,
                        closed,
                        "closed",
                        accepted,
                        claim / 3,
                        on_time,
                    )
                    rec(
                        5,
                        "challenge_expired",
                        "awarded",
                        "effective",
                        "award",
                        closed + dt.timedelta(days=20),
                        None,
                        accepted,
                    )
                    stage = "effective"
                else:
                    closure, stage = "withdrawal", "withdrawn"
                    rec(
                        3,
                        "withdraw",
                        "accepted",
                        "withdrawn",
                        closure,
                        closed,
                        "closed",
                        accepted,
                        None,
                        on_time,
                    )
        cases.append(
            (
                cid,
                f"B{cid}",
                inst,
                region,
                "arbitration",
                "2017.1",
                HASH,
                stage,
                "{}",
                1,
                opened.isoformat(),
                accepted and accepted.isoformat(),
                closed and closed.isoformat(),
                closure,
                channel,
                now,
                now,
            )
        )
        if len(cases) >= 50_000:
            yield cases, recs
            cases, recs = [], []
    if cases:
        yield cases, recs


def _prepare(db: Database) -> None:
    db.init_db()
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into procedure_snapshot (content_hash, procedure_id, version, spec, created_at) "
                "values (:h, 'arbitration', '2017.1', '{}', :t)"
            ),
            {"h": HASH, "t": dt.datetime(2026, 1, 1)},
        )
        for inst, region in _institutions():
            conn.execute(
                sa.text(
                    "insert into institution (id, name, region_code, level, created_at) values (:i, :i, :r, 'county', :t)"
                ),
                {"i": inst, "r": region, "t": dt.datetime(2026, 1, 1)},
            )


def load_sqlite(db: Database, n: int, months: int) -> float:
    _prepare(db)
    t0 = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute("BEGIN")
        case_sql = f"insert into case_file ({','.join(CASE_COLS)}) values ({','.join('?' * len(CASE_COLS))})"
        rec_sql = (
            f"insert into monitoring_record ({','.join(REC_COLS)}) values ({','.join('?' * len(REC_COLS))})"
        )
        for cases, recs in generate(n, months):
            cur.executemany(case_sql, cases)
            cur.executemany(rec_sql, recs)
        cur.execute("COMMIT")
        cur.execute("ANALYZE")
    finally:
        raw.close()
    return time.perf_counter() - t0


def load_postgres(db: Database, n: int, months: int) -> float:
    _prepare(db)
    t0 = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for cases, recs in generate(n, months):
            with cur.copy(f"COPY case_file ({','.join(CASE_COLS)}) FROM STDIN") as cp:
                for row in cases:
                    cp.write_row(row)
            with cur.copy(f"COPY monitoring_record ({','.join(REC_COLS)}) FROM STDIN") as cp:
                for row in recs:
                    cp.write_row(tuple(bool(v) if i in (13, 15) else v for i, v in enumerate(row)))
        raw.commit()
    finally:
        raw.close()
    # What autovacuum does in production: statistics and the visibility map (index-only scans)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE case_file")
        conn.exec_driver_sql("VACUUM ANALYZE monitoring_record")
    return time.perf_counter() - t0


BARE_FLOWS = """
select milestone, closure, channel, collective, on_time, count(*), sum(workers), sum(claim_amount), sum(awarded_amount)
from monitoring_record
where milestone is not null and effective_on >= {p} and effective_on < {p}
group by milestone, closure, channel, collective, on_time
"""
BARE_STOCK = """
select milestone, count(*), sum(case when channel in ('online', 'online_platform', 'online_local') then 1 else 0 end)
from monitoring_record where milestone in ('accepted', 'closed') and effective_on < {p}
group by milestone
"""


def bare(db: Database, month: str) -> tuple[float, dict[str, int]]:
    start, nxt = month_bounds(month)
    p = "?" if db.is_sqlite else "%s"
    s, e = (start.isoformat(), nxt.isoformat()) if db.is_sqlite else (start, nxt)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        cur.execute(BARE_FLOWS.format(p=p), (s, e))
        rows = cur.fetchall()
        cur.execute(BARE_STOCK.format(p=p), (s,))
        counts = {m: (int(n), int(o or 0)) for m, n, o in cur.fetchall()}
        stock = counts.get("accepted", (0, 0))[0] - counts.get("closed", (0, 0))[0]
        took = time.perf_counter() - t0
    finally:
        raw.close()
    got = {"pending_start": int(stock), "received": 0, "accepted": 0, "closed": 0}
    for milestone, *_rest, n, _w, _c, _a in rows:
        if milestone in got:
            got[milestone] += int(n)
    return took, got


def timed_report(db: Database, codes: CodeTables, month: str, scope: Scope) -> tuple[float, Any]:
    with db.engine.connect() as conn:
        t0 = time.perf_counter()
        report = monthly_report(conn, month, codes, scope=scope)
        return time.perf_counter() - t0, report


def run(label: str, db: Database, n: int, months: int, repeat: int, reuse: bool = False) -> None:
    loader = load_sqlite if db.is_sqlite else load_postgres
    load_s = 0.0 if reuse else loader(db, n, months)
    codes = CodeTables.load(ROOT / "codes")
    month = (dt.date(2025, 1, 1) + dt.timedelta(days=months * 15)).strftime("%Y-%m")
    with db.engine.connect() as conn:
        recs = conn.execute(sa.text("select count(*) from monitoring_record")).scalar_one()
    print(f"\n[{label}] {n:,} cases, {recs:,} monitoring records loaded in {load_s:.1f} s; month {month}")
    first, report = timed_report(db, codes, month, Scope())
    bare_first, got = bare(db, month)
    for key, value in got.items():
        if report.measures[key] != value:
            raise SystemExit(f"MISMATCH {key}: report {report.measures[key]} != bare SQL {value}")
    best = min(timed_report(db, codes, month, Scope())[0] for _ in range(repeat))
    best_bare = min(bare(db, month)[0] for _ in range(repeat))
    prov = min(timed_report(db, codes, month, Scope(region="440000"))[0] for _ in range(repeat))
    inst = min(timed_report(db, codes, month, Scope(institution="inst-007"))[0] for _ in range(repeat))
    m = report.measures
    print(
        f"  figures agree: pending_start {m['pending_start']:,}, received {m['received']:,}, "
        f"accepted {m['accepted']:,}, closed {m['closed']:,}"
    )
    print(
        f"  report (country)    first {first:.3f} s, best {best:.3f} s   target < 2 s: {'OK' if best < 2 else 'MISSED'}"
    )
    print(f"  bare SQL aggregate  first {bare_first:.3f} s, best {best_bare:.3f} s")
    print(
        f"  ratio report/bare   {best / best_bare:.2f}x   target <= 2x: {'OK' if best <= 2 * best_bare else 'MISSED'}"
    )
    print(f"  report (province 44) best {prov:.3f} s; (one institution) best {inst:.3f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--sqlite-file", help="keep the SQLite database here; an existing file is reused, not reloaded"
    )
    args = ap.parse_args()
    if args.db in ("sqlite", "both") and args.sqlite_file:
        path = Path(args.sqlite_file)
        reuse = path.exists()
        db = Database(f"sqlite:///{path}")
        run(
            "SQLite " + sqlite3.sqlite_version + (" (reused file)" if reuse else ""),
            db,
            args.cases,
            args.months,
            args.repeat,
            reuse,
        )
        db.dispose()
    elif args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as d:
            db = Database(f"sqlite:///{d}/bench.db")
            run("SQLite " + sqlite3.sqlite_version, db, args.cases, args.months, args.repeat)
            db.dispose()
    if args.db in ("postgres", "both"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(args.pg_url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
        sep = "&" if "?" in args.pg_url else "?"
        db = Database(f"{args.pg_url}{sep}options=-csearch_path%3D{schema}")
        try:
            run("PostgreSQL", db, args.cases, args.months, args.repeat)
        finally:
            db.dispose()
            with admin.begin() as conn:
                conn.execute(sa.text(f'drop schema "{schema}" cascade'))
            admin.dispose()


if __name__ == "__main__":
    main()
