"""The unified documents (统一仲裁文书): templates under documents/, rendered to HTML and PDF.

Owns: `render_for_case` (called by engine.cases.runtime when an action `produces` a document),
`RenderedDocument`, `render_pdf` (re-exported from engine.documents.pdf), the template search path with
regional overrides, `format_case_number`, and the errors a template or a case can cause. The
linter (`template_variables`, `check_templates`) lives in engine.documents.lint; the sandbox in
engine.documents.sandbox; the context (what a template sees) in engine.documents.context; masking for
publication in engine.documents.masking.

Regional overrides: `documents/regions/<procedure id>/<file>` replaces `documents/<file>` for
that procedure (and for procedures extending it); `{% extends "national/<file>" %}` reaches the
national file from an override. Environments are cached per search path, so every template is
compiled once per process; a document re-renders to the same bytes (and sha256) from the same
snapshot, since nothing in it depends on the clock.
May import: engine.errors, engine.procedures.model, engine.doc_* modules, engine.documents.masking, engine.documents.pdf.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError

from engine.documents.context import (
    CaseSnapshot,
    DeadlineView,
    InstitutionInfo,
    build_context,
    coerce_snapshot,
)
from engine.documents.masking import Masker
from engine.documents.pdf import PdfError, render_pdf
from engine.documents.sandbox import DocumentSandbox, TemplateLimitError, render_limited
from engine.errors import BadInput, ZhongcaiError
from engine.procedures.model import Document, Procedure

__all__ = [
    "DOCUMENTS_DIR",
    "CaseSnapshot",
    "DeadlineView",
    "DocumentError",
    "InstitutionInfo",
    "MissingDocumentData",
    "PdfError",
    "RenderedDocument",
    "TemplateLimitError",
    "TemplateSecurityError",
    "environment_for",
    "format_case_number",
    "render_for_case",
    "render_pdf",
    "template_dirs",
]

DOCUMENTS_DIR = Path(__file__).resolve().parents[2] / "documents"


class DocumentError(ZhongcaiError):
    """A document could not be rendered; the message says which document, template and line."""

    def __init__(self, message: str, document_id: str | None = None, template: str | None = None) -> None:
        self.document_id = document_id
        self.template = template
        super().__init__(message)


class MissingDocumentData(DocumentError):
    """The case's facts cannot fill the document: a fact is missing or not of the right form.

    The runtime refuses the producing action with code `facts` (nothing is written). `name` is the
    fact's id when known, else ''.
    """

    def __init__(self, message: str, name: str, document_id: str | None, template: str | None) -> None:
        self.name = name
        super().__init__(message, document_id, template)


class TemplateSecurityError(DocumentError):
    """A template tried to reach Python internals or to exhaust resources. Nothing was rendered."""


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    document_id: str
    title: str
    media_type: str
    content: str
    sha256: str


def template_dirs(procedure: Procedure, documents_dir: Path | None = None) -> tuple[Path, ...]:
    """The template search path of a procedure: its own override folder, those of the procedures it
    extends (nearest first, from `extends` and the files it was resolved from), then the national one."""
    chain = [procedure.id, *([procedure.extends] if procedure.extends else [])]
    chain += [Path(source).stem for source in reversed(procedure.sources)]
    return _template_dirs(tuple(dict.fromkeys(chain)), documents_dir or DOCUMENTS_DIR)


@lru_cache(maxsize=256)
def _template_dirs(chain: tuple[str, ...], documents_dir: Path) -> tuple[Path, ...]:
    root = documents_dir.resolve()
    regional = [root / "regions" / pid for pid in chain]
    return (*[d for d in regional if d.is_dir()], root)


@lru_cache(maxsize=64)
def _cached_environment(search: tuple[str, ...]) -> DocumentSandbox:
    national = search[-1]
    loader = ChoiceLoader(
        [FileSystemLoader(list(search)), PrefixLoader({"national": FileSystemLoader(national)})]
    )
    return DocumentSandbox(loader)


#: (id(procedure), documents_dir) -> (the procedure, its environment): found once per Procedure
#: object (a Procedure is frozen; one object serves every event on that version). The procedure is
#: kept so its id stays its own.
_ENV_BY_PROCEDURE: dict[tuple[int, Path | None], tuple[Procedure, DocumentSandbox]] = {}
_ENV_BY_PROCEDURE_MAX = 128


def environment_for(procedure: Procedure, documents_dir: Path | None = None) -> DocumentSandbox:
    """The cached sandboxed environment for a procedure's template search path."""
    key = (id(procedure), documents_dir)
    hit = _ENV_BY_PROCEDURE.get(key)
    if hit is not None and hit[0] is procedure:
        return hit[1]
    env = _cached_environment(tuple(str(p) for p in template_dirs(procedure, documents_dir)))
    if len(_ENV_BY_PROCEDURE) >= _ENV_BY_PROCEDURE_MAX:
        _ENV_BY_PROCEDURE.clear()
    _ENV_BY_PROCEDURE[key] = (procedure, env)
    return env


def clear_template_cache() -> None:
    """Forget compiled templates and search paths (after template files changed on disk)."""
    _ENV_BY_PROCEDURE.clear()
    _cached_environment.cache_clear()
    _template_dirs.cache_clear()


def _template_line(exc: BaseException) -> str:
    """'documents/regions/x/file.html.j2:12' for the innermost template frame of a traceback, or ''.

    The path says which file failed: a regional override or the national template.
    """
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".j2"):
            path = Path(frame.filename)
            try:
                shown = path.relative_to(DOCUMENTS_DIR.parent).as_posix()
            except ValueError:
                shown = str(path)
            where = f"{shown}:{frame.lineno}"
    return where


_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")


def _render(template: Template, context: dict[str, Any], doc: Document, procedure: Procedure) -> str:
    name = template.name or doc.template
    try:
        return render_limited(template, context)
    except SecurityError as exc:
        raise TemplateSecurityError(
            f"文书模板 {name} 试图访问不安全的内容，已拒绝 ({_template_line(exc) or name}: "
            f"blocked by the sandbox: {exc})",
            doc.id,
            name,
        ) from None
    except TemplateLimitError as exc:
        raise TemplateSecurityError(
            f"文书模板 {name} 超出资源限制 ({_template_line(exc) or name}: {exc})", doc.id, name
        ) from None
    except UndefinedError as exc:
        m = _UNDEFINED.match(str(exc))
        if m is None:  # an attribute or key the value does not have
            raise DocumentError(
                f"生成《{doc.title}》失败：模板读取了不存在的内容 (document '{doc.id}', "
                f"{_template_line(exc) or name}: {exc})",
                doc.id,
                name,
            ) from None
        missing = m.group(1)
        close = difflib.get_close_matches(missing, [k for k in context if not k.startswith("_")], n=1)
        hint = f"; did you mean '{close[0]}'?" if close and close[0] != missing else ""
        fact = procedure.facts.get(missing)
        label = f"{fact.title}（{missing}）" if fact is not None else missing
        raise MissingDocumentData(
            f"生成《{doc.title}》需要案件信息“{label}”，但本案尚未提供 (document '{doc.id}' needs "
            f"'{missing}', which the case does not have; supply it with the action, at {_template_line(exc)}{hint})",
            missing,
            doc.id,
            name,
        ) from None
    except BadInput as exc:
        raise MissingDocumentData(
            f"生成《{doc.title}》失败，案件信息不符合要求 (document '{doc.id}', {_template_line(exc)}): {exc}",
            exc.field or "",
            doc.id,
            name,
        ) from None
    except (TemplateError, TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as exc:
        raise DocumentError(
            f"生成《{doc.title}》失败 (document '{doc.id}', template {_template_line(exc) or name}): "
            f"{type(exc).__name__}: {exc}",
            doc.id,
            name,
        ) from None


def load_template(procedure: Procedure, doc: Document, documents_dir: Path | None = None) -> Template:
    """The compiled template of a generated document (cached)."""
    if doc.kind != "generated" or not doc.template:
        raise DocumentError(f"文书 '{doc.id}' 不是生成文书 (document '{doc.id}' is not generated)", doc.id)
    env = environment_for(procedure, documents_dir)
    try:
        return env.get_template(doc.template)
    except TemplateNotFound:
        dirs = ", ".join(str(p) for p in template_dirs(procedure, documents_dir))
        raise DocumentError(
            f"文书模板 {doc.template} 不存在 (template for '{doc.id}' not found in: {dirs})",
            doc.id,
            doc.template,
        ) from None
    except TemplateSyntaxError as exc:
        raise DocumentError(
            f"文书模板 {doc.template} 第{exc.lineno}行有语法错误 ({exc.filename or doc.template}:{exc.lineno}: "
            f"{exc.message})",
            doc.id,
            doc.template,
        ) from None
    except SecurityError as exc:
        raise TemplateSecurityError(f"template {doc.template}: {exc}", doc.id, doc.template) from None


def render_for_case(
    procedure: Procedure,
    document_id: str,
    snapshot: Any,
    *,
    masked: bool = False,
    documents_dir: Path | None = None,
) -> RenderedDocument:
    """Render one generated document of a case as HTML.

    Args:
        snapshot: a `CaseSnapshot` (or the runtime's snapshot of the same shape).
        masked: the published version (裁决书网上公开): persons' names, ID, phone and account
            numbers and addresses hidden (engine.documents.masking).
    Raises:
        DocumentError: unknown document, missing template, syntax error, bad value;
        MissingDocumentData: a fact the template needs is missing;
        TemplateSecurityError: the template was stopped by the sandbox.
    """
    doc = procedure.documents.get(document_id)
    if doc is None:
        raise DocumentError(
            f"程序 {procedure.id} 没有文书 '{document_id}' (procedure '{procedure.id}' declares no document "
            f"'{document_id}'; known: {', '.join(sorted(procedure.documents))})",
            document_id,
        )
    snap = coerce_snapshot(snapshot, procedure)
    template = load_template(procedure, doc, documents_dir)
    context = build_context(procedure, doc, snap, masked=masked)
    html = _render(template, context, doc, procedure)
    if masked:  # second layer: whatever a template wrote, known secrets and patterns are hidden
        html = Masker.from_facts(snap.facts).mask_text(html)
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    return RenderedDocument(doc.id, doc.title, "text/html", html, digest)


def render_case_pdf(rendered: RenderedDocument) -> bytes:
    """The PDF of a rendered document."""
    return render_pdf(rendered.content)


_CASE_NUMBER_FIELD = re.compile(r"\{([a-z_]+)(?::0?(\d))?\}")
_CASE_NUMBER_FIELDS = ("abbr", "prefix", "year", "seq", "n")


def format_case_number(fmt: str, institution_abbr: str, year: int, seq: int) -> str:
    """A case number (案号) from a regional format; fields {abbr} (= {prefix}), {year}, {seq} (= {n}).

    `{seq:3}` pads to 3 digits. No str.format: the format is author text.

    >>> format_case_number("{abbr}劳人仲案字〔{year}〕第{seq}号", "浙杭", 2026, 12)
    '浙杭劳人仲案字〔2026〕第12号'
    >>> format_case_number("{prefix}〔{year}〕{seq:4}号", "京朝劳人仲字", 2026, 7)
    '京朝劳人仲字〔2026〕0007号'
    >>> format_case_number("{abbr}第{number}号", "浙杭", 2026, 1)
    Traceback (most recent call last):
    ...
    engine.errors.BadInput: 案号格式 '{abbr}第{number}号' 含未知字段 {number} (unknown field in the case-number format; use {abbr}, {year}, {seq}, optionally {seq:4} for 4 digits)
    """
    if seq < 1 or not 1900 <= year <= 9999:
        raise BadInput(f"case number needs a year and a sequence number >= 1 (got {year}, {seq})")
    if "{seq" not in fmt and "{n" not in fmt:
        raise BadInput(f"案号格式 '{fmt}' 缺少序号 {{seq}} (the case-number format must contain {{seq}})")

    def field(m: re.Match[str]) -> str:
        name, width = m.group(1), int(m.group(2) or 0)
        if name not in _CASE_NUMBER_FIELDS:
            raise BadInput(
                f"案号格式 '{fmt}' 含未知字段 {{{name}}} (unknown field in the case-number format; "
                "use {abbr}, {year}, {seq}, optionally {seq:4} for 4 digits)"
            )
        value = {"abbr": institution_abbr, "prefix": institution_abbr, "year": year, "seq": seq, "n": seq}[
            name
        ]
        return str(value).zfill(width) if isinstance(value, int) else str(value)

    text = _CASE_NUMBER_FIELD.sub(field, fmt)
    if "{" in text or "}" in text:
        raise BadInput(f"案号格式 '{fmt}' 有不成对的花括号 (unbalanced braces in the case-number format)")
    return text
