"""/v1/procedures (list, show, diagram), /v1/me, and the public progress lookup /v1/public/progress.

The public lookup needs no token: the case number plus the query code given to the parties. It is
rate-limited per client address and per case number (429 with `Retry-After`) so codes cannot be
guessed, and a wrong code and an unknown case number get the same answer.
May import: engine, api.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import select

from api.deps import Caller, State
from api.errors import ApiError
from api.routes.cases import ERRORS, WRITE_ERRORS
from api.schemas import (
    ActionDefOut,
    ErrorOut,
    FactOut,
    MeOut,
    ProcedureOut,
    ProcedureSummaryOut,
    ProgressLookupIn,
    ProgressOut,
)
from api.views import procedure_of, progress_out
from engine.cases.access import AccessDenied, query_code_matches, query_code_salt
from engine.cases.numbers import known_by
from engine.procedures.model import Fact
from engine.store.tables import CaseRow

router = APIRouter(prefix="/v1", tags=["procedures 程序"])
public = APIRouter(prefix="/v1/public", tags=["public 公开查询"])
ProcedureId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="procedure id")]


def _summary(proc: Any) -> ProcedureSummaryOut:
    return ProcedureSummaryOut(
        id=proc.id, version=proc.version, title=proc.title, region=proc.region, extends=proc.extends
    )


@router.get("/procedures", response_model=list[ProcedureSummaryOut], responses=ERRORS)
def list_procedures(st: State, p: Caller) -> list[ProcedureSummaryOut]:
    """程序列表: every procedure the server has loaded (national and regional)."""
    return [_summary(st.library.get(pid)) for pid in st.library.ids()]


def _fact_out(fact: Fact, required: bool) -> FactOut:
    return FactOut(
        id=fact.id,
        title=fact.title,
        type=fact.type,
        required=required,
        max_length=fact.max_length if fact.type in ("text", "claims", "texts") else None,
        table=fact.table,
        min=None if fact.min is None else str(fact.min),
        max=None if fact.max is None else str(fact.max),
        set_by=list(fact.set_by) if fact.set_by is not None else None,
    )


@router.get("/procedures/{procedure_id}", response_model=ProcedureOut, responses=ERRORS)
def show_procedure(procedure_id: ProcedureId, st: State, p: Caller) -> ProcedureOut:
    """程序详情: stages, actions (roles, required and produced documents), deadlines with legal basis."""
    proc = st.library.get(procedure_id)
    return ProcedureOut(
        **_summary(proc).model_dump(),
        roles={r.id: r.title for r in proc.roles.values()},
        stages=[
            {"id": s.id, "title": s.title, "initial": s.initial, "final": s.final, "closure": s.closure}
            for s in proc.stages.values()
        ],
        opening_facts=[_fact_out(f, False) for f in proc.facts.values() if f.opening],
        actions=[
            ActionDefOut.model_validate(
                {
                    "id": a.id,
                    "title": a.title,
                    "from": list(a.sources),
                    "to": a.target,
                    "branches": [{"to": dest, "when": c.source} for dest, c in a.branches],
                    "roles": list(a.roles),
                    "requires": list(a.requires),
                    "produces": list(a.produces),
                    "when": [c.source for c in a.when],
                    "facts": [_fact_out(proc.facts[f], f in a.needs) for f in a.accepts if f in proc.facts],
                }
            )
            for a in proc.actions.values()
        ],
        deadlines=[
            {
                "id": d.id,
                "title": d.title,
                "limit": str(d.limit),
                "statutory": d.statutory,
                "basis": d.basis,
                "starts_on": list(d.starts_on),
                "ends_on": list(d.ends_on),
                "on_expiry": d.on_expiry,
            }
            for d in proc.deadlines.values()
        ],
        documents=[
            {"id": d.id, "title": d.title, "kind": d.kind, "internal": d.internal}
            for d in proc.documents.values()
        ],
        content_hash=proc.content_hash,
    )


@router.get(
    "/procedures/{procedure_id}/diagram",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"text/plain": {}, "image/svg+xml": {}}}},
)
def procedure_diagram(
    procedure_id: ProcedureId,
    st: State,
    p: Caller,
    format: Annotated[str, Query(pattern=r"^mermaid$")] = "mermaid",
) -> Response:
    """流程图: the procedure's stages and actions as a Mermaid state diagram (text)."""
    from engine.procedures.diagrams import mermaid_diagram

    proc = st.library.get(procedure_id)
    return PlainTextResponse(mermaid_diagram(proc), media_type="text/plain; charset=utf-8")


@router.get("/me", response_model=MeOut, responses=ERRORS)
def me(p: Caller) -> MeOut:
    """当前用户: who the token belongs to, their role, institution, region and (parties) cases."""
    return MeOut(
        user_id=p.user_id,
        name=p.name,
        role=p.role,
        institution_id=p.institution_id,
        region_code=p.region_code,
        case_ids=sorted(p.case_ids),
    )


@public.post(
    "/progress",
    response_model=ProgressOut,
    responses={
        400: ERRORS[400],
        404: {"model": ErrorOut, "description": "not_found: the case number or the query code is wrong"},
        413: WRITE_ERRORS[413],
        422: {"model": ErrorOut, "description": "invalid_request: the body does not fit the schema"},
        429: {"model": ErrorOut, "description": "rate_limited: too many lookups; see Retry-After"},
    },
)
def public_progress(body: ProgressLookupIn, request: Request, st: State) -> ProgressOut:
    """公开进度查询: the progress of a case by its number and the query code given to the parties."""
    # the peer's address; uvicorn replaces it by X-Forwarded-For only for ZHONGCAI_TRUSTED_PROXIES
    ip = request.client.host if request.client else "unknown"
    # every lookup counts against the address; only failures count against (case, address), so
    # nobody can spend the budget of the party, who looks the case up from an address of their own
    failures = f"case:{body.case_number}|ip:{ip}"
    wait = st.ip_limiter.hit(f"ip:{ip}") or st.case_limiter.waiting(failures)
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"查询过于频繁，请 {wait} 秒后再试 (too many lookups; try again in {wait} s). "
            "如忘记查询码，请联系仲裁委立案窗口 (if you lost the query code, ask the commission's filing desk)",
            headers={"Retry-After": str(wait)},
        )
    with st.db.read() as session:
        # the number the case is known by (its 案号 once accepted) or its receipt number (收件登记号)
        rows = session.exec(select(CaseRow).where(known_by(body.case_number))).all()
    match = next(
        (
            r
            for r in rows
            if query_code_matches(
                query_code_salt(r.case_number, r.receipt_number), body.query_code, r.query_code_hash
            )
        ),
        None,
    )
    if match is None or match.id is None:
        st.case_limiter.hit(failures)
        raise AccessDenied(
            "not_found",
            "案号（收件登记号）或查询码不正确 (case number, or receipt number, or query code is wrong); "
            "check the acceptance notice 受理通知书, or ask the commission's filing desk for a new code",
        )
    view = st.service.get(match.id)
    events = list(st.service.history(match.id))
    return progress_out(view, procedure_of(st, view.procedure_id, view.procedure_hash), events)
