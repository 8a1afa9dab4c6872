"""Static checks of a validated procedure against itself: names, extension lengths, produced documents, reserved names, fact defaults.

Owns: one function per check, named for what it rejects (`check_unknown_names` ...), each returning
Diagnostics (E2xx names and types), plus `Names` (the ids in scope), `unknown_name` (the did-you-mean
every name check shares) and `enabled_items`. What a procedure names outside its file (code tables,
the calendar, templates, the file name) is checked in engine.procedures.resource_checks; the
stage-graph checks (E3xx) live in engine.procedures.graph_checks; engine.procedures.compiler runs all
of them and reports every problem at once.
docs/diagnostics.md is the catalogue of the codes.
The pseudo-action `open` (opening a case) may appear only in `starts_on`; no action may be named `open`.
Stage in the flow: 5 (compile), called by engine.procedures.compiler.
May import: engine.errors, engine.procedures.dsl.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import Diagnostic, Span
from engine.procedures.dsl import OPEN_ACTION, ActionSpec, ProcedureSpec, ProduceSpec

#: Finds the span of a key path (its key when `key=True`), falling back to the nearest ancestor.
Where = Callable[..., Span | None]


@dataclass(frozen=True)
class Names:
    """The ids in scope: enabled elements per kind, and the disabled ones (for a better message)."""

    enabled: Mapping[str, frozenset[str]]
    disabled: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, spec: ProcedureSpec, assume: Mapping[str, frozenset[str]] | None = None) -> Names:
        """The names of `spec`; `assume` adds ids (per section) of elements left out because they
        are invalid, so references to them do not also count as unknown."""
        names = cls._of(spec)
        if not assume:
            return names
        enabled = dict(names.enabled)
        for section, ids in assume.items():
            kind = {"roles": "role", "facts": "fact", "params": "param", "stages": "stage", "actions": "action",
                    "deadlines": "deadline", "documents": "document"}[section]  # fmt: skip
            enabled[kind] = enabled[kind] | ids
        return cls(enabled, names.disabled)

    @classmethod
    def _of(cls, spec: ProcedureSpec) -> Names:
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
    "param": "E220",
}
_ZH = {
    "stage": "未知阶段",
    "role": "未知角色",
    "document": "未知文书",
    "fact": "未知事实",
    "deadline": "未知期限",
    "action": "未知操作",
    "param": "未知参数",
}
_SECTION = {
    "stage": "stages",
    "role": "roles",
    "document": "documents",
    "fact": "facts",
    "deadline": "deadlines",
    "action": "actions",
    "param": "params",
}


def unknown_name(
    kind: str, name: str, names: Names, span: Span | None, context: str, extra: Iterable[str] = ()
) -> Diagnostic:
    """The E20x diagnostic for a reference to an undeclared (or disabled) element, with a did-you-mean."""
    scope = sorted({*names.enabled[kind], *extra})
    if name in names.disabled.get(kind, frozenset()):
        return Diagnostic(
            _CODES[kind],
            f"{_ZH[kind]}（已停用）：{context} refers to {kind} '{name}', which is disabled (disabled: true)",
            span,
            hint=f"enable {kind} '{name}' again, or remove the reference",
        )
    close = difflib.get_close_matches(name, scope, n=1, cutoff=0.6)
    shown = ", ".join(scope[:12]) + (" ..." if len(scope) > 12 else "")
    return Diagnostic(
        _CODES[kind],
        f"{_ZH[kind]}：{context} refers to unknown {kind} '{name}'",
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
    for aid, a in enabled_items(spec.actions):
        p = ("actions", aid)
        ctx = f"action '{aid}'"
        out += _refs(names, "stage", a.from_, (*p, "from"), where, f"'from' of {ctx}")
        if a.to is not None:
            out += _ref1(names, "stage", a.to, where((*p, "to")), f"'to' of {ctx}")
        for i, br in enumerate(a.branches):
            out += _ref1(names, "stage", br.to, where((*p, "branches", i, "to")), f"'branches' of {ctx}")
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
            elif doc in spec.documents and spec.documents[doc].kind != "generated":
                out.append(
                    Diagnostic(
                        "E216",
                        f"生成了提交类文书：{ctx} produces '{doc}', a submitted document; only generated documents are rendered",
                        span,
                        hint=f"put '{doc}' under 'requires' or make it kind: generated with a template",
                    )
                )
        out += _refs(names, "fact", a.needs, (*p, "needs"), where, f"'needs' of {ctx}")
        out += _refs(names, "fact", a.takes, (*p, "takes"), where, f"'takes' of {ctx}")
        for fact in a.sets:
            if fact not in names.enabled["fact"]:
                out.append(
                    unknown_name("fact", fact, names, where((*p, "sets", fact), key=True), f"'sets' of {ctx}")
                )
    for did, d in enabled_items(spec.deadlines):
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
    for fid, f in enabled_items(spec.facts):
        if f.set_by is not None:
            out += _refs(
                names, "role", f.set_by, ("facts", fid, "set_by"), where, f"'set_by' of fact '{fid}'"
            )
    return out


def check_extension_lengths(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """The action that extends a deadline must ask for the length (`needs: [<extension.fact>]`, E221):
    otherwise the person extending it could not say by how much."""
    out = []
    for did, d in enabled_items(spec.deadlines):
        ext = d.extension
        if ext is None or ext.by not in spec.actions:
            continue
        if ext.fact not in spec.actions[ext.by].needs:
            out.append(
                Diagnostic(
                    "E221",
                    f"延长操作未要求延长天数：deadline '{did}' is extended by action '{ext.by}', which does not "
                    f"need fact '{ext.fact}' (the length of the extension)",
                    where(("deadlines", did, "extension", "by")),
                    expected=f"needs: [{ext.fact}] on action '{ext.by}'",
                    hint=f"add '{ext.fact}' to the 'needs' of action '{ext.by}'",
                )
            )
    return out


def check_unproduced_documents(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """A generated document some action requires must be produced by some action (E222: otherwise the
    requiring action could never fire); a generated document nothing produces is dead (W223)."""
    produced = {
        p.document if isinstance(p, ProduceSpec) else p for _, a in enabled_actions(spec) for p in a.produces
    }
    generated = {k for k, d in enabled_items(spec.documents) if d.kind == "generated"}
    out = []
    for aid, a in enabled_actions(spec):
        for i, doc in enumerate(a.requires):
            if doc in generated and doc not in produced:
                out.append(
                    Diagnostic(
                        "E222",
                        f"所需文书无从生成：action '{aid}' requires generated document '{doc}', which no action produces",
                        where(("actions", aid, "requires", i)),
                        hint=f"add '{doc}' to the 'produces' of the action that issues it",
                    )
                )
    required = {d for _, a in enabled_actions(spec) for d in a.requires}
    for did in sorted(generated - produced - required):
        out.append(
            Diagnostic(
                "W223",
                f"文书从未生成：generated document '{did}' is produced by no action",
                where(("documents", did), key=True),
                hint="add it to an action's 'produces', or remove it",
                severity="warning",
            )
        )
    return out


def check_reserved_action_names(spec: ProcedureSpec, where: Where) -> list[Diagnostic]:
    """No real action may be named `open`: the word stands for opening a case (E215)."""
    if OPEN_ACTION not in spec.actions:
        return []
    return [
        Diagnostic(
            "E215",
            f"保留名称：'{OPEN_ACTION}' is reserved for opening a case and cannot name an action",
            where(("actions", OPEN_ACTION), key=True),
            hint="rename the action, e.g. 'open_file'; deadlines may start on the pseudo-action 'open'",
        )
    ]


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
        "texts": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    }
    out = []
    for fid, f in enabled_items(spec.facts):
        if f.default is not None and not ok[f.type](f.default):
            out.append(
                Diagnostic(
                    "E218",
                    f"默认值类型不符：default {f.default!r} of fact '{fid}' is not of type {f.type}",
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


def enabled_items(section: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in section.items() if not getattr(v, "disabled", False)]


def enabled_actions(spec: ProcedureSpec) -> list[tuple[str, ActionSpec]]:
    return enabled_items(spec.actions)
