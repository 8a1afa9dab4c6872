"""Fixtures for the API tests: one seeded demo database (SQLite) and a TestClient on it.

The demo seed drives a dozen cases through the real CaseService; the API runs with a fixed clock
(2026-11-28 10:00 Asia/Shanghai) so nothing depends on today's real date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.app import build_state, create_app
from api.deps import ApiSettings, AppState
from engine.demo.seed import SeedReport, demo_token, seed_demo
from engine.oversight.scheduler import SHANGHAI
from tests.paths import ROOT

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@dataclass
class Demo:
    state: AppState
    client: TestClient
    seed: SeedReport

    def case_id(self, label: str) -> int:
        return next(c[0] for c in self.seed.cases if c[3] == label)

    def case_number(self, label: str) -> str:
        return next(c[1] for c in self.seed.cases if c[3] == label)

    def query_code(self, label: str) -> str:
        return next(c[4] for c in self.seed.cases if c[3] == label)


def auth(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {demo_token(username)}"}


def make_settings(url: str, **kw: object) -> ApiSettings:
    settings = ApiSettings(database_url=url, procedures_dir=ROOT / "procedures", now=lambda: NOW)
    for k, v in kw.items():
        setattr(settings, k, v)
    return settings


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    path = tmp_path_factory.mktemp("api") / "demo.db"
    state = build_state(make_settings(f"sqlite:///{path}"))
    seed = seed_demo(state.db, state.library, today=TODAY)
    app = create_app(state=state)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Demo(state=state, client=client, seed=seed)
    state.db.dispose()


@pytest.fixture(scope="module")
def register_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A demo database of its own for the register's writes (submissions, imports), so they cannot
    disturb the session's `demo`; with a director of 广西 (gx, the level above gx-nn): `director_gx`."""
    from engine.cases.access import issue_token
    from engine.store.tables import UserRow

    path = tmp_path_factory.mktemp("register") / "register.db"
    state = build_state(make_settings(f"sqlite:///{path}"))
    seed = seed_demo(state.db, state.library, today=TODAY)
    with state.db.transaction() as s:
        user = UserRow(
            username="director_gx",
            display_name="广西主任",
            role="director",
            institution_id="gx",
            region_code="450000",
        )
        s.add(user)
        s.flush()
        assert user.id is not None
        issue_token(s, user.id, name="test", token=demo_token("director_gx"))
    app = create_app(state=state)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Demo(state=state, client=client, seed=seed)
    state.db.dispose()
