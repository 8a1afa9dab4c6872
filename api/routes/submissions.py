"""/v1/registry/submissions: the verification (核准) of the register: submit, approve, return, list.

An institution's clerks and directors submit its data (the content is the register as of today,
engine.registry.scope.content_of: no personal data); a director of the level above approves or returns
it with reasons (engine.registry.verification decides who that is and refuses others 403). A
verification case the caller can neither submit to, review nor supervise answers 404, as a missing one.
Every write is the engine's, holding `st.writing()`.
May import: engine, api.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AppState, Caller, CaseId, State
from api.errors import ApiError
from api.registry_schemas import (
    ReturnIn,
    ReviewedOut,
    SubmissionIn,
    SubmissionListOut,
    SubmissionOut,
    SubmittedOut,
)
from api.routes.cases import ERRORS, WRITE_ERRORS
from api.routes.registry import InstitutionQ, outside, register_reader
from engine.cases.access import Principal
from engine.registry import verification as ver
from engine.registry.institutions import institutions_as_of
from engine.registry.scope import content_of, may_read, register_scope
from engine.store.tables import CaseRow, InstitutionRow

router = APIRouter(prefix="/v1/registry/submissions", tags=["registry 机构人员"])


def _may_see(st: AppState, p: Principal, institution: InstitutionRow) -> bool:
    """Its own staff, supervisors of its region, and a director of the level above."""
    if may_read(p, institution):
        return True
    if p.role != ver.REVIEWER_USER_ROLE or p.institution_id is None:
        return False
    with st.db.read() as session:
        own = session.get(InstitutionRow, p.institution_id)
    return own is not None and ver.may_review(own, institution)


def _visible_case(st: AppState, p: Principal, case_id: int) -> None:
    with st.db.read() as session:
        case = session.get(CaseRow, case_id)
        institution = session.get(InstitutionRow, case.institution_id) if case is not None else None
    if (
        case is None
        or case.procedure_id != ver.PROCEDURE
        or institution is None
        or not _may_see(st, p, institution)
    ):
        raise ApiError(
            404,
            "not_found",
            f"核准案件不存在 (no verification case {case_id}); GET /v1/registry/submissions lists them",
        )


@router.post("", status_code=201, response_model=SubmittedOut, responses=WRITE_ERRORS)
def submit(body: SubmissionIn, st: State, p: Caller) -> SubmittedOut:
    """报送: submit the institution's register data for a quarter (or a correction) for verification."""
    register_reader(p, "报送核准 (the verification)")
    day = st.today()
    with st.db.read() as session:
        if session.get(InstitutionRow, body.institution_id) is None:
            raise outside(f"机构 {body.institution_id}")
        content = content_of(session, body.institution_id, day)
    with st.writing():
        done = ver.submit(st.service, body.institution_id, body.period, body.kind, content, p, body.at or day)
    return SubmittedOut(
        submission_id=done.submission_id,
        case_id=done.case_id,
        case_number=done.case_number,
        stage=done.stage,
        content_sha256=done.content_sha256,
    )


@router.post("/{case_id}/approve", response_model=ReviewedOut, responses=WRITE_ERRORS)
def approve(case_id: CaseId, st: State, p: Caller) -> ReviewedOut:
    """核准: approve the submission (a director of the level above)."""
    register_reader(p, "核准 (the verification)")
    _visible_case(st, p, case_id)
    with st.writing():
        stage = ver.approve(st.service, case_id, p, st.today())
    return ReviewedOut(case_id=case_id, stage=stage)


@router.post("/{case_id}/return", response_model=ReviewedOut, responses=WRITE_ERRORS)
def return_submission(case_id: CaseId, body: ReturnIn, st: State, p: Caller) -> ReviewedOut:
    """退回: return the submission with reasons (a director of the level above)."""
    register_reader(p, "核准 (the verification)")
    _visible_case(st, p, case_id)
    with st.writing():
        stage = ver.return_(st.service, case_id, body.reasons, p, st.today())
    return ReviewedOut(case_id=case_id, stage=stage)


@router.post("/{case_id}/resubmit", response_model=SubmittedOut, responses=WRITE_ERRORS)
def resubmit(case_id: CaseId, st: State, p: Caller) -> SubmittedOut:
    """重新报送: after a return, submit the register data as it stands today (the institution's clerks
    and directors)."""
    register_reader(p, "报送核准 (the verification)")
    _visible_case(st, p, case_id)
    day = st.today()
    with st.db.read() as session:
        case = session.get(CaseRow, case_id)
        assert case is not None  # _visible_case found it
        content = content_of(session, case.institution_id, day)
    with st.writing():
        done = ver.resubmit(st.service, case_id, content, p, day)
    return SubmittedOut(
        submission_id=done.submission_id,
        case_id=done.case_id,
        case_number=done.case_number,
        stage=done.stage,
        content_sha256=done.content_sha256,
    )


@router.get("", response_model=SubmissionListOut, responses=ERRORS)
def list_submissions(st: State, p: Caller, institution: InstitutionQ = None) -> SubmissionListOut:
    """报送记录: an institution's submissions (default: the caller's own, or every one of a supervisor's
    region), oldest first; the case's history holds the returns and approvals."""
    register_reader(p, "报送记录 (the submissions)")
    with st.db.read() as session:
        if institution is not None:
            row = session.get(InstitutionRow, institution)
            if row is None or not _may_see(st, p, row):
                raise outside(f"机构 {institution}")
            ids = [institution]
        elif register_scope(p).institution_id is not None:
            ids = [register_scope(p).institution_id or ""]
        else:
            prefix = register_scope(p).region_prefix or None
            ids = [v.institution_id for v in institutions_as_of(session, st.today(), region_prefix=prefix)]
    items = [
        SubmissionOut(
            id=r.id or 0,
            institution_id=r.institution_id,
            period=r.period,
            kind=r.kind,
            case_id=r.case_id,
            content_sha256=r.content_sha256,
            content=dict(r.content or {}),
        )
        for i in ids
        for r in ver.submissions(st.service, i)
    ]
    return SubmissionListOut(total=len(items), items=items)
