"""The access matrix: every endpoint x every role x own / foreign institution (and region).

The expected status comes from the rules written out here, independently of engine.cases.access:
clerks, arbitrators and directors reach only their own institution's cases; parties only the case
they are linked to, through the progress view, without the internal file (副卷); supervisors read
their region and write nothing; without a token everything is 401. A case the caller may not see
answers 404, exactly as a missing one (ids cannot be probed).
Writes are chosen so that passing the access check still changes nothing: firing `award` on a case
that is not heard is refused by the procedure (422), an upload of a forbidden type is refused (415).
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.cases.access import QUERY_CODE_LENGTH
from tests.api.conftest import Demo, auth

OWN = "已受理（期限内，当事人可查询）"  # gx-nn (450100), the demo parties are linked to it
FOREIGN = "深圳：收到申请"  # gd-sz (440300)

#: username -> (kind, institution, region prefix)
USERS: dict[str | None, tuple[str, str | None, str | None]] = {
    "clerk_nn": ("staff", "gx-nn", None),
    "arbitrator_nn": ("staff", "gx-nn", None),
    "director_nn": ("staff", "gx-nn", None),
    "clerk_sz": ("staff", "gd-sz", None),
    "arbitrator_sz": ("staff", "gd-sz", None),
    "director_sz": ("staff", "gd-sz", None),
    "supervisor_gx": ("supervisor", None, "45"),
    "supervisor_gd": ("supervisor", None, "44"),
    "applicant_demo": ("party", None, None),
    "respondent_demo": ("party", None, None),
    None: ("anonymous", None, None),
}
CASES = {OWN: ("gx-nn", "450100", True), FOREIGN: ("gd-sz", "440300", False)}


def relation(user: str | None, case_label: str) -> str:
    kind, inst, region = USERS[user]
    case_inst, case_region, linked = CASES[case_label]
    if kind == "anonymous":
        return "anonymous"
    if kind == "staff":
        return "staff_same" if inst == case_inst else "outsider"
    if kind == "supervisor":
        return "supervisor_in" if region and case_region.startswith(region) else "outsider"
    return "party_linked" if linked else "outsider"


READERS = {"staff_same": 200, "supervisor_in": 200, "party_linked": 200}
STAFF_READERS = {"staff_same": 200, "supervisor_in": 200, "party_linked": 403}

#: name -> (method, path, request kwargs, status by relation; outsider 404 and anonymous 401 by default)
CASE_ENDPOINTS: dict[str, tuple[str, str, dict[str, Any], dict[str, int]]] = {
    "get_case": ("GET", "/v1/cases/{id}", {}, STAFF_READERS),
    "progress": ("GET", "/v1/cases/{id}/progress", {}, READERS),
    "actions": ("GET", "/v1/cases/{id}/actions", {}, READERS),
    "deadlines": ("GET", "/v1/cases/{id}/deadlines", {}, READERS),
    "history": ("GET", "/v1/cases/{id}/history", {}, STAFF_READERS),
    "documents": ("GET", "/v1/cases/{id}/documents", {}, READERS),
    "document": ("GET", "/v1/cases/{id}/documents/application", {}, READERS),
    "internal_document": (
        "GET",
        "/v1/cases/{id}/documents/filing_approval",
        {},
        {"staff_same": 200, "supervisor_in": 200, "party_linked": 404},
    ),
    "fire": (
        "POST",
        "/v1/cases/{id}/actions/award",
        {"json": {"at": "2026-11-27"}, "headers": {"If-Match": "{version}"}},
        {"staff_same": 422, "supervisor_in": 403, "party_linked": 422},
    ),
    "attach": (
        "POST",
        "/v1/cases/{id}/documents",
        {
            "data": {"document_id": "evidence"},
            "files": {"file": ("x.exe", b"MZ\x90\x00", "application/x-msdownload")},
        },
        {"staff_same": 415, "supervisor_in": 403, "party_linked": 415},
    ),
}


def expected(table: dict[str, int], rel: str) -> int:
    if rel == "anonymous":
        return 401
    return table.get(rel, 404)


@pytest.mark.parametrize("case_label", [OWN, FOREIGN], ids=["own_institution", "foreign_institution"])
@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
@pytest.mark.parametrize("endpoint", list(CASE_ENDPOINTS))
def test_case_endpoint_access(demo: Demo, endpoint: str, user: str | None, case_label: str) -> None:
    method, path, kwargs, table = CASE_ENDPOINTS[endpoint]
    case_id = demo.case_id(case_label)
    kwargs = dict(kwargs)
    headers = dict(kwargs.pop("headers", {}))
    if user:
        headers.update(auth(user))
    before = demo.state.service.get(case_id).version
    headers = {k: v.replace("{version}", f'"{before}"') for k, v in headers.items()}
    resp = demo.client.request(method, path.format(id=case_id), headers=headers, **kwargs)
    want = expected(table, relation(user, case_label))
    assert resp.status_code == want, (endpoint, user, case_label, resp.status_code, resp.text[:300])
    if resp.status_code >= 400:
        body = resp.json()
        assert set(body) >= {"code", "message"} and body["message"]
    assert demo.state.service.get(case_id).version == before  # nothing in the matrix changes a case
    if endpoint == "progress" and resp.status_code == 200:
        data = resp.json()
        assert "facts" not in data
        assert "filing_approval" not in {d["document_id"] for d in data["documents"]}
    if endpoint == "documents" and resp.status_code == 200:
        ids = {d["document_id"] for d in resp.json()}
        assert ("filing_approval" in ids) == (relation(user, case_label) != "party_linked")


def _visible(demo: Demo, user: str) -> set[int]:
    kind, inst, region = USERS[user]
    out = set()
    with demo.state.db.read() as s:
        from sqlmodel import select

        from engine.store.tables import CaseRow, PartyRow, UserRow

        uid = s.exec(select(UserRow.id).where(UserRow.username == user)).one()
        linked = set(s.exec(select(PartyRow.case_id).where(PartyRow.user_id == uid)).all())
        for c in s.exec(select(CaseRow)).all():
            if (
                (kind == "staff" and c.institution_id == inst)
                or (kind == "supervisor" and region and c.region_code.startswith(region))
                or (kind == "party" and c.id in linked)
            ):
                out.add(c.id)
    return out


@pytest.mark.parametrize("user", [u for u in USERS if u], ids=[u for u in USERS if u])
def test_case_list_is_scoped(demo: Demo, user: str) -> None:
    resp = demo.client.get("/v1/cases", params={"limit": 500}, headers=auth(user))
    assert resp.status_code == 200
    ids = {c["id"] for c in resp.json()["items"]}
    assert ids == _visible(demo, user)
    assert resp.json()["total"] == len(ids)


OVERSIGHT = {
    "breaches": ("/v1/breaches", {"as_of": "2026-11-28"}),
    "backdated": ("/v1/audit/backdated", {"min_days": 1}),
    "monitoring": ("/v1/monitoring/report", {"month": "2026-11"}),
}


@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
@pytest.mark.parametrize("endpoint", list(OVERSIGHT))
def test_oversight_access_and_scope(demo: Demo, endpoint: str, user: str | None) -> None:
    path, params = OVERSIGHT[endpoint]
    resp = demo.client.get(path, params=params, headers=auth(user) if user else {})
    kind = USERS[user][0]
    want = {"anonymous": 401, "party": 403}.get(kind, 200)
    assert resp.status_code == want, resp.text[:300]
    if want != 200 or endpoint == "monitoring":
        return
    visible = _visible(demo, user)  # type: ignore[arg-type]
    items = resp.json()["items"] if endpoint == "breaches" else resp.json()
    assert {i["case_id"] for i in items} <= visible
    if endpoint == "breaches":
        assert items, "the demo has breached deadlines in every institution"


@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
def test_opening_a_case(demo: Demo, user: str | None) -> None:
    body = {
        "at": "2026-11-27",
        "facts": {"claim_amount": "1000"},
        "institution_id": "gx-nn",
    }
    resp = demo.client.post("/v1/cases", json=body, headers=auth(user) if user else {})
    if user is None:
        assert resp.status_code == 401
    elif user in ("clerk_nn", "director_nn"):
        assert resp.status_code == 201, resp.text
        data = resp.json()
        assert (
            data["institution_id"] == "gx-nn"
            and data["stage"] == "received"
            and len(data["query_code"]) == QUERY_CODE_LENGTH
        )
    else:
        assert resp.status_code == 403, resp.text
        assert resp.json()["code"] == "forbidden"


@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
@pytest.mark.parametrize(
    "path", ["/v1/procedures", "/v1/procedures/arbitration", "/v1/procedures/arbitration/diagram", "/v1/me"]
)
def test_everyone_signed_in_reads_procedures(demo: Demo, path: str, user: str | None) -> None:
    resp = demo.client.get(path, headers=auth(user) if user else {})
    assert resp.status_code == (401 if user is None else 200)


#: POST /v1/cases/{id}/query-code: a clerk of the case's institution only (it changes the case, so it
#: is not in CASE_ENDPOINTS, whose writes must change nothing)
REISSUE = {"staff_same": 403, "supervisor_in": 403, "party_linked": 403}


@pytest.mark.parametrize("case_label", [OWN, FOREIGN], ids=["own_institution", "foreign_institution"])
@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
def test_query_code_reissue_access(demo: Demo, user: str | None, case_label: str) -> None:
    case_id = demo.case_id(case_label)
    before = demo.state.service.get(case_id).version
    resp = demo.client.post(f"/v1/cases/{case_id}/query-code", headers=auth(user) if user else {})
    rel = relation(user, case_label)
    clerk_here = user in ("clerk_nn", "clerk_sz") and rel == "staff_same"
    want = 200 if clerk_here else expected(REISSUE, rel)
    assert resp.status_code == want, (user, case_label, resp.status_code, resp.text[:300])
    after = demo.state.service.get(case_id).version
    if want == 200:
        body = resp.json()
        assert len(body["query_code"]) == QUERY_CODE_LENGTH and body["version"] == after == before + 1
        assert resp.headers["Cache-Control"] == "no-store"
        _restore_demo_code(demo, case_id, case_label)
    else:
        assert set(resp.json()) >= {"code", "message"} and after == before


def _restore_demo_code(demo: Demo, case_id: int, label: str) -> None:
    """Give the session's demo case its printed demo code back (later tests look it up with it)."""
    from engine.cases.access import hash_query_code, query_code_salt
    from engine.store.tables import CaseRow

    with demo.state.db.transaction() as s:
        row = s.get(CaseRow, case_id)
        assert row is not None
        row.query_code_hash = hash_query_code(
            query_code_salt(row.case_number, row.receipt_number), demo.query_code(label)
        )
        s.add(row)


# ------------------------------------------------------------------------------------------ the register
#: the register's own and foreign institution (region): gx-nn in 4501 (45), gd-sz in 4403 (44)
INSTITUTIONS = {"gx-nn": "450100", "gd-sz": "440300"}


def register_relation(user: str | None, institution: str) -> str:
    kind, inst, region = USERS[user]
    if kind in ("anonymous", "party"):
        return kind
    if kind == "staff":
        return "staff_same" if inst == institution else "outsider"
    return "supervisor_in" if region and INSTITUTIONS[institution].startswith(region) else "outsider"


#: name -> (method, path, request kwargs, status by relation; anonymous 401, party 403 by default)
REGISTER_READS: dict[str, tuple[str, dict[str, Any], dict[str, int]]] = {
    "institution": ("/v1/registry/institutions/{inst}", {}, {"staff_same": 200, "supervisor_in": 200, "outsider": 404}),
    "staff": ("/v1/registry/staff", {"institution": "{inst}"}, {"staff_same": 200, "supervisor_in": 200, "outsider": 403}),
    "performance": (
        "/v1/registry/performance",
        {"institution": "{inst}", "from": "2026-01-01", "to": "2026-11-28"},
        {"staff_same": 200, "supervisor_in": 200, "outsider": 403},
    ),
    "performance_csv": (
        "/v1/registry/performance",
        {"institution": "{inst}", "from": "2026-01-01", "to": "2026-11-28", "format": "csv"},
        {"staff_same": 200, "supervisor_in": 200, "outsider": 403},
    ),
    "training": ("/v1/registry/training", {"institution": "{inst}", "year": 2026}, {"staff_same": 200, "supervisor_in": 200, "outsider": 403}),
    "submissions": ("/v1/registry/submissions", {"institution": "{inst}"}, {"staff_same": 200, "supervisor_in": 200, "outsider": 403}),
}  # fmt: skip


def register_expected(table: dict[str, int], rel: str) -> int:
    return {"anonymous": 401, "party": 403}.get(rel) or table[rel]


@pytest.mark.parametrize("institution", list(INSTITUTIONS), ids=["own_institution", "foreign_institution"])
@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
@pytest.mark.parametrize("endpoint", list(REGISTER_READS))
def test_register_read_access(demo: Demo, endpoint: str, user: str | None, institution: str) -> None:
    path, params, table = REGISTER_READS[endpoint]
    params = {k: (v.format(inst=institution) if isinstance(v, str) else v) for k, v in params.items()}
    resp = demo.client.get(path.format(inst=institution), params=params, headers=auth(user) if user else {})
    want = register_expected(table, register_relation(user, institution))
    assert resp.status_code == want, (endpoint, user, institution, resp.status_code, resp.text[:300])
    if want >= 400:
        assert set(resp.json()) >= {"code", "message"} and resp.json()["message"]
        return
    if endpoint == "staff":
        items = resp.json()["items"]
        assert items and {i["institution_id"] for i in items} == {institution}
        own = register_relation(user, institution) == "staff_same"
        assert all(i["personal_data"] is own and (i["id_number"] is not None) is own for i in items)
    if endpoint == "institution":
        assert resp.json()["version"]["institution_id"] == institution


@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
@pytest.mark.parametrize(
    "endpoint", ["/v1/registry/institutions", "/v1/oversight/coverage", "/v1/registry/staff"]
)
def test_register_lists_are_scoped(demo: Demo, endpoint: str, user: str | None) -> None:
    resp = demo.client.get(
        endpoint, params={"per_page": 100} if "staff" in endpoint else {}, headers=auth(user) if user else {}
    )
    kind, inst, region = USERS[user]
    assert resp.status_code == {"anonymous": 401, "party": 403}.get(kind, 200), resp.text[:300]
    if resp.status_code != 200:
        return
    body = resp.json()
    if endpoint == "/v1/oversight/coverage":  # staff: their institution's province; supervisors their region
        province = region or INSTITUTIONS[inst or ""][:2]
        assert set(body["by_region"]) == {province}
        return
    institutions = {i["institution_id"] for i in body["items"]}
    if kind == "staff":
        assert institutions == {inst}
    else:
        with demo.state.db.read() as s:
            from sqlmodel import select

            from engine.store.tables import InstitutionRow

            in_region = {
                i.id for i in s.exec(select(InstitutionRow)).all() if i.region_code.startswith(region or "?")
            }
        assert institutions and institutions <= in_region
        if endpoint == "/v1/registry/institutions":
            assert institutions == in_region


@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
@pytest.mark.parametrize("path", ["/v1/public/arbitrators", "/v1/public/institutions"])
def test_the_public_register_needs_no_token(demo: Demo, path: str, user: str | None) -> None:
    resp = demo.client.get(path, headers=auth(user) if user else {})
    assert resp.status_code == 200 and resp.json()["total"] > 0


def _sheet(institution: str) -> bytes:
    return f"机构代码,姓名,岗位,聘期起\n{institution},矩阵测试员,clerk,2026-01-01\n".encode()


@pytest.mark.parametrize("institution", list(INSTITUTIONS), ids=["own_institution", "foreign_institution"])
@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
def test_register_import_access(demo: Demo, user: str | None, institution: str) -> None:
    """A dry run (it writes nothing): a director of the institution or a supervisor of its region passes;
    another director or supervisor gets the row refused (422 bad_rows); everyone else 403, anonymous 401."""
    resp = demo.client.post(
        "/v1/registry/import",
        data={"dry_run": "true"},
        files={"file": ("register.csv", _sheet(institution), "text/csv")},
        headers=auth(user) if user else {},
    )
    rel = register_relation(user, institution)
    importer = (
        (user or "").startswith("director") or rel in ("supervisor_in",) or USERS[user][0] == "supervisor"
    )
    if rel == "anonymous":
        want = 401
    elif not importer:
        want = 403
    else:
        want = 200 if rel in ("staff_same", "supervisor_in") else 422
    assert resp.status_code == want, (user, institution, resp.status_code, resp.text[:300])
    if want == 200:
        assert resp.json()["staff_added"] == 1 and resp.json()["written"] is False
    if want == 422:
        assert resp.json()["code"] == "bad_rows"
        assert resp.json()["details"][0]["column"] == "机构代码"
    with demo.state.db.read() as s:
        from sqlmodel import select

        from engine.store.register_tables import StaffRow

        assert s.exec(select(StaffRow).where(StaffRow.name == "矩阵测试员")).first() is None


@pytest.mark.parametrize("institution", list(INSTITUTIONS), ids=["own_institution", "foreign_institution"])
@pytest.mark.parametrize("user", list(USERS), ids=[u or "anonymous" for u in USERS])
def test_register_submission_access(register_demo: Demo, user: str | None, institution: str) -> None:
    """Submitting (a correction: a case of its own each time) is for the institution's clerks and
    directors; approving and returning for a director of the level above (none among the demo users for
    gx-nn and gd-sz: 403 for those who see the case, 404 for those who do not)."""
    demo = register_demo
    headers = auth(user) if user else {}
    rel = register_relation(user, institution)
    resp = demo.client.post(
        "/v1/registry/submissions",
        json={"institution_id": institution, "period": "2026Q3", "kind": "correction"},
        headers=headers,
    )
    submitter = rel == "staff_same" and (user or "").split("_")[0] in ("clerk", "director")
    want = {"anonymous": 401}.get(rel, 201 if submitter else 403)
    assert resp.status_code == want, (user, institution, resp.status_code, resp.text[:300])
    case_id = _a_submission(demo, institution)
    for action, body in (("approve", None), ("return", {"reasons": "人员信息不全"})):
        resp = demo.client.post(f"/v1/registry/submissions/{case_id}/{action}", json=body, headers=headers)
        want = {"anonymous": 401, "party": 403, "outsider": 404}.get(rel, 403)
        assert resp.status_code == want, (action, user, institution, resp.status_code, resp.text[:300])
        assert set(resp.json()) >= {"code", "message"}
    # resubmitting is for the institution's submitters, and only after a return (this one is submitted)
    resp = demo.client.post(f"/v1/registry/submissions/{case_id}/resubmit", headers=headers)
    want = {"anonymous": 401, "party": 403, "outsider": 404}.get(rel, 422 if submitter else 403)
    assert resp.status_code == want, ("resubmit", user, institution, resp.status_code, resp.text[:300])


def _a_submission(demo: Demo, institution: str) -> int:
    """A submitted verification case of the institution (submitted by its clerk when there is none)."""
    clerk = {"gx-nn": "clerk_nn", "gd-sz": "clerk_sz"}[institution]
    listed = demo.client.get(
        "/v1/registry/submissions", params={"institution": institution}, headers=auth(clerk)
    )
    items = listed.json()["items"]
    if items:
        return int(items[-1]["case_id"])
    resp = demo.client.post(
        "/v1/registry/submissions",
        json={"institution_id": institution, "period": "2026Q3", "kind": "correction"},
        headers=auth(clerk),
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["case_id"])
