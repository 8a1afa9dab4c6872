"""The procedure library: finds, resolves and compiles every procedure file, cached by content.

Owns: `ProcedureLibrary` (load everything under `procedures/`: national files at the top, overlays
in `procedures/regions/`; `procedures/calendars/` holds calendar overlays and is skipped),
`check_files` (the pipeline behind `zhongcai procedures validate`), and the process-wide caches: a
file is re-read only when its content changes, and a procedure is recompiled only when a file of its
chain (or the list of code tables and templates) changed, so a warm reload is cheap. The text of
`zhongcai procedures show` is engine.procedures.overview's.
Pipeline per file: engine.procedures.source (read) -> engine.procedures.layers (resolve) -> engine.procedures.dsl (validate) ->
engine.procedures.compiler (checks, guards, compile).
May import: engine.errors, engine.procedures.source, engine.procedures.layers, engine.procedures.dsl, engine.procedures.compiler, engine.procedures.model, engine.library.corpus (the corpus, in the cache key).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload

from engine.errors import Diagnostic, ProcedureInvalid, UnknownProcedure
from engine.procedures.compiler import compile_with_diagnostics
from engine.procedures.layers import Resolved, resolve_layers
from engine.procedures.model import Procedure
from engine.procedures.source import SourceDoc, read_yaml
from engine.procedures.spec_errors import validate_partial

_SKIP_DIRS = ("calendars",)
_DOCS: dict[tuple[str, str], SourceDoc] = {}
_COMPILED: dict[tuple[object, ...], tuple[Procedure | None, tuple[Diagnostic, ...]]] = {}


def discover(root: Path) -> list[Path]:
    """The procedure files under `root`: `*.yaml` at the top and in `regions/` (never `calendars/`)."""
    if root.is_file():
        return [root]
    files = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    for sub in ("regions",):
        if (root / sub).is_dir():
            files += sorted((root / sub).glob("*.yaml")) + sorted((root / sub).glob("*.yml"))
    return files


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, directories searched recursively. Calendar overlays
    (`procedures/calendars/`) are not procedures and are skipped, even when named."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += [
                f
                for f in sorted(p.rglob("*.y*ml"))
                if f.suffix in (".yaml", ".yml")
                and not any(part in _SKIP_DIRS for part in f.relative_to(p).parts)
            ]
        elif p.parent.name not in _SKIP_DIRS:
            out.append(p)
    return out


def read_cached(path: Path) -> SourceDoc:
    """read_yaml, cached by the file's content (process-wide)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return read_yaml(path)
    key = (str(path), hashlib.sha256(raw).hexdigest())
    doc = _DOCS.get(key)
    if doc is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            doc = read_yaml(path)
        else:
            doc = read_yaml(str(path), text)
        _DOCS[key] = doc
    return doc


def _environment(
    codes_root: Path | None, documents_root: Path | None, calendars_root: Path | None, strict: bool
) -> tuple[object, ...]:
    """What a compiled result depends on besides the procedure files: which code tables, templates
    and calendars exist, the closure codes, and the library corpus the bases are checked against (part of
    the cache key)."""
    from engine.library.corpus import known_article_ids

    known = known_article_ids() if codes_root is not None else None
    closures = b""
    if codes_root is not None:
        try:
            closures = (codes_root / "closure_methods.yaml").read_bytes()
        except OSError:
            pass
    return (
        str(codes_root),
        str(documents_root),
        str(calendars_root),
        _listing(codes_root),
        _listing(documents_root),
        _listing(calendars_root),
        hashlib.sha256(closures).hexdigest(),
        None if known is None else hash(known),
        strict,
    )


def _listing(root: Path | None) -> tuple[str, ...]:
    if root is None or not root.is_dir():
        return ()
    return tuple(sorted(p.name for p in root.iterdir()))


@dataclass
class FileResult:
    """What checking one file gave: its procedure (None on errors) and its diagnostics."""

    path: str
    procedure: Procedure | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def check_files(
    files: Sequence[Path],
    index_files: Sequence[Path] = (),
    *,
    codes_root: Path | None = None,
    documents_root: Path | None = None,
    calendars_root: Path | None = None,
    strict: bool = False,
) -> tuple[list[FileResult], dict[str, SourceDoc]]:
    """Read, resolve, validate and compile `files`; bases of overlays are looked up by id among
    `files` first, then `index_files`. Returns one result per file and the documents read (for
    rendering diagnostics with their source lines)."""
    docs: dict[str, SourceDoc] = {}
    by_id: dict[str, SourceDoc] = {}
    for path in [*index_files, *files]:  # the files checked win over the index
        doc = read_cached(path)
        docs[doc.path] = doc
        pid = doc.data.get("procedure") if doc.data else None
        by_id[pid if isinstance(pid, str) else path.stem] = doc
    listing = _environment(codes_root, documents_root, calendars_root, strict)
    results = []
    seen_ids: dict[str, str] = {}
    for path in files:
        doc = docs[str(path)] if str(path) in docs else read_cached(path)
        results.append(
            _check_doc(
                doc, docs, by_id, seen_ids, listing, (codes_root, documents_root, calendars_root), strict
            )
        )
    return results, docs


def check_text(
    text: str,
    name: str = "<text>.yaml",
    index_files: Sequence[Path] = (),
    *,
    codes_root: Path | None = None,
    documents_root: Path | None = None,
    calendars_root: Path | None = None,
    strict: bool = False,
) -> FileResult:
    """Check one procedure given as text (bases of an overlay come from `index_files`)."""
    docs: dict[str, SourceDoc] = {}
    by_id: dict[str, SourceDoc] = {}
    for path in index_files:
        base = read_cached(path)
        docs[base.path] = base
        pid = base.data.get("procedure") if base.data else None
        by_id[pid if isinstance(pid, str) else path.stem] = base
    doc = read_yaml(name, text)
    docs[doc.path] = doc
    pid = doc.data.get("procedure") if doc.data else None
    if isinstance(pid, str):
        by_id[pid] = doc
    listing = _environment(codes_root, documents_root, calendars_root, strict)
    return _check_doc(doc, docs, by_id, {}, listing, (codes_root, documents_root, calendars_root), strict)


def _check_doc(
    doc: SourceDoc,
    docs: dict[str, SourceDoc],
    by_id: dict[str, SourceDoc],
    seen_ids: dict[str, str],
    listing: tuple[object, ...],
    roots: tuple[Path | None, Path | None, Path | None],
    strict: bool,
) -> FileResult:
    diags = _duplicate_id(doc, seen_ids) + _overlay_location(doc)
    resolved = resolve_layers(doc, by_id.get, by_id.keys())
    if resolved.data is None:
        return FileResult(doc.path, None, _dedupe([*diags, *resolved.diagnostics]))
    key = (tuple(_content_key(docs.get(s)) for s in resolved.sources), listing)
    hit = _COMPILED.get(key)
    if hit is None:
        hit = _compile(resolved, roots, strict)
        if len(_COMPILED) > 512:  # a long-running process checking many edited texts
            _COMPILED.clear()
        _COMPILED[key] = hit
    proc, found = hit
    return FileResult(doc.path, proc, _explained([*diags, *resolved.diagnostics, *found]))


def _content_key(doc: SourceDoc | None) -> object:
    if doc is None:
        return None
    return (doc.path, hashlib.sha256("\n".join(doc.lines).encode("utf-8")).hexdigest())


def _compile(
    resolved: Resolved, roots: tuple[Path | None, Path | None, Path | None], strict: bool
) -> tuple[Procedure | None, tuple[Diagnostic, ...]]:
    codes_root, documents_root, calendars_root = roots
    # Source or overlay errors do not stop validation: every problem of a file shows at once.
    spec, diags, invalid = validate_partial(resolved.data, resolved.spans, resolved.key_spans)
    if spec is None:
        return None, tuple(diags)
    proc, found = compile_with_diagnostics(
        spec,
        resolved.spans,
        resolved.sources,
        key_spans=resolved.key_spans,
        codes_root=codes_root,
        documents_root=documents_root,
        calendars_root=calendars_root,
        strict=strict,
        invalid=invalid,
    )
    found = [*diags, *found]
    if any(d.severity == "error" for d in resolved.diagnostics):
        proc = None
    return proc, tuple(found)


def _duplicate_id(doc: SourceDoc, seen: dict[str, str]) -> list[Diagnostic]:
    pid = doc.data.get("procedure") if doc.data else None
    if not isinstance(pid, str):
        return []
    if pid in seen and seen[pid] != doc.path:
        return [
            Diagnostic(
                "E313",
                f"procedure id '{pid}' is also declared by {seen[pid]}",
                doc.span(("procedure",)),
                hint="every procedure id (file stem) must be unique",
            )
        ]
    seen[pid] = doc.path
    return []


def _overlay_location(doc: SourceDoc) -> list[Diagnostic]:
    """A file under procedures/regions/ is an overlay: it must say which procedure it extends (E314)."""
    if doc.data is None or Path(doc.path).parent.name != "regions" or "extends" in doc.data:
        return []
    return [
        Diagnostic(
            "E314",
            "regions/ 下的文件是地方覆盖层，须写明 extends (a file in regions/ is an overlay: it needs 'extends:')",
            doc.span(("procedure",)),
            expected="extends: <the id of a national procedure>, e.g. extends: arbitration",
            hint="national procedures live at the top of procedures/",
        )
    ]


def _explained(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Drop later complaints about a value YAML could not read (E009 at the same place explains them)."""
    unreadable = {d.span for d in diags if d.code == "E009"}
    return _dedupe(d for d in diags if d.code == "E009" or d.span not in unreadable)


def _dedupe(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted({(d.code, d.span, d.message): d for d in diags}.values(), key=Diagnostic.sort_key)


class ProcedureLibrary:
    """Every compiled procedure under a root, by id. Build it with `ProcedureLibrary.load`."""

    def __init__(
        self, procedures: dict[str, Procedure], diagnostics: list[Diagnostic], docs: dict[str, SourceDoc]
    ) -> None:
        self._procedures = procedures
        self.diagnostics = diagnostics
        self.docs = docs

    @overload
    @classmethod
    def load(
        cls,
        root: Path = ...,
        codes_root: Path | None = ...,
        documents_root: Path | None = ...,
        strict: Literal[True] = ...,
        strict_templates: bool = ...,
    ) -> ProcedureLibrary: ...

    @overload
    @classmethod
    def load(
        cls,
        root: Path = ...,
        codes_root: Path | None = ...,
        documents_root: Path | None = ...,
        *,
        strict: Literal[False],
        strict_templates: bool = ...,
    ) -> tuple[ProcedureLibrary, list[Diagnostic]]: ...

    @classmethod
    def load(
        cls,
        root: Path = Path("procedures"),
        codes_root: Path | None = None,
        documents_root: Path | None = None,
        strict: bool = True,
        strict_templates: bool = False,
    ) -> ProcedureLibrary | tuple[ProcedureLibrary, list[Diagnostic]]:
        """Compile every procedure under `root` (national files first, then overlays).

        strict=True raises ProcedureInvalid with the errors of ALL files; strict=False returns
        (library of the procedures that compiled, all diagnostics). Warnings never raise.
        """
        root = Path(root)
        codes_root = codes_root if codes_root is not None else root.parent / "codes"
        documents_root = documents_root if documents_root is not None else root.parent / "documents"
        files = discover(root)
        results, docs = check_files(
            files,
            codes_root=codes_root,
            documents_root=documents_root,
            calendars_root=root / "calendars",
            strict=strict_templates,
        )
        diags = _dedupe(d for r in results for d in r.diagnostics)
        procs = {p.id: p for r in results if (p := r.procedure) is not None}
        lib = cls(procs, diags, docs)
        if strict:
            if any(d.severity == "error" for d in diags):
                raise ProcedureInvalid(diags)
            return lib
        return lib, diags

    def get(self, procedure_id: str) -> Procedure:
        """The compiled procedure with that id; UnknownProcedure (with a did-you-mean) otherwise."""
        try:
            return self._procedures[procedure_id]
        except KeyError:
            close = difflib.get_close_matches(procedure_id, list(self._procedures), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise UnknownProcedure(
                f"未知的程序 (unknown procedure) '{procedure_id}'{hint} (known: {', '.join(self.ids()) or 'none'})"
            ) from None

    def ids(self) -> list[str]:
        return sorted(self._procedures)

    def __contains__(self, procedure_id: object) -> bool:
        return procedure_id in self._procedures

    def source_lines(self, path: str) -> list[str] | None:
        doc = self.docs.get(path)
        return doc.lines if doc is not None else None
