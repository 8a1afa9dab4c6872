"""Optimistic concurrency: two clients advancing the same case at once cannot both succeed.

Threads on SQLite (one file, WAL, BEGIN IMMEDIATE) and processes on PostgreSQL (forked from this
process, each with its own engine). Exactly one winner; every loser gets `CaseConflict` (or, when it
did not say which version it read, a refusal because the stage moved on); nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import threading
from collections import Counter
from typing import Any

import pytest

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.errors import CaseConflict, EventNotAllowed
from engine.oversight.verify import verify_store
from engine.store.db import Database
from tests.fixtures_runtime import MovableNow, load_mini, prepared_db

D = dt.date
CLERK = Actor("c1", "clerk")
ARBITRATOR = Actor("a1", "arbitrator")
N = 8


def _accepted_case(svc: CaseService) -> int:
    case = svc.open_case("mini", D(2026, 1, 5), {"claim_amount": 100}, "inst", CLERK)
    svc.fire(case.id, "accept", CLERK, D(2026, 1, 5), documents=["application"])
    return case.id


def _race(n: int, attempt: Any) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            attempt()
            result = "won"
        except CaseConflict:
            result = "conflict"
        except EventNotAllowed as exc:
            result = f"refused:{exc.code}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_threads_same_version_exactly_one_winner_sqlite(sqlite_url: str) -> None:
    db = prepared_db(sqlite_url)
    svc = CaseService(db, load_mini(), now=MovableNow(D(2026, 1, 5)))
    case_id = _accepted_case(svc)
    version = svc.get(case_id).version
    outcomes = _race(N, lambda: svc.fire(case_id, "amend", CLERK, D(2026, 1, 5), expected_version=version))
    assert Counter(outcomes) == {"won": 1, "conflict": N - 1}
    assert svc.get(case_id).version == version + 1
    assert len(svc.history(case_id)) == version + 1
    assert verify_store(svc).ok


def test_threads_stage_change_exactly_one_winner_sqlite(sqlite_url: str) -> None:
    db = prepared_db(sqlite_url)
    svc = CaseService(db, load_mini(), now=MovableNow(D(2026, 1, 5)))
    case_id = _accepted_case(svc)
    outcomes = _race(N, lambda: svc.fire(case_id, "award", ARBITRATOR, D(2026, 1, 5)))
    assert outcomes.count("won") == 1
    assert set(outcomes) - {"won"} <= {"conflict", "refused:stage"}
    assert [e.action for e in svc.history(case_id)].count("award") == 1
    assert verify_store(svc).ok


def test_threads_opening_cases_never_share_or_skip_a_number_sqlite(sqlite_url: str) -> None:
    db = prepared_db(sqlite_url)
    svc = CaseService(db, load_mini(), now=MovableNow(D(2026, 1, 5)))
    numbers: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(N)

    def open_five() -> None:
        barrier.wait()
        for _ in range(5):
            view = svc.open_case("mini", D(2026, 1, 5), {}, "inst", CLERK)
            with lock:
                numbers.append(view.case_number)

    threads = [threading.Thread(target=open_five) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # receipt numbers (收件登记号): the 案号 waits for acceptance
    assert sorted(numbers) == sorted(f"京朝劳人仲收字〔2026〕第{n}号" for n in range(1, 5 * N + 1))


def test_threads_accepting_cases_never_share_or_skip_a_case_number_sqlite(sqlite_url: str) -> None:
    """The 案号 is allotted in the accepting transaction; concurrent acceptances of
    different cases take 1..n, each once, and a refused (rolled-back) acceptance gives its number back."""
    db = prepared_db(sqlite_url)
    svc = CaseService(db, load_mini(), now=MovableNow(D(2026, 1, 5)))
    ids = [svc.open_case("mini", D(2026, 1, 5), {"claim_amount": 1}, "inst", CLERK).id for _ in range(N)]
    for case_id in ids:
        svc.attach(case_id, ["application"], D(2026, 1, 5), CLERK)
    todo = list(ids)
    lock = threading.Lock()

    def accept_one() -> None:
        with lock:
            case_id = todo.pop()
        svc.fire(case_id, "accept", CLERK, D(2026, 1, 5))

    outcomes = _race(N, accept_one)
    assert outcomes == ["won"] * N
    numbers = [svc.get(i).case_number for i in ids]
    assert sorted(numbers) == sorted(f"京朝劳人仲案字〔2026〕第{n}号" for n in range(1, N + 1))
    # a refused acceptance (no application on file) takes no number
    late = svc.open_case("mini", D(2026, 1, 5), {"claim_amount": 1}, "inst", CLERK)
    with pytest.raises(EventNotAllowed):
        svc.fire(late.id, "accept", CLERK, D(2026, 1, 5))
    svc.fire(late.id, "accept", CLERK, D(2026, 1, 5), documents=["application"])
    assert svc.get(late.id).case_number == f"京朝劳人仲案字〔2026〕第{N + 1}号"
    assert verify_store(svc).ok


def _pg_worker(url: str, case_id: int, version: int, barrier: Any, results: Any) -> None:
    db = Database(url)
    svc = CaseService(db, load_mini(), now=MovableNow(D(2026, 1, 5)))
    barrier.wait()
    try:
        svc.fire(case_id, "amend", CLERK, D(2026, 1, 5), expected_version=version)
        results.put("won")
    except CaseConflict:
        results.put("conflict")
    except Exception as exc:
        results.put(f"error:{type(exc).__name__}:{exc}")
    finally:
        db.dispose()


def _pg_open_worker(url: str, barrier: Any, results: Any) -> None:
    db = Database(url)
    svc = CaseService(db, load_mini(), now=MovableNow(D(2026, 1, 5)))
    barrier.wait()
    try:
        for _ in range(3):
            view = svc.open_case("mini", D(2026, 1, 5), {}, "inst", CLERK)
            results.put((view.id, view.case_number))
    finally:
        db.dispose()


def _pg_accept_worker(url: str, case_ids: list[int], barrier: Any, results: Any) -> None:
    db = Database(url)
    svc = CaseService(db, load_mini(), now=MovableNow(D(2026, 1, 5)))
    barrier.wait()
    try:
        for case_id in case_ids:
            svc.fire(case_id, "accept", CLERK, D(2026, 1, 5), documents=["application"])
            results.put(svc.get(case_id).case_number)
    except Exception as exc:
        results.put(f"error:{type(exc).__name__}:{exc}")
    finally:
        db.dispose()


@pytest.mark.pg
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_processes_same_version_exactly_one_winner_postgres(pg_url: str) -> None:
    db = prepared_db(pg_url)
    svc = CaseService(db, load_mini(), now=MovableNow(D(2026, 1, 5)))
    case_id = _accepted_case(svc)
    version = svc.get(case_id).version
    db.dispose()  # children open their own connections
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(N), ctx.Queue()
    procs = [
        ctx.Process(target=_pg_worker, args=(pg_url, case_id, version, barrier, results)) for _ in range(N)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert Counter(outcomes) == {"won": 1, "conflict": N - 1}, outcomes
    assert svc.get(case_id).version == version + 1
    assert verify_store(svc).ok

    barrier, results = ctx.Barrier(4), ctx.Queue()
    db.dispose()
    procs = [ctx.Process(target=_pg_open_worker, args=(pg_url, barrier, results)) for _ in range(4)]
    for p in procs:
        p.start()
    opened = [results.get(timeout=60) for _ in range(12)]
    for p in procs:
        p.join(timeout=60)
    # case 1 was opened above; the 12 concurrent openings take receipt numbers 2..13, each exactly once
    numbers = [number for _, number in opened]
    assert sorted(numbers) == sorted(f"京朝劳人仲收字〔2026〕第{n}号" for n in range(2, 14))

    # and 4 processes accepting 3 cases each take the 案号 2..13 (case 1 took 1), each exactly once
    ids = [case_id for case_id, _ in opened]
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [
        ctx.Process(target=_pg_accept_worker, args=(pg_url, ids[i::4], barrier, results)) for i in range(4)
    ]
    for p in procs:
        p.start()
    accepted = [results.get(timeout=60) for _ in range(12)]
    for p in procs:
        p.join(timeout=60)
    assert sorted(accepted) == sorted(f"京朝劳人仲案字〔2026〕第{n}号" for n in range(2, 14)), accepted
    assert verify_store(svc).ok
    db.dispose()
