"""zhongcai itself: `CaseService` on SQLite or PostgreSQL, every action one transaction with all its
checks, clock arithmetic on the national calendar, rendered documents, the hash-chained event, the
monitoring record and the optimistic version bump.

The case path is the demo's (engine/demo/walkthrough.py): open, attach, accept ... award, deliver, take effect.
Nothing about an open case is held in memory: a case is its rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from zoneinfo import ZoneInfo

from bench.systems import OPENED_ON, ROOT, STEPS
from engine import Actor, CaseService, Database, ProcedureLibrary, init_db
from engine.cases.runtime import ensure_institution
from engine.demo.walkthrough import FACTS

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAME = "zhongcai"


@functools.cache
def library() -> ProcedureLibrary:
    return ProcedureLibrary.load(ROOT / "procedures", ROOT / "codes", ROOT / "documents")


class _Clock:
    def __init__(self) -> None:
        self.day = OPENED_ON

    def __call__(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(10), SHANGHAI)


def prepare(url: str) -> tuple[Database, CaseService, _Clock]:
    db = init_db(url)
    ensure_institution(db, "bench", "基准测试仲裁委员会", "110105", abbr="测")
    clock = _Clock()
    return db, CaseService(db, library(), now=clock), clock


def open_case(svc: CaseService, clock: _Clock) -> int:
    clock.day = OPENED_ON
    return svc.open_case("arbitration", OPENED_ON, FACTS, "bench", Actor("bench-clerk", "clerk")).id


def run_case(svc: CaseService, clock: _Clock) -> None:
    case_id = open_case(svc, clock)
    for when, action, role, facts, documents in STEPS:
        clock.day = when
        actor = Actor(f"bench-{role}", role)
        if action == "attach":
            svc.attach(case_id, documents or [], when, actor)
        else:
            svc.fire(case_id, action, actor, when, facts=facts, documents=documents)


def complete_cases(url: str, n: int) -> float:
    db, svc, clock = prepare(url)
    try:
        run_case(svc, clock)  # warm caches (procedure, templates, calendar)
        start = time.perf_counter()
        for _ in range(n):
            run_case(svc, clock)
        return time.perf_counter() - start
    finally:
        db.dispose()


def final_stages(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("select stage, count(*) from case_file group by stage").all()
    finally:
        db.dispose()
    return {str(r[0]): int(r[1]) for r in rows}


def hold_cases(url: str, n: int) -> object:
    """Open `n` cases through the runtime. zhongcai keeps nothing per case in memory (a case is its
    rows); the service and its caches stay alive while the caller measures."""
    db, svc, clock = prepare(url)
    open_case(svc, clock)  # warm: procedure, calendar, caches
    return svc, clock


def hold_more(held: object, n: int) -> None:
    svc, clock = held  # type: ignore[misc]
    for _ in range(n):
        open_case(svc, clock)
