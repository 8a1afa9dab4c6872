"""/v1/library/search: search the law and case library (articles and typical cases), with no token.

Public by design: the articles are official texts of laws, regulations and judicial interpretations,
and the cases are typical cases that courts and ministries have published (both excluded from copyright,
著作权法第五条); nothing of a case on this system's register is in the index. Each request has a time
budget (SEARCH_BUDGET_SECONDS): a search that takes longer answers 503 instead of holding a worker.
May import: engine, api.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.schemas import ErrorOut
from engine.library.search import Filters, search, shipped_index
from engine.text_input import STORABLE_TEXT_PATTERN

router = APIRouter(prefix="/v1/library", tags=["library 法律法规库、案例库"])
SEARCH_BUDGET_SECONDS = 5.0
ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorOut, "description": "invalid_request: a bad query, kind or limit"},
    503: {"model": ErrorOut, "description": "search_timeout: the search took longer than its budget"},
}


class SearchResultOut(BaseModel):
    id: str = Field(description="the id of ../shared/library/ (laws.jsonl or cases.jsonl)")
    kind: str = Field(description="article | case")
    score: float
    title: str
    why: list[str] = Field(description="the matched terms (own, synonym, title) and facets")


class SearchOut(BaseModel):
    results: list[SearchResultOut]


def _search(q: str, kind: str | None, limit: int, filters: Filters) -> SearchOut:
    results = search(shipped_index(), q, kind=kind, limit=limit, filters=filters)
    return SearchOut(results=[SearchResultOut(**r.to_json()) for r in results])


@router.get("/search", response_model=SearchOut, responses=ERRORS)
async def library_search(
    q: Annotated[
        str, Query(min_length=1, max_length=500, pattern=STORABLE_TEXT_PATTERN, description="检索词")
    ],
    kind: Annotated[str | None, Query(pattern=r"^(article|case)$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    dispute_type: Annotated[
        str | None, Query(max_length=40, pattern=STORABLE_TEXT_PATTERN, description="争议类型，如 工伤")
    ] = None,
    claim_category: Annotated[
        str | None, Query(max_length=40, pattern=STORABLE_TEXT_PATTERN, description="请求类别，如 加班费")
    ] = None,
    region: Annotated[
        str | None, Query(max_length=40, pattern=STORABLE_TEXT_PATTERN, description="地区，如 广东")
    ] = None,
    date_from: Annotated[dt.date | None, Query(description="案例发布日期起")] = None,
    date_to: Annotated[dt.date | None, Query(description="案例发布日期止")] = None,
) -> SearchOut:
    """检索法条与案例: BM25 with synonym expansion and field weights; each result says why it matched."""
    if not q.strip():
        return SearchOut(results=[])
    filters = Filters(dispute_type=dispute_type, claim_category=claim_category, region=region,
                      date_from=date_from, date_to=date_to)  # fmt: skip
    await run_in_threadpool(shipped_index)  # built once per process, outside the budget
    try:
        return await asyncio.wait_for(
            run_in_threadpool(_search, q, kind, limit, filters), SEARCH_BUDGET_SECONDS
        )
    except TimeoutError as exc:
        raise ApiError(
            503, "search_timeout", "检索超时 (the search took too long; shorten the query)"
        ) from exc
