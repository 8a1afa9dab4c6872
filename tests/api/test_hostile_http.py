"""Hostile requests: text that cannot be stored and bodies that cannot be
parsed answer with a documented 4xx code naming the field, on SQLite and PostgreSQL; never a 500.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import build_state, create_app
from engine.demo.seed import seed_demo
from tests.api.conftest import TODAY, auth, make_settings

#: raw JSON bodies, as an attacker sends them (a lone surrogate cannot even be encoded by a client library)
NUL_IN_NUMBER = b'{"case_number": "\\u5357\\u0000", "query_code": "ABCD2345"}'
SURROGATE = b'{"case_number": "\\ud800x", "query_code": "ABCD2345"}'
CONTROL = b'{"case_number": "a\\u001bb", "query_code": "ABCD2345"}'
FACT_SURROGATE = b'{"facts": {"claim_amount": 1, "applicant_name": "\\ud800x"}}'
FACT_NUL = b'{"facts": {"claim_amount": 1, "applicant_name": "\\u5f20\\u0000"}}'
JSON = {"content-type": "application/json"}


def _client(url: str) -> Iterator[TestClient]:
    state = build_state(make_settings(url))
    seed_demo(state.db, state.library, today=TODAY)
    with TestClient(create_app(state=state), raise_server_exceptions=False) as client:
        yield client
    state.db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def client(request: pytest.FixtureRequest, tmp_path: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path}/h.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    yield from _client(url)


@pytest.mark.parametrize("body", [NUL_IN_NUMBER, SURROGATE, CONTROL], ids=["nul", "surrogate", "control"])
def test_the_public_lookup_refuses_text_it_cannot_store(client: TestClient, body: bytes) -> None:
    r = client.post("/v1/public/progress", content=body, headers=JSON)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_request" and "case_number" in r.json()["message"]


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31m", "\x7f"])
def test_query_parameters_with_unstorable_characters_are_refused(client: TestClient, value: str) -> None:
    r = client.get("/v1/cases", params={"case_number": value}, headers=auth("clerk_nn"))
    assert r.status_code == 422, r.text
    assert r.json()["details"] == {"field": "case_number", "in": "query"}


@pytest.mark.parametrize("body", [FACT_SURROGATE, FACT_NUL], ids=["surrogate", "nul"])
def test_opening_a_case_refuses_fact_text_it_cannot_store(client: TestClient, body: bytes) -> None:
    headers = {**auth("clerk_nn"), **JSON}
    before = client.get("/v1/cases", headers=auth("clerk_nn")).json()["total"]
    r = client.post("/v1/cases", content=body, headers=headers)
    assert r.status_code == 422, r.text
    assert "applicant_name" in r.text
    assert client.get("/v1/cases", headers=auth("clerk_nn")).json()["total"] == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"case_number": 1' + b"1" * 5000 + b', "query_code": "ABCD2345"}',
        b"[" * 10_000 + b"]" * 10_000,
        b'{"case_number": "\xff\xfe", "query_code": "ABCD2345"}',
    ],
    ids=["5000 digits", "nested 10000 deep", "invalid utf-8"],
)
def test_unparseable_bodies_answer_the_documented_bad_body(client: TestClient, body: bytes) -> None:
    started = time.perf_counter()
    r = client.post("/v1/public/progress", content=body, headers=JSON)
    assert time.perf_counter() - started < 2.0
    assert r.status_code in (400, 422), r.text
    assert r.json()["code"] in ("bad_body", "invalid_request")
    assert r.json()["code"] != "http_error"
