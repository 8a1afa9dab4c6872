"""What the API does beyond access: optimistic concurrency, refusal codes, uploads and their limits,
rendered documents, the public progress lookup and its rate limit, the JSON error shape."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pytest import MonkeyPatch
from sqlmodel import func, select

from api.app import create_app
from engine.cases import writes as case_writes
from engine.cases.access import RateLimiter, new_query_code, query_code_matches, query_code_salt
from engine.store.tables import CaseRow, DocumentRow
from tests.api.conftest import Demo, auth
from tests.paths import ROOT

FRESH = "收到申请（期限内）"  # gx-nn, received, documents attached
PARTY_CASE = "已受理（期限内，当事人可查询）"


def test_fire_needs_if_match_and_a_stale_version_is_409(demo: Demo) -> None:
    cid = demo.case_id(FRESH)
    url = f"/v1/cases/{cid}/actions/accept"
    got = demo.client.get(f"/v1/cases/{cid}", headers=auth("clerk_nn"))
    version = int(got.headers["ETag"].strip('"'))
    missing = demo.client.post(url, json={"at": "2026-11-27"}, headers=auth("clerk_nn"))
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    stale = demo.client.post(
        url, json={"at": "2026-11-27"}, headers={**auth("clerk_nn"), "If-Match": f'"{version - 1}"'}
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert demo.state.service.get(cid).stage == "received"  # nothing changed
    ok = demo.client.post(
        url, json={"at": "2026-11-27"}, headers={**auth("clerk_nn"), "If-Match": f'"{version}"'}
    )
    assert ok.status_code == 200, ok.text
    data = ok.json()
    assert data["stage_after"] == "accepted" and "acceptance_notice" in data["produced"]
    assert ok.headers["ETag"] == f'"{data["version"]}"'
    # the 案号 is allotted on acceptance, in the year of its effective date; the
    # case keeps its receipt number, and either finds it
    receipt = demo.case_number(FRESH)
    assert "收字" in receipt and data["case_number"] != receipt
    assert "劳人仲案字〔2026〕" in data["case_number"]
    shown = demo.client.get(f"/v1/cases/{cid}", headers=auth("clerk_nn")).json()
    assert (shown["case_number"], shown["receipt_number"]) == (data["case_number"], receipt)
    for number in (receipt, data["case_number"]):
        listed = demo.client.get("/v1/cases", params={"case_number": number}, headers=auth("clerk_nn"))
        assert [c["id"] for c in listed.json()["items"]] == [cid]
    # point 11: acceptance issues a fresh query code, in the answer and on the notice; the old one is dead
    code = data["query_code"]
    assert code and len(code) == 12
    notice = demo.client.get(f"/v1/cases/{cid}/documents/acceptance_notice", headers=auth("clerk_nn"))
    assert code in notice.text and data["case_number"] in notice.text
    for number in (receipt, data["case_number"]):
        found = demo.client.post("/v1/public/progress", json={"case_number": number, "query_code": code})
        assert found.status_code == 200 and found.json()["case_number"] == data["case_number"]
    old = demo.client.post(
        "/v1/public/progress", json={"case_number": receipt, "query_code": demo.query_code(FRESH)}
    )
    assert old.status_code == 404
    again = demo.client.post(
        url, json={"at": "2026-11-27"}, headers={**auth("clerk_nn"), "If-Match": f'"{version}"'}
    )
    assert again.status_code == 409


def test_refusal_keeps_its_code_and_names_the_check(demo: Demo) -> None:
    cid = demo.case_id(PARTY_CASE)
    version = demo.state.service.get(cid).version
    resp = demo.client.post(
        f"/v1/cases/{cid}/actions/hold_hearing",
        json={"at": "2026-11-27"},
        headers={**auth("arbitrator_nn"), "If-Match": str(version)},
    )
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] in ("guard", "date", "facts") and body["message"]
    assert body["details"]["action"] == "hold_hearing"
    wrong_role = demo.client.post(
        f"/v1/cases/{cid}/actions/suspend",
        json={"at": "2026-11-27", "facts": {"suspension_reason": "appraisal"}},
        headers={**auth("clerk_nn"), "If-Match": str(version)},
    )
    assert wrong_role.status_code == 422 and wrong_role.json()["code"] == "role"
    assert demo.state.service.get(cid).version == version


def test_available_actions_explain_each_refusal(demo: Demo) -> None:
    cid = demo.case_id(PARTY_CASE)
    resp = demo.client.get(
        f"/v1/cases/{cid}/actions", params={"at": "2026-11-27", "all": "true"}, headers=auth("clerk_nn")
    )
    assert resp.status_code == 200
    actions = {a["action"]: a for a in resp.json()}
    procedure = demo.state.service.versions.for_hash(demo.state.service.get(cid).procedure_hash)
    assert set(actions) == set(procedure.actions)  # all of them, when asked
    assert actions["accept"]["allowed"] is False and actions["accept"]["refusal"]["code"] == "stage"
    assert actions["suspend"]["refusal"]["code"] == "role"  # director's action
    assert any(a["allowed"] for a in actions.values())
    sup = demo.client.get(f"/v1/cases/{cid}/actions?all=true", headers=auth("supervisor_gx")).json()
    assert sup and not any(a["allowed"] for a in sup)


def test_available_actions_answer_only_the_allowed_ones_unless_asked(demo: Demo) -> None:
    cid = demo.case_id(PARTY_CASE)
    url = f"/v1/cases/{cid}/actions"
    every = demo.client.get(url, params={"at": "2026-11-27", "all": "true"}, headers=auth("clerk_nn")).json()
    now = demo.client.get(url, params={"at": "2026-11-27"}, headers=auth("clerk_nn"))
    assert now.status_code == 200
    allowed = [a for a in every if a["allowed"]]
    assert allowed and len(allowed) < len(every)
    assert now.json() == allowed  # the same entries, in the same order, refusals left out
    assert all(a["allowed"] and a["refusal"] is None for a in now.json())
    off = demo.client.get(url, params={"at": "2026-11-27", "all": "false"}, headers=auth("clerk_nn"))
    assert off.json() == allowed
    # a supervisor may take none: the default answer is empty
    assert demo.client.get(url, headers=auth("supervisor_gx")).json() == []


def test_an_unknown_action_is_refused_as_unknown(demo: Demo) -> None:
    cid = demo.case_id(PARTY_CASE)
    version = demo.state.service.get(cid).version
    resp = demo.client.post(
        f"/v1/cases/{cid}/actions/acept",
        json={"at": "2026-11-27"},
        headers={**auth("clerk_nn"), "If-Match": str(version)},
    )
    assert resp.status_code == 404, resp.text
    body = resp.json()
    assert body["code"] == "unknown_action"  # no longer `stage`: no check ran
    assert "acept" in body["message"] and "accept" in body["message"]  # did you mean
    assert body["details"]["action"] == "acept" and "accept" in body["details"]["actions"]
    assert demo.state.service.get(cid).version == version  # nothing changed
    # the case is still checked first: an invisible case stays a plain not_found
    other = demo.client.post(
        f"/v1/cases/{cid}/actions/acept",
        json={"at": "2026-11-27"},
        headers={**auth("clerk_sz"), "If-Match": str(version)},
    )
    assert other.status_code == 404 and other.json()["code"] == "not_found"


def test_upload_checks_type_content_and_size(demo: Demo) -> None:
    cid = demo.case_id(PARTY_CASE)
    url = f"/v1/cases/{cid}/documents"
    pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
    ok = demo.client.post(
        url,
        data={"document_id": "evidence"},
        files={"file": ("e.pdf", pdf, "application/pdf")},
        headers=auth("applicant_demo"),
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()[-1]["media_type"] == "application/pdf"
    fake = demo.client.post(
        url,
        data={"document_id": "evidence"},
        files={"file": ("e.pdf", b"MZ not a pdf", "application/pdf")},
        headers=auth("clerk_nn"),
    )
    assert fake.status_code == 415 and fake.json()["code"] == "unsupported_media_type"
    limit = demo.state.settings.max_upload_bytes
    demo.state.settings.max_upload_bytes = 1024
    try:
        big = demo.client.post(
            url,
            data={"document_id": "evidence"},
            files={"file": ("b.pdf", b"%PDF-" + b"0" * 2000, "application/pdf")},
            headers=auth("clerk_nn"),
        )
    finally:
        demo.state.settings.max_upload_bytes = limit
    assert big.status_code == 413 and big.json()["code"] == "too_large"
    unknown = demo.client.post(
        url,
        data={"document_id": "no_such_document"},
        files={"file": ("e.pdf", pdf, "application/pdf")},
        headers=auth("clerk_nn"),
    )
    assert unknown.status_code == 422 and unknown.json()["message"]


def test_request_body_limit_is_413_json(demo: Demo) -> None:
    small = create_app(demo.state.settings.__class__(max_body_bytes=2048), state=demo.state)
    client = TestClient(small, raise_server_exceptions=False)
    resp = client.post(
        "/v1/cases",
        content=b"{" + b" " * 5000 + b"}",
        headers={**auth("clerk_nn"), "Content-Type": "application/json"},
    )
    assert resp.status_code == 413 and resp.json()["code"] == "too_large"


def test_generated_document_as_html(demo: Demo) -> None:
    cid = demo.case_id(PARTY_CASE)
    resp = demo.client.get(f"/v1/cases/{cid}/documents/acceptance_notice", headers=auth("applicant_demo"))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert "受理通知书" in resp.text


def test_public_progress_lookup(demo: Demo) -> None:
    number, code = demo.case_number(PARTY_CASE), demo.query_code(PARTY_CASE)
    ok = demo.client.post("/v1/public/progress", json={"case_number": number, "query_code": code.lower()})
    assert ok.status_code == 200, ok.text
    data = ok.json()
    assert data["case_number"] == number and data["stage"] == "accepted"
    assert "facts" not in data and "filing_approval" not in {d["document_id"] for d in data["documents"]}
    assert [e["action"] for e in data["events"]][:2] == ["open", "accept"]
    wrong = demo.client.post("/v1/public/progress", json={"case_number": number, "query_code": "AAAAAAAA"})
    unknown = demo.client.post("/v1/public/progress", json={"case_number": "无此案号", "query_code": code})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()  # a wrong code tells nothing about the case number


def test_public_lookup_limits_wrong_codes_per_case_and_address(demo: Demo) -> None:
    saved = demo.state.ip_limiter, demo.state.case_limiter
    demo.state.ip_limiter, demo.state.case_limiter = RateLimiter(100, 600), RateLimiter(3, 600)
    try:
        number = demo.case_number(FRESH)
        codes = [
            demo.client.post(
                "/v1/public/progress", json={"case_number": number, "query_code": f"WRONG{i:03d}"}
            )
            for i in range(5)
        ]
    finally:
        demo.state.ip_limiter, demo.state.case_limiter = saved
    assert [r.status_code for r in codes] == [404, 404, 404, 429, 429]
    assert codes[3].json()["code"] == "rate_limited" and int(codes[3].headers["Retry-After"]) > 0


def test_an_attacker_cannot_lock_the_party_out_of_the_public_lookup(demo: Demo) -> None:
    """Wrong codes from one address, then the party from another with the right one."""
    saved = demo.state.ip_limiter, demo.state.case_limiter
    demo.state.ip_limiter, demo.state.case_limiter = RateLimiter(100, 600), RateLimiter(5, 600)
    number = demo.case_number(FRESH)
    # the clerk gives the party a new code (an earlier test accepted the case, which replaced the code)
    issued = demo.client.post(f"/v1/cases/{demo.case_id(FRESH)}/query-code", headers=auth("clerk_nn"))
    assert issued.status_code == 200, issued.text
    code = issued.json()["query_code"]
    try:
        attacker = TestClient(demo.client.app, client=("203.0.113.7", 50000))
        spoofed = {"X-Forwarded-For": "198.51.100.9"}  # not believed: no proxy is trusted here
        tries = [
            attacker.post(
                "/v1/public/progress",
                json={"case_number": number, "query_code": f"WRONG{i:03d}"},
                headers=spoofed,
            ).status_code
            for i in range(20)
        ]
        party = TestClient(demo.client.app, client=("198.51.100.9", 40000))
        ok = party.post("/v1/public/progress", json={"case_number": number, "query_code": code})
    finally:
        demo.state.ip_limiter, demo.state.case_limiter = saved
    assert tries[:5] == [404] * 5 and set(tries[5:]) == {429}  # the forged header bought nothing
    assert ok.status_code == 200, ok.text


def test_new_query_codes_are_long_enough_that_guessing_is_hopeless() -> None:
    code = new_query_code()
    assert len(code) == 12 and len(set(code) - set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")) == 0
    # 31**12 codes; at 5 wrong codes per 10 minutes from each of 10,000 addresses (7.2 million a day)
    # the expected time to hit one is over 100,000 years (docs/api.md)
    assert 31**12 / 2 / (5 * 6 * 24 * 10_000) / 365 > 100_000


def test_errors_are_json_with_code_and_message(demo: Demo) -> None:
    for resp in (
        demo.client.get("/v1/cases/1"),  # no token
        demo.client.get("/v1/cases/1", headers={"Authorization": "Bearer nope"}),
        demo.client.get("/v1/cases/0", headers=auth("clerk_nn")),
        demo.client.get("/v1/cases/2147483648", headers=auth("clerk_nn")),
        demo.client.get("/v1/no/such/path", headers=auth("clerk_nn")),
        demo.client.post("/v1/cases", json={"facts": "x"}, headers=auth("clerk_nn")),
        demo.client.get("/v1/procedures/no_such", headers=auth("clerk_nn")),
    ):
        assert resp.status_code in (401, 404, 422)
        body = resp.json()
        assert isinstance(body["code"], str) and body["code"] and body["message"]


def test_procedure_diagram_and_show(demo: Demo) -> None:
    diagram = demo.client.get("/v1/procedures/arbitration/diagram", headers=auth("arbitrator_nn"))
    assert diagram.status_code == 200 and "stateDiagram" in diagram.text
    show = demo.client.get("/v1/procedures/arbitration", headers=auth("arbitrator_nn")).json()
    assert {"received", "accepted", "awarded"} <= {s["id"] for s in show["stages"]}
    assert any(d["id"] == "award" and d["statutory"] for d in show["deadlines"])


def test_breaches_csv_and_as_of(demo: Demo) -> None:
    csv = demo.client.get(
        "/v1/breaches", params={"as_of": "2026-11-28", "format": "csv"}, headers=auth("supervisor_gx")
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("case_number,")
    early = demo.client.get(
        "/v1/breaches", params={"as_of": "2025-01-01"}, headers=auth("supervisor_gx")
    ).json()
    assert early["total"] == 0


def test_parties_cannot_file_into_the_internal_file(demo: Demo) -> None:
    cid = demo.case_id(PARTY_CASE)
    resp = demo.client.post(
        f"/v1/cases/{cid}/documents",
        data={"document_id": "filing_approval"},
        files={"file": ("f.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=auth("respondent_demo"),
    )
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"


def test_generated_document_as_pdf(demo: Demo) -> None:
    cid = demo.case_id(PARTY_CASE)
    resp = demo.client.get(
        f"/v1/cases/{cid}/documents/acceptance_notice", params={"format": "pdf"}, headers=auth("clerk_nn")
    )
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["content-type"] == "application/pdf" and resp.content.startswith(b"%PDF-")


def test_the_app_runs_the_scheduler_in_its_lifespan_only_when_asked(demo: Demo) -> None:
    import time

    settings = demo.state.settings.__class__(run_scheduler=True, scan_interval_seconds=0.05)
    app = create_app(settings, state=demo.state)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        scanner = demo.state.scanner
        assert scanner is not None
        deadline = time.monotonic() + 10
        while scanner.runs < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert scanner.runs >= 2 and scanner.errors == 0
    assert demo.state.scanner is None and not scanner.leadership.held  # stopped with the app
    with TestClient(create_app(state=demo.state)):
        assert demo.state.scanner is None  # not asked: no scheduler


def _count_rows(demo: Demo, table: type) -> int:
    with demo.state.db.read() as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def test_opening_and_attaching_are_one_engine_transaction_each(demo: Demo, monkeypatch: MonkeyPatch) -> None:
    """A failure at the last write of POST /v1/cases or of an upload leaves no case (with its query-code
    hash) and no document row: the route makes one engine call, which writes everything or nothing."""
    body = {"at": "2026-11-27", "facts": {"claim_amount": "1"}}

    def crash(*_: object, **__: object) -> None:
        raise RuntimeError("the store went away")

    cases, documents = _count_rows(demo, CaseRow), _count_rows(demo, DocumentRow)
    monkeypatch.setattr(case_writes, "monitoring_record", crash)
    failed = demo.client.post("/v1/cases", json=body, headers=auth("clerk_nn"))
    assert failed.status_code == 500 and failed.json()["code"] == "internal_error"
    cid = demo.case_id(PARTY_CASE)
    upload = demo.client.post(
        f"/v1/cases/{cid}/documents",
        data={"document_id": "evidence"},
        files={"file": ("e.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")},
        headers=auth("clerk_nn"),
    )
    assert upload.status_code == 500
    monkeypatch.undo()
    assert (_count_rows(demo, CaseRow), _count_rows(demo, DocumentRow)) == (cases, documents)
    opened = demo.client.post("/v1/cases", json=body, headers=auth("clerk_nn"))
    assert opened.status_code == 201, opened.text
    data = opened.json()
    with demo.state.db.read() as s:
        row = s.get(CaseRow, data["id"])
    assert row is not None and query_code_matches(
        query_code_salt(row.case_number, row.receipt_number), data["query_code"], row.query_code_hash
    )


def test_the_api_writes_only_through_the_engine() -> None:
    """No module of api/ (the CLI aside) opens a write transaction or adds to a session itself."""
    root = ROOT / "api"
    writes = re.compile(r"\.transaction\(|\.add\(|\.add_all\(|\.commit\(|\.delete\(|\.execute\(|\.merge\(")
    found = [
        f"{p.relative_to(root)}:{n}: {line.strip()}"
        for p in sorted(root.rglob("*.py"))
        if p.name != "cli.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if writes.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []
