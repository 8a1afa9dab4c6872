"""/v1/registry: the register of institutions and staff, scoped like cases, and its import.

Who sees what (engine.registry.scope): an institution's staff see their own institution, with its staff's
personal data (ID number, phone, gender); a supervisor sees the institutions of their region without
personal data (000000: the whole country); parties see nothing (403). A filter naming an institution or a
region outside the caller's scope is refused 403 (an unknown institution gets the same answer); an
institution path the caller may not see is 404, as a missing one. The import is for a director (rows of
their own institution) or a supervisor (institutions of their region); a row outside that is a problem of
the file, and a file with any problem writes nothing (422 `bad_rows` with every problem). Performance and
training figures are internal (never under /v1/public). The verification (核准) routes are in
api.routes.submissions. Every write goes through the engine, holding `st.writing()`.
May import: engine, api.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import PlainTextResponse
from sqlmodel import Session, col, func, select
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, Caller, State
from api.errors import ApiError
from api.registry_schemas import (
    ImportReportOut,
    InstitutionDetailOut,
    InstitutionListOut,
    InstitutionVersionOut,
    StaffOut,
    StaffPageOut,
    TrainingOut,
)
from api.routes.cases import ERRORS, WRITE_ERRORS
from api.schemas import ErrorOut, LegalDate
from engine.cases.access import AccessDenied, Principal, region_prefix, staff_only
from engine.cases.tribunal import holds_on
from engine.registry import institutions as reg
from engine.registry.scope import may_read, may_write, register_scope, sees_personal_data
from engine.store.register_tables import AppointmentRow, InstitutionVersionRow, StaffRow
from engine.store.tables import InstitutionRow

router = APIRouter(prefix="/v1/registry", tags=["registry 机构人员"])
InstitutionQ = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
RegionQ = Annotated[
    str | None,
    Query(pattern=r"^[0-9]{1,12}$", description="GB/T 2260 code or prefix: 45, 4501, 450000 (= 45)"),
]
PostQ = Annotated[str | None, Query(pattern=r"^(arbitrator|director|clerk|mediator)$")]
AsOf = Annotated[LegalDate | None, Query(description="the register as of this date (default today)")]
InstitutionPath = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


def outside(what: str) -> AccessDenied:
    return AccessDenied(
        "forbidden",
        f"{what} 不在你的查看范围内或不存在 (outside your scope, or unknown): 机构人员只能查看本机构，督查人员只能查看本地区 "
        "(staff see their own institution, supervisors the institutions of their region)",
    )


def register_reader(p: Principal, what: str) -> None:
    """Parties (and unknown roles) may not read the register's internal views."""
    staff_only(p, what)
    if register_scope(p).nothing:
        raise outside(what)


def scoped(
    session: Session, p: Principal, institution: str | None, region: str | None
) -> tuple[str | None, str | None]:
    """(institution id, region prefix) to query: the caller's scope narrowed by the filters, or 403."""
    scope = register_scope(p)
    prefix = region_prefix(region) if region else None
    if scope.institution_id is not None:
        if institution is not None and institution != scope.institution_id:
            raise outside(f"机构 {institution}")
        return scope.institution_id, prefix
    mine = scope.region_prefix or ""
    if prefix is not None and not prefix.startswith(mine):
        raise outside(f"地区 {region}")
    if institution is not None:
        row = session.get(InstitutionRow, institution)
        if row is None or not may_read(p, row):
            raise outside(f"机构 {institution}")
    return institution, (prefix if prefix is not None else mine) or None


def version_out(v: InstitutionVersionRow) -> InstitutionVersionOut:
    return InstitutionVersionOut.model_validate(v, from_attributes=True)


@router.get("/institutions", response_model=InstitutionListOut, responses=ERRORS)
def list_institutions(st: State, p: Caller, as_of: AsOf = None, region: RegionQ = None) -> InstitutionListOut:
    """机构登记: the institutions in the caller's scope as the register stood on `as_of`."""
    register_reader(p, "机构登记 (the register)")
    day = as_of or st.today()
    with st.db.read() as session:
        institution, prefix = scoped(session, p, None, region)
        rows = reg.institutions_as_of(session, day, region_prefix=prefix, institution_id=institution)
        items = [version_out(v) for v in rows]
    return InstitutionListOut(as_of=day, total=len(items), items=items)


@router.get("/institutions/{institution_id}", response_model=InstitutionDetailOut, responses=ERRORS)
def show_institution(
    institution_id: InstitutionPath, st: State, p: Caller, as_of: AsOf = None
) -> InstitutionDetailOut:
    """机构详情: the version in force on `as_of` and every version (404 when not visible, as missing)."""
    register_reader(p, "机构登记 (the register)")
    day = as_of or st.today()
    with st.db.read() as session:
        row = session.get(InstitutionRow, institution_id)
        if row is None or not may_read(p, row):
            raise ApiError(
                404,
                "not_found",
                f"机构不存在 (no institution '{institution_id}'); GET /v1/registry/institutions lists yours",
            )
        version = reg.institution_as_of(session, institution_id, day)
        history = [version_out(v) for v in reg.history(session, institution_id)]
    return InstitutionDetailOut(
        as_of=day, version=version_out(version) if version is not None else None, history=history
    )


@router.get("/staff", response_model=StaffPageOut, responses=ERRORS)
def list_staff(
    st: State,
    p: Caller,
    institution: InstitutionQ = None,
    post: PostQ = None,
    region: RegionQ = None,
    as_of: AsOf = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
) -> StaffPageOut:
    """在聘人员: the current appointments in the caller's scope; ID number, phone and gender only for the
    caller's own institution (supervisors get them without)."""
    register_reader(p, "人员登记 (the staff register)")
    day = as_of or st.today()
    with st.db.read() as session:
        institution, prefix = scoped(session, p, institution, region)
        stmt = (
            select(StaffRow, AppointmentRow)
            .join(AppointmentRow, col(AppointmentRow.staff_id) == col(StaffRow.id))
            .join(InstitutionRow, col(InstitutionRow.id) == col(AppointmentRow.institution_id))
            .where(holds_on(day))
        )
        if institution is not None:
            stmt = stmt.where(AppointmentRow.institution_id == institution)
        if prefix:
            stmt = stmt.where(col(InstitutionRow.region_code).startswith(prefix, autoescape=True))
        if post is not None:
            stmt = stmt.where(AppointmentRow.post == post)
        total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = session.exec(
            stmt.order_by(
                col(AppointmentRow.institution_id),
                col(AppointmentRow.post),
                col(StaffRow.name),
                col(AppointmentRow.id),
            )
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        items = [_staff_out(p, s, a) for s, a in rows]
    return StaffPageOut(as_of=day, total=int(total), page=page, per_page=per_page, items=items)


def _staff_out(p: Principal, s: StaffRow, a: AppointmentRow) -> StaffOut:
    personal = sees_personal_data(p, a.institution_id)
    return StaffOut(
        staff_id=s.id or 0,
        appointment_id=a.id or 0,
        institution_id=a.institution_id,
        name=s.name,
        post=a.post,
        full_time=a.full_time,
        qualification=a.qualification,
        title=a.title,
        specialties=[str(x) for x in a.specialties or []],
        term_from=a.term_from,
        term_to=a.term_to,
        personal_data=personal,
        gender=s.gender if personal else None,
        id_number=s.id_number if personal else None,
        phone=s.phone if personal else None,
    )


SUFFIXES = (".csv", ".xlsx")


@router.post(
    "/import",
    response_model=ImportReportOut,
    responses={
        **WRITE_ERRORS,
        415: {"model": ErrorOut, "description": "unsupported_media_type: not a .csv or .xlsx file"},
        422: {
            "model": ErrorOut,
            "description": "bad_rows: `details` lists every problem {sheet, row, column, message}; nothing "
            "was written; invalid_request: an unreadable file",
        },
    },
)
async def import_file(
    st: State,
    p: Caller,
    file: Annotated[
        UploadFile, File(description="the region's spreadsheet: .csv (UTF-8 or GB18030) or .xlsx")
    ],
    dry_run: Annotated[bool, Form(description="check every row, write nothing")] = False,
) -> ImportReportOut:
    """导入机构人员: institutions and staff from a spreadsheet, every row checked, all or nothing (a
    director: rows of their own institution; a supervisor: the institutions of their region)."""
    if not (p.role == "director" or p.is_supervisor) or register_scope(p).nothing:
        raise AccessDenied(
            "forbidden",
            "只有机构负责人（本机构）或督查人员（本地区）可以导入机构人员登记 (only a director, for their own "
            "institution, or a supervisor, for their region, imports the register)",
        )
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"只能导入 .csv 或 .xlsx 文件 (only .csv and .xlsx files; got '{file.filename or ''}')",
        )
    limit = st.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise ApiError(
            413,
            "too_large",
            f"文件超过 {limit // (1024 * 1024)} MiB 上限 (file over the upload limit): 请分批导入",
        )
    stem = re.sub(r"[^\w-]+", "_", Path(file.filename or "").stem)[:60] or "upload"
    return await run_in_threadpool(_import, st, p, content, stem + suffix, dry_run)


def _import(st: AppState, p: Principal, content: bytes, name: str, dry_run: bool) -> ImportReportOut:
    from engine.registry.register_import import ImportRejected, import_register

    with tempfile.TemporaryDirectory(prefix="zc-import-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        try:
            with st.writing():
                report = import_register(
                    st.db,
                    path,
                    today=st.today(),
                    procedures=st.library.ids(),
                    dry_run=dry_run,
                    allowed=lambda institution_id, region: may_write(p, institution_id, region),
                )
        except ImportRejected as exc:
            problems = [
                {"sheet": x.sheet, "row": x.row, "column": x.column, "message": x.message}
                for x in exc.problems
            ]
            raise ApiError(
                422,
                "bad_rows",
                f"{len(problems)} 处错误，文件未导入：改正所列各行后重新上传 (nothing was imported: fix the rows "
                "listed in details and upload again)",
                problems,
            ) from None
    return ImportReportOut(
        dry_run=dry_run,
        written=not dry_run,
        institutions=report.institutions,
        staff_added=report.staff_added,
        appointments_added=report.appointments_added,
        rows=report.rows,
        sheets=list(report.sheets),
    )


FormatQ = Annotated[str, Query(pattern=r"^(json|csv)$")]


@router.get(
    "/performance",
    responses={**ERRORS, 200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def performance_figures(
    st: State,
    p: Caller,
    start: Annotated[LegalDate, Query(alias="from", description="first day of the period")],
    end: Annotated[LegalDate, Query(alias="to", description="last day of the period (on or after from)")],
    institution: InstitutionQ = None,
    region: RegionQ = None,
    format: FormatQ = "json",
) -> Any:
    """绩效考核: the figures of the institutions and arbitrators in scope for [from, to] (internal)."""
    from engine.registry.performance import performance

    register_reader(p, "绩效数据 (the performance figures)")
    with st.db.read() as session:
        institution, prefix = scoped(session, p, institution, region)
    report = performance(st.db, start=start, end=end, institution_id=institution, region_prefix=prefix)
    if format == "csv":
        return PlainTextResponse(
            report.to_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="performance-{start}-{end}.csv"'},
        )
    return report.to_json()


@router.get("/training", response_model=TrainingOut, responses=ERRORS)
def training_targets(
    st: State,
    p: Caller,
    institution: InstitutionQ = None,
    region: RegionQ = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")] = None,
) -> TrainingOut:
    """培训对象: arbitrators short of the yearly training hours, and those whose breaches (or awards
    changed by a court) per case are above their institution's level in `year`."""
    from engine.registry.performance import performance
    from engine.registry.training import above_institution_level, training_shortfalls

    register_reader(p, "培训对象 (the training targets)")
    today = st.today()
    y = year or today.year
    with st.db.read() as session:
        institution, prefix = scoped(session, p, institution, region)
    end = min(dt.date(y, 12, 31), max(today, dt.date(y, 1, 1)))
    report = performance(
        st.db, start=dt.date(y, 1, 1), end=end, institution_id=institution, region_prefix=prefix
    )
    shortfalls = training_shortfalls(st.db, year=y, institution_id=institution, region_prefix=prefix)
    return TrainingOut.model_validate(
        {
            "year": y,
            "institution_id": institution,
            "region_prefix": prefix,
            "shortfalls": [
                {
                    "institution_id": s.institution_id,
                    "staff_id": s.staff_id,
                    "staff_name": s.staff_name,
                    "year": s.year,
                    "hours": str(s.hours),
                    "required": s.required,
                    "missing": str(s.missing),
                }
                for s in shortfalls
            ],
            "above_institution_level": [asdict(t) for t in above_institution_level(report)],
        }
    )
