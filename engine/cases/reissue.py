"""Reissuing a case's query code (补发查询码), in one transaction: the body of `CaseService.reissue_query_code`.

Owns: `REISSUE_QUERY_CODE` (the event's name: not an action of any procedure, like `attach`) and
`reissue_query_code(service, ...)`. Moved out of engine.cases.runtime (which delegates to it).
Stage in the flow: 6 (run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.cases import writes as w
from engine.cases.access import hash_query_code, query_code_salt
from engine.cases.casefile import Actor, TransitionRecord
from engine.cases.clockwork import calendar_for
from engine.cases.firing import FirePlan, as_refusal
from engine.cases.state import load_state
from engine.errors import EventNotAllowed

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService

#: the event of a new query code (not an action of any procedure, like `attach`)
REISSUE_QUERY_CODE = "reissue_query_code"


def reissue_query_code(
    service: CaseService, case_id: int, actor: Actor, expected_version: int | None = None
) -> TransitionRecord:
    """A new query code for the public lookup: the old one stops working. Recorded as a
    `reissue_query_code` event in the case's hash-chained log (recorded now, with the effective date
    of the case's last event so the case's timeline does not move; what it allotted is
    `{"query_code": "reissued"}`, never the code); the code is in the record's `query_code`, once.
    Who may do it is the caller's check (engine.cases.access.can_reissue_query_code)."""
    if actor.role != "clerk":
        raise EventNotAllowed(
            "role",
            f"只有立案人员可以补发查询码 (only a clerk issues a new query code; not role '{actor.role}')",
            case_id=case_id,
            action=REISSUE_QUERY_CODE,
            details={"role": actor.role},
        )
    today = service.today()
    with service.db.transaction() as s, as_refusal(REISSUE_QUERY_CODE, None, case_id) as where:
        state = load_state(s, service, case_id, expected_version)
        where["stage"] = state.case.stage
        case = state.case
        salt = query_code_salt(case.case_number, case.receipt_number)
        code = service.query_codes(salt)
        plan = FirePlan(
            state=state,
            action=REISSUE_QUERY_CODE,
            actor=actor,
            # bookkeeping, not a legal fact: it keeps the case's last effective date, so entries
            # back-dated to before today stay possible; recorded_at says when it happened
            at=state.last_on or today,
            stage_after=case.stage,
            facts_changed={},
            ops=[],
            clocks=dict(state.clocks),
            attached={},
            produced=(),
            backdated=False,
            calendar=calendar_for(state.procedure, case.region_code),
            allotted={"query_code": "reissued"},
            query_code=code,
        )
        code_hash = hash_query_code(salt, code)
        return w.commit_plan(s, plan, service.recorded_at(), extra={"query_code_hash": code_hash})
