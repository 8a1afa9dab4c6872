"""Error mapping: every error leaves the API as JSON `{"code": ..., "message": ...}`.

Owns: `ApiError`, the exception handlers, and the request-body size limit middleware.
Codes are stable (clients and tests match on them); messages are Chinese + English and say what to
do. Refusals keep the runtime's refusal code (stage, role, document, guard, date, deadline, facts)
with status 422; an action the case's procedure does not have is 404 `unknown_action`; a lost optimistic-concurrency race is 409 `conflict`; a defective document template
is 500 `document_template_error` (nothing was recorded; the message names the template and line), a
procedure rule that cannot be evaluated (e.g. a `sets:` dividing by zero) 500 `procedure_error`.
May import: engine (errors, access), FastAPI/Starlette.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.cases.access import AccessDenied
from engine.errors import (
    BadInput,
    CaseConflict,
    CaseNotFound,
    DocumentFailed,
    EventNotAllowed,
    GuardRuntimeError,
    StoreInconsistent,
    UnknownAction,
    UnknownProcedure,
    YearNotCovered,
)
from engine.text_input import clean_text

log = logging.getLogger("zhongcai.api")


class ApiError(Exception):
    """An error with an HTTP status, a stable code and an actionable message."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
        super().__init__(message)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


def _json(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


_ACCESS_STATUS = {"unauthenticated": 401, "forbidden": 403, "not_found": 404, "rate_limited": 429}

_HTTP_CODES = {
    400: (
        "bad_body",
        "请求体无法解析 (the request body is not valid JSON: check quotes and brackets, send UTF-8, and keep "
        "numbers to at most 4,300 digits and nesting shallow)",
    ),
    404: ("not_found", "没有这个地址 (no such endpoint); see /docs for the API"),
    405: ("method_not_allowed", "该地址不支持此方法 (method not allowed here); see /docs"),
    406: ("not_acceptable", "无法提供请求的格式 (cannot produce the requested format)"),
    413: ("too_large", "请求体过大 (request body too large)"),
    415: ("unsupported_media_type", "不支持的内容类型 (unsupported content type); send JSON"),
}


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
    return "请求参数无效 (invalid request): " + "; ".join(parts) + more


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        out.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return out


def unstorable_query(request: Request) -> JSONResponse | None:
    """A 422 naming the first query parameter that holds a NUL, a lone surrogate or a control
    character (none can be stored or compared in PostgreSQL text), else None."""
    for name, value in request.query_params.multi_items():
        try:
            clean_text(value, field=name, limit=QUERY_TEXT_LIMIT)
        except BadInput as exc:
            return _json(422, "invalid_request", str(exc), {"field": name, "in": "query"})
    return None


#: the longest query parameter value, in characters
QUERY_TEXT_LIMIT = 1_000


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """The methods the OpenAPI schema documents for the request's path (for a 405's Allow)."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods |= {m.upper() for m in operations if m in _HTTP_METHODS}
    return sorted(methods)


_HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "trace"})


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every exception into the JSON error shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(AccessDenied)
    async def _access(_: Request, exc: AccessDenied) -> JSONResponse:
        status = _ACCESS_STATUS.get(exc.code, 403)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return _json(status, exc.code, exc.message, headers=headers)

    @app.exception_handler(UnknownAction)
    async def _unknown_action(_: Request, exc: UnknownAction) -> JSONResponse:
        # not a refusal by a check: the path names an action the case's procedure does not have
        details = {"case_id": exc.case_id, "action": exc.action, "stage": exc.stage, **_safe(exc.details)}
        return _json(404, exc.code, exc.message, details)

    @app.exception_handler(EventNotAllowed)
    async def _refused(_: Request, exc: EventNotAllowed) -> JSONResponse:
        details = {"case_id": exc.case_id, "action": exc.action, "stage": exc.stage, **_safe(exc.details)}
        return _json(422, exc.code, exc.message, details)

    @app.exception_handler(CaseConflict)
    async def _conflict(_: Request, exc: CaseConflict) -> JSONResponse:
        details = {
            "case_id": exc.case_id,
            "expected_version": exc.expected_version,
            "version": exc.actual_version,
        }
        return _json(409, "conflict", str(exc), details)

    @app.exception_handler(DocumentFailed)
    async def _document(request: Request, exc: DocumentFailed) -> JSONResponse:
        # a template defect: the administrator fixes the file; the client cannot, so 500 (logged)
        log.error("document template error on %s %s: %s", request.method, request.url.path, exc)
        details = {"document": exc.document_id, "template": exc.template}
        return _json(500, "document_template_error", str(exc), details)

    @app.exception_handler(StoreInconsistent)
    async def _inconsistent(request: Request, exc: StoreInconsistent) -> JSONResponse:
        # the store contradicts itself: an administrator verifies and repairs; retrying cannot help
        log.error("store inconsistent on %s %s: %s", request.method, request.url.path, exc)
        return _json(500, "store_inconsistent", str(exc), {"case_id": exc.case_id})

    @app.exception_handler(GuardRuntimeError)
    async def _procedure_defect(request: Request, exc: GuardRuntimeError) -> JSONResponse:
        # e.g. a `sets:` expression dividing by a fact that is 0: the procedure author fixes it
        log.error("procedure rule failed on %s %s: %s", request.method, request.url.path, exc)
        return _json(
            500,
            "procedure_error",
            f"程序规则无法计算，本次操作未登记 (a rule of the procedure could not be evaluated; nothing was "
            f"recorded): {exc}; 请联系程序维护人员 (report it to the procedure's author; "
            "`python cli.py procedures check` finds such rules)",
        )

    @app.exception_handler(CaseNotFound)
    async def _case_missing(_: Request, exc: CaseNotFound) -> JSONResponse:
        return _json(404, "not_found", f"案件不存在 (case not found): {exc}")

    @app.exception_handler(UnknownProcedure)
    async def _proc_missing(_: Request, exc: UnknownProcedure) -> JSONResponse:
        return _json(
            404, "not_found", f"程序不存在 (unknown procedure): {exc}; GET /v1/procedures lists them"
        )

    @app.exception_handler(YearNotCovered)
    async def _year(_: Request, exc: YearNotCovered) -> JSONResponse:
        return _json(422, "date", str(exc))

    @app.middleware("http")
    async def _clean_query(request: Request, call_next: Any) -> Any:
        refused = unstorable_query(request)
        return refused if refused is not None else await call_next(request)

    @app.exception_handler(BadInput)
    async def _bad_input(_: Request, exc: BadInput) -> JSONResponse:
        details = {"field": exc.field} if exc.field else None
        return _json(422, "invalid_request", str(exc), details)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _jsonable_errors(exc.errors())
        return _json(422, "invalid_request", _validation_message(errors), errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:  # every method of the path, not only those of the first route
            headers["Allow"] = ", ".join(_allowed_methods(app, request))
        return _json(exc.status_code, code, message, headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _json(
            500,
            "internal_error",
            "服务器内部错误，已记录 (internal error, logged); please report the time and the request to the "
            "system administrator",
        )


def _safe(details: dict[str, Any]) -> dict[str, Any]:
    """Refusal details made JSON-safe (dates, decimals and sets become strings or lists)."""
    return dict(json.loads(json.dumps(details, default=str)))


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413 before the app reads them all.

    Checks `Content-Length` first, then counts streamed chunks (a chunked upload cannot bypass it).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit:
                    await self._reject(send, limit)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send, limit)

    @staticmethod
    async def _reject(send: Send, limit: int) -> None:
        body = json.dumps(
            error_body(
                "too_large",
                f"请求体超过 {limit // 1024} KiB 上限 (request body over the {limit // 1024} KiB limit); "
                "send a smaller file or split the upload",
            ),
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(StarletteHTTPException):
    """Raised from `receive`: FastAPI re-raises HTTPExceptions from body parsing, so it becomes a 413."""

    def __init__(self) -> None:
        super().__init__(413)
