"""Fixtures for the runtime, store, concurrency and crash tests (loaded as a plugin by conftest).

`mini_library` compiles tests/runtime_procedures/mini.yaml (a small procedure with every clock
operation); `arb_library` the real procedures/; `sqlite_url` a fresh migrated SQLite file;
`make_service(db, library)` a CaseService whose clock is a `MovableNow` set with `.to(date)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine.cases.runtime import CaseService, ensure_institution
from engine.procedures.library import ProcedureLibrary
from engine.store.db import Database, init_db
from tests.paths import ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")


class MovableNow:
    """A clock for tests: `now()` is noon Asia/Shanghai of the current day; `to(day)` moves it."""

    def __init__(self, day: dt.date = dt.date(2026, 1, 5)) -> None:
        self.day = day

    def to(self, day: dt.date) -> MovableNow:
        self.day = day
        return self

    def __call__(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(12), SHANGHAI)


@lru_cache(maxsize=1)
def load_mini() -> ProcedureLibrary:
    return ProcedureLibrary.load(ROOT / "tests" / "runtime_procedures", ROOT / "codes", ROOT / "documents")


@lru_cache(maxsize=1)
def load_arbitration() -> ProcedureLibrary:
    return ProcedureLibrary.load(ROOT / "procedures")


@pytest.fixture
def mini_library() -> ProcedureLibrary:
    return load_mini()


@pytest.fixture
def arb_library() -> ProcedureLibrary:
    return load_arbitration()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'zc.db'}"


def prepared_db(url: str) -> Database:
    db = init_db(url)
    ensure_institution(db, "inst", "测试劳动人事争议仲裁委员会", "110105", abbr="京朝")
    ensure_institution(db, "other", "另一仲裁委员会", "330106", abbr="浙西")
    return db


@pytest.fixture
def make_service() -> Callable[..., tuple[CaseService, MovableNow]]:
    def make(
        db: Database, library: ProcedureLibrary, day: dt.date = dt.date(2026, 1, 5)
    ) -> tuple[CaseService, MovableNow]:
        now = MovableNow(day)
        return CaseService(db, library, now=now), now

    return make
