"""/v1/cases/{id}/documents: attach submitted documents (multipart), list, and fetch them (HTML/PDF).

Uploads are limited in size (`max_upload_bytes`) and type (`upload_types`, checked against the
file's first bytes, not only the declared type). Parties never see internal documents (副卷).
May import: engine, api.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import Response
from pydantic.json_schema import SkipJsonSchema
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from api.deps import Caller, CaseId, State, load_case_ref
from api.errors import ApiError
from api.routes.cases import ERRORS, WRITE_ERRORS, actor_of
from api.schemas import INT32, DocumentOut, ErrorOut, LegalDate
from api.views import document_out, internal_documents, procedure_of
from engine.cases.access import AccessDenied, can_act_on_case, write_refused
from engine.cases.media_types import Upload
from engine.store.tables import CaseRow, DocumentRow

router = APIRouter(prefix="/v1/cases", tags=["documents 文书"])
DocumentName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="the document id")]


@router.get("/{case_id}/documents", response_model=list[DocumentOut], responses=ERRORS)
def list_documents(case_id: CaseId, st: State, p: Caller) -> list[DocumentOut]:
    """在案文书: documents on file (parties: the main file only)."""
    load_case_ref(st, p, case_id)
    view = st.service.get(case_id)
    internal = internal_documents(procedure_of(st, view.procedure_id, view.procedure_hash))
    return [
        document_out(d, internal) for d in view.documents if not (p.is_party and d.document_id in internal)
    ]


@router.post(
    "/{case_id}/documents",
    status_code=201,
    response_model=list[DocumentOut],
    responses={
        **WRITE_ERRORS,
        415: {
            "model": ErrorOut,
            "description": "unsupported_media_type: a type not taken, or content not of it",
        },
    },
)
async def attach_document(
    case_id: CaseId,
    st: State,
    p: Caller,
    document_id: Annotated[str, Form(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="e.g. application")],
    file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, OFD or plain text")],
    # a form field is absent or a date: no `null` in the schema (a form cannot send one)
    at: Annotated[
        LegalDate | SkipJsonSchema[None], Form(description="the day it was received (default today)")
    ] = None,
) -> list[DocumentOut]:
    """提交材料: attach a submitted document (multipart/form-data) with size and type limits."""
    ref = await run_in_threadpool(load_case_ref, st, p, case_id)
    if not can_act_on_case(p, ref):
        raise write_refused(p)
    if p.is_party:
        case = await run_in_threadpool(st.service.get, case_id)
        if document_id in internal_documents(procedure_of(st, case.procedure_id, case.procedure_hash)):
            raise AccessDenied(
                "forbidden",
                f"当事人不能提交副卷材料 '{document_id}' (parties cannot file documents of the internal file 副卷)",
            )
    limit = st.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise ApiError(
            413,
            "too_large",
            f"文件超过 {limit // (1024 * 1024)} MiB 上限 (file over the upload limit); scan at a lower resolution",
        )
    if not content:
        raise ApiError(422, "invalid_request", "文件为空 (the uploaded file is empty)")
    media = (file.content_type or "").split(";")[0].strip().lower()
    allowed = st.settings.upload_types
    if media not in allowed:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"不支持的文件类型 {media or '(none)'} (unsupported type); allowed: {', '.join(sorted(allowed))}",
        )
    magics = allowed[media]
    if magics and not any(content.startswith(m) for m in magics):
        raise ApiError(415, "unsupported_media_type", f"文件内容与类型 {media} 不符 (content is not {media})")
    if media == "text/plain":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(
                415, "unsupported_media_type", "纯文本须为 UTF-8 (plain text must be UTF-8)"
            ) from exc

    def attach() -> None:
        # the bytes and their checked media type are stored in one transaction (an interrupted upload
        # leaves nothing behind; `zhongcai verify` flags a file stored without its type)
        upload = Upload(content, media)
        with st.writing():
            st.service.attach(case_id, {document_id: upload}, at or st.today(), actor_of(p, case_id))

    await run_in_threadpool(attach)
    view = await run_in_threadpool(st.service.get, case_id)
    internal = internal_documents(procedure_of(st, view.procedure_id, view.procedure_hash))
    return [document_out(d, internal) for d in view.documents if d.document_id == document_id]


@router.get(
    "/{case_id}/documents/{document_id}",
    responses={
        **ERRORS,
        200: {"content": {"text/html": {}, "application/pdf": {}, "application/octet-stream": {}}},
        406: {"model": ErrorOut, "description": "format=pdf or html of a document stored in another format"},
    },
    response_class=Response,
)
def get_document(
    case_id: CaseId,
    document_id: DocumentName,
    st: State,
    p: Caller,
    version: Annotated[int | None, Query(ge=1, le=INT32)] = None,
    format: Annotated[
        str | None, Query(pattern=r"^(html|pdf)$", description="generated documents: html or pdf")
    ] = None,
) -> Response:
    """文书: a document's content; generated ones as HTML or PDF (`format=pdf`)."""
    load_case_ref(st, p, case_id)
    with st.db.read() as session:
        case = session.get(CaseRow, case_id)
        stmt = select(DocumentRow).where(
            DocumentRow.case_id == case_id, DocumentRow.document_id == document_id
        )
        if version is not None:
            stmt = stmt.where(DocumentRow.version == version)
        row = session.exec(stmt.order_by(col(DocumentRow.version).desc())).first()
    assert case is not None
    internal = internal_documents(procedure_of(st, case.procedure_id, case.procedure_hash))
    if row is None or (p.is_party and document_id in internal):
        raise ApiError(
            404,
            "not_found",
            f"案件 {case_id} 没有文书 '{document_id}' (no such document on file); GET /v1/cases/{case_id}/documents lists them",
        )
    content, media = bytes(row.content), row.media_type
    if format == "pdf" and media.startswith("text/html"):
        content, media = _to_pdf(content), "application/pdf"
    elif format is not None and not media.startswith("text/html") and not media.endswith(format):
        raise ApiError(
            406, "not_acceptable", f"文书 '{document_id}' 只有 {media} 格式 (only available as {media})"
        )
    name = f"{row.document_id}-v{row.version}" + (
        ".pdf" if media == "application/pdf" else ".html" if "html" in media else ""
    )
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'inline; filename="{name}"', "ETag": f'"{row.sha256}"'},
    )


def _to_pdf(html: bytes) -> bytes:
    """Render stored HTML to PDF with engine.documents.pdf (WeasyPrint, CJK fonts)."""
    from engine.documents import pdf

    render = getattr(pdf, "html_to_pdf", None) or getattr(pdf, "render_pdf", None)
    if render is None:
        raise ApiError(
            406,
            "not_acceptable",
            "本服务器未配置 PDF 输出 (PDF output is not available here); use format=html",
        )
    result: bytes = render(html.decode("utf-8"))
    return result
