"""The FastAPI app factory: `create_app(settings)`.

Owns: assembling the app (routers under /v1, error handlers, the body size limit) and its lifespan:
open the database (migrated), load the procedure library, build the `CaseService`, and start the
deadline scanner only when `settings.run_scheduler` is set (one process; leadership decides who
scans when several run). OpenAPI at /openapi.json, Swagger UI at /docs.
May import: engine, api.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from api.deps import ApiSettings, AppState
from api.errors import BodySizeLimit, install_error_handlers
from api.routes import cases, documents, oversight, procedures, public_registry, registry, submissions
from api.routes import library as library_routes
from engine import Database
from engine.cases.access import RateLimiter

if TYPE_CHECKING:
    from engine import CaseService, ProcedureLibrary
    from engine.oversight.scheduler import DeadlineScanner

log = logging.getLogger("zhongcai.api")

DESCRIPTION = """\
劳动人事争议调解仲裁 案件程序引擎 HTTP API.

Authenticate with `Authorization: Bearer <token>`. Every error is JSON `{"code", "message"}`;
refused actions carry the refusal code (`stage`, `role`, `document`, `guard`, `date`, `deadline`,
`facts`), a lost race is `409 conflict` (send the version you read in `If-Match`).
"""


def build_state(
    settings: ApiSettings, service: CaseService | None = None, library: ProcedureLibrary | None = None
) -> AppState:
    """Open the database and build the service (outside the lifespan, so tests can share it)."""
    db = Database(settings.database_url)
    if settings.init_db:
        db.init_db()
    if library is None:
        from engine import ProcedureLibrary

        library = ProcedureLibrary.load(settings.procedures_dir)
    if service is None:
        from engine import CaseService

        service = CaseService(db, library, settings.now)
    return AppState(
        settings=settings,
        db=db,
        library=library,
        service=service,
        ip_limiter=RateLimiter(settings.lookup_limit_per_ip, settings.lookup_window_seconds),
        case_limiter=RateLimiter(settings.lookup_limit_per_case, settings.lookup_window_seconds),
    )


def start_scanner(state: AppState, interval_seconds: float | None = None) -> DeadlineScanner:
    """Start the one periodic deadline scan in a background thread (returns the scanner)."""
    from engine.oversight.scheduler import DeadlineScanner, leadership_for, service_tick

    scanner = DeadlineScanner(
        service_tick(state.service, register_periods=state.settings.open_register_periods),
        leadership_for(state.db.engine),
        interval_seconds=interval_seconds or state.settings.scan_interval_seconds,
        now=state.settings.now,
    )
    scanner.start()
    return scanner


def create_app(settings: ApiSettings | None = None, state: AppState | None = None) -> FastAPI:
    """The zhongcai API. Pass `state` to reuse an already built database and service (tests)."""
    settings = settings or (state.settings if state is not None else ApiSettings.from_env())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        st = app.state.zc if getattr(app.state, "zc", None) is not None else build_state(settings)
        app.state.zc = st
        if settings.run_scheduler and st.scanner is None:
            st.scanner = start_scanner(st, settings.scan_interval_seconds)
            log.info("deadline scanner started (every %s s)", settings.scan_interval_seconds)
        try:
            yield
        finally:
            if st.scanner is not None:
                st.scanner.shutdown()
                st.scanner = None
            if state is None:
                st.db.dispose()

    app = FastAPI(
        title="zhongcai 仲裁案件程序引擎",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.zc = state
    install_error_handlers(app)
    for module in (cases, documents, oversight, procedures, submissions, registry):
        app.include_router(module.router)
    app.include_router(procedures.public)
    app.include_router(public_registry.router)
    app.include_router(library_routes.router)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    _mark_required_headers(app)
    return app


#: headers a route reads as optional (to answer 428 with an explanation rather than 422) but that the
#: schema shows as required: a request without them is never carried out
REQUIRED_HEADERS = frozenset({"if-match"})


def _mark_required_headers(app: FastAPI) -> None:
    """Have the OpenAPI schema mark the `REQUIRED_HEADERS` parameters `required: true`."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for param in operation.get("parameters", ()):
                        if param.get("in") == "header" and param.get("name", "").lower() in REQUIRED_HEADERS:
                            param["required"] = True
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]
