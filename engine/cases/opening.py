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
from engine.errors import BadInput, EventNotAllowed, UnknownProcedure
from engine.procedures.dsl import OPEN_ACTION
from engine.procedures.model import Procedure
from engine.store.tables import InstitutionRow

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService
    from engine.cases.versions import ProcedureSource


def check_procedure_of(procedure: Procedure, institution: InstitutionRow, library: ProcedureSource) -> None:
    """An institution opens cases under its own region's procedure: a regional procedure of another
    region is refused, and so is the national procedure its own regional procedure extends (a Nanning
    commission whose register names `guangxi` cannot open under plain `arbitration`)."""
    own = institution.procedure_id
    if procedure.region is not None and not institution.region_code.startswith(procedure.region):
        raise BadInput(
            f"程序“{procedure.title}”（{procedure.id}）适用于地区 {procedure.region}，{institution.name}"
            f"（地区 {institution.region_code}）不能选用其他地区的程序；请使用 {own or 'arbitration'} "
            f"(procedure '{procedure.id}' is for region {procedure.region}, not {institution.region_code})",
            field="procedure_id",
        )
    if (
        own is not None
        and own != procedure.id
        and procedure.region is None
        and _extends(library, own, procedure.id)
    ):
        raise BadInput(
            f"{institution.name}适用本地区程序 {own}，不能选用其所依据的全国程序 {procedure.id} "
            f"(this institution's procedure is '{own}', which extends '{procedure.id}': open under '{own}')",
            field="procedure_id",
        )


def default_procedure(service: CaseService, institution_id: str) -> str:
    """The procedure an institution opens cases under unless told otherwise."""
    with service.db.read() as s:
        institution = s.get(InstitutionRow, institution_id)
    return (institution.procedure_id if institution is not None else None) or "arbitration"


def _extends(library: ProcedureSource, own: str, national: str) -> bool:
    try:
        return library.get(own).extends == national
    except UnknownProcedure:  # a procedure the library no longer has: not this check's concern
        return False


def open_case(
    service: CaseService,
    procedure_id: str | None,
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
    EventNotAllowed (date). Without `procedure_id`, the institution's own procedure on the register
    (`institution.procedure_id`), else the national `arbitration`."""
    if procedure_id is None:
        procedure_id = default_procedure(service, institution_id)
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
        check_procedure_of(procedure, institution, service.library)
        service.versions.store(s, procedure)
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
