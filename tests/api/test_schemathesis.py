"""Property-based fuzzing of every operation in the OpenAPI schema with ALL schemathesis checks.

schemathesis generates requests from /openapi.json (its examples, coverage and fuzzing phases: boundary
values, path ids up to the int32 bound, odd strings, missing and extra fields, wrong types, undocumented
methods, missing required headers) and sends them in process through ASGI, signed in as a clerk (who
may write), as a party (applicant_demo, on their own case), anonymously (no token) and as a supervisor
(who reads and may not write). Every response must pass every check schemathesis has: no 5xx, only
documented status codes, content types and headers, bodies matching their schema (errors are
`ErrorOut`), schema-valid requests accepted, schema-invalid ones rejected, 405 with `Allow` for
undocumented methods, 401 without a token, a missing required header refused.

The settings are the repository's `schemathesis.toml`, the file `schemathesis run --checks all` reads
from the checkout, so the CLI and this test judge alike. It disables no check: on seven operations (four of
cases, three of the register) it lets `positive_data_acceptance` take one more status (422, 415 or 406),
where whether a well-formed request is carried out depends on the case's stage, the procedure's facts,
today's date, the rows of an uploaded file or the relation of two parameters, which no schema can
describe (docs/api.md), and it lets the fire route answer a missing If-Match with 428;
`test_config_exclusions_are_narrow` keeps it at that. The stateful phase (links between operations) is
the CLI's: `--max-examples 10 --seed 1` passes for every role (docs/api.md has the commands).
Seeded (`derandomize`), its own demo database (the fuzzing cannot disturb the access matrix), about 45 s.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from api.app import build_state, create_app
from api.deps import ApiSettings
from engine.demo.seed import seed_demo
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


CONFIG = ROOT / "schemathesis.toml"
DEFAULT_ACCEPTED = ["2xx", "3xx", 401, 403, 404, 409, 429, "5xx"]  # positive_data_acceptance's own list
#: the only operations on which `schemathesis.toml` lets a schema-valid request be refused, with what
#: status and why (docs/api.md)
STATE_DEPENDENT = {
    # the procedure decides which opening facts it takes and requires; `at` lies at most a year before
    # today: 422 facts, date
    "POST /v1/cases": [422],
    # firing depends on the case's stage, the caller's role, guards, documents, facts: 422 with that code
    "POST /v1/cases/{case_id}/actions/{action}": [422],
    # the bytes must be of the declared type (415) and not empty, the document id the procedure's (422)
    "POST /v1/cases/{case_id}/documents": [415, 422],
    # format=html|pdf exists only for a generated document; of an uploaded scan it is 406
    "GET /v1/cases/{case_id}/documents/{document_id}": [406],
    # the register's import: a .csv or .xlsx file (415) whose every row is good (422 bad_rows)
    "POST /v1/registry/import": [415, 422],
    # a period submitted already (422 stage), a day the procedure refuses (422 date)
    "POST /v1/registry/submissions": [422],
    # `to` before `from`: 422
    "GET /v1/registry/performance": [422],
}
#: `missing_required_header`'s statuses plus 428 (RFC 6585) on the one route with a required header
MISSING_HEADER = {"POST /v1/cases/{case_id}/actions/{action}": [400, 401, 403, 406, 415, 422, 428]}

# The schema comes from the route definitions alone (no database needed to collect the tests).
schema = schemathesis.openapi.from_dict(
    create_app(ApiSettings()).openapi(), config=SchemathesisConfig.from_path(CONFIG)
)
schema.app = LazyDemoApp()


FUZZ = settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_all_checks_as_clerk(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=auth("clerk_nn"))


@schema.parametrize()
@FUZZ
def test_all_checks_as_party(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=auth("applicant_demo"))


@schema.parametrize()
@FUZZ
def test_all_checks_anonymous(case: schemathesis.Case) -> None:
    case.call_and_validate()


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_all_checks_as_supervisor(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=auth("supervisor_gx"))


def test_config_exclusions_are_narrow() -> None:
    """schemathesis.toml disables no check; it adds the listed statuses on the listed operations only."""
    raw = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert set(raw) == {"operations"}
    accepted: dict[str, Any] = {}
    missing: dict[str, Any] = {}
    for entry in raw["operations"]:
        assert set(entry) == {"include-name", "checks"}, entry
        name, checks = entry["include-name"], entry["checks"]
        assert set(checks) <= {"positive_data_acceptance", "missing_required_header"}, entry
        assert all(set(c) == {"expected-statuses"} for c in checks.values()), entry
        if "positive_data_acceptance" in checks:
            statuses = checks["positive_data_acceptance"]["expected-statuses"]
            assert statuses[: len(DEFAULT_ACCEPTED)] == DEFAULT_ACCEPTED, entry
            accepted[name] = statuses[len(DEFAULT_ACCEPTED) :]
        if "missing_required_header" in checks:
            missing[name] = checks["missing_required_header"]["expected-statuses"]
    assert accepted == STATE_DEPENDENT
    assert missing == MISSING_HEADER
    # and as schemathesis reads it: every check on for every operation, the default statuses elsewhere
    for result in schema.get_all_operations():
        op = result.ok()
        config = schema.config.checks_config_for(operation=op, phase=None)
        for check in (
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_headers_conformance",
            "response_schema_conformance",
            "negative_data_rejection",
            "positive_data_acceptance",
            "missing_required_header",
            "unsupported_method",
            "use_after_free",
            "ensure_resource_availability",
            "ignored_auth",
        ):
            assert getattr(config, check).enabled, (op.label, check)
        expected = [str(s) for s in DEFAULT_ACCEPTED + STATE_DEPENDENT.get(op.label, [])]
        assert config.positive_data_acceptance.expected_statuses == expected, op.label
