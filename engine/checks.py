"""Static checks of a validated procedure: names, code tables, templates, guards and the stage graph.

Owns: one function per check, named for what it rejects (`check_unreachable_stages` ...), each
returning Diagnostics (E2xx names and types, E3xx graph, W2xx warnings). engine.compiler runs them
all and reports every problem at once. docs/diagnostics.md is the catalogue of the codes.

Decisions documented for authors (docs/diagnostics.md):
- E306: a deadline must be able to stop by something other than entering a final stage: it needs
  `ends_on` or `on_expiry: {fire: ...}` or `on_expiry: lapse`; a duty with neither would only ever
  end in a breach or by closing the case, which is a rule-set mistake, not a legal outcome.
- E305: no action may leave a final stage (re-opening is a new case, DOMAIN.md).
- The pseudo-action `open` (opening a case) may appear only in `starts_on`; no action may be named `open`.
Stage in the flow: 5 (compile), called by engine.compiler.
May import: engine.errors, engine.dsl, engine.expr, engine.codes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.dsl import OPEN_ACTION, ActionSpec, ProcedureSpec, ProduceSpec
from engine.errors import Diagnostic, Span

#: Finds the span of a key path (its key when `key=True`), falling back to the nearest ancestor.
Where = Callable[..., Span | None]


@dataclass(frozen=True)
class Names:
    """The ids in scope: enabled elements per kind, and the disabled ones (for a better message)."""

    enabled: Mapping[str, frozenset[str]]
    disabled: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, spec: ProcedureSpec) -> Names:
        enabled: dict[str, frozenset[str]] = {"role": frozenset(spec.roles)}
        disabled: dict[str, frozenset[str]] = {"role": frozenset()}
        for kind, section in (
            ("fact", spec.facts),
            ("stage", spec.stages),
            ("action", spec.actions),
            ("deadline", spec.deadlines),
            ("document", spec.documents),
        ):
            items: Mapping[str, Any] = section
            enabled[kind] = frozenset(k for k, v in items.items() if not v.disabled)
            disabled[kind] = frozenset(k for k, v in items.items() if v.disabled)
        enabled["param"] = frozenset(spec.params)
        return cls(enabled, disabled)


_CODES = {
    "stage": "E201",
    "role": "E202",
    "document": "E203",
    "fact": "E204",
    "deadline": "E205",
    "action": "E206",
}
_SECTION = {
    "stage": "stages",
    "role": "roles",
    "document": "documents",
    "fact": "facts",
    "deadline": "deadlines",
    "action": "actions",
}


def unknown_name(
    kind: str, name: str, names: Names, span: Span | None, context: str, extra: Iterable[str] = ()
) -> Diagnostic:
    """The E20x diagnostic for a reference to an undeclared (or disabled) element, with a did-you-mean."""
    scope = sorted({*names.enabled[kind], *extra})
    if name in names.disabled.get(kind, frozenset()):
        return Diagnostic(
            _CODES[kind],
            f"{context} refers to {kind} '{name}', which is disabled (disabled: true)",
            span,
            hint=f"enable {kind} '{name}' again, or remove the reference",
        )
    close = difflib.get_close_matches(name, scope, n=1, cutoff=0.6)
    shown = ", ".join(scope[:12]) + (" ..." if len(scope) > 12 else "")
    return Diagnostic(
        _CODES[kind],
        f"{context} refers to unknown {kind} '{name}'",
        span,
        expected=f"one of the {kind}s declared under '{_SECTION[kind]}:' ({shown})"
        if scope
        else f"a {kind} declared under '{_SECTION[kind]}:'",
        hint=f"did you mean '{close[0]}'?" if close else None,
    )


def _refs(
    names: Names,
    kind: str,
    ids: Iterable[str],
    path: tuple[Any, ...],
    where: Where,
    context: str,
    extra: Iterable[str] = (),
) -> list[Diagnostic]:
    out = []
    allowed = names.enabled[kind] | frozenset(extra)
    for i, name in enumerate(ids):
        if name not in allowed:
            out.append(unknown_name(kind, name, names, where((*path, i)), context, extra))
    return out


def _ref1(names: Names, kind: str, name: str, span: Span | None, context: str) -> list[Diagnostic]:
    return [] if name in names.enabled[kind] else [unknown_name(kind, name, names, span, context)]


def check_unknown_names(spec: ProcedureSpec, names: Names, where: Where) -> list[Diagnostic]:
    """Every stage, role, document, fact and action an element names must be declared (E201-E206)."""
    out: list[Diagnostic] = []
    for aid, a in _enabled(spec.actions):
        p = ("actions", aid)
        ctx = f"action '{aid}'"
        out += _refs(names, "stage", a.from_, (*p, "from"), where, f"'from' of {ctx}")
        if a.to is not None:
            out += _ref1(names, "stage", a.to, where((*p, "to")), f"'to' of {ctx}")
        out += _refs(names, "role", a.roles, (*p, "roles"), where, f"'roles' of {ctx}")
        out += _refs(names, "document", a.requires, (*p, "requires"), where, f"'requires' of {ctx}")
        for i, prod in enumerate(a.produces):
            doc = prod.document if isinstance(prod, ProduceSpec) else prod
            span = (
                where((*p, "produces", i, "document"))
                if isinstance(prod, ProduceSpec)
                else where((*p, "produces", i))
            )
            if doc not in names.enabled["document"]:
                out.append(unknown_name("document", doc, names, span, f"'produces' of {ctx}"))
            elif spec.documents[doc].kind != "generated":
                out.append(
                    Diagnostic(
                        "E216",
                        f"{ctx} produces '{doc}', a submitted document; only generated documents are rendered",
                        span,
                        hint=f"put '{doc}' under 'requires' or make it kind: generated with a template",
                    )
                )
        out += _refs(names, "fact", a.needs, (*p, "needs"), where, f"'needs' of {ctx}")
        for fact in a.sets:
            if fact not in names.enabled["fact"]:
                out.append(
                    unknown_name("fact", fact, names, where((*p, "sets", fact), key=True), f"'sets' of {ctx}")
                )
    for did, d in _enabled(spec.deadlines):
        p = ("deadlines", did)
        ctx = f"deadline '{did}'"
        out += _refs(
            names,
            "action",
            d.starts_on,
            (*p, "starts_on"),
            where,
            f"'starts_on' of {ctx}",
            extra=[OPEN_ACTION],
        )
        for key in ("ends_on", "pauses_on", "resumes_on", "restarts_on"):
            out += _refs(names, "action", getattr(d, key), (*p, key), where, f"'{key}' of {ctx}")
        if d.extension is not None:
            ep = (*p, "extension")
            out += _ref1(names, "action", d.extension.by, where((*ep, "by")), f"'extension.by' of {ctx}")
            out += _ref1(names, "fact", d.extension.fact, where((*ep, "fact")), f"'extension.fact' of {ctx}")
        if not isinstance(d.on_expiry, str):
            fp = (*p, "on_expiry", "fire")
            out += _ref1(names, "action", d.on_expiry.fire, where(fp), f"'on_expiry' of {ctx}")
        if d.responsible is not None:
            out += _ref1(names, "role", d.responsible, where((*p, "responsible")), f"'responsible' of {ctx}")
    out += _refs(names, "role", spec.backdating.roles, ("backdating", "roles"), where, "'backdating.roles'")
    return out


def check_reserved_action_names(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """No real action may be named `open`: the word stands for opening a case (E215)."""
    if OPEN_ACTION not in spec.actions:
        return []
    return [
        Diagnostic(
            "E215",
            f"'{OPEN_ACTION}' is reserved for opening a case and cannot name an action",
            where(("actions", OPEN_ACTION), key=True),
            hint="rename the action, e.g. 'open_file'; deadlines may start on the pseudo-action 'open'",
        )
    ]


def check_unknown_code_tables(spec: ProcedureSpec, codes_root: Path | None, where: Where) -> list[Diagnostic]:
    """A fact of type code must name a table under codes/; a final stage's closure must be a closure code."""
    if codes_root is None:
        return []
    tables = _code_tables(codes_root)
    out: list[Diagnostic] = []
    for fid, f in _enabled(spec.facts):
        if f.table is not None and f.table not in tables:
            close = difflib.get_close_matches(f.table, sorted(tables), n=1, cutoff=0.6)
            out.append(
                Diagnostic(
                    "E207",
                    f"fact '{fid}' names unknown code table '{f.table}'",
                    where(("facts", fid, "table")),
                    expected=f"a table under {codes_root}/ ({', '.join(sorted(tables))})",
                    hint=f"did you mean '{close[0]}'?" if close else None,
                )
            )
    closures = _closure_codes(codes_root)
    if closures:
        for sid, s in _enabled(spec.stages):
            if s.closure is not None and s.closure not in closures:
                close = difflib.get_close_matches(s.closure, sorted(closures), n=1, cutoff=0.6)
                out.append(
                    Diagnostic(
                        "E217",
                        f"stage '{sid}' has closure '{s.closure}', which is not in codes/closure_methods",
                        where(("stages", sid, "closure")),
                        expected=f"one of: {', '.join(sorted(closures))}",
                        hint=f"did you mean '{close[0]}'?" if close else None,
                    )
                )
    return out


def _code_tables(codes_root: Path) -> set[str]:
    if not codes_root.is_dir():
        return set()
    return {p.stem for p in codes_root.iterdir() if p.suffix in (".yaml", ".yml", ".csv")}


def _closure_codes(codes_root: Path) -> set[str]:
    """The codes of codes/closure_methods.yaml (read directly: loading every table, the region
    codes included, would cost a second on each validation). Empty if the table is absent or broken;
    `zhongcai codes validate` reports a broken table."""
    path = codes_root / "closure_methods.yaml"
    try:
        raw = path.read_bytes()
    except OSError:
        return set()
    cached = _CLOSURES.get(str(path))
    if cached is not None and cached[0] == raw:
        return cached[1]
    import yaml

    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        codes = {str(e["code"]) for e in data["codes"] if isinstance(e, dict) and "code" in e}
    except (yaml.YAMLError, KeyError, TypeError):
        codes = set()
    _CLOSURES[str(path)] = (raw, codes)
    return codes


_CLOSURES: dict[str, tuple[bytes, set[str]]] = {}


def check_missing_templates(
    spec: ProcedureSpec, documents_root: Path | None, strict: bool, where: Where
) -> list[Diagnostic]:
    """A generated document's template must exist under documents/ (W208; E208 with --strict)."""
    if documents_root is None:
        return []
    out = []
    for did, d in _enabled(spec.documents):
        if d.kind == "generated" and d.template and not (documents_root / d.template).is_file():
            out.append(
                Diagnostic(
                    "E208" if strict else "W208",
                    f"document '{did}': template '{d.template}' not found under {documents_root}/",
                    where(("documents", did, "template")),
                    hint="add the template file, or correct its name",
                    severity="error" if strict else "warning",
                )
            )
    return out


def check_fact_defaults(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """A fact's default must have the fact's type (E218)."""
    import datetime as dt
    from decimal import Decimal

    ok: dict[str, Callable[[Any], bool]] = {
        "money": lambda v: isinstance(v, (int, float, Decimal)) and not isinstance(v, bool),
        "decimal": lambda v: isinstance(v, (int, float, Decimal)) and not isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "date": lambda v: isinstance(v, dt.date) or (isinstance(v, str) and _is_iso_date(v)),
        "text": lambda v: isinstance(v, str),
        "code": lambda v: isinstance(v, str),
        "claims": lambda v: isinstance(v, list),
    }
    out = []
    for fid, f in _enabled(spec.facts):
        if f.default is not None and not ok[f.type](f.default):
            out.append(
                Diagnostic(
                    "E218",
                    f"default {f.default!r} of fact '{fid}' is not of type {f.type}",
                    where(("facts", fid, "default")),
                    expected=f"a value of type {f.type}",
                )
            )
    return out


def _is_iso_date(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def check_file_id(spec: ProcedureSpec, path: str | None, where: Where) -> list[Diagnostic]:
    """A procedure's id must equal its file's stem (E311), so ids and files never drift apart."""
    if path is None or not path.endswith((".yaml", ".yml")):
        return []
    stem = Path(path).stem
    if spec.procedure == stem:
        return []
    return [
        Diagnostic(
            "E311",
            f"procedure id '{spec.procedure}' differs from its file name '{Path(path).name}'",
            where(("procedure",)),
            expected=f"procedure: {stem}",
            hint=f"rename the file to {spec.procedure}.yaml or write 'procedure: {stem}'",
        )
    ]


def _enabled(section: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in section.items() if not getattr(v, "disabled", False)]


def enabled_actions(spec: ProcedureSpec) -> list[tuple[str, ActionSpec]]:
    return _enabled(spec.actions)


# ---------------------------------------------------------------- the stage graph (E3xx)


def _edges(spec: ProcedureSpec) -> dict[str, set[str]]:
    """Stage -> stages an action can move a case to. A `returns` action goes back to any stage from
    which its source stage can be entered; a `stays` action leaves the case where it is."""
    stages = {k for k, _ in _enabled(spec.stages)}
    into: dict[str, set[str]] = {s: set() for s in stages}
    out: dict[str, set[str]] = {s: set() for s in stages}
    for _, a in enabled_actions(spec):
        if a.to in stages:
            for src in a.from_:
                if src in stages and a.to != src:
                    out[src].add(a.to)
                    into[a.to].add(src)
    for _, a in enabled_actions(spec):
        if a.returns:
            for src in a.from_:
                if src in stages:
                    out[src] |= into[src] - {src}
    return out


def check_initial_stage(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """Exactly one stage is `initial: true` (E301 none, E302 several)."""
    initial = [k for k, s in _enabled(spec.stages) if s.initial]
    if not initial:
        return [
            Diagnostic(
                "E301",
                "no initial stage: mark the stage a new case starts in with 'initial: true'",
                where(("stages",), key=True),
                expected="exactly one stage with 'initial: true'",
            )
        ]
    return [
        Diagnostic(
            "E302",
            f"more than one initial stage: '{initial[0]}' and '{sid}'",
            where(("stages", sid, "initial")),
            expected="exactly one stage with 'initial: true'",
            hint=f"remove 'initial: true' from '{sid}'",
        )
        for sid in initial[1:]
    ]


def check_final_stages(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """At least one final stage (E308); an initial stage is not final (E309); finals carry a closure (W312)."""
    out = []
    stages = _enabled(spec.stages)
    if stages and not any(s.final for _, s in stages):
        out.append(
            Diagnostic(
                "E308",
                "no final stage: a case could never be closed",
                where(("stages",), key=True),
                expected="at least one stage with 'final: true' and its 'closure' code",
            )
        )
    for sid, s in stages:
        if s.initial and s.final:
            out.append(
                Diagnostic(
                    "E309", f"stage '{sid}' is both initial and final", where(("stages", sid, "final"))
                )
            )
        if s.final and s.closure is None:
            out.append(
                Diagnostic(
                    "W312",
                    f"final stage '{sid}' has no 'closure' code (monitoring cannot count how the case ended)",
                    where(("stages", sid), key=True),
                    expected="closure: a code of codes/closure_methods",
                    severity="warning",
                )
            )
        if not s.final and s.closure is not None:
            out.append(
                Diagnostic(
                    "E310",
                    f"stage '{sid}' has a 'closure' code but is not final",
                    where(("stages", sid, "closure")),
                    hint="add 'final: true' or remove 'closure'",
                )
            )
    return out


def check_unreachable_stages(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """Every stage can be reached from the initial stage by some sequence of actions (E303)."""
    initial = [k for k, s in _enabled(spec.stages) if s.initial]
    if len(initial) != 1:
        return []
    edges = _edges(spec)
    seen = {initial[0]}
    todo = [initial[0]]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return [
        Diagnostic(
            "E303",
            f"stage '{sid}' cannot be reached from the initial stage '{initial[0]}'",
            where(("stages", sid), key=True),
            hint=f"add an action with 'to: {sid}', or remove the stage",
        )
        for sid, _ in _enabled(spec.stages)
        if sid not in seen
    ]


def check_dead_end_stages(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """A stage that is not final has at least one action that moves a case out of it (E304)."""
    edges = _edges(spec)
    return [
        Diagnostic(
            "E304",
            f"stage '{sid}' is not final but no action leads out of it: a case there would be stuck",
            where(("stages", sid), key=True),
            hint="add an action with 'from: " + sid + "', or mark the stage 'final: true' with a closure",
        )
        for sid, s in _enabled(spec.stages)
        if not s.final and not edges.get(sid)
    ]


def check_actions_from_final_stages(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """No action starts in a final stage (E305): a closed case is not re-opened by the procedure."""
    finals = {k for k, s in _enabled(spec.stages) if s.final}
    out = []
    for aid, a in enabled_actions(spec):
        for i, src in enumerate(a.from_):
            if src in finals:
                out.append(
                    Diagnostic(
                        "E305",
                        f"action '{aid}' starts in final stage '{src}'; a closed case takes no further actions",
                        where(("actions", aid, "from", i)),
                        hint=f"remove '{src}' from 'from', or make '{src}' non-final",
                    )
                )
    return out


def check_unstoppable_deadlines(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """A deadline ends by an action, fires an action, or lapses on expiry (E306); a pause has a
    resume (E307)."""
    out = []
    actions = {k for k, _ in enabled_actions(spec)}
    for did, d in _enabled(spec.deadlines):
        ends = [a for a in d.ends_on if a in actions]
        if not ends and d.on_expiry == "breach":
            out.append(
                Diagnostic(
                    "E306",
                    f"deadline '{did}' can only end in a breach or by closing the case: nothing stops it",
                    where(("deadlines", did), key=True),
                    expected="'ends_on: [ACTION]' (the duty done), 'on_expiry: {fire: ACTION}' or 'on_expiry: lapse'",
                    hint="name the action that fulfils the duty under 'ends_on'",
                )
            )
        if d.pauses_on and not d.resumes_on:
            out.append(
                Diagnostic(
                    "E307",
                    f"deadline '{did}' pauses but never resumes: a paused clock would stay paused for ever",
                    where(("deadlines", did, "pauses_on")),
                    expected="'resumes_on: [ACTION]'",
                )
            )
    return out
