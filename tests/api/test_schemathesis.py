"""Property-based fuzzing of every operation in the OpenAPI schema with ALL schemathesis checks.

schemathesis generates requests from /openapi.json (its examples, coverage and fuzzing phases: boundary
values, path ids up to the int32 bound, odd strings, missing and extra fields, wrong types, unsupported
methods, missing required headers) and sends them in process through ASGI, signed in as a clerk (who
may write), a party (applicant_demo, on their own case) and anonymously (no token), and as a supervisor
(who reads and may not write). Every response must pass every check: no 5xx, only documented status
codes, content types and headers, bodies that match their schema (errors are `ErrorOut`), schema-valid
requests accepted, schema-invalid ones rejected, 405 with `Allow` for undocumented methods, 401 without
a token.

Exclusions are narrow and listed in `STATE_DEPENDENT` (one check, one operation, each with its reason;
docs/api.md explains them): where acceptance depends on the case's stage, the procedure's facts or the
date today, no schema can promise that a well-formed request is carried out. `schemathesis.toml` holds
the same list for the CLI, and `test_cli_config_matches` keeps the two equal. The runs are seeded
(`derandomize`) and use their own demo database, so the fuzzing cannot disturb the access matrix.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, not_a_server_error, positive_data_acceptance

from api.app import build_state, create_app
from api.deps import ApiSettings
from engine.seed import seed_demo
from tests.api.conftest import ROOT, TODAY, auth, make_settings


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


#: (method, path) -> the checks not run there, and why. Only `positive_data_acceptance`, and only where
#: the answer to a well-formed request depends on state the schema cannot describe (docs/api.md).
STATE_DEPENDENT: dict[tuple[str, str], tuple[Any, str]] = {
    ("POST", "/v1/cases"): (
        positive_data_acceptance,
        "the procedure decides which opening facts it takes and requires (GET /v1/procedures/{id}), and "
        "`at` may lie at most one year before today and not after it: 422 facts or date",
    ),
    ("POST", "/v1/cases/{case_id}/actions/{action}"): (
        positive_data_acceptance,
        "whether an action may fire depends on the case's stage, the caller's role in the procedure, its "
        "guards, documents and facts: 422 stage, role, guard, document, facts, date",
    ),
    ("POST", "/v1/cases/{case_id}/documents"): (
        positive_data_acceptance,
        "the file's bytes must be of its declared type (magic numbers: 415) and the document id one of "
        "the case's procedure (422 document); a schema cannot say either",
    ),
    ("GET", "/v1/cases/{case_id}/documents/{document_id}"): (
        positive_data_acceptance,
        "format=html or pdf exists only for a generated document; of an uploaded scan the answer is "
        "406 not_acceptable, and which one a document id is depends on the case",
    ),
}

# The schema comes from the route definitions alone (no database needed to collect the tests).
schema = schemathesis.openapi.from_dict(create_app(ApiSettings()).openapi())
schema.app = LazyDemoApp()


def _validate(case: schemathesis.Case, headers: dict[str, str]) -> None:
    key = (case.method.upper(), case.path)
    excluded = [STATE_DEPENDENT[key][0]] if key in STATE_DEPENDENT else []
    case.call_and_validate(headers=headers, excluded_checks=excluded)


FUZZ = settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_all_checks_as_clerk(case: schemathesis.Case) -> None:
    _validate(case, auth("clerk_nn"))


@schema.parametrize()
@FUZZ
def test_all_checks_as_party(case: schemathesis.Case) -> None:
    _validate(case, auth("applicant_demo"))


@schema.parametrize()
@FUZZ
def test_all_checks_anonymous(case: schemathesis.Case) -> None:
    _validate(case, {})


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_all_checks_as_supervisor(case: schemathesis.Case) -> None:
    _validate(case, auth("supervisor_gx"))
