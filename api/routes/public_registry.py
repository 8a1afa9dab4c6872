"""/v1/public/arbitrators and /v1/public/institutions: the public roster (仲裁员名册, 组织规则第二十三条)
and the list of institutions, with no token.

A roster entry is a name, institution, 专职/兼职, qualification ground, specialties and term; an
institution its office's public contact. Never an ID number, a phone number or an address of a person,
never a performance figure: the response models have no such field (engine.registry.roster).
May import: engine, api.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import State
from api.registry_schemas import PublicInstitutionPageOut, RosterPageOut
from api.schemas import ErrorOut
from engine.cases.access import region_prefix
from engine.registry.roster import MAX_PER_PAGE, RosterFilters, public_arbitrators, public_institutions
from engine.text_input import STORABLE_TEXT_PATTERN

router = APIRouter(prefix="/v1/public", tags=["public 公开查询"])
PUBLIC_ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorOut, "description": "invalid_request: a bad filter or page"},
}
RegionQ = Annotated[
    str | None,
    Query(pattern=r"^[0-9]{1,12}$", description="GB/T 2260 code or prefix: 45, 4501, 450000 (= 45)"),
]
Page = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]


def _prefix(region: str | None) -> str | None:
    return (region_prefix(region) or None) if region else None


@router.get("/arbitrators", response_model=RosterPageOut, responses=PUBLIC_ERRORS)
def arbitrators(
    st: State,
    region: RegionQ = None,
    institution: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")] = None,
    specialty: Annotated[
        str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="a dispute_types code")
    ] = None,
    name: Annotated[
        str | None,
        Query(min_length=1, max_length=20, pattern=STORABLE_TEXT_PATTERN, description="part of a name"),
    ] = None,
    page: Page = 1,
    per_page: PerPage = 20,
) -> RosterPageOut:
    """仲裁员名册: the arbitrators appointed today, by region, institution, specialty and name (paged)."""
    filters = RosterFilters(
        region=_prefix(region),
        institution_id=institution,
        specialty=specialty,
        name=(name or "").strip() or None,
    )
    with st.db.read() as session:
        result = public_arbitrators(session, st.today(), filters, page, per_page)
    return RosterPageOut.model_validate(result.to_json())


@router.get("/institutions", response_model=PublicInstitutionPageOut, responses=PUBLIC_ERRORS)
def institutions(
    st: State,
    region: RegionQ = None,
    kind: Annotated[str | None, Query(pattern=r"^(commission|office|mediation)$")] = None,
    page: Page = 1,
    per_page: PerPage = 20,
) -> PublicInstitutionPageOut:
    """仲裁机构: the institutions on the register today, with their public office contact."""
    with st.db.read() as session:
        result = public_institutions(session, st.today(), _prefix(region), kind, page, per_page)
    return PublicInstitutionPageOut.model_validate(result.to_json())
