"""Crash safety: SIGKILL a writer in the middle of a stream of transitions, many times, then verify.

The writer is forked from this process (the compiled procedures are inherited, so a round costs
milliseconds), opens its own engine, and opens and advances cases as fast as it can until it is
killed at a random moment, often inside a transaction. Afterwards `verify_store` must find every case
whole: stage equals the last event's target, no sequence gaps, the hash chain verifies, every event
has its monitoring record, and the deadline rows equal a replay of the events.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import time
import traceback
from collections.abc import Callable

import pytest
from sqlmodel import func, select

from engine.cases.casefile import Actor
from engine.cases.fact_bounds import code_tables
from engine.cases.runtime import CaseService
from engine.errors import CaseConflict, EventNotAllowed
from engine.oversight.scan import scan
from engine.oversight.verify import verify_store
from engine.store.db import Database
from engine.store.tables import EventRow
from tests.fixtures_runtime import MovableNow, load_mini, prepared_db

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

D = dt.date
KILLS = 20
CLERK, DIRECTOR, ARBITRATOR = Actor("c", "clerk"), Actor("d", "director"), Actor("a", "arbitrator")
STREAM: list[tuple[str, Actor, dict[str, int] | None, list[str] | None]] = [
    ("accept", CLERK, None, ["application"]),
    ("suspend", DIRECTOR, None, None),
    ("resume", DIRECTOR, None, None),
    ("amend", CLERK, None, None),
    ("extend", DIRECTOR, {"days": 10}, None),
    ("award", ARBITRATOR, None, None),
    ("deliver", CLERK, None, None),
]


def _write_forever(url: str, seed: int) -> None:
    """The writer: open a case, run the stream on it, repeat; also tick and attach now and then."""
    rng = random.Random(seed)
    db = Database(url)
    now = MovableNow(D(2026, 1, 5))
    svc = CaseService(db, load_mini(), now=now)
    while True:
        case = svc.open_case("mini", D(2026, 1, 5), {"claim_amount": rng.randint(0, 99999)}, "inst", CLERK)
        for action, actor, facts, docs in STREAM:
            try:
                svc.fire(case.id, action, actor, D(2026, 1, 5), facts=facts, documents=docs)
            except (CaseConflict, EventNotAllowed):
                pass
            if rng.random() < 0.2:
                svc.attach(case.id, {"evidence": os.urandom(64)}, D(2026, 1, 5), CLERK)
        if rng.random() < 0.3:  # the challenge periods expire: take_effect fires as the system
            scan(svc, now.to(D(2026, 3, 1)).day)
            now.to(D(2026, 1, 5))


def _warm_up(db: Database) -> None:
    svc = CaseService(db, load_mini(), now=MovableNow(D(2026, 1, 5)))
    case = svc.open_case("mini", D(2026, 1, 5), {}, "inst", CLERK)
    for action, actor, facts, docs in STREAM:
        svc.fire(case.id, action, actor, D(2026, 1, 5), facts=facts, documents=docs)


def _kill_many(url: str, make_parent_db: Callable[[], Database]) -> int:
    rng = random.Random(4)
    for round_ in range(KILLS):
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            try:
                _write_forever(url, round_)
            except BaseException:
                traceback.print_exc()
                os._exit(3)
            os._exit(0)
        time.sleep(rng.uniform(0.2, 0.6))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, "the writer died on its own"
    db = make_parent_db()
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(EventRow)).one())


def _check(url: str) -> None:
    code_tables()  # loaded once here, inherited by every writer
    db = prepared_db(url)
    _warm_up(db)  # every lazy cache (calendar, monitoring spec, machines) is filled before forking
    db.dispose()  # the children must not share the parent's connections
    events = _kill_many(url, lambda: Database(url))
    assert events > KILLS, f"the writers hardly wrote anything ({events} events)"
    parent = Database(url)
    report = verify_store(CaseService(parent, load_mini(), now=MovableNow(D(2026, 3, 1))))
    assert report.ok, "\n".join(map(str, report.findings[:20]))
    assert report.cases > 1 and report.events == events
    parent.dispose()


@pytest.mark.slow
def test_sigkill_writer_many_times_sqlite(sqlite_url: str) -> None:
    _check(sqlite_url)


@pytest.mark.slow
@pytest.mark.pg
def test_sigkill_writer_many_times_postgres(pg_url: str) -> None:
    _check(pg_url)
