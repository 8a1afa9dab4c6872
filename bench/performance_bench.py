"""The performance figures (engine.registry.performance) for 1,000 staff over 1,000,000 cases on SQLite
(and PostgreSQL with --db postgres|both), against the bare SQL aggregate measured in the same run.

Run: .venv/bin/python bench/performance_bench.py [--quick] [--cases 1000000] [--staff 1000]
     [--db sqlite|postgres|both] [--pg-url URL] [--repeat 5] [--fresh]

Set-up: a schema through the migrations (the production indexes), then bulk inserts (DBAPI
`executemany`, no COPY) of N case rows over 24 months with their tribunals in the facts (a presiding
arbitrator and, in two cases of five, two more), about 3.6 monitoring records per case (received,
accepted, a hearing, a closure: mediation, award or withdrawal, on time or not), breach rows on about
6 % of the cases (some withdrawn, some the clerk's), `--staff` staff over 50 institutions with their
appointments (90 % arbitrators, one in ten of them with an ended appointment and a renewed one), and
ANALYZE. The SQLite file is generated once and kept under var/bench/ (keyed by N, staff and the
generator's version); `--fresh` rebuilds it.
Figures (best of `--repeat` warm runs, and the first run):
- `performance`: `performance(db, start, end)` for the quarter 2025-10-01..2025-12-31, one institution
  and all institutions (every figure of every arbitrator and institution, JSON-ready);
- `bare`: the hand-written SQL of the same per-arbitrator aggregate (handled, closed, on time, mediated,
  online, days) on the DBAPI cursor, no SQLAlchemy: the floor;
- ratio performance / bare. Target (issue 24): performance < 2 s on SQLite.
The bench checks that the report and the bare SQL agree on every shared figure (abort if not).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from engine import Database  # noqa: E402
from engine.codes.code_tables import CodeTables  # noqa: E402
from engine.registry.performance import performance  # noqa: E402
from engine.registry.performance_spec import performance_spec  # noqa: E402

GENERATOR = 1  # bump when the generated data changes (the cached file's name carries it)
HASH = "c" * 64
START, END = dt.date(2025, 10, 1), dt.date(2025, 12, 31)
FIRST = dt.date(2025, 1, 1)
MONTHS = 24
N_INST = 50
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志远立群晓东红梅海燕"
NOW = "2026-11-28 00:00:00.000000"

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
    "stage_after",
    "closure",
    "effective_on",
    "recorded_at",
    "backdated",
    "collective",
    "workers",
    "channel",
    "milestone",
    "accepted_on",
    "on_time",
)
BREACH_COLS = ("case_id", "deadline_id", "due_on", "detected_on", "institution_id", "responsible", "recorded_at",
               "provisional", "withdrawn_on")  # fmt: skip
STAFF_COLS = ("id", "institution_id", "name", "created_at")
APPT_COLS = ("staff_id", "institution_id", "post", "full_time", "specialties", "term_from", "term_to", "ended_on",
             "recorded_at")  # fmt: skip


def institutions() -> list[tuple[str, str]]:
    regions = [
        "450103",
        "450107",
        "450202",
        "450305",
        "110105",
        "110108",
        "440305",
        "510107",
        "330106",
        "320102",
    ]
    return [(f"inst-{i:03d}", regions[i % len(regions)]) for i in range(N_INST)]


def staff_rows(
    n_staff: int, seed: int = 5
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, list[str]]]:
    """(staff rows, appointment rows, institution -> arbitrator names)."""
    rng = random.Random(seed)
    staff, appts = [], []
    arbitrators: dict[str, list[str]] = {}
    insts = institutions()
    for sid in range(1, n_staff + 1):
        inst = insts[(sid - 1) % len(insts)][0]
        taken = {r[2] for r in staff if r[1] == inst}
        name = ""
        while not name or name in taken:
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        staff.append((sid, inst, name, NOW))
        post = "arbitrator" if rng.random() < 0.9 else "clerk"
        if post == "arbitrator":
            arbitrators.setdefault(inst, []).append(name)
        if rng.random() < 0.1:  # an ended appointment, then a renewed one
            appts.append((sid, inst, post, 1, "[]", "2019-01-01", "2024-12-31", None, NOW))
        appts.append((sid, inst, post, 1, "[]", "2025-01-01", None, None, NOW))
    return staff, appts, arbitrators


def generate(
    n: int, arbitrators: dict[str, list[str]], seed: int = 1
) -> Iterator[tuple[list[Any], list[Any], list[Any]]]:
    """Chunks of (case rows, monitoring record rows, breach rows); dates as ISO strings, booleans 0/1."""
    rng = random.Random(seed)
    insts = institutions()
    tribunals: dict[str, list[str]] = {}
    for inst, names in arbitrators.items():
        combos = []
        for _ in range(300):
            three = rng.sample(names, min(3, len(names)))
            facts = {"presiding_arbitrator": three[0], "arbitrators": three[1:] if rng.random() < 0.4 else []}
            combos.append(json.dumps(facts, ensure_ascii=False))
        tribunals[inst] = combos
    span = MONTHS * 30
    cases: list[Any] = []
    recs: list[Any] = []
    breaches: list[Any] = []
    for cid in range(1, n + 1):
        inst, region = insts[rng.randrange(len(insts))]
        opened = FIRST + dt.timedelta(days=rng.randrange(span))
        channel = "online" if rng.random() < 0.45 else "offline"
        base = (inst, region, "arbitration", "2017.1")
        recs.append((cid, 1, *base, "open", "clerk", "received", None, opened.isoformat(), NOW, 0, 0, 1, channel,
                     "received", None, None))  # fmt: skip
        accepted = closed = closed_on = None
        closure, stage, seq = None, "received", 2
        if rng.random() < 0.08:
            closure, stage = "not_accepted", "rejected"
            closed_on = opened + dt.timedelta(days=rng.randrange(1, 6))
            recs.append((cid, 2, *base, "reject", "clerk", "rejected", closure, closed_on.isoformat(), NOW, 0, 0, 1,
                         channel, "ended", None, None))  # fmt: skip
        else:
            accepted = opened + dt.timedelta(days=rng.randrange(0, 6))
            acc = accepted.isoformat()
            recs.append((cid, 2, *base, "accept", "clerk", "accepted", None, acc, NOW, 0, 0, 1, channel, "accepted",
                         acc, None))  # fmt: skip
            stage, seq = "accepted", 3
            k = rng.random()
            if k < 0.92:
                closed = accepted + dt.timedelta(days=rng.randrange(5, 70))
                on_time = int((closed - accepted).days <= 45 or rng.random() < 0.3)
                closure = "mediation" if k < 0.35 else ("award_final" if k < 0.55 else "award_nonfinal")
                if k >= 0.8:
                    closure = "withdrawal"
                if closure.startswith("award"):
                    heard = accepted + dt.timedelta(days=rng.randrange(2, max(3, (closed - accepted).days)))
                    recs.append((cid, 3, *base, "hold_hearing", "arbitrator", "heard", None, heard.isoformat(), NOW,
                                 0, 0, 1, channel, None, acc, None))  # fmt: skip
                    seq, closed_on, stage = 4, closed + dt.timedelta(days=20), "effective"
                else:
                    closed_on, stage = closed, "closed"
                recs.append((cid, seq, *base, closure, "arbitrator", stage, closure, closed.isoformat(), NOW, 0, 0, 1,
                             channel, "closed", acc, on_time))  # fmt: skip
            if rng.random() < 0.06:
                due = accepted + dt.timedelta(days=45)
                withdrawn = due.isoformat() if rng.random() < 0.1 else None
                role = "arbitrator" if rng.random() < 0.8 else "clerk"
                breaches.append(
                    (cid, "award", due.isoformat(), due.isoformat(), inst, role, NOW, 0, withdrawn)
                )
        facts = rng.choice(tribunals[inst]) if accepted is not None else "{}"
        cases.append((cid, f"B{cid}", inst, region, "arbitration", "2017.1", HASH, stage, facts, 1,
                      opened.isoformat(), accepted and accepted.isoformat(), closed_on and closed_on.isoformat(),
                      closure, channel, NOW, NOW))  # fmt: skip
        if len(cases) >= 50_000:
            yield cases, recs, breaches
            cases, recs, breaches = [], [], []
    if cases:
        yield cases, recs, breaches


def _insert_sql(table: str, cols: tuple[str, ...], mark: str) -> str:
    return f"insert into {table} ({','.join(cols)}) values ({','.join([mark] * len(cols))})"


def load(db: Database, n: int, n_staff: int) -> float:
    """Fill an empty database; seconds taken."""
    db.init_db()
    t0 = time.perf_counter()
    mark = "?" if db.is_sqlite else "%s"
    staff, appts, arbitrators = staff_rows(n_staff)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if db.is_sqlite:
            cur.execute("PRAGMA synchronous = OFF")
            cur.execute("BEGIN")
        cur.execute(
            f"insert into procedure_snapshot (content_hash, procedure_id, version, spec, created_at) "
            f"values ({mark}, 'arbitration', '2017.1', '{{}}', {mark})",
            (HASH, NOW),
        )
        cur.executemany(
            f"insert into institution (id, name, region_code, level, kind, handles_cases, created_at) "
            f"values ({mark}, {mark}, {mark}, 'county', 'commission', {'1' if db.is_sqlite else 'true'}, {mark})",
            [(i, f"{i} 劳动人事争议仲裁委员会", r, NOW) for i, r in institutions()],
        )
        pg = not db.is_sqlite

        def fix(rows: list[Any], bools: tuple[int, ...]) -> list[Any]:
            return [
                tuple(bool(v) if pg and i in bools and v is not None else v for i, v in enumerate(r))
                for r in rows
            ]

        cur.executemany(_insert_sql("staff", STAFF_COLS, mark), staff)
        cur.executemany(_insert_sql("appointment", APPT_COLS, mark), fix(appts, (3,)))
        for cases, recs, breaches in generate(n, arbitrators):
            cur.executemany(_insert_sql("case_file", CASE_COLS, mark), cases)
            cur.executemany(_insert_sql("monitoring_record", REC_COLS, mark), fix(recs, (12, 13, 18)))
            cur.executemany(_insert_sql("breach", BREACH_COLS, mark), fix(breaches, (7,)))
        if db.is_sqlite:
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
        else:
            raw.commit()
    finally:
        raw.close()
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for t in ("case_file", "monitoring_record", "breach", "staff", "appointment"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {t}")
    return time.perf_counter() - t0


# the per-arbitrator aggregate as a person would write it for SQLite (cases handled in the quarter, their
# first closure record, the tribunal's names matched to the appointees of the case's institution)
BARE_SQLITE = """
with appointees as (
  select distinct a.institution_id, s.id as staff_id, s.name from appointment a join staff s on s.id = a.staff_id
  where a.post = 'arbitrator' and a.term_from <= :end and (a.term_to is null or a.term_to >= :start)
    and (a.ended_on is null or a.ended_on > :start)),
handled as (
  select c.id, c.institution_id, c.facts, c.channel, m.effective_on as closed_on, m.closure, m.on_time,
         coalesce(m.accepted_on, c.accepted_on) as accepted_on
  from case_file c left join monitoring_record m
    on m.id = (select min(id) from monitoring_record where case_id = c.id and milestone = 'closed')
  where c.accepted_on <= :end and (c.closed_on is null or c.closed_on >= :start)
    and (m.effective_on is null or m.effective_on >= :start) {scope}),
names as (
  select id, institution_id, json_extract(facts, '$.presiding_arbitrator') as name from handled
  union select h.id, h.institution_id, j.value from handled h, json_each(h.facts, '$.arbitrators') j),
tribunal as (select distinct n.id, p.staff_id from names n
  join appointees p on p.institution_id = n.institution_id and p.name = n.name)
select t.staff_id, count(*),
  sum(h.closed_on <= :end), sum(h.closed_on <= :end and h.on_time = 1),
  sum(h.closed_on <= :end and h.closure = 'mediation'),
  sum(h.channel in ('online', 'online_platform', 'online_local')),
  sum(case when h.closed_on <= :end then julianday(h.closed_on) - julianday(h.accepted_on) end)
from tribunal t join handled h on h.id = t.id group by t.staff_id
"""


def bare(db: Database, institution_id: str | None) -> tuple[float, dict[int, tuple[int, ...]]]:
    sql = BARE_SQLITE.format(scope="and c.institution_id = :inst" if institution_id else "")
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        cur.execute(sql, {"start": START.isoformat(), "end": END.isoformat(), "inst": institution_id})
        rows = cur.fetchall()
        took = time.perf_counter() - t0
    finally:
        raw.close()
    return took, {int(r[0]): tuple(int(v or 0) for v in r[1:]) for r in rows}


def timed(db: Database, codes: CodeTables, institution_id: str | None) -> tuple[float, Any]:
    spec = performance_spec()
    t0 = time.perf_counter()
    report = performance(db, start=START, end=END, institution_id=institution_id, spec=spec, codes=codes)
    report.to_json()
    return time.perf_counter() - t0, report


def _agree(report: Any, got: dict[int, tuple[int, ...]]) -> None:
    mine = {
        r.staff_id: (
            r.counts.handled,
            r.counts.closed,
            r.counts.closed_on_time,
            r.counts.mediated,
            r.counts.online,
            r.counts.days_total,
        )  # fmt: skip
        for r in report.arbitrators
        if r.counts.handled
    }
    if mine != got:
        diff = sorted(k for k in set(mine) | set(got) if mine.get(k) != got.get(k))[:5]
        raise SystemExit(
            f"MISMATCH performance vs bare SQL for staff {diff}: {[(mine.get(k), got.get(k)) for k in diff]}"
        )


def run(
    label: str, db: Database, n: int, n_staff: int, repeat: int, loaded: float | None
) -> dict[str, float]:
    codes = CodeTables.load(ROOT / "codes")
    with db.engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"select count(*) from {t}")).scalar_one()
                  for t in ("case_file", "monitoring_record", "breach", "staff", "appointment")}  # fmt: skip
    how = "reused" if loaded is None else f"loaded in {loaded:.0f} s"
    print(f"\n[{label}] {', '.join(f'{k} {v:,}' for k, v in counts.items())} ({how}); quarter {START}..{END}")
    out: dict[str, float] = {}
    for scope, inst in (("one institution", "inst-007"), ("all institutions", None)):
        first, report = timed(db, codes, inst)
        if db.is_sqlite:
            bare_first, got = bare(db, inst)
            _agree(report, got)
        best = min(timed(db, codes, inst)[0] for _ in range(repeat))
        handled = sum(r.counts.handled for r in report.institutions)
        print(f"  {scope}: {len(report.arbitrators):,} arbitrator rows, {handled:,} cases handled")
        print(
            f"    performance()  first {first:.3f} s, best {best:.3f} s   target < 2 s: {'OK' if best < 2 else 'MISSED'}"
        )
        out[f"performance {scope}"] = best
        if db.is_sqlite:
            best_bare = min(bare(db, inst)[0] for _ in range(repeat))
            print(f"    bare SQL       first {bare_first:.3f} s, best {best_bare:.3f} s (figures agree)")
            print(f"    ratio performance/bare {best / best_bare:.2f}x")
            out[f"bare {scope}"] = best_bare
    return out


def sqlite_file(n: int, n_staff: int) -> Path:
    return ROOT / "var" / "bench" / f"performance_{n}_{n_staff}_g{GENERATOR}.db"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 cases, 250 staff (a smoke run)")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--staff", type=int, default=1_000)
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    ap.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--fresh", action="store_true", help="rebuild the cached SQLite file")
    args = ap.parse_args()
    n, n_staff = (20_000, 250) if args.quick else (args.cases, args.staff)
    if args.db in ("sqlite", "both"):
        path = sqlite_file(n, n_staff)
        if args.fresh and path.exists():
            path.unlink()
        loaded = None
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.unlink(missing_ok=True)
            db = Database(f"sqlite:///{tmp}")
            loaded = load(db, n, n_staff)
            db.dispose()
            tmp.rename(path)
        db = Database(f"sqlite:///{path}")
        run("SQLite " + sqlite3.sqlite_version, db, n, n_staff, args.repeat, loaded)
        db.dispose()
    if args.db in ("postgres", "both"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(args.pg_url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
        sep = "&" if "?" in args.pg_url else "?"
        db = Database(f"{args.pg_url}{sep}options=-csearch_path%3D{schema}")
        try:
            run("PostgreSQL", db, n, n_staff, args.repeat, load(db, n, n_staff))
        finally:
            db.dispose()
            with admin.begin() as conn:
                conn.execute(sa.text(f'drop schema "{schema}" cascade'))
            admin.dispose()


if __name__ == "__main__":
    main()
