"""Settings, shared state and FastAPI dependencies: the database, the case service, the caller.

Owns: `ApiSettings` (everything `create_app` needs), `AppState` (what lives for the app's lifetime),
and the dependencies `principal` (bearer token -> `Principal`), `case_ref` (a visible case or 404),
`state`. Everything here is thin glue over engine.cases.access and engine.cases.runtime.
May import: engine, FastAPI.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import select

from engine import Database
from engine.cases.access import (
    AccessDenied,
    CaseRef,
    Principal,
    RateLimiter,
    can_read_case,
    forbidden_case,
    principal_for_token,
)
from engine.cases.media_types import UPLOAD_TYPES
from engine.oversight.scheduler import SHANGHAI, shanghai_now
from engine.store.tables import CaseRow

if TYPE_CHECKING:
    from engine import CaseService, ProcedureLibrary
    from engine.oversight.scheduler import DeadlineScanner

ROOT = Path(__file__).resolve().parent.parent
INT32 = 2**31 - 1


@dataclass
class ApiSettings:
    """What the app needs; `from_env` reads the ZHONGCAI_* variables."""

    database_url: str | None = None
    procedures_dir: Path = ROOT / "procedures"
    run_scheduler: bool = False
    scan_interval_seconds: float = 60.0
    #: the scanner also opens each quarter's register verification cases (the served system does)
    open_register_periods: bool = False
    max_body_bytes: int = 12 * 1024 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024
    upload_types: dict[str, tuple[bytes, ...]] = field(default_factory=lambda: dict(UPLOAD_TYPES))
    #: public progress lookup, per window: lookups per client address, and wrong query codes per
    #: (case number, client address); a correct code never counts against a case
    lookup_limit_per_ip: int = 10
    lookup_limit_per_case: int = 5
    lookup_window_seconds: float = 600.0
    now: Callable[[], dt.datetime] = shanghai_now
    init_db: bool = True

    @classmethod
    def from_env(cls, **overrides: Any) -> ApiSettings:
        s = cls(database_url=os.environ.get("ZHONGCAI_DATABASE_URL") or None)
        if os.environ.get("ZHONGCAI_PROCEDURES"):
            s.procedures_dir = Path(os.environ["ZHONGCAI_PROCEDURES"])
        for k, v in overrides.items():
            setattr(s, k, v)
        return s


@dataclass
class AppState:
    """What lives for the app's lifetime: the store, the procedure library, the one case service (every
    write of the API goes through it), the public lookup's limiters and the deadline scanner if it runs."""

    settings: ApiSettings
    db: Database
    library: ProcedureLibrary
    service: CaseService
    ip_limiter: RateLimiter
    case_limiter: RateLimiter
    scanner: DeadlineScanner | None = None
    #: SQLite takes one writer at a time; queueing writers on a lock in the process is fairer and
    #: faster than letting each one sleep in SQLite's busy handler (p99 1.4 s -> see bench/load_bench.py)
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    def today(self) -> dt.date:
        return self.settings.now().astimezone(SHANGHAI).date()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the in-process write lock around a write transaction (SQLite only)."""
        if not self.db.is_sqlite:
            yield
            return
        with self.write_lock:
            yield


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.zc
    return state


_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")


def get_principal(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    st = get_state(request)
    if creds is None or creds.scheme.lower() != "bearer":
        raise AccessDenied(
            "unauthenticated",
            "需要登录 (authentication required): send 'Authorization: Bearer <token>'",
        )
    with st.db.read() as session:
        return principal_for_token(session, creds.credentials, st.settings.now())


State = Annotated[AppState, Depends(get_state)]
Caller = Annotated[Principal, Depends(get_principal)]
CaseId = Annotated[int, PathParam(ge=1, le=INT32, description="the case id")]


def load_case_ref(st: AppState, p: Principal, case_id: int) -> CaseRef:
    """The case if the caller may see it; otherwise the same 404 as a missing case (no probing)."""
    with st.db.read() as session:
        row = session.exec(
            select(CaseRow.institution_id, CaseRow.region_code).where(CaseRow.id == case_id)
        ).first()
    if row is None:
        raise forbidden_case(p, case_id)
    ref = CaseRef(case_id=case_id, institution_id=row[0], region_code=row[1])
    if not can_read_case(p, ref):
        raise forbidden_case(p, case_id)
    return ref
