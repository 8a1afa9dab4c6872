"""Over HTTP: a party cannot state facts its action does not take; the schema and
GET /v1/procedures/{id} list each action's facts with their types."""

from __future__ import annotations

from tests.api.conftest import Demo, auth


def test_the_respondent_cannot_rewrite_the_case_through_apply_recusal(demo: Demo) -> None:
    """The attack of the issue: the respondent's token fires apply_recusal with other facts."""
    case_id = demo.case_id("已受理（期限内，当事人可查询）")
    assert _is_party(demo, case_id)
    before = demo.client.get(f"/v1/cases/{case_id}", headers=auth("clerk_nn")).json()
    attack = {
        "claim_amount": "1",
        "applicant_name": "篡改",
        "awarded_amount": "999999",
        "recusal_granted": True,
    }
    r = demo.client.post(
        f"/v1/cases/{case_id}/actions/apply_recusal",
        json={"at": "2026-11-28", "facts": attack},
        headers={**auth("respondent_demo"), "If-Match": str(before["version"])},
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "facts"
    assert "apply_recusal" in body["message"] and "claim_amount" in body["message"]
    after = demo.client.get(f"/v1/cases/{case_id}", headers=auth("clerk_nn")).json()
    assert after["facts"] == before["facts"] and after["version"] == before["version"]


def _is_party(demo: Demo, case_id: int) -> bool:
    me = demo.client.get("/v1/me", headers=auth("respondent_demo")).json()
    return case_id in me["case_ids"]


def test_the_api_lists_each_actions_facts_with_their_types(demo: Demo) -> None:
    r = demo.client.get("/v1/procedures/arbitration", headers=auth("clerk_nn"))
    assert r.status_code == 200
    actions = {a["id"]: a for a in r.json()["actions"]}
    schedule = {f["id"]: f for f in actions["schedule_hearing"]["facts"]}
    assert schedule["hearing_on"] == {**schedule["hearing_on"], "type": "date", "required": True}
    assert schedule["hearing_place"]["required"] is False
    assert actions["apply_recusal"]["facts"] == []
    opening = {f["id"] for f in r.json()["opening_facts"]}
    assert "claim_amount" in opening and "awarded_amount" not in opening
