"""Opening a case (收件), in one transaction: the body of `CaseService.open_case`.

Owns: `open_case(service, ...)`: check the opening facts and the effective date, take the next receipt
number (or the 案号 of a procedure without one), store the procedure snapshot, insert the case with
the hash of its query code, start the `open` deadlines and write event 1 with its monitoring record.
Moved out of engine.cases.runtime (which delegates to it). Stage in the flow: 6 (run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.cases import writes as w
from engine.cases.access import hash_query_code, query_code_salt
from engine.cases.casefile import SYSTEM, Actor, CaseView
from engine.cases.clockwork import apply_ops, calendar_for, plan_ops
from engine.cases.fact_bounds import checked_facts, code_tables
from engine.cases.facts import with_defaults
from engine.cases.firing import FirePlan, as_refusal, check_date, check_declared
from engine.cases.numbers import (
    allocate_case_number,
    allocate_receipt_number,
    takes_case_number_on_acceptance,
)
from engine.cases.state import CaseState
from engine.cases.views import case_view
from engine.errors import BadInput, EventNotAllowed
from engine.procedures.dsl import OPEN_ACTION
from engine.store.tables import InstitutionRow

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService


def open_case(
    service: CaseService,
    procedure_id: str,
    at: dt.date,
    facts: Mapping[str, Any] | None,
    institution_id: str,
    actor: Actor = SYSTEM,
    channel: str = "offline",
    query_code: str | None = None,
) -> CaseView:
    """Open a case (收件): check its facts, take the next receipt number (收件登记号; the 案号 comes
    with the `accept` action, or now for a procedure without one), start the `open` deadlines,
    write event 1 and its monitoring record; store the hash of `query_code` if given (the public
    lookup until acceptance issues a new one). Raises BadInput (facts, institution) or
    EventNotAllowed (date)."""
    procedure = service.library.get(procedure_id)
    given = checked_facts(procedure, facts, code_tables(), at)
    if given:
        check_declared(
            procedure,
            OPEN_ACTION,
            actor,
            given,
            lambda code, message, **details: EventNotAllowed(
                code, message, action=OPEN_ACTION, stage=procedure.initial_stage, details=details
            ),
        )
    typed = with_defaults(procedure, given)
    today = service.today()
    with as_refusal("open", procedure.initial_stage):
        check_date(procedure, actor, at, None, today, action="open", stage=procedure.initial_stage)
    with service.db.transaction() as s, as_refusal("open", procedure.initial_stage):
        institution = s.get(InstitutionRow, institution_id)
        if institution is None:
            raise BadInput(
                f"仲裁机构 '{institution_id}' 不存在 (unknown institution '{institution_id}'; create it first)",
                field="institution_id",
            )
        service.store_snapshot(s, procedure)
        receipt: str | None = None
        if takes_case_number_on_acceptance(procedure):
            number = receipt = allocate_receipt_number(s, institution, at.year)
            allotted = {"receipt_number": receipt}
        else:
            number = allocate_case_number(s, institution, at.year, procedure.case_number)
            allotted = {"case_number": number}
        code_hash = None
        if query_code is not None:
            code_hash = hash_query_code(query_code_salt(number, receipt), query_code)
            allotted["query_code"] = "issued"
        case = w.insert_case(
            s,
            procedure,
            institution,
            number,
            typed,
            at,
            channel,
            receipt_number=receipt,
            query_code_hash=code_hash,
        )
        calendar = calendar_for(procedure, case.region_code)
        state = CaseState(case, procedure, {})
        ops = plan_ops(
            procedure,
            "open",
            typed,
            {},
            entering_final=False,
            holds=lambda check: state.holds(check, typed, at, calendar),
        )
        clocks = apply_ops(procedure, {}, ops, at, calendar)
        plan = FirePlan(
            state=state,
            action="open",
            actor=actor,
            at=at,
            stage_after=case.stage,
            facts_changed=typed,
            ops=ops,
            clocks=clocks,
            attached={},
            produced=(),
            backdated=at < today,
            calendar=calendar,
            allotted=allotted,
        )
        w.write_event(s, plan, seq=1, prev_hash=None, recorded_at=service.recorded_at(), stage_before=None)
        return case_view(s, case, procedure)
