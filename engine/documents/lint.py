"""The template linter: does every name a document template reads exist for its procedure?

Owns: `template_variables(template_name)` (the free names of a template, following `extends`,
`include` and `import`), `check_templates(procedure)` (D0xx diagnostics for the compiler and
`zhongcai procedures validate`) and the catalogue of D codes:
- D001 error   the template file of a generated document is missing from the search path
- D002 error   the template does not compile (syntax error, unknown filter or test)
- D003 error   a name is neither a fact of the procedure nor provided by the case snapshot
- D004 error   `deadline.X` names a deadline the procedure does not declare
- D006 error   `code_name('table', ...)` names a code table that codes/ does not have
- D007 warning an `include`/`extends`/`import` with a computed name cannot be checked
- D008 warning a file in a procedure's override folder replaces no template the procedure uses
- D009 warning a folder under documents/regions/ names no procedure (`check_region_folders`)
Names a template tests with `is defined` are optional and never reported.
May import: engine.errors, engine.procedures.model, engine.documents.context, engine.documents.render.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateNotFound, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import TemplateAssertionError

from engine.documents.context import SNAPSHOT_NAMES
from engine.documents.render import DOCUMENTS_DIR, _cached_environment, environment_for, template_dirs
from engine.documents.sandbox import DocumentSandbox
from engine.errors import Diagnostic, Span
from engine.procedures.model import Procedure

_CODES_DIR = Path(__file__).resolve().parents[2] / "codes"


@dataclass
class _Usage:
    """What a template and everything it pulls in reads."""

    names: dict[str, Span] = field(default_factory=dict)
    optional: set[str] = field(default_factory=set)
    deadlines: dict[str, Span] = field(default_factory=dict)
    optional_deadlines: set[str] = field(default_factory=set)
    code_tables: dict[str, Span] = field(default_factory=dict)
    dynamic: list[Span] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    templates: set[str] = field(default_factory=set)


def _walk(node: nodes.Node) -> Iterator[nodes.Node]:
    yield node
    for child in node.iter_child_nodes():
        yield from _walk(child)


def _first_line(tree: nodes.Template, name: str) -> int:
    for n in _walk(tree):
        if isinstance(n, nodes.Name) and n.name == name and n.ctx == "load":
            return n.lineno
    return 1


def _deadline_attr(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and node.node.name == "deadline":
        return node.attr
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "deadline"
        and isinstance(node.arg, nodes.Const)
    ):
        return str(node.arg.value)
    return None


def _top_level_names(body: list[nodes.Node]) -> set[str]:
    """Names a template sets, imports or defines outside blocks, loops and macros (also inside
    top-level `{% if %}`): a child template's blocks see them, though jinja2.meta counts blocks apart."""
    names: set[str] = set()
    for stmt in body:
        if isinstance(stmt, nodes.Assign | nodes.AssignBlock):
            names.update(n.name for n in _walk(stmt.target) if isinstance(n, nodes.Name))
        elif isinstance(stmt, nodes.Import):
            names.add(stmt.target)
        elif isinstance(stmt, nodes.FromImport):
            names.update(n if isinstance(n, str) else n[1] for n in stmt.names)
        elif isinstance(stmt, nodes.Macro):
            names.add(stmt.name)
        elif isinstance(stmt, nodes.If):
            names |= _top_level_names(stmt.body) | _top_level_names(stmt.else_)
            for branch in stmt.elif_:
                names |= _top_level_names(branch.body)
    return names


def _collect(env: DocumentSandbox, name: str, usage: _Usage, seen: set[str]) -> None:
    if name in seen:
        return
    seen.add(name)
    assert env.loader is not None
    source, filename, _ = env.loader.get_source(env, name)
    path = filename or name
    try:
        tree = env.parse(source, name, filename)
    except TemplateSyntaxError as exc:
        usage.errors.append(
            Diagnostic("D002", f"template does not compile: {exc.message}", Span(path, exc.lineno or 1, 1))
        )
        return
    # Top-level `set`, `import` and `macro` names are visible in the blocks of a child template,
    # which jinja2.meta analyses as separate scopes.
    top_level = _top_level_names(tree.body)
    for var in meta.find_undeclared_variables(tree) - top_level:
        usage.names.setdefault(var, Span(path, _first_line(tree, var), 1))
    for n in _walk(tree):
        if isinstance(n, nodes.Test) and n.name == "defined":
            if isinstance(n.node, nodes.Name):
                usage.optional.add(n.node.name)
            attr = _deadline_attr(n.node)
            if attr is not None:
                usage.optional_deadlines.add(attr)
        attr = _deadline_attr(n)
        if attr is not None:
            usage.deadlines.setdefault(attr, Span(path, n.lineno, 1))
        if (
            isinstance(n, nodes.Call)
            and isinstance(n.node, nodes.Name)
            and n.node.name == "code_name"
            and n.args
            and isinstance(n.args[0], nodes.Const)
        ):
            usage.code_tables.setdefault(str(n.args[0].value), Span(path, n.lineno, 1))
    for ref in meta.find_referenced_templates(tree):
        if ref is None:
            usage.dynamic.append(Span(path, 1, 1))
            continue
        try:
            _collect(env, ref, usage, seen)
        except TemplateNotFound:
            usage.errors.append(
                Diagnostic("D001", f"template '{ref}' (used by {name}) not found", Span(path, 1, 1))
            )


def _usage(procedure: Procedure | None, template_name: str, documents_dir: Path | None) -> _Usage:
    if procedure is not None:
        env = environment_for(procedure, documents_dir)
    else:
        env = _cached_environment((str((documents_dir or DOCUMENTS_DIR).resolve()),))
    usage = _Usage()
    try:
        _collect(env, template_name, usage, usage.templates)
    except TemplateAssertionError as exc:  # unknown filter or test: raised while compiling
        usage.errors.append(Diagnostic("D002", f"template does not compile: {exc.message}"))
    return usage


def template_variables(
    template_name: str, procedure: Procedure | None = None, documents_dir: Path | None = None
) -> set[str]:
    """The names a template reads from its context, following extends/include/import.

    Raises:
        jinja2.TemplateNotFound: the template (or one it pulls in) does not exist.
    """
    return set(_usage(procedure, template_name, documents_dir).names)


def check_templates(procedure: Procedure, documents_dir: Path | None = None) -> list[Diagnostic]:
    """Diagnostics for every generated document of a procedure (see the D codes above)."""
    diags: list[Diagnostic] = []
    provided = set(procedure.facts) | SNAPSHOT_NAMES
    dirs = ", ".join(str(p) for p in template_dirs(procedure, documents_dir))
    used: set[str] = set()
    for doc in procedure.documents.values():
        if doc.kind != "generated" or not doc.template:
            continue
        where = procedure.provenance.get(f"documents.{doc.id}.template")
        try:
            usage = _usage(procedure, doc.template, documents_dir)
        except TemplateNotFound:
            diags.append(
                Diagnostic(
                    "D001",
                    f"document '{doc.id}': template '{doc.template}' not found",
                    where,
                    expected=f"a file named {doc.template} in one of: {dirs}",
                )
            )
            continue
        diags.extend(usage.errors)
        used |= usage.templates
        for var, span in sorted(usage.names.items()):
            if var in provided or var in usage.optional:
                continue
            close = difflib.get_close_matches(var, sorted(provided), n=1)
            diags.append(
                Diagnostic(
                    "D003",
                    f"document '{doc.id}': template reads '{var}', which is neither a fact of procedure "
                    f"'{procedure.id}' nor provided by the case",
                    span,
                    expected="a fact declared under 'facts:' or one of: " + ", ".join(sorted(SNAPSHOT_NAMES)),
                    hint=f"did you mean '{close[0]}'?"
                    if close
                    else "declare the fact, or test it with 'is defined'",
                )
            )
        for deadline_id, span in sorted(usage.deadlines.items()):
            if deadline_id in procedure.deadlines or deadline_id in usage.optional_deadlines:
                continue
            close = difflib.get_close_matches(deadline_id, sorted(procedure.deadlines), n=1)
            diags.append(
                Diagnostic(
                    "D004",
                    f"document '{doc.id}': template states deadline '{deadline_id}', which procedure "
                    f"'{procedure.id}' does not declare (a time limit in a document comes from the procedure)",
                    span,
                    expected="one of: " + ", ".join(sorted(procedure.deadlines)),
                    hint=f"did you mean '{close[0]}'?" if close else None,
                )
            )
        for table, span in sorted(usage.code_tables.items()):
            if not (_CODES_DIR / f"{table}.yaml").is_file():
                diags.append(Diagnostic("D006", f"code table '{table}' does not exist under codes/", span))
        for span in usage.dynamic:
            diags.append(
                Diagnostic(
                    "D007",
                    f"document '{doc.id}': a template name computed at render time cannot be checked",
                    span,
                    severity="warning",
                )
            )
    diags += _unused_overrides(procedure, documents_dir, used)
    return sorted(set(diags), key=Diagnostic.sort_key)


def _unused_overrides(procedure: Procedure, documents_dir: Path | None, used: set[str]) -> list[Diagnostic]:
    own = (documents_dir or DOCUMENTS_DIR).resolve() / "regions" / procedure.id
    if not own.is_dir():
        return []
    out = []
    for path in sorted(own.rglob("*.j2")):
        name = path.relative_to(own).as_posix()
        if name in used:
            continue
        close = difflib.get_close_matches(name, sorted(used), n=1)
        out.append(
            Diagnostic(
                "D008",
                f"override '{name}' replaces no template that procedure '{procedure.id}' uses",
                Span(str(path), 1, 1),
                expected="the file name of a national template, e.g. " + ", ".join(sorted(used)[:3]),
                hint=f"did you mean '{close[0]}'?" if close else None,
                severity="warning",
            )
        )
    return out


def check_region_folders(procedure_ids: Iterable[str], documents_dir: Path | None = None) -> list[Diagnostic]:
    """D009: folders under documents/regions/ must be named after a procedure id."""
    regions = (documents_dir or DOCUMENTS_DIR).resolve() / "regions"
    known = sorted(procedure_ids)
    out = []
    if regions.is_dir():
        for folder in sorted(p for p in regions.iterdir() if p.is_dir()):
            if folder.name not in known:
                close = difflib.get_close_matches(folder.name, known, n=1)
                out.append(
                    Diagnostic(
                        "D009",
                        f"override folder '{folder.name}' names no procedure; its templates are never used",
                        Span(str(folder), 1, 1),
                        expected="a procedure id: " + ", ".join(known),
                        hint=f"did you mean '{close[0]}'?" if close else None,
                        severity="warning",
                    )
                )
    return out
