"""`make bench`: zhongcai against what a commission would pick instead, side by side in one run.

Run: .venv/bin/python bench/run_all.py [--quick] [--pg-url URL | --no-pg] [--only cases,memory,...]

Systems (bench/systems/, one module each): zhongcai on SQLite and on PostgreSQL (a fresh schema,
dropped afterwards); SpiffWorkflow running bench/fixtures/arbitration.bpmn with the workflow
serialized to the database after each step; bare `transitions` with a Machine per case and with one
shared Machine, writing equivalent rows with SQLAlchemy Core; bare SQL for the set-based workloads;
the SQLite commit floor (raw sqlite3, one event row per step and nothing else: the fastest any system
with per-step durable persistence can complete a case on this machine).
The baselines run on SQLite with zhongcai's own engine set-up (WAL, synchronous=FULL, BEGIN IMMEDIATE).

Workloads:
- `cases`: complete cases per second, opening to an effective award (the demo's 12 actions);
- `memory`: MB held per 10,000 open cases (a child process per system: traced Python heap and RSS
  growth while the cases are open; zhongcai opens them through the runtime and keeps none in memory);
- `bytes`: stored bytes per case after the `cases` runs (SQLite pages in use, pg_total_relation_size);
- `scan`: the deadline scan over 1,000,000 running deadlines (0.1% overdue, 2.5% with a warning date)
  against the bare indexed SQL doing the same job;
- `report`: the monthly monitoring report over 1,000,000 cases against the bare SQL aggregate;
- `performance`: the performance figures of 1,000 staff over 1,000,000 cases for a quarter, all
  institutions, against the bare SQL of the per-arbitrator aggregate (bench/performance_bench.py; the
  SQLite file is generated once under var/bench/ and reused);
- `library`: library search p95 over the real corpus plus 100,000 generated cases, the full ranker beside
  bare bm25s `retrieve` on the same tokens (bench/library_bench.py, which also prints NDCG@10/recall@10);
- `coldstart`: `zhongcai procedures validate`, and `zhongcai serve` until /healthz answers.
Every figure is the median of several runs (min-max kept); results go to bench/results/*.json with the
machine and the versions. `--quick` shrinks every N for a smoke run (under a minute).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.systems import PG_DEFAULT, db_bytes, pg_schema, rss_bytes  # noqa: E402

PY = sys.executable
RESULTS = ROOT / "bench" / "results"
COLUMNS = (
    "zhongcai SQLite",
    "zhongcai PG",
    "SpiffWorkflow",
    "SpiffWorkflow reload",
    "transitions per-case",
    "transitions shared",
    "bare SQL SQLite",
    "bare SQL PG",
    "SQLite commit floor",
)
WORKLOADS = ("cases", "memory", "bytes", "scan", "report", "performance", "library", "coldstart")
SIZES = {  # full, quick
    "cases_zc": (40, 2),
    "cases_base": (150, 5),
    "runs": (3, 2),
    "mem_runs": (2, 1),
    "hold_zc": (2_000, 100),
    "hold_base": (10_000, 300),
    "deadlines": (1_000_000, 20_000),
    "report_cases": (1_000_000, 5_000),
    "perf_cases": (1_000_000, 20_000),
    "perf_staff": (1_000, 250),
    "cold_runs": (3, 1),
    "library_generated": (100_000, 5_000),
}


class Results:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.workloads: dict[str, dict[str, Any]] = {}

    def add(
        self, key: str, title: str, unit: str, better: str, system: str, runs: list[float], note: str = ""
    ) -> None:
        wl = self.workloads.setdefault(key, {"title": title, "unit": unit, "better": better, "systems": {}})
        if note:
            wl["note"] = note
        wl["systems"][system] = {
            "runs": [round(r, 6) for r in runs],
            "median": statistics.median(runs),
            "min": min(runs),
            "max": max(runs),
        }
        print(
            f"  {title:<42} {system:<22} {_fmt(statistics.median(runs))} {unit}"
            f"  (runs {', '.join(_fmt(r) for r in runs)})",
            flush=True,
        )

    def median(self, key: str, system: str) -> float | None:
        got = self.workloads.get(key, {}).get("systems", {}).get(system)
        return None if got is None else float(got["median"])


def _fmt(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.4f}"


# ---------------------------------------------------------------------------------------- cases, bytes


def w_cases(res: Results, pg: str | None, tmp: Path, size: Callable[[str], int]) -> None:
    from bench.systems import bare_transitions, commit_floor, spiff
    from bench.systems import zhongcai as zc

    runs = size("runs")
    title, unit = "complete cases (open to award, 12 actions)", "cases/s"
    nz, nb = size("cases_zc"), size("cases_base")
    targets: list[tuple[str, Callable[[str, int], float], str, int]] = [
        ("zhongcai SQLite", zc.complete_cases, f"sqlite:///{tmp}/zc.db", nz),
        ("SpiffWorkflow", spiff.complete_cases, f"sqlite:///{tmp}/spiff.db", nb),
        (
            "SpiffWorkflow reload",
            lambda u, n: spiff.complete_cases(u, n, "reload"),
            f"sqlite:///{tmp}/spiff_reload.db",
            nb,
        ),
        (
            "transitions per-case",
            lambda u, n: bare_transitions.complete_cases(u, n, "per_case"),
            f"sqlite:///{tmp}/per_case.db",
            nb,
        ),
        (
            "transitions shared",
            lambda u, n: bare_transitions.complete_cases(u, n, "shared"),
            f"sqlite:///{tmp}/shared.db",
            nb,
        ),
        ("SQLite commit floor", commit_floor.complete_cases, f"sqlite:///{tmp}/floor.db", nb),
    ]
    if pg:
        schema = pg_schema(pg)
        pg_url = schema.__enter__()
        targets.insert(1, ("zhongcai PG", zc.complete_cases, pg_url, nz))
    # runs interleaved (run 1 of every system, then run 2 ...) so that load from elsewhere on the
    # machine falls on all systems alike
    rates: dict[str, list[float]] = {t[0]: [] for t in targets}
    mem: dict[str, list[float]] = {t[0]: [] for t in targets if t[2].startswith("sqlite")}
    try:
        for _ in range(runs):
            for system, fn, url, n in targets:
                rates[system].append(n / fn(url, n))
                if system in mem:  # the same on an in-memory SQLite database: no disk wait
                    mem[system].append(n / fn("sqlite://", n))
        for system, _fn, url, n in targets:
            res.add("cases", title, unit, "higher", system, rates[system])
            total = runs * (n + 1)  # each run also completes one warm-up case
            stored = db_bytes(url) - _empty_bytes(system, url)
            res.add("bytes", "stored bytes per completed case", "B/case", "lower", system, [stored / total])
        for system, got in mem.items():
            res.add("cases_mem", "complete cases, in-memory SQLite (CPU only)", unit, "higher", system, got)
    finally:
        if pg:
            schema.__exit__(None, None, None)


def _empty_bytes(system: str, url: str) -> int:
    """The size of the same schema with no case (measured on a sibling database)."""
    if not url.startswith("sqlite"):
        return 0  # PostgreSQL: only the schema's tables count and they start (almost) empty
    path = Path(url.removeprefix("sqlite:///"))
    empty = path.with_name(path.stem + "_empty.db")
    from bench.systems import bare_transitions, spiff
    from bench.systems import zhongcai as zc

    eurl = f"sqlite:///{empty}"
    if system == "SQLite commit floor":
        from bench.systems import commit_floor

        commit_floor.connect(eurl).close()  # the schema only
        return db_bytes(eurl)
    if system.startswith("zhongcai"):
        zc.prepare(eurl)[0].dispose()
    elif system.startswith("SpiffWorkflow"):
        spiff.Store(eurl).db.dispose()
    else:
        bare_transitions.Store(eurl).db.dispose()
    return db_bytes(eurl)


# ---------------------------------------------------------------------------------------- memory


def hold_child(system: str, n: int, url: str) -> None:
    """In a child process: hold `n` open cases and print the memory they take (JSON)."""
    from bench.systems import bare_transitions, spiff
    from bench.systems import zhongcai as zc

    warm: Any = None
    if system.startswith("zhongcai"):
        warm = zc.hold_cases(url, 0)
    elif system == "SpiffWorkflow":
        spiff.new_workflow()
    else:
        bare_transitions.new_machine(bare_transitions.CaseModel(0, "received", 1, {}), "received")
        bare_transitions.shared_machine()
    gc.collect()
    rss0 = rss_bytes()
    tracemalloc.start()
    if system.startswith("zhongcai"):
        zc.hold_more(warm, n)
        held = warm
    elif system == "SpiffWorkflow":
        held = spiff.hold_cases(n)
    else:
        held = bare_transitions.hold_cases(n, "shared" if system.endswith("shared") else "per_case")
    gc.collect()
    traced, _peak = tracemalloc.get_traced_memory()
    rss1 = rss_bytes()
    print(json.dumps({"traced": traced, "rss": rss1 - rss0, "n": n, "held": type(held).__name__}))


def w_memory(res: Results, pg: str | None, tmp: Path, size: Callable[[str], int]) -> None:
    systems = [
        ("zhongcai SQLite", size("hold_zc"), f"sqlite:///{tmp}/hold.db"),
        ("SpiffWorkflow", size("hold_base"), ""),
        ("transitions per-case", size("hold_base"), ""),
        ("transitions shared", size("hold_base"), ""),
    ]
    for system, n, url in systems:
        got = []
        for run in range(size("mem_runs")):
            if url:
                url = f"sqlite:///{tmp}/hold{run}.db"
            out = subprocess.run(
                [PY, __file__, "--hold-child", system, str(n), url],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            ).stdout
            got.append(json.loads(out.strip().splitlines()[-1]))
        scale = 10_000 / n
        note = (
            "traced Python heap growth while the cases are open, scaled to 10,000 cases; zhongcai "
            f"opens {size('hold_zc'):,} through the runtime, the baselines hold {size('hold_base'):,}"
        )
        res.add(
            "memory",
            "MB held per 10,000 open cases (heap)",
            "MB",
            "lower",
            system,
            [g["traced"] * scale / 2**20 for g in got],
            note,
        )
        res.add(
            "memory_rss",
            "MB RSS growth per 10,000 open cases",
            "MB",
            "lower",
            system,
            [max(g["rss"], 0) * scale / 2**20 for g in got],
        )


# ---------------------------------------------------------------------------------------- scan, report


def w_scan(res: Results, pg: str | None, tmp: Path, size: Callable[[str], int]) -> None:
    from bench.systems import bare_sql

    n = size("deadlines")
    title = f"deadline scan over {n:,} running deadlines"

    def one(url: str, label: str) -> None:
        t0 = time.perf_counter()
        db, svc = bare_sql.load_deadlines(url, n)
        print(f"  ({label}: {n:,} deadlines loaded in {time.perf_counter() - t0:.0f} s)", flush=True)
        zc_runs, bare_runs, sel_runs = [], [], []
        for _ in range(size("runs")):
            bare_sql.reset_scan(db)
            took, b1, w1 = bare_sql.bare_scan(db)
            bare_runs.append(took)
            bare_sql.reset_scan(db)
            took, b2, w2 = bare_sql.zhongcai_scan(svc)
            zc_runs.append(took)
            if (b1, w1) != (b2, w2):
                raise SystemExit(f"MISMATCH scan: bare {b1} breaches {w1} warnings, zhongcai {b2}, {w2}")
            sel_runs.append(bare_sql.bare_select(db))
        note = (
            f"{b1:,} breaches and {w1:,} warnings written per run; bare = indexed INSERT ... SELECT "
            "of both in one transaction"
        )
        res.add("scan", title, "s", "lower", f"zhongcai {label}", zc_runs, note)
        res.add("scan", title, "s", "lower", f"bare SQL {label}", bare_runs, note)
        res.add(
            "scan_select",
            "bare indexed SELECT of the overdue deadlines",
            "s",
            "lower",
            f"bare SQL {label}",
            sel_runs,
        )
        db.dispose()

    one(f"sqlite:///{tmp}/scan.db", "SQLite")
    if pg:
        with pg_schema(pg) as url:
            one(url, "PG")


def w_report(res: Results, pg: str | None, tmp: Path, size: Callable[[str], int]) -> None:
    from bench import report_bench as rb
    from engine import Database
    from engine.codes.code_tables import CodeTables
    from engine.monitoring.indicators import Scope

    n, months = size("report_cases"), 24
    codes = CodeTables.load(ROOT / "codes")
    month = (dt.date(2025, 1, 1) + dt.timedelta(days=months * 15)).strftime("%Y-%m")
    title = f"monthly report over {n:,} cases"

    def one(url: str, label: str) -> None:
        db = Database(url)
        loaded = (rb.load_sqlite if db.is_sqlite else rb.load_postgres)(db, n, months)
        print(f"  ({label}: {n:,} cases loaded in {loaded:.0f} s)", flush=True)
        _first, report = rb.timed_report(db, codes, month, Scope())
        _bare_first, got = rb.bare(db, month)
        for key, value in got.items():
            if report.measures[key] != value:
                raise SystemExit(f"MISMATCH report {key}: {report.measures[key]} != bare SQL {value}")
        zc_runs = [rb.timed_report(db, codes, month, Scope())[0] for _ in range(max(size("runs"), 3))]
        bare_runs = [rb.bare(db, month)[0] for _ in range(max(size("runs"), 3))]
        note = f"month {month}, whole country, warm; figures checked equal to the bare aggregate"
        res.add("report", title, "s", "lower", f"zhongcai {label}", zc_runs, note)
        res.add("report", title, "s", "lower", f"bare SQL {label}", bare_runs, note)
        db.dispose()

    one(f"sqlite:///{tmp}/report.db", "SQLite")
    if pg:
        with pg_schema(pg) as url:
            one(url, "PG")


def w_performance(res: Results, pg: str | None, tmp: Path, size: Callable[[str], int]) -> None:
    from bench import performance_bench as pb
    from engine import Database
    from engine.codes.code_tables import CodeTables

    n, staff = size("perf_cases"), size("perf_staff")
    path = pb.sqlite_file(n, staff)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".tmp")
        part.unlink(missing_ok=True)
        db = Database(f"sqlite:///{part}")
        print(f"  (SQLite: {n:,} cases, {staff:,} staff loaded in {pb.load(db, n, staff):.0f} s)", flush=True)
        db.dispose()
        part.rename(path)
    db = Database(f"sqlite:///{path}")
    codes = CodeTables.load(ROOT / "codes")
    _first, report = pb.timed(db, codes, None)
    pb._agree(report, pb.bare(db, None)[1])
    runs = max(size("runs"), 3)
    zc_runs = [pb.timed(db, codes, None)[0] for _ in range(runs)]
    bare_runs = [pb.bare(db, None)[0] for _ in range(runs)]
    title = f"performance figures, {staff:,} staff over {n:,} cases"
    note = (
        f"quarter {pb.START}..{pb.END}, all institutions, warm; figures checked equal to the bare aggregate"
    )
    res.add("performance", title, "s", "lower", "zhongcai SQLite", zc_runs, note)
    res.add("performance", title, "s", "lower", "bare SQL SQLite", bare_runs, note)
    db.dispose()


def w_library(res: Results, pg: str | None, tmp: Path, size: Callable[[str], int]) -> None:
    """Library search p95 latency over the real corpus plus generated cases, beside bare bm25s."""
    from bench import library_bench as lb
    from engine.library.documents import corpus_from_dir

    n = size("library_generated")
    build, full, bare = lb.latency(corpus_from_dir(), n, 200)
    title = f"library search p95, real corpus + {n:,} generated cases (200 queries)"
    note = f"index build {build:.1f} s (target < 60 s); p95 target < 50 ms"
    res.add("library", title, "ms", "lower", "zhongcai full ranker", [lb.p95(full)], note)
    res.add("library", title, "ms", "lower", "bare bm25s", [lb.p95(bare)], note)


# ---------------------------------------------------------------------------------------- cold start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_until_up(url: str) -> float:
    import httpx

    port = _free_port()
    env = {**os.environ, "ZHONGCAI_DATABASE_URL": url}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [PY, "cli.py", "serve", "--port", str(port), "--no-scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - t0 < 60:
            if proc.poll() is not None:
                raise SystemExit(f"zhongcai serve exited with {proc.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        raise SystemExit("zhongcai serve did not answer within 60 s")
    finally:
        proc.kill()
        proc.wait()


def w_coldstart(res: Results, pg: str | None, tmp: Path, size: Callable[[str], int]) -> None:
    runs = size("cold_runs")
    validate = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([PY, "cli.py", "procedures", "validate"], cwd=ROOT, check=True, capture_output=True)
        validate.append(time.perf_counter() - t0)
    res.add(
        "cold_validate", "cold start: zhongcai procedures validate", "s", "lower", "zhongcai SQLite", validate
    )
    serve = []
    for i in range(runs):
        serve.append(_serve_until_up(f"sqlite:///{tmp}/serve{i}.db"))  # a new database: migrations included
    res.add(
        "cold_serve", "cold start: zhongcai serve until it answers", "s", "lower", "zhongcai SQLite", serve
    )
    if pg:
        with pg_schema(pg) as url:
            serve = [_serve_until_up(url) for _ in range(runs)]
        res.add(
            "cold_serve", "cold start: zhongcai serve until it answers", "s", "lower", "zhongcai PG", serve
        )


# ---------------------------------------------------------------------------------------- table, JSON

RATIOS = [  # (workload, numerator, denominator, target text, ok(ratio))
    ("cases", "zhongcai SQLite", "SpiffWorkflow", ">= 5x", lambda r: r >= 5),
    ("cases", "zhongcai SQLite", "SpiffWorkflow reload", "", None),
    ("cases", "zhongcai SQLite", "transitions shared", ">= 0.5x", lambda r: r >= 0.5),
    ("cases", "zhongcai PG", "zhongcai SQLite", "", None),
    ("cases", "SQLite commit floor", "SpiffWorkflow", "", None),
    ("cases_mem", "zhongcai SQLite", "SpiffWorkflow", "", None),
    ("cases_mem", "zhongcai SQLite", "transitions shared", "", None),
    ("cases_mem", "SQLite commit floor", "SpiffWorkflow", "", None),
    ("scan", "zhongcai SQLite", "bare SQL SQLite", "<= 3x", lambda r: r <= 3),
    ("scan", "zhongcai PG", "bare SQL PG", "<= 3x", lambda r: r <= 3),
    ("report", "zhongcai SQLite", "bare SQL SQLite", "<= 2x", lambda r: r <= 2),
    ("report", "zhongcai PG", "bare SQL PG", "<= 2x", lambda r: r <= 2),
    ("performance", "zhongcai SQLite", "bare SQL SQLite", "", None),
    ("library", "zhongcai full ranker", "bare bm25s", "", None),
]


def ratios(res: Results) -> list[dict[str, Any]]:
    out = []
    for key, num, den, target, ok in RATIOS:
        a, b = res.median(key, num), res.median(key, den)
        if a is None or b is None or b == 0:
            continue
        r = a / b
        out.append(
            {
                "workload": key,
                "system": num,
                "against": den,
                "ratio": r,
                "target": target,
                "met": None if ok is None else bool(ok(r)),
            }
        )
    return out


def table(res: Results, rats: list[dict[str, Any]]) -> str:
    cols = [c for c in COLUMNS if any(c in w["systems"] for w in res.workloads.values())]
    lines = [
        "| workload | unit | " + " | ".join(cols) + " | ratio (target) |",
        "|---|---|" + "---:|" * len(cols) + "---|",
    ]
    for key, wl in res.workloads.items():
        cells = []
        for c in cols:
            got = wl["systems"].get(c)
            cells.append("" if got is None else _fmt(got["median"]))
        rs = [
            f"{r['system'].replace('zhongcai ', '')}/{r['against']} {r['ratio']:.2f}x"
            + (f" ({r['target']}: {'met' if r['met'] else 'MISSED'})" if r["target"] else "")
            for r in rats
            if r["workload"] == key
        ]
        lines.append(f"| {wl['title']} | {wl['unit']} | " + " | ".join(cells) + " | " + "; ".join(rs) + " |")
    return "\n".join(lines)


def versions(pg: str | None) -> dict[str, Any]:
    def git(*a: str) -> str:
        try:
            return subprocess.run(
                ["git", *a], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    out: dict[str, Any] = {
        "zhongcai": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--", "engine", "api", "cli.py")),
        "sqlite": sqlite3.sqlite_version,
        "python": platform.python_version(),
    }
    for lib in ("SQLAlchemy", "SpiffWorkflow", "transitions", "psycopg", "fastapi", "uvicorn"):
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = None
    if pg:
        import sqlalchemy as sa

        eng = sa.create_engine(pg)
        try:
            with eng.connect() as conn:
                out["postgres"] = conn.exec_driver_sql("show server_version").scalar_one()
        finally:
            eng.dispose()
    return out


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_at_start": os.getloadavg(),
    }


def _ensure_bench_extra() -> None:
    """`make bench` installs only the test extra: install the bench one (SpiffWorkflow) when missing."""
    try:
        metadata.version("SpiffWorkflow")
    except metadata.PackageNotFoundError:
        print("installing the bench extra: pip install -e '.[bench]' (SpiffWorkflow)", flush=True)
        subprocess.run([PY, "-m", "pip", "install", "-q", "-e", ".[bench]"], cwd=ROOT, check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="small N everywhere (a smoke run under a minute)")
    ap.add_argument("--pg-url", default=os.environ.get("ZHONGCAI_TEST_PG_URL") or PG_DEFAULT)
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    ap.add_argument(
        "--only", default=",".join(WORKLOADS), help=f"comma-separated subset of {','.join(WORKLOADS)}"
    )
    ap.add_argument("--no-save", action="store_true", help="do not write bench/results/*.json")
    ap.add_argument("--hold-child", nargs=3, metavar=("SYSTEM", "N", "URL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.hold_child:
        hold_child(args.hold_child[0], int(args.hold_child[1]), args.hold_child[2])
        return
    _ensure_bench_extra()
    pg = None if args.no_pg else args.pg_url
    if pg:
        import sqlalchemy as sa

        try:
            eng = sa.create_engine(pg)
            with eng.connect():
                pass
            eng.dispose()
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL at {pg} is not reachable ({exc.__class__.__name__}); use --no-pg to skip it")
            raise SystemExit(2) from None
    only = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(only) - set(WORKLOADS)
    if unknown:
        raise SystemExit(f"unknown workload(s) {sorted(unknown)}: choose from {', '.join(WORKLOADS)}")

    def size(key: str) -> int:
        return SIZES[key][1 if args.quick else 0]

    res = Results(args.quick)
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    steps = {
        "cases": w_cases,
        "memory": w_memory,
        "scan": w_scan,
        "report": w_report,
        "performance": w_performance,
        "library": w_library,
        "coldstart": w_coldstart,
    }
    with tempfile.TemporaryDirectory(prefix="zc-bench-") as d:
        for key in WORKLOADS:
            if key in only and key in steps:
                print(f"[{key}]", flush=True)
                steps[key](res, pg, Path(d), size)
    rats = ratios(res)
    text = table(res, rats)
    elapsed = time.perf_counter() - t0
    command = "make bench" if not args.quick else "python bench/run_all.py --quick"
    print(f"\n{text}\n\n({'quick' if args.quick else 'full'} run, {elapsed:.0f} s; command: {command})")
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        ver = versions(pg)
        doc = {
            "started": started.isoformat(),
            "seconds": round(elapsed, 1),
            "quick": args.quick,
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "machine": machine(),
            "versions": ver,
            "sizes": {k: v[1 if args.quick else 0] for k, v in SIZES.items()},
            "workloads": res.workloads,
            "ratios": rats,
            "table": text,
        }
        name = f"{started:%Y%m%dT%H%M%SZ}-{ver['zhongcai'][:8]}{'-quick' if args.quick else ''}.json"
        (RESULTS / name).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        print(f"results: {(RESULTS / name).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
