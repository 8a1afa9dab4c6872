"""Property-based fuzzing of every operation in the OpenAPI schema: no request may cause a 5xx.

schemathesis generates requests from /openapi.json (path ids up to the int32 bound, odd strings,
missing and extra fields) and sends them in process through ASGI, signed in as a clerk (who may
write) and as a supervisor (who may not). Its own seeded database, so the fuzzing cannot disturb the
access matrix. A small `max_examples` keeps it well under a minute.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.app import build_state, create_app
from api.deps import ApiSettings
from engine.seed import seed_demo
from tests.api.conftest import TODAY, auth, make_settings


class LazyDemoApp:
    """An ASGI app that seeds its own demo database on the first request (not at collection time)."""

    def __init__(self) -> None:
        self._app: Any = None
        self._dir: str | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            self._dir = tempfile.mkdtemp(prefix="zc-fuzz-")
            atexit.register(shutil.rmtree, self._dir, True)
            url = f"sqlite:///{Path(self._dir) / 'fuzz.db'}"
            state = build_state(make_settings(url, lookup_limit_per_ip=10_000, lookup_limit_per_case=10_000))
            seed_demo(state.db, state.library, today=TODAY)
            self._app = create_app(state=state)
        await self._app(scope, receive, send)


# The schema comes from the route definitions alone (no database needed to collect the tests).
schema = schemathesis.openapi.from_dict(create_app(ApiSettings()).openapi())
schema.app = LazyDemoApp()


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_as_clerk(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=auth("clerk_nn"), checks=[not_a_server_error])


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_as_supervisor(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=auth("supervisor_gx"), checks=[not_a_server_error])


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_as_party(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=auth("applicant_demo"), checks=[not_a_server_error])
