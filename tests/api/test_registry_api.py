"""The register's endpoints beyond the access matrix: what the public sees (never personal data or a
performance figure), what supervisors see (never personal data), the import (all or nothing), the
verification flow and bad query values (422, never 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import func, select

from engine.store.register_tables import StaffRow
from tests.api.conftest import Demo, auth


def personal_values(demo: Demo) -> set[str]:
    """Every demo staff member's ID number and phone, read from the database."""
    with demo.state.db.read() as s:
        rows = s.exec(select(StaffRow.id_number, StaffRow.phone)).all()
    values = {v for row in rows for v in row if v}
    assert len(values) > 60
    return values


def leaks(body: str, values: set[str]) -> list[str]:
    return sorted(v for v in values if v in body)


def all_pages(demo: Demo, path: str, headers: dict[str, str], **params: Any) -> list[str]:
    bodies, page = [], 1
    while True:
        resp = demo.client.get(path, params={**params, "page": page, "per_page": 100}, headers=headers)
        assert resp.status_code == 200, resp.text[:300]
        bodies.append(resp.text)
        if page * 100 >= resp.json()["total"]:
            return bodies
        page += 1


PERSON_FIELDS = {"id_number", "phone", "address", "gender", "figures", "handled", "breaches"}


def test_the_public_register_shows_no_personal_data_and_no_figures(demo: Demo) -> None:
    values = personal_values(demo)
    roster = all_pages(demo, "/v1/public/arbitrators", {})
    institutions = all_pages(demo, "/v1/public/institutions", {})
    for body in roster + institutions:
        assert leaks(body, values) == []
    entries = [e for body in roster for e in json.loads(body)["items"]]
    assert len(entries) == json.loads(roster[0])["total"] > 20
    assert all(not (set(e) & PERSON_FIELDS) for e in entries)
    assert {e["employment"] for e in entries} == {"专职", "兼职"}


@pytest.mark.parametrize("user", ["supervisor_gx", "supervisor_gd"])
def test_supervisors_never_get_personal_data(demo: Demo, user: str) -> None:
    values = personal_values(demo)
    headers = auth(user)
    bodies = all_pages(demo, "/v1/registry/staff", headers)
    for path, params in (
        ("/v1/registry/institutions", {}),
        ("/v1/registry/performance", {"from": "2026-01-01", "to": "2026-11-28"}),
        ("/v1/registry/performance", {"from": "2026-01-01", "to": "2026-11-28", "format": "csv"}),
        ("/v1/registry/training", {"year": 2026}),
        ("/v1/registry/submissions", {}),
        ("/v1/oversight/coverage", {}),
    ):
        resp = demo.client.get(path, params=params, headers=headers)
        assert resp.status_code == 200, (path, resp.text[:300])
        bodies.append(resp.text)
    for inst in ("gx", "gx-nn", "gd-sz", "gd"):
        resp = demo.client.get(f"/v1/registry/institutions/{inst}", headers=headers)
        bodies.append(resp.text)
    for body in bodies:
        assert leaks(body, values) == []


def test_staff_see_their_own_institutions_personal_data_only(demo: Demo) -> None:
    values = personal_values(demo)
    bodies = all_pages(demo, "/v1/registry/staff", auth("clerk_nn"))
    items = [i for b in bodies for i in json.loads(b)["items"]]
    assert {i["institution_id"] for i in items} == {"gx-nn"} and all(i["personal_data"] for i in items)
    with demo.state.db.read() as s:
        own = {
            v
            for r in s.exec(select(StaffRow).where(StaffRow.institution_id == "gx-nn")).all()
            for v in (r.id_number, r.phone)
            if v
        }
    assert set(leaks("".join(bodies), values)) == own


def test_public_filters(demo: Demo) -> None:
    get = demo.client.get
    gx = get("/v1/public/arbitrators", params={"region": "450000", "per_page": 100}).json()
    assert gx["total"] > 0 and all(e["institution_id"].startswith("gx") for e in gx["items"])
    assert get("/v1/public/arbitrators", params={"region": "45"}).json()["total"] == gx["total"]
    nn = get("/v1/public/arbitrators", params={"institution": "gx-nn"}).json()
    assert {e["name"] for e in nn["items"]} >= {"黄志远", "韦丽娟", "蒙国强"}
    assert get("/v1/public/arbitrators", params={"name": "黄志"}).json()["items"][0]["name"] == "黄志远"
    labour = get("/v1/public/arbitrators", params={"specialty": "labour_pay", "per_page": 100}).json()
    assert 0 < labour["total"] < get("/v1/public/arbitrators").json()["total"]
    assert all("劳动报酬" in e["specialties"] for e in labour["items"])
    page2 = get("/v1/public/arbitrators", params={"per_page": 5, "page": 2}).json()
    assert len(page2["items"]) == 5 and page2["page"] == 2
    offices = get("/v1/public/institutions", params={"kind": "office"}).json()
    assert [i["id"] for i in offices["items"]] == ["gx-nn-y"]
    assert get("/v1/public/institutions", params={"region": "44"}).json()["total"] == 6


@pytest.mark.parametrize(
    "path,params",
    [
        ("/v1/public/arbitrators", {"region": "45a"}),
        ("/v1/public/arbitrators", {"name": "x" * 21}),
        ("/v1/public/arbitrators", {"per_page": 0}),
        ("/v1/public/arbitrators", {"per_page": 101}),
        ("/v1/public/arbitrators", {"page": 0}),
        ("/v1/public/arbitrators", {"name": "a\x00b"}),
        ("/v1/public/institutions", {"kind": "court"}),
        ("/v1/registry/performance", {"from": "2026-02-01", "to": "2026-01-01"}),
        ("/v1/registry/performance", {"from": "2026-02-30", "to": "2026-03-01"}),
        ("/v1/registry/performance", {"to": "2026-03-01"}),
        ("/v1/registry/training", {"year": 1999}),
        ("/v1/oversight/coverage", {"month": "2026-13"}),
        ("/v1/registry/staff", {"post": "judge"}),
        ("/v1/registry/institutions", {"as_of": "1999-12-31"}),
    ],
)
def test_bad_query_values_are_422(demo: Demo, path: str, params: dict[str, Any]) -> None:
    resp = demo.client.get(path, params=params, headers=auth("supervisor_gx"))
    assert resp.status_code == 422, resp.text[:300]
    assert resp.json()["code"] == "invalid_request" and resp.json()["message"]


def test_an_institution_not_visible_is_answered_as_a_missing_one(demo: Demo) -> None:
    hidden = demo.client.get("/v1/registry/institutions/gd-sz", headers=auth("clerk_nn"))
    missing = demo.client.get("/v1/registry/institutions/no-such", headers=auth("clerk_nn"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["message"].replace("gd-sz", "X") == missing.json()["message"].replace("no-such", "X")
    detail = demo.client.get(
        "/v1/registry/institutions/gx-nn", params={"as_of": "2019-12-31"}, headers=auth("clerk_nn")
    )
    assert detail.status_code == 200 and detail.json()["version"] is None and detail.json()["history"]


def test_a_filter_outside_the_scope_is_403(demo: Demo) -> None:
    for user, params in (
        ("supervisor_gx", {"region": "44"}),
        ("supervisor_gx", {"institution": "gd-sz"}),
        ("clerk_nn", {"institution": "gd-sz"}),
    ):
        resp = demo.client.get("/v1/registry/staff", params=params, headers=auth(user))
        assert resp.status_code == 403 and resp.json()["code"] == "forbidden", (user, params)
    narrower = demo.client.get(
        "/v1/registry/institutions", params={"region": "4501"}, headers=auth("supervisor_gx")
    )
    assert {i["region_code"][:4] for i in narrower.json()["items"]} == {"4501"}


STAFF_SHEET = "机构代码,姓名,性别,公民身份号码,联系电话,岗位,专兼职,聘期起\ngx-nn,导入测试员,女,,13912345678,书记员,专职,2026-11-01\n"


def _count(demo: Demo) -> int:
    with demo.state.db.read() as s:
        return int(s.exec(select(func.count()).select_from(StaffRow)).one())


def _upload(demo: Demo, user: str, name: str, content: bytes, dry_run: bool = False) -> Any:
    return demo.client.post(
        "/v1/registry/import",
        data={"dry_run": str(dry_run).lower()},
        files={"file": (name, content, "text/csv")},
        headers=auth(user),
    )


def test_import_writes_all_or_nothing(register_demo: Demo) -> None:
    demo = register_demo
    before = _count(demo)
    dry = _upload(demo, "director_nn", "人员.csv", STAFF_SHEET.encode(), dry_run=True)
    assert dry.status_code == 200 and dry.json()["staff_added"] == 1 and _count(demo) == before
    done = _upload(demo, "director_nn", "人员.csv", STAFF_SHEET.encode())
    assert done.status_code == 200, done.text
    assert done.json() | {"sheets": []} == {"dry_run": False, "written": True, "institutions": 0, "staff_added": 1,
                                             "appointments_added": 1, "rows": 1, "sheets": []}  # fmt: skip
    assert _count(demo) == before + 1
    staff = demo.client.get("/v1/registry/staff", params={"post": "clerk"}, headers=auth("clerk_nn")).json()
    assert any(i["name"] == "导入测试员" and i["phone"] == "13912345678" for i in staff["items"])
    again = _upload(demo, "director_nn", "人员.csv", STAFF_SHEET.encode())
    assert again.json()["staff_added"] == 0 and _count(demo) == before + 1
    bad = (
        STAFF_SHEET.replace("导入测试员", "好人")
        + "gx-nn,坏人,男,110105194912310021,,书记员,专职,2026-11-01\n"
    )
    bad += "gx-nn,日期错,男,,,书记员,专职,2026-13-01\n"
    resp = _upload(demo, "director_nn", "人员.csv", bad.encode("gb18030"))
    assert resp.status_code == 422 and resp.json()["code"] == "bad_rows"
    assert [(p["row"], p["column"]) for p in resp.json()["details"]] == [(3, "公民身份号码"), (4, "聘期起")]
    assert "110105194912310021" not in resp.text
    assert _count(demo) == before + 1  # the good row was not kept either


def test_import_refuses_other_files(register_demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = register_demo
    assert _upload(demo, "director_nn", "x.txt", b"a,b\n").status_code == 415
    unreadable = _upload(demo, "director_nn", "x.xlsx", b"not a zip")
    assert unreadable.status_code == 422 and unreadable.json()["code"] == "invalid_request"
    headerless = _upload(demo, "director_nn", "x.csv", "甲,乙\n1,2\n".encode())
    assert headerless.status_code == 422 and headerless.json()["code"] == "bad_rows"
    monkeypatch.setattr(demo.state.settings, "max_upload_bytes", 100)
    big = _upload(demo, "director_nn", "x.csv", (STAFF_SHEET * 10).encode())
    assert big.status_code == 413 and big.json()["code"] == "too_large"


def test_verification_flow(register_demo: Demo) -> None:
    demo = register_demo
    post = demo.client.post
    sub = post(
        "/v1/registry/submissions",
        json={"institution_id": "gx-nn", "period": "2026Q3"},
        headers=auth("clerk_nn"),
    )
    assert sub.status_code == 201, sub.text
    case_id = sub.json()["case_id"]
    assert sub.json()["stage"] == "submitted"
    twice = post(
        "/v1/registry/submissions",
        json={"institution_id": "gx-nn", "period": "2026Q3"},
        headers=auth("director_nn"),
    )
    assert twice.status_code == 422 and twice.json()["code"] == "stage"
    for user in ("director_nn", "supervisor_gx", "clerk_nn"):  # not the level above
        assert post(f"/v1/registry/submissions/{case_id}/approve", headers=auth(user)).status_code == 403
    assert post(f"/v1/registry/submissions/{case_id}/approve", headers=auth("director_sz")).status_code == 404
    blank = post(
        f"/v1/registry/submissions/{case_id}/return", json={"reasons": ""}, headers=auth("director_gx")
    )
    assert blank.status_code == 422
    ok = post(f"/v1/registry/submissions/{case_id}/approve", headers=auth("director_gx"))
    assert ok.status_code == 200 and ok.json() == {"case_id": case_id, "stage": "approved"}
    fix = post(
        "/v1/registry/submissions",
        json={"institution_id": "gx-nn", "period": "2026Q3", "kind": "correction"},
        headers=auth("director_nn"),
    )
    assert fix.status_code == 201
    back = post(
        f"/v1/registry/submissions/{fix.json()['case_id']}/return",
        json={"reasons": "聘期止日缺失"},
        headers=auth("director_gx"),
    )
    assert back.status_code == 200 and back.json()["stage"] == "returned"
    listed = demo.client.get(
        "/v1/registry/submissions", params={"institution": "gx-nn"}, headers=auth("director_gx")
    )
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [(i["period"], i["kind"]) for i in items[-2:]] == [
        ("2026Q3", "quarterly"),
        ("2026Q3", "correction"),
    ]
    assert items[-1]["content"]["institution_id"] == "gx-nn" and items[-1]["content"]["staff"]
    assert leaks(listed.text, personal_values(demo)) == []
    assert post("/v1/registry/submissions/999999/approve", headers=auth("director_gx")).status_code == 404
    not_verification = demo.case_id("已受理（期限内，当事人可查询）")
    assert (
        post(f"/v1/registry/submissions/{not_verification}/approve", headers=auth("clerk_nn")).status_code
        == 404
    )


def test_a_returned_submission_is_resubmitted_and_approved(register_demo: Demo) -> None:
    post = register_demo.client.post
    sub = post(
        "/v1/registry/submissions",
        json={"institution_id": "gx-nn", "period": "2026Q2", "kind": "correction"},
        headers=auth("clerk_nn"),
    )
    assert sub.status_code == 201, sub.text
    case_id = sub.json()["case_id"]
    early = post(f"/v1/registry/submissions/{case_id}/resubmit", headers=auth("clerk_nn"))
    assert early.status_code == 422 and early.json()["code"] == "stage"  # nothing was returned yet
    back = post(f"/v1/registry/submissions/{case_id}/return", json={"reasons": "缺少培训记录"}, headers=auth("director_gx"))
    assert back.json()["stage"] == "returned"
    assert post(f"/v1/registry/submissions/{case_id}/resubmit", headers=auth("clerk_sz")).status_code == 404
    again = post(f"/v1/registry/submissions/{case_id}/resubmit", headers=auth("director_nn"))
    assert again.status_code == 200 and again.json()["stage"] == "submitted", again.text
    ok = post(f"/v1/registry/submissions/{case_id}/approve", headers=auth("director_gx"))
    assert ok.json()["stage"] == "approved"
