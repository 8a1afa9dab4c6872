"""Compile a validated `ProcedureSpec` into the immutable `engine.procedures.model.Procedure`.

Owns: `compile_with_diagnostics` (all static checks of engine.procedures.checks, resource_checks,
graph_checks and fact_checks plus the guards, then the frozen model with its content hash and
snapshot, or None, with every diagnostic), `compile_procedure` (the same, raising instead of returning
diagnostics), `compile_snapshot` (a stored snapshot recompiles to the same hash), `content_hash` and the
text it hashes (`snapshot_json`). The static views of the stage graph (`machine_config`,
`mermaid_diagram`) live in engine.procedures.diagrams. (`zhongcai procedures check`, the property-based
exploration, is engine.proving.checker's `check_procedure`.)
Stage in the flow: 5 (compile), after engine.procedures.dsl (validate) and engine.procedures.layers (resolve).
May import: engine.errors, engine.procedures.dsl, engine.procedures.spec_errors, engine.procedures.model, engine.expr, engine.dates.periods,
engine.procedures.checks, engine.procedures.resource_checks, engine.procedures.graph_checks, engine.procedures.fact_checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine.errors import Diagnostic, ProcedureInvalid, Span
from engine.expr import FACT_TYPES, Expr, GType, TypeEnv, check_guard, parse_guard, walk
from engine.expr.gtypes import ANY, BOOL
from engine.expr.nodes import Call, Literal
from engine.procedures import basis_checks, checks, fact_checks, graph_checks, resource_checks
from engine.procedures.dsl import ProcedureSpec, ProduceSpec
from engine.procedures.model import (
    Action,
    Check,
    Deadline,
    Document,
    Extension,
    Fact,
    Param,
    Procedure,
    Role,
    Stage,
)
from engine.procedures.source import KeyPath, locate
from engine.procedures.spec_errors import validate_spec
from engine.text_input import DEFAULT_TEXT_LENGTH

#: Guard functions whose first text argument names an element: checked like any other reference.
_NAMED_ARGS = {
    "has_document": "document",
    "deadline_due": "deadline",
    "deadline_status": "deadline",
    "deadline_provisional": "deadline",
    "times_fired": "action",
    "param": "param",
}


def snapshot_json(data: Any) -> str:
    """The text `content_hash` hashes: JSON with sorted keys and no spaces, so the same snapshot always
    gives the same text; a mapping is written as an object, any other non-JSON value as its `str`
    (lenient, unlike engine.store.hashchain's `canonical_json` of an event, which refuses unknown types
    and writes datetimes in UTC)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


def spec_snapshot(spec: ProcedureSpec) -> dict[str, Any]:
    """The resolved spec as plain JSON data (what is stored and hashed)."""
    return spec.model_dump(mode="json", by_alias=True)


def content_hash(snapshot: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a snapshot."""
    return hashlib.sha256(snapshot_json(snapshot).encode("utf-8")).hexdigest()


class _Where:
    def __init__(self, spans: Mapping[KeyPath, Span], key_spans: Mapping[KeyPath, Span]) -> None:
        self.spans = dict(spans)
        self.key_spans = dict(key_spans)

    def __call__(self, path: KeyPath, key: bool = False) -> Span | None:
        return locate(path, self.spans, self.key_spans, key=key)

    def first(self, *paths: KeyPath) -> KeyPath:
        """The first of `paths` that is written in the source (else the last)."""
        return next((p for p in paths if p in self.spans), paths[-1])


def compile_with_diagnostics(
    spec: ProcedureSpec,
    provenance: Mapping[KeyPath, Span] | None = None,
    sources: tuple[str, ...] = (),
    *,
    key_spans: Mapping[KeyPath, Span] | None = None,
    codes_root: Path | None = None,
    documents_root: Path | None = None,
    calendars_root: Path | None = None,
    strict: bool = False,
    invalid: Mapping[str, frozenset[str]] | None = None,
) -> tuple[Procedure | None, list[Diagnostic]]:
    """Run every static check; return the compiled procedure (None if any error) and all diagnostics.

    `invalid`: ids per section of elements validation already rejected (left out of `spec`); they
    count as declared, and the graph checks are skipped (they would see a graph with holes).
    """
    where = _Where(provenance or {}, key_spans or {})
    names = checks.Names.of(spec, invalid)
    diags: list[Diagnostic] = []
    diags += checks.check_reserved_action_names(spec, where)
    diags += checks.check_unknown_names(spec, names, where)
    diags += checks.check_extension_lengths(spec, where)
    diags += resource_checks.check_unknown_code_tables(spec, codes_root, where)
    diags += resource_checks.check_missing_templates(spec, documents_root, strict, where)
    diags += resource_checks.check_unknown_calendar(spec, calendars_root, where)
    if codes_root is not None:  # validation against the repository, not a snapshot being recompiled
        diags += basis_checks.check_basis_citations(spec, where)
    diags += checks.check_fact_defaults(spec, where)
    diags += resource_checks.check_file_id(spec, sources[-1] if sources else None, where)
    if not invalid:  # a left-out element would make these report holes that are not there
        diags += checks.check_unproduced_documents(spec, where)
        diags += graph_checks.check_initial_stage(spec, where)
        diags += graph_checks.check_final_stages(spec, where)
        if not any(d.code == "E201" for d in diags):  # a misspelt stage would make others look unreachable
            diags += graph_checks.check_unreachable_stages(spec, where)
            diags += graph_checks.check_dead_end_stages(spec, where)
        diags += graph_checks.check_actions_from_final_stages(spec, where)
        diags += graph_checks.check_unstoppable_deadlines(spec, where)
    guards = _Guards(spec, names, where, invalid)
    proc = _build(spec, guards, where, sources)
    diags += guards.diagnostics
    if not invalid and not any(d.severity == "error" for d in guards.diagnostics):
        diags += fact_checks.check_fact_sources(proc, where)
    diags = _dedupe(diags)
    if invalid or any(d.severity == "error" for d in diags):
        return None, diags
    return proc, diags


def compile_procedure(
    spec: ProcedureSpec,
    provenance: Mapping[KeyPath, Span] | None = None,
    sources: tuple[str, ...] = (),
    **options: Any,
) -> Procedure:
    """Compile a validated spec; raise ProcedureInvalid with every error diagnostic."""
    proc, diags = compile_with_diagnostics(spec, provenance, sources, **options)
    if proc is None:
        raise ProcedureInvalid(diags)
    return proc


def compile_snapshot(snapshot: Mapping[str, Any]) -> Procedure:
    """Recompile a stored snapshot (no file checks); the result has the snapshot's content hash."""
    spec, diags = validate_spec(dict(snapshot), {}, {})
    if spec is None:
        raise ProcedureInvalid(diags)
    return compile_procedure(spec)


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for d in diags:
        key = (d.code, d.span, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return sorted(out, key=Diagnostic.sort_key)


class _Guards:
    """Parses and type-checks every guard of a procedure at its YAML position."""

    def __init__(
        self,
        spec: ProcedureSpec,
        names: checks.Names,
        where: _Where,
        invalid: Mapping[str, frozenset[str]] | None,
    ) -> None:
        self.names = names
        self.where = where
        self.diagnostics: list[Diagnostic] = []
        facts = {k: f.type for k, f in spec.facts.items() if not f.disabled}
        params = {k: p.type for k, p in spec.params.items()}
        # facts/params validation rejected are in scope with an unknown type: no second error for them
        unknown = {k: ANY for section in ("facts", "params") for k in (invalid or {}).get(section, ())}
        self.env = TypeEnv.build(facts, params, extra=unknown)

    def check(
        self,
        text: str,
        path: KeyPath,
        code: str = "guard",
        message: str | None = None,
        expect: GType | None = BOOL,
    ) -> Check | None:
        span = self.where(path)
        try:
            expr = parse_guard(text, span)
        except ProcedureInvalid as exc:
            self.diagnostics += exc.diagnostics
            return None
        self.diagnostics += check_guard(expr, self.env, expect=expect)
        self._check_named_args(expr, span)
        return Check(source=text, expr=expr, span=span, code=code, message=message)

    def _check_named_args(self, expr: Expr, fallback: Span | None) -> None:
        for node in walk(expr):
            if isinstance(node, Call) and node.func in _NAMED_ARGS and node.args:
                arg = node.args[0]
                if isinstance(arg, Literal) and isinstance(arg.value, str):
                    kind = _NAMED_ARGS[node.func]
                    if arg.value not in self.names.enabled[kind]:
                        self.diagnostics.append(
                            checks.unknown_name(
                                kind, arg.value, self.names, arg.span or fallback, f"{node.func}(...)"
                            )
                        )


def _build(spec: ProcedureSpec, guards: _Guards, where: _Where, sources: tuple[str, ...]) -> Procedure:
    snapshot = spec_snapshot(spec)
    actions: dict[str, Action] = {}
    for aid, a in checks.enabled_actions(spec):
        p = ("actions", aid)
        when = tuple(
            c
            for i, w in enumerate(a.when)
            if (
                c := guards.check(
                    w.check,
                    where.first((*p, "when", i, "check"), (*p, "when", i), (*p, "when")),
                    w.code,
                    w.message,
                )
            )
            is not None
        )
        produces_when = []
        for i, prod in enumerate(a.produces):
            if isinstance(prod, ProduceSpec):
                c = guards.check(prod.when, (*p, "produces", i, "when"))
                if c is not None:
                    produces_when.append((prod.document, c))
        branches = []
        for i, br in enumerate(a.branches):
            c = guards.check(br.when, where.first((*p, "branches", i, "when"), (*p, "branches", i)))
            if c is not None:
                branches.append((br.to, c))
        sets = []
        for fact, text in a.sets.items():
            ftype = spec.facts[fact].type if fact in spec.facts else None
            c = guards.check(text, (*p, "sets", fact), expect=FACT_TYPES[ftype] if ftype else None)
            if c is not None:
                sets.append((fact, c))
        actions[aid] = Action(
            id=aid,
            title=a.title,
            sources=tuple(a.from_),
            target=a.to,
            returns=a.returns,
            stays=getattr(a, "stays", False),
            roles=tuple(a.roles),
            requires=tuple(a.requires),
            produces=tuple(pr.document if isinstance(pr, ProduceSpec) else pr for pr in a.produces),
            produces_when=tuple(produces_when),
            when=when,
            needs=tuple(a.needs),
            takes=tuple(a.takes),
            sets=tuple(sets),
            branches=tuple(branches),
        )
    deadlines: dict[str, Deadline] = {}
    for did, d in checks.enabled_items(spec.deadlines):
        ext = d.extension
        deadlines[did] = Deadline(
            id=did,
            title=d.title,
            limit=d.limit,
            statutory=d.statutory,
            basis=d.basis,
            starts_on=tuple(d.starts_on),
            ends_on=tuple(d.ends_on),
            pauses_on=tuple(d.pauses_on),
            resumes_on=tuple(d.resumes_on),
            restarts_on=tuple(d.restarts_on),
            extension=None if ext is None else Extension(ext.up_to, ext.times, ext.by, ext.fact),
            warn_before=d.warn_before,
            on_expiry=None if isinstance(d.on_expiry, str) else d.on_expiry.fire,
            when=None if d.when is None else guards.check(d.when, ("deadlines", did, "when")),
            responsible=d.responsible,
            lapses=d.on_expiry == "lapse",
            expiry_at="next_day" if isinstance(d.on_expiry, str) else d.on_expiry.at,
        )
    invariants = tuple(
        c
        for i, inv in enumerate(spec.invariants)
        if (
            c := guards.check(
                inv.check, where.first(("invariants", i, "check"), ("invariants", i)), message=inv.message
            )
        )
    )
    return Procedure(
        id=spec.procedure,
        version=spec.version,
        title=spec.title,
        calendar=spec.calendar,
        region=spec.region,
        extends=spec.extends,
        roles=MappingProxyType({k: Role(k, v) for k, v in spec.roles.items()}),
        facts=MappingProxyType(
            {
                k: Fact(
                    k,
                    f.type,
                    f.title or k,
                    f.default,
                    f.default is not None,
                    f.table,
                    f.min,
                    f.max,
                    f.check,
                    f.opening,
                    tuple(f.set_by) if f.set_by is not None else None,
                    f.max_length or DEFAULT_TEXT_LENGTH,
                )
                for k, f in checks.enabled_items(spec.facts)
            }
        ),
        params=MappingProxyType(
            {
                k: Param(k, p.title or k, p.type, tuple(sorted(p.values.items())), p.basis)
                for k, p in spec.params.items()
            }
        ),
        stages=MappingProxyType(
            {
                k: Stage(k, s.title, s.initial, s.final, s.closure)
                for k, s in checks.enabled_items(spec.stages)
            }
        ),
        actions=MappingProxyType(actions),
        deadlines=MappingProxyType(deadlines),
        documents=MappingProxyType(
            {
                k: Document(k, d.title, d.kind, d.template, d.internal, d.publish)
                for k, d in checks.enabled_items(spec.documents)
            }
        ),
        invariants=invariants,
        backdating_roles=tuple(spec.backdating.roles),
        backdating_within=spec.backdating.within,
        case_number=spec.case_number,
        content_hash=content_hash(snapshot),
        snapshot=MappingProxyType(snapshot),
        provenance=MappingProxyType(_dotted(where.spans)),
        sources=sources,
    )


def _dotted(spans: Mapping[KeyPath, Span]) -> dict[str, Span]:
    return {
        ".".join(p.isoformat() if hasattr(p, "isoformat") else str(p) for p in path): s
        for path, s in spans.items()
        if path
    }
