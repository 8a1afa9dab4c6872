"""Persisted transitions per second, against a bare SQLAlchemy Core transaction writing the same rows
in the same run; and memory while opening and firing many cases.

Run: .venv/bin/python bench/runtime_bench.py [--transitions N] [--cases N] [--pg URL] [--sync normal]

1. Throughput. Cases of tests/runtime_procedures/mini.yaml are opened and accepted, then `amend`
   (restarts the award clock) is fired N times round-robin through `CaseService.fire`: every check,
   the shared Machine, clock arithmetic, the hash chain, the monitoring record and the optimistic
   version check, one transaction each. The floor writes the very same rows per transition with
   SQLAlchemy Core in one transaction each (UPDATE case_file with the version check, UPDATE deadline,
   INSERT case_event, INSERT monitoring_record) and nothing else: no reads, no checks, no hashing.
   Target (issue 4): runtime >= 0.5 x floor. Measured on SQLite (file, WAL) and, with --pg or
   ZHONGCAI_TEST_PG_URL, on PostgreSQL.
2. Memory. Opens and accepts --cases cases (and fires one more action on each), sampling the process
   RSS every 10% of the way, and with --trace the traced Python heap (tracemalloc: exact, but slow).
   Target: flat, i.e. it does not grow with the number of cases handled.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from engine import Actor, CaseService, Database, ProcedureLibrary, init_db
from engine.cases.runtime import ensure_institution
from engine.store.tables import CaseRow, DeadlineRow, EventRow, MonitoringRow

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 1, 5)
CLERK = Actor("bench", "clerk")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _now() -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(12), SHANGHAI)


def _library() -> ProcedureLibrary:
    return ProcedureLibrary.load(ROOT / "tests" / "runtime_procedures", ROOT / "codes", ROOT / "documents")


def _fresh(url: str) -> Database:
    db = init_db(url)
    with db.engine.begin() as conn:  # empty tables when a PostgreSQL database is reused
        for t in (
            "monitoring_record",
            "case_document",
            "breach",
            "deadline_warning",
            "deadline",
            "case_event",
        ):
            conn.execute(sa.text(f"DELETE FROM {t}"))
        conn.execute(sa.text("DELETE FROM case_file"))
        conn.execute(sa.text("DELETE FROM case_number_counter"))
    ensure_institution(db, "bench", "基准测试仲裁委员会", "110105", abbr="测")
    return db


def _open_accepted(svc: CaseService, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        case = svc.open_case("mini", DAY, {"claim_amount": 1000}, "bench", CLERK)
        svc.fire(case.id, "accept", CLERK, DAY, documents=["application"])
        ids.append(case.id)
    return ids


class Runtime:
    """Fires `amend` round-robin over 50 accepted cases through CaseService."""

    def __init__(self, db: Database, library: ProcedureLibrary) -> None:
        self.svc = CaseService(db, library, now=_now)
        self.ids = _open_accepted(self.svc, 50)
        self.i = 0
        self.run(1)  # warm caches

    def run(self, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            self.svc.fire(self.ids[self.i % len(self.ids)], "amend", CLERK, DAY)
            self.i += 1
        return time.perf_counter() - start


class Floor:
    """The same rows per transition with bare Core statements, one transaction each."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.cases: sa.Table = CaseRow.__table__  # type: ignore[attr-defined]
        self.events: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
        self.deadlines: sa.Table = DeadlineRow.__table__  # type: ignore[attr-defined]
        self.monitoring: sa.Table = MonitoringRow.__table__  # type: ignore[attr-defined]
        with db.engine.connect() as conn:
            case_id = conn.execute(sa.select(sa.func.min(self.cases.c.id))).scalar_one()
            self.event = dict(
                conn.execute(
                    sa.select(self.events)
                    .where(self.events.c.case_id == case_id)
                    .order_by(self.events.c.seq.desc())
                    .limit(1)
                )
                .mappings()
                .one()
            )
            self.mon = dict(conn.execute(sa.select(self.monitoring).limit(1)).mappings().one())
            self.deadline = dict(
                conn.execute(
                    sa.select(self.deadlines).where(self.deadlines.c.deadline_id == "award").limit(1)
                )
                .mappings()
                .one()
            )
            conn.rollback()
        for d in (self.event, self.mon):
            d.pop("id")
        # its own 50 cases, so that the runtime's version checks are never disturbed
        svc = CaseService(db, _library(), now=_now)
        self.versions = {i: svc.get(i).version for i in _open_accepted(svc, 50)}
        self.ids = list(self.versions)
        self.i = 0

    def run(self, n: int) -> float:
        c, d, e, m = self.cases, self.deadlines, self.events, self.monitoring
        start = time.perf_counter()
        for _ in range(n):
            case_id = self.ids[self.i % len(self.ids)]
            self.i += 1
            version = self.versions[case_id]
            now = dt.datetime.now(dt.UTC)
            with self.db.engine.begin() as conn:
                done = conn.execute(
                    sa.update(c)
                    .where(c.c.id == case_id, c.c.version == version)
                    .values(version=version + 1, updated_at=now)
                )
                assert done.rowcount == 1
                conn.execute(
                    sa.update(d)
                    .where(d.c.case_id == case_id, d.c.deadline_id == "award")
                    .values(
                        status="running",
                        due_on=self.deadline["due_on"],
                        clock=self.deadline["clock"],
                        steps=self.deadline["steps"],
                        warn_on=self.deadline["warn_on"],
                        updated_seq=version + 1,
                    )
                )
                conn.execute(
                    sa.insert(e).values(
                        **{**self.event, "case_id": case_id, "seq": version + 1, "recorded_at": now}
                    )
                )
                conn.execute(
                    sa.insert(m).values(
                        **{**self.mon, "case_id": case_id, "event_seq": version + 1, "recorded_at": now}
                    )
                )
            self.versions[case_id] = version + 1
        return time.perf_counter() - start


def throughput(label: str, url: str, library: ProcedureLibrary, transitions: int) -> None:
    """Runtime and floor alternate in batches of 50, so a change in machine load hits both alike."""
    db = _fresh(url)
    runtime, floor = Runtime(db, library), Floor(db)
    rt_time = fl_time = 0.0
    done = 0
    while done < transitions:
        n = min(50, transitions - done)
        rt_time += runtime.run(n)
        fl_time += floor.run(n)
        done += n
    db.dispose()
    rt, fl = transitions / rt_time, transitions / fl_time
    print(
        f"{label:<11} runtime {rt:8.0f} transitions/s   Core floor {fl:8.0f} /s   ratio {rt / fl:4.2f} (target >= 0.50)"
    )


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(url: str, library: ProcedureLibrary, cases: int, trace: bool) -> None:
    db = _fresh(url)
    svc = CaseService(db, library, now=_now)
    step = max(cases // 10, 1)
    if trace:  # exact Python heap, but it makes every allocation several times slower
        tracemalloc.start()
    samples = []
    start = time.perf_counter()
    for i in range(1, cases + 1):
        case = svc.open_case("mini", DAY, {"claim_amount": i}, "bench", CLERK)
        svc.fire(case.id, "accept", CLERK, DAY, documents=["application"])
        svc.fire(case.id, "amend", CLERK, DAY)
        if i % step == 0:
            gc.collect()
            traced = tracemalloc.get_traced_memory()[0] if trace else 0
            samples.append((i, _rss_mb(), traced / 2**20))
            heap = f"   traced heap {samples[-1][2]:6.2f} MB" if trace else ""
            rate = 3 * i / (time.perf_counter() - start)
            print(f"  {i:>7} cases   RSS {samples[-1][1]:7.1f} MB{heap}   {rate:6.0f} transitions/s")
    if trace:
        tracemalloc.stop()
    first, last = samples[0], samples[-1]
    heap = f", traced heap {first[2]:.2f} -> {last[2]:.2f} MB" if trace else ""
    print(f"memory: RSS {first[1]:.1f} -> {last[1]:.1f} MB{heap} from {first[0]} to {last[0]} cases")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--transitions", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=100_000, help="cases for the memory run (0: skip)")
    parser.add_argument("--trace", action="store_true", help="also trace the Python heap (tracemalloc; slow)")
    parser.add_argument("--pg", default=os.environ.get("ZHONGCAI_TEST_PG_URL"), help="PostgreSQL URL")
    args = parser.parse_args()
    library = _library()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"throughput: {args.transitions} transitions each (mini procedure, action 'amend')")
        throughput("SQLite", f"sqlite:///{tmp}/bench.db", library, args.transitions)
        if args.pg:
            throughput("PostgreSQL", args.pg, library, args.transitions)
        else:
            print("PostgreSQL  skipped (give --pg URL or set ZHONGCAI_TEST_PG_URL)")
        if args.cases:
            print(f"memory: opening, accepting and amending {args.cases} cases on SQLite")
            memory(f"sqlite:///{tmp}/mem.db", library, args.cases, args.trace)


if __name__ == "__main__":
    main()
