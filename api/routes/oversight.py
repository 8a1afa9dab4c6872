"""/v1/breaches, /v1/audit/backdated, /v1/monitoring/report, /v1/oversight/coverage: what supervisors and
directors read.

The breach audit is computed from the deadline rows as of any date (engine.oversight.audit), scoped to the
caller's institution (staff) or region (supervisors). Parties may not read these. Coverage (办案系统覆盖率,
在线办案率) is a count of institutions and cases, no case or person in it: supervisors see their region,
staff their own institution's province (what they are measured against).
May import: engine, api.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from api.deps import Caller, State
from api.routes.cases import ERRORS
from api.schemas import BackdatedOut, BreachListOut, BreachOut, LegalDate
from engine import breach_audit
from engine.cases.access import staff_only
from engine.cases.listing import list_scope
from engine.oversight.backdated import backdated_entries
from engine.oversight.breach_entries import breaches_csv
from engine.store.tables import InstitutionRow

router = APIRouter(prefix="/v1", tags=["oversight 督查"])
InstitutionQ = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


@router.get(
    "/breaches",
    response_model=BreachListOut,
    responses={**ERRORS, 200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def breaches(
    st: State,
    p: Caller,
    as_of: Annotated[LegalDate | None, Query(description="audit date (default today)")] = None,
    institution_id: InstitutionQ = None,
    statutory_only: bool = False,
    format: Annotated[str, Query(pattern=r"^(json|csv)$")] = "json",
) -> Any:
    """超期督查: deadlines breached as of a date, with responsible staff, extensions, pauses and basis."""
    staff_only(p, "超期督查 (the breach audit)")
    day = as_of or st.today()
    with st.db.read() as session:
        entries = breach_audit(
            session,
            day,
            scope=list_scope(p),
            institution_id=institution_id,
            statutory_only=statutory_only,
            procedures=st.service.versions.lookup(session),
        )
    if format == "csv":
        return PlainTextResponse(
            breaches_csv(entries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="breaches-{day.isoformat()}.csv"'},
        )
    items = [BreachOut.model_validate(e.to_json()) for e in entries]
    return BreachListOut(as_of=day, total=len(items), items=items)


@router.get("/audit/backdated", response_model=list[BackdatedOut], responses=ERRORS)
def backdated(
    st: State,
    p: Caller,
    min_days: Annotated[
        int, Query(ge=1, le=3650, description="effective date at least this many days before recording")
    ] = 30,
    since: Annotated[LegalDate | None, Query(description="recorded on or after")] = None,
    until: Annotated[LegalDate | None, Query(description="recorded on or before")] = None,
) -> list[BackdatedOut]:
    """倒签记录: actions recorded long after their effective date (docs/law.md P11)."""
    staff_only(p, "倒签记录 (the back-dated entries report)")
    with st.db.read() as session:
        entries = backdated_entries(session, min_days=min_days, since=since, until=until, scope=list_scope(p))
    return [BackdatedOut.model_validate(e.to_json()) for e in entries]


@router.get("/monitoring/report", responses=ERRORS)
def monitoring_report(
    st: State,
    p: Caller,
    month: Annotated[str, Query(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
    institution_id: InstitutionQ = None,
) -> dict[str, Any]:
    """监测月报: the monitoring indicators of a month, for the caller's institution or region."""
    staff_only(p, "监测月报 (the monitoring report)")
    from engine import monthly_report
    from engine.codes.code_tables import CodeTables, default_codes_dir
    from engine.monitoring.indicators import Scope

    if p.is_staff:
        scope = Scope(institution=p.institution_id)
    else:
        scope = Scope(region=p.region_code or "000000", institution=institution_id)
    codes = CodeTables.load(default_codes_dir())
    with st.db.engine.connect() as conn:
        report = monthly_report(conn, month, codes, scope=scope)
    return dict(report.to_json())


@router.get("/oversight/coverage", responses=ERRORS)
def coverage_report(
    st: State,
    p: Caller,
    as_of: Annotated[LegalDate | None, Query(description="the register as of (default today)")] = None,
    month: Annotated[
        str | None,
        Query(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$", description="YYYY-MM (default: the month of as_of)"),
    ] = None,
) -> dict[str, Any]:
    """办案系统覆盖率 and 在线办案率 against the plan's targets, by level and province."""
    from engine.cases.access import region_prefix
    from engine.registry.coverage import coverage

    staff_only(p, "覆盖率 (the coverage report)")
    day = as_of or st.today()
    prefix: str | None
    with st.db.read() as session:
        if p.is_staff:  # the province of the caller's institution (never the whole country by default)
            own = session.get(InstitutionRow, p.institution_id) if p.institution_id else None
            prefix = (own.region_code if own is not None else p.region_code or "")[:2] or "-"
        else:
            prefix = region_prefix(p.region_code) or None
        return dict(coverage(session, day, month or day.strftime("%Y-%m"), region_prefix=prefix).to_json())
