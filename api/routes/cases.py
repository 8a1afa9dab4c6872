"""/v1/cases: open, list, show, progress, available actions, fire, deadlines, history.

Thin: access checks from engine.cases.access, the work in engine.cases.runtime's `CaseService`. Routes are plain
`def` so FastAPI runs them in its thread pool (the store is synchronous).
May import: engine, api.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic.json_schema import SkipJsonSchema

from api.deps import Caller, CaseId, State, load_case_ref
from api.errors import ApiError
from api.schemas import (
    INT32,
    ActionOut,
    CaseListOut,
    CaseNumber,
    CaseOpenedOut,
    CaseOpenIn,
    CaseOut,
    CaseSummaryOut,
    DeadlineOut,
    ErrorOut,
    EventOut,
    FireIn,
    LegalDate,
    ProgressOut,
    QueryCodeOut,
    RefusalOut,
    TransitionOut,
)
from api.views import case_out, deadline_out, event_out, procedure_of, progress_out, transition_out
from engine import Actor
from engine.cases.access import (
    AccessDenied,
    Principal,
    can_act_on_case,
    can_open_case,
    can_reissue_query_code,
    new_query_code,
    staff_only,
    write_refused,
)
from engine.cases.listing import cases_in_scope, list_scope

router = APIRouter(prefix="/v1/cases", tags=["cases 案件"])

#: the error answers every /v1 route with a token can give (the handlers in api.errors): 400 bad_body (an
#: unparseable body), 401, 403, 404, 422 (schema, text, facts and the refusals of the runtime)
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut, "description": "bad_body: the body is not valid JSON"},
    401: {
        "model": ErrorOut,
        "description": "unauthenticated: no token, or an unknown, expired or revoked one",
    },
    403: {"model": ErrorOut, "description": "forbidden: the caller's role may not do this"},
    404: {"model": ErrorOut, "description": "not_found: no such case (or one the caller may not see)"},
    422: {
        "model": ErrorOut,
        "description": "invalid_request, or a refusal: stage, role, document, guard ...",
    },
}
#: and those of routes that take a body and write: 409 (If-Match stale), 413 (body too large)
WRITE_ERRORS: dict[int | str, dict[str, object]] = {
    **ERRORS,
    409: {"model": ErrorOut, "description": "conflict: the case changed since it was read"},
    413: {"model": ErrorOut, "description": "too_large: the body is over the size limit"},
}
ActionName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="the action id")]
#: a case version in If-Match: `3`, `"3"` or `W/"3"`; the schema shows the same pattern
IF_MATCH_PATTERN = r'^[ \t]*(W/)?"?[0-9]{1,9}"?[ \t]*$'
_IF_MATCH = re.compile(r'^[ \t]*(?:W/)?"?([0-9]{1,9})"?[ \t]*$')


def actor_of(p: Principal, case_id: int | None = None) -> Actor:
    """The actor of a request: the user, in their role on this case (parties) or their own role."""
    return Actor(str(p.user_id), p.role_on(case_id) if case_id is not None else p.role)


@router.post("", status_code=201, response_model=CaseOpenedOut, responses=WRITE_ERRORS)
def open_case(body: CaseOpenIn, st: State, p: Caller, response: Response) -> CaseOpenedOut:
    """立案登记: open a case at the caller's institution (clerks and directors)."""
    institution_id = body.institution_id or p.institution_id
    if institution_id is None or not can_open_case(p, institution_id):
        raise AccessDenied(
            "forbidden",
            f"只有本机构的立案人员或主任可以立案 (only a clerk or director of institution "
            f"'{institution_id}' may open a case there)",
        )
    at = body.at or st.today()
    code = new_query_code()
    with st.writing():
        view = st.service.open_case(
            body.procedure_id,
            at,
            dict(body.facts),
            institution_id,
            actor=actor_of(p),
            channel=body.channel,
            query_code=code,
        )
    response.headers["ETag"] = f'"{view.version}"'
    response.headers["Location"] = f"/v1/cases/{view.id}"
    out = case_out(view, procedure_of(st, view.procedure_id, view.procedure_hash))
    return CaseOpenedOut(**out.model_dump(), query_code=code)


@router.get("", response_model=CaseListOut, responses=ERRORS)
def list_cases(
    st: State,
    p: Caller,
    stage: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,63}$")] = None,
    procedure_id: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,63}$")] = None,
    institution_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")] = None,
    case_number: Annotated[CaseNumber | None, Query()] = None,
    opened_from: Annotated[LegalDate | None, Query()] = None,
    opened_to: Annotated[LegalDate | None, Query()] = None,
    open_only: Annotated[bool, Query(description="only cases not yet closed")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CaseListOut:
    """案件列表: the cases the caller may see, filtered."""
    page = cases_in_scope(
        st.db,
        list_scope(p),
        stage=stage,
        procedure_id=procedure_id,
        institution_id=institution_id,
        case_number=case_number,
        opened_from=opened_from,
        opened_to=opened_to,
        open_only=open_only,
        limit=limit,
        offset=offset,
    )
    items = [
        CaseSummaryOut(
            id=r.id or 0,
            case_number=r.case_number,
            receipt_number=r.receipt_number,
            institution_id=r.institution_id,
            region_code=r.region_code,
            procedure_id=r.procedure_id,
            stage=r.stage,
            version=r.version,
            opened_on=r.opened_on,
            closed_on=r.closed_on,
            closure=r.closure,
        )
        for r in page.rows
    ]
    return CaseListOut(total=page.total, items=items)


@router.get("/{case_id}", response_model=CaseOut, responses=ERRORS)
def get_case(case_id: CaseId, st: State, p: Caller, response: Response) -> CaseOut:
    """案件详情 (staff and supervisors): stage, facts, deadlines with due dates, documents. ETag = version."""
    load_case_ref(st, p, case_id)
    if p.is_party:
        raise AccessDenied(
            "forbidden",
            f"当事人请通过进度视图查看案件 (parties follow their case at /v1/cases/{case_id}/progress)",
        )
    view = st.service.get(case_id)
    response.headers["ETag"] = f'"{view.version}"'
    return case_out(view, procedure_of(st, view.procedure_id, view.procedure_hash))


@router.get("/{case_id}/progress", response_model=ProgressOut, responses=ERRORS)
def get_progress(case_id: CaseId, st: State, p: Caller) -> ProgressOut:
    """案件进度: the view parties get (without the internal file 副卷)."""
    load_case_ref(st, p, case_id)
    view = st.service.get(case_id)
    events = list(st.service.history(case_id))
    return progress_out(view, procedure_of(st, view.procedure_id, view.procedure_hash), events)


@router.get("/{case_id}/actions", response_model=list[ActionOut], responses=ERRORS)
def available_actions(
    case_id: CaseId,
    st: State,
    p: Caller,
    at: Annotated[LegalDate | None, Query(description="effective date to check (default today)")] = None,
    all_actions: Annotated[
        bool,
        Query(
            alias="all",
            description="every action of the procedure, each allowed or with its refusal (default: only "
            "the actions allowed now)",
        ),
    ] = False,
) -> list[ActionOut]:
    """可办理的操作: the actions the caller's role may take now; with `all=true` every action of the
    procedure, allowed or with the reason it is not."""
    ref = load_case_ref(st, p, case_id)
    if not can_act_on_case(p, ref):
        role = "supervisor"
    else:
        role = p.role_on(case_id)
    out = []
    for a in st.service.available_actions(case_id, role, at or st.today()):
        refusal = None
        if a.refusal is not None:
            refusal = RefusalOut(code=a.refusal.code, message=a.refusal.message)
        if p.is_supervisor and a.allowed:  # defensive: supervisors never write
            refusal, allowed = RefusalOut(code="role", message=write_refused(p).message), False
        else:
            allowed = a.allowed
        if allowed or all_actions:
            out.append(ActionOut(action=a.action, title=a.title, allowed=allowed, refusal=refusal))
    return out


@router.post(
    "/{case_id}/actions/{action}",
    response_model=TransitionOut,
    responses={
        **WRITE_ERRORS,
        404: {
            "model": ErrorOut,
            "description": "not_found: no such case (or one the caller may not see); unknown_action: the "
            "case's procedure has no such action (GET /v1/cases/{id}/actions?all=true lists them)",
        },
        428: {"model": ErrorOut, "description": "precondition_required: send If-Match (required)"},
    },
)
def fire_action(
    case_id: CaseId,
    action: ActionName,
    st: State,
    p: Caller,
    response: Response,
    if_match: Annotated[
        str | SkipJsonSchema[None],
        Header(
            description='required: the case version you last read, e.g. "3" (from the ETag); 409 if it '
            "changed, 428 without it",
            json_schema_extra={"pattern": IF_MATCH_PATTERN},
        ),
    ] = None,
    body: FireIn | None = None,
) -> TransitionOut:
    """办理: fire an action at an effective date. Requires If-Match with the case version."""
    ref = load_case_ref(st, p, case_id)
    if not can_act_on_case(p, ref):
        raise write_refused(p)
    if if_match is None:
        raise ApiError(
            428,
            "precondition_required",
            "请在 If-Match 头中给出案件版本 (send the case version you read in the If-Match header, e.g. "
            'If-Match: "3"; GET /v1/cases/{id} returns it as ETag)',
        )
    m = _IF_MATCH.match(if_match)
    if m is None:
        raise ApiError(
            422, "invalid_request", f'If-Match 无效 (If-Match {if_match!r} is not a case version like "3")'
        )
    body = body or FireIn()
    at = body.at or st.today()
    with st.writing():
        rec = st.service.fire(
            case_id,
            action,
            actor_of(p, case_id),
            at,
            facts=dict(body.facts) or None,
            expected_version=int(m.group(1)),
        )
    response.headers["ETag"] = f'"{rec.version}"'
    return transition_out(rec)


@router.get("/{case_id}/deadlines", response_model=list[DeadlineOut], responses=ERRORS)
def deadlines(case_id: CaseId, st: State, p: Caller) -> list[DeadlineOut]:
    """期限: every deadline of the case with its due date and how it was computed (steps)."""
    load_case_ref(st, p, case_id)
    view = st.service.get(case_id)
    return [deadline_out(d) for d in view.deadlines.values()]


@router.get("/{case_id}/history", response_model=list[EventOut], responses=ERRORS)
def history(
    case_id: CaseId,
    st: State,
    p: Caller,
    after_seq: Annotated[int, Query(ge=0, le=INT32)] = 0,
) -> list[EventOut]:
    """事件记录 (staff and supervisors): the hash-chained event log of the case."""
    load_case_ref(st, p, case_id)
    staff_only(p, "事件记录 (the event log)")
    return [event_out(ev) for ev in st.service.history(case_id) if ev.seq > after_seq]


@router.post(
    "/{case_id}/query-code",
    response_model=QueryCodeOut,
    responses={
        401: {"model": ErrorOut, "description": "unauthenticated: no or a bad token"},
        403: {"model": ErrorOut, "description": "forbidden: only a clerk of the case's institution"},
        404: {"model": ErrorOut, "description": "not_found: no such case, or one the caller may not see"},
        409: {"model": ErrorOut, "description": "conflict: the case changed meanwhile; retry"},
        422: {"model": ErrorOut, "description": "invalid_request: a bad case id"},
    },
)
def reissue_query_code(case_id: CaseId, st: State, p: Caller, response: Response) -> QueryCodeOut:
    """补发查询码: a new query code for the public progress lookup (clerks of the case's institution).
    The old code stops working; the event `reissue_query_code` is recorded in the case's log (without
    the code). The new code is in this answer only."""
    ref = load_case_ref(st, p, case_id)
    if not can_reissue_query_code(p, ref):
        raise AccessDenied(
            "forbidden",
            "只有本机构的立案人员可以补发查询码 (only a clerk of the case's institution may issue a new query code)",
        )
    with st.writing():
        rec = st.service.reissue_query_code(case_id, actor_of(p, case_id))
    assert rec.query_code is not None
    response.headers["ETag"] = f'"{rec.version}"'
    response.headers["Cache-Control"] = "no-store"
    return QueryCodeOut(
        case_id=rec.case_id,
        case_number=rec.case_number,
        query_code=rec.query_code,
        seq=rec.seq,
        version=rec.version,
    )
