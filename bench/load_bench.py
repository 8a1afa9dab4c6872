"""Load on the HTTP API: many concurrent clients firing actions, on SQLite and on PostgreSQL.

Run: .venv/bin/python bench/load_bench.py [--clients 16] [--fires 20] [--shared-every 4]
                                           [--time-limit 90] [--no-pg] [--pg-url URL]

For each database it starts `zhongcai serve --seed-demo --no-scheduler` (uvicorn, one process) on
127.0.0.1 with a fresh database, then:
- every client opens its own case (POST /v1/cases), attaches the two required documents
  (multipart), accepts it, and fires `add_party` `--fires` times with `If-Match` (each one a full
  transaction: checks, clock restart, hash-chained event, monitoring record, version bump);
- every `--shared-every`-th fire goes to ONE case shared by all clients instead: optimistic
  concurrency makes losers get 409, re-read the version and retry (bounded retries);
- baseline, measured in the same run: one client doing the same work alone.
It prints throughput (successful fires/s, and all fire requests/s including the 409s), p50 and p99
latency of the fire requests, the 409 count,
and the proof: for every case the number of `add_party` events in the database equals the number of
200 answers the clients received (none lost, none doubled), and every case's event `seq` runs
1..n without a gap or a repeat. Bounded: clients x fires requests and `--time-limit` seconds per
database. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CLERK = {"Authorization": "Bearer demo-clerk-nn"}
AT_OPEN, AT_ACCEPT, AT_FIRE = "2026-11-02", "2026-11-03", "2026-11-05"
PDF = b"%PDF-1.4\n% load bench\n%%EOF\n"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    ok: Counter[int] = field(default_factory=Counter)  # case id -> 200 answers to add_party
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(db_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "ZHONGCAI_DATABASE_URL": db_url}
    cmd = [
        sys.executable,
        str(ROOT / "cli.py"),
        "serve",
        "--seed-demo",
        "--no-scheduler",
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early; see {log}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"server did not come up in 120 s; see {log}")


def prepare_case(client: httpx.Client) -> tuple[int, int]:
    """Open, attach and accept a case; returns (case id, version)."""
    r = client.post("/v1/cases", json={"at": AT_OPEN, "facts": {"claim_amount": "5000"}}, headers=CLERK)
    r.raise_for_status()
    cid = r.json()["id"]
    for doc in ("application", "applicant_identity"):
        r = client.post(
            f"/v1/cases/{cid}/documents",
            data={"document_id": doc, "at": AT_OPEN},
            files={"file": (f"{doc}.pdf", PDF, "application/pdf")},
            headers=CLERK,
        )
        r.raise_for_status()
    version = int(client.get(f"/v1/cases/{cid}", headers=CLERK).headers["ETag"].strip('"'))
    r = client.post(
        f"/v1/cases/{cid}/actions/accept", json={"at": AT_ACCEPT}, headers={**CLERK, "If-Match": str(version)}
    )
    r.raise_for_status()
    return cid, r.json()["version"]


def fire(client: httpx.Client, tally: Tally, cid: int, version: int, retries: int = 50) -> int:
    """Fire add_party with If-Match; on 409 re-read and retry. Returns the new version."""
    for _ in range(retries):
        t0 = time.perf_counter()
        r = client.post(
            f"/v1/cases/{cid}/actions/add_party",
            json={"at": AT_FIRE},
            headers={**CLERK, "If-Match": f'"{version}"'},
        )
        dt_ = time.perf_counter() - t0
        with tally.lock:
            tally.latencies.append(dt_)
        if r.status_code == 200:
            with tally.lock:
                tally.ok[cid] += 1
            return int(r.json()["version"])
        if r.status_code == 409:
            with tally.lock:
                tally.conflicts += 1
            version = int(client.get(f"/v1/cases/{cid}", headers=CLERK).headers["ETag"].strip('"'))
            continue
        with tally.lock:
            tally.errors.append(f"{r.status_code} {r.text[:200]}")
        return version
    with tally.lock:
        tally.errors.append(f"case {cid}: gave up after {retries} conflicts")
    return version


def run_clients(
    base: str, clients: int, fires: int, shared_every: int, time_limit: float
) -> tuple[Tally, float]:
    tally = Tally()
    with httpx.Client(base_url=base, timeout=60) as c:
        shared, _ = prepare_case(c)
    own: list[tuple[int, int]] = []
    with httpx.Client(base_url=base, timeout=60) as c:
        for _ in range(clients):
            own.append(prepare_case(c))
    stop_at = time.monotonic() + time_limit
    barrier = threading.Barrier(clients)

    def worker(i: int) -> None:
        cid, version = own[i]
        with httpx.Client(base_url=base, timeout=60) as c:
            shared_version = int(c.get(f"/v1/cases/{shared}", headers=CLERK).headers["ETag"].strip('"'))
            barrier.wait()
            for n in range(fires):
                if time.monotonic() > stop_at:
                    break
                if shared_every and n % shared_every == shared_every - 1:
                    shared_version = fire(c, tally, shared, shared_version)
                else:
                    version = fire(c, tally, cid, version)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.perf_counter() - t0


def verify(db_url: str, tally: Tally) -> list[str]:
    """None lost, none doubled: events in the store == 200 answers; seq contiguous per case."""
    problems = []
    eng = sa.create_engine(db_url)
    with eng.connect() as conn:
        for cid, answered in sorted(tally.ok.items()):
            stored = conn.execute(
                sa.text("select count(*) from case_event where case_id = :c and action = 'add_party'"),
                {"c": cid},
            ).scalar_one()
            if stored != answered:
                problems.append(f"case {cid}: {answered} successful answers but {stored} events stored")
        for cid, seqs in _seqs(conn).items():
            if seqs != list(range(1, len(seqs) + 1)):
                problems.append(f"case {cid}: event seq not 1..n: {seqs[:10]}...")
        versions = conn.execute(sa.text("select id, version from case_file")).all()
        events = dict(
            conn.execute(sa.text("select case_id, count(*) from case_event group by case_id")).all()
        )
        for cid, version in versions:
            if version != events.get(cid, 0):
                problems.append(f"case {cid}: version {version} but {events.get(cid, 0)} events")
    eng.dispose()
    return problems


def _seqs(conn: sa.Connection) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for cid, seq in conn.execute(sa.text("select case_id, seq from case_event order by case_id, seq")):
        out.setdefault(cid, []).append(seq)
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench(name: str, db_url: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    proc, base = start_server(db_url, workdir / f"{name}.log")
    try:
        run_clients(base, 1, 5, 0, args.time_limit)  # warm-up (caches, first connections), not counted
        base_tally, base_wall = run_clients(base, 1, args.fires, 0, args.time_limit)
        tally, wall = run_clients(base, args.clients, args.fires, args.shared_every, args.time_limit)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    problems = verify(db_url, tally) + verify(db_url, base_tally) + tally.errors + base_tally.errors
    ok = sum(tally.ok.values())
    base_ok = sum(base_tally.ok.values())
    out = {
        "db": name,
        "clients": args.clients,
        "fires_ok": ok,
        "conflicts_409": tally.conflicts,
        "throughput": ok / wall,
        "requests_per_s": len(tally.latencies) / wall,
        "p50_ms": 1000 * statistics.median(tally.latencies),
        "p99_ms": 1000 * pct(tally.latencies, 0.99),
        "baseline_throughput": base_ok / base_wall,
        "baseline_p50_ms": 1000 * statistics.median(base_tally.latencies),
        "problems": problems,
    }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--fires", type=int, default=20, help="fires per client")
    ap.add_argument(
        "--shared-every", type=int, default=4, help="every n-th fire goes to the shared case (0: never)"
    )
    ap.add_argument("--time-limit", type=float, default=90.0, help="seconds per run")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument(
        "--pg-url",
        default=os.environ.get("ZHONGCAI_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = ap.parse_args()
    args.clients = max(1, min(args.clients, 64))
    args.fires = max(1, min(args.fires, 500))
    results = []
    with tempfile.TemporaryDirectory(prefix="zc-load-") as tmp:
        workdir = Path(tmp)
        results.append(bench("sqlite", f"sqlite:///{workdir / 'load.db'}", args, workdir))
        if not args.no_pg:
            schema = f"load_{uuid.uuid4().hex[:10]}"
            try:
                admin = sa.create_engine(args.pg_url)
                with admin.begin() as conn:
                    conn.execute(sa.text(f'create schema "{schema}"'))
            except sa.exc.OperationalError as exc:
                print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipping it", file=sys.stderr)
            else:
                sep = "&" if "?" in args.pg_url else "?"
                try:
                    results.append(
                        bench(
                            "postgresql", f"{args.pg_url}{sep}options=-csearch_path%3D{schema}", args, workdir
                        )
                    )
                finally:
                    with admin.begin() as conn:
                        conn.execute(sa.text(f'drop schema "{schema}" cascade'))
                    admin.dispose()
    print(
        f"\nload: {args.clients} clients x {args.fires} fires of add_party; "
        + (f"every {args.shared_every}th on one shared case" if args.shared_every else "no shared case")
    )
    print(
        f"{'db':<11}{'ok':>6}{'409':>6}{'fires/s':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'1-client/s':>12}{'ratio':>7}"
        "  lost/doubled"
    )
    failed = False
    for r in results:
        ratio = r["throughput"] / r["baseline_throughput"] if r["baseline_throughput"] else float("nan")
        proof = (
            "none (events == 200 answers, seq 1..n)"
            if not r["problems"]
            else f"{len(r['problems'])} PROBLEMS"
        )
        print(
            f"{r['db']:<11}{r['fires_ok']:>6}{r['conflicts_409']:>6}{r['throughput']:>9.1f}"
            f"{r['requests_per_s']:>8.1f}{r['p50_ms']:>9.1f}"
            f"{r['p99_ms']:>9.1f}{r['baseline_throughput']:>12.1f}{ratio:>7.2f}  {proof}"
        )
        for p in r["problems"][:10]:
            print(f"   - {p}")
        failed = failed or bool(r["problems"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
