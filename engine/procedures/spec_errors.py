"""Validation of a (resolved) procedure document: pydantic errors as located Diagnostics (E2xx).

Owns: `validate_spec` and the translation of each pydantic error entry into a Diagnostic an author
can act on: located through the source map (the key path of the error; `from` is aliased; union
member tags and keys a validator inserted are skipped), worded in the DSL's keys, with the expected
values and a did-you-mean over `engine.procedures.dsl.DSL_KEYS` for an unknown key. Every problem of a file is
reported at once. Split from engine.procedures.dsl, which owns the models themselves.
Stage in the flow: 3 (validate), after engine.procedures.layers.
May import: engine.errors, engine.procedures.dsl.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from engine.errors import Diagnostic, Span
from engine.procedures.dsl import DSL_KEYS, IDENT_RE, SECTIONS, ProcedureSpec

_PERIOD_KEYS = frozenset({"limit", "up_to", "warn_before", "within"})
_TYPE_WORDS = {
    "string_type": "text (a string)",
    "list_type": "a list, e.g. [a, b]",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "decimal_parsing": "a number",
    "decimal_type": "a number",
    "date_type": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "greater_than_equal": "a larger number",
}


def element_kind(path: tuple[Any, ...]) -> str:
    """The DSL element a key path points into: 'procedure', 'action', 'extension', ...

    >>> element_kind(("actions", "accept")), element_kind(("deadlines", "award", "extension"))
    ('action', 'extension')
    """
    if not path:
        return "procedure"
    if path[0] in SECTIONS and len(path) >= 2:
        kind = SECTIONS[path[0]]
        rest = path[2:]
        if kind == "deadline" and rest[:1] == ("extension",):
            return "extension"
        if kind == "deadline" and rest[:1] == ("on_expiry",):
            return "fire"
        if kind == "action" and rest[:1] == ("when",):
            return "check"
        if kind == "action" and rest[:1] == ("produces",):
            return "produce"
        if kind == "action" and rest[:1] == ("branches",):
            return "branch"
        return kind
    if path[0] == "backdating":
        return "backdating"
    if path[0] == "invariants":
        return "invariant"
    return "procedure"


def describe(path: tuple[Any, ...]) -> str:
    """Words for the element at a key path, e.g. "action 'accept'" or 'the procedure'."""
    if len(path) >= 2 and path[0] in SECTIONS:
        return f"{SECTIONS[path[0]]} '{path[1]}'"
    if path[:1] == ("invariants",) and len(path) >= 2:
        return f"invariant {path[1]}"
    if path[:1] == ("backdating",):
        return "'backdating'"
    return "the procedure"


def validate_spec(
    data: Any,
    spans: Mapping[tuple[Any, ...], Span],
    key_spans: Mapping[tuple[Any, ...], Span],
) -> tuple[ProcedureSpec | None, list[Diagnostic]]:
    """Validate a (resolved) procedure document; every problem becomes a located Diagnostic (E2xx).

    `spans`/`key_spans` map key paths to where the value/key was written (engine.procedures.source, or the
    provenance of engine.procedures.layers for an overlay). Returns (spec, []) or (None, all diagnostics).
    """
    try:
        return ProcedureSpec.model_validate(data), []
    except ValidationError as exc:
        return None, errors_to_diagnostics(exc.errors(), spans, key_spans)


def validate_partial(
    data: Any,
    spans: Mapping[tuple[Any, ...], Span],
    key_spans: Mapping[tuple[Any, ...], Span],
) -> tuple[ProcedureSpec | None, list[Diagnostic], dict[str, frozenset[str]]]:
    """Like `validate_spec`, but when only some elements (stages, actions, ...) are invalid, also
    return a spec without them and their ids per section, so the later checks can still report the
    other problems of the file in the same run (all problems at once)."""
    try:
        return ProcedureSpec.model_validate(data), [], {}
    except ValidationError as exc:
        errors = exc.errors()
    diags = errors_to_diagnostics(errors, spans, key_spans)
    broken: dict[str, set[str]] = {}
    for err in errors:
        loc = tuple(err["loc"])
        if len(loc) < 2 or loc[0] not in SECTIONS or not isinstance(data, dict):
            return None, diags, {}
        broken.setdefault(str(loc[0]), set()).add(str(loc[1]))
    pruned = dict(data)
    for section, ids in broken.items():
        if not isinstance(pruned.get(section), dict):
            return None, diags, {}
        pruned[section] = {k: v for k, v in pruned[section].items() if str(k) not in ids}
    try:
        spec = ProcedureSpec.model_validate(pruned)
    except ValidationError:
        return None, diags, {}
    return spec, diags, {k: frozenset(v) for k, v in broken.items()}


def errors_to_diagnostics(
    errors: list[Any],
    spans: Mapping[tuple[Any, ...], Span],
    key_spans: Mapping[tuple[Any, ...], Span],
) -> list[Diagnostic]:
    """Translate pydantic error entries into Diagnostics located through the source map.

    A misspelt key gives one diagnostic (unknown key, did you mean), not also "missing key". For a
    union (`on_expiry: breach | {fire: ...}`, a `produces` item) only the form the author wrote is
    reported on: the mapping form's errors for a mapping, the plain value's otherwise.
    """
    out: list[Diagnostic] = []
    groups: dict[tuple[Any, ...], list[tuple[Any, tuple[Any, ...], bool, str, bool]]] = {}
    for err in _without_typo_missing(errors):
        loc = tuple(err["loc"])
        keyed = err["type"] in ("missing", "extra_forbidden")
        path: tuple[Any, ...] = ()
        on_key = False
        tag, at_tag, union_path = "", False, ()
        for i, part in enumerate(loc):
            if part == "[key]":
                on_key = True
                continue
            nxt = (*path, part)
            if nxt in spans or nxt in key_spans:
                path = nxt
            elif not (keyed and i == len(loc) - 1) and not tag:
                tag, at_tag, union_path = str(part), i == len(loc) - 1, path  # a union member's tag
        if not tag:
            out.append(_diagnostic(err, loc, path, on_key, spans, key_spans))
        else:
            groups.setdefault(union_path, []).append((err, path, on_key, tag, at_tag))
    for union_path, members in groups.items():
        tags = {m[3] for m in members}
        chosen = members
        if len(tags) > 1:
            wrote_scalar = any(m[4] and not isinstance(m[0].get("input"), dict) for m in members)
            chosen = [m for m in members if m[3][:1].isupper() != wrote_scalar] or members
            if wrote_scalar:
                chosen = chosen[:1]
        for err, path, on_key, _tag, _at in chosen:
            d = _diagnostic(err, tuple(err["loc"]), path, on_key, spans, key_spans)
            if "on_expiry" in union_path:
                d = dataclasses.replace(d, expected="breach, lapse, or {fire: ACTION}")
            elif "produces" in union_path:
                d = dataclasses.replace(d, expected="a document id, or {document: ID, when: GUARD}")
            out.append(d)
    return out


def _without_typo_missing(errors: list[Any]) -> list[Any]:
    """Drop "missing key X" where the same element has an unknown key that is a misspelling of X."""
    missing = {(tuple(e["loc"][:-1]), e["loc"][-1]) for e in errors if e["type"] == "missing"}
    typos = set()
    for e in errors:
        if e["type"] == "extra_forbidden":
            parent = tuple(e["loc"][:-1])
            names = [str(name) for (p, name) in missing if p == parent]
            close = difflib.get_close_matches(str(e["loc"][-1]), names, n=1, cutoff=0.6)
            if close:
                typos.add((parent, close[0]))
    return [
        e for e in errors if not (e["type"] == "missing" and (tuple(e["loc"][:-1]), e["loc"][-1]) in typos)
    ]


def _where(
    path: tuple[Any, ...],
    spans: Mapping[tuple[Any, ...], Span],
    key_spans: Mapping[tuple[Any, ...], Span],
    key: bool = False,
) -> Span | None:
    p = path
    if key and p in key_spans:
        return key_spans[p]
    while p:
        if p in spans:
            return spans[p]
        p = p[:-1]
    return spans.get(())


def _diagnostic(
    err: Any,
    loc: tuple[Any, ...],
    path: tuple[Any, ...],
    on_key: bool,
    spans: Mapping[tuple[Any, ...], Span],
    key_spans: Mapping[tuple[Any, ...], Span],
) -> Diagnostic:
    etype = str(err["type"])
    where = describe(path)
    value = err.get("input")
    last = path[-1] if path else None
    if etype == "missing":
        name = loc[-1]
        return Diagnostic(
            "E200",
            f"缺少必填键 (missing key) '{name}' in {where}",
            _where(path, spans, key_spans, key=True),
            expected=f"'{name}:' inside {where}",
        )
    if etype == "extra_forbidden":
        name = loc[-1]
        allowed = DSL_KEYS.get(element_kind(path), ())
        close = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
        return Diagnostic(
            "E209",
            f"未知的键 (unknown key) '{name}' in {where}",
            _where(path if path[-1:] == (name,) else (*path, name), spans, key_spans, key=True),
            expected=f"one of: {', '.join(allowed)}" if allowed else None,
            hint=f"did you mean '{close[0]}'?"
            if close
            else "see docs/procedures.md for the keys of each element",
        )
    if etype == "string_pattern_mismatch":
        return Diagnostic(
            "E211",
            f"'{value}' 不是合法的标识 (not a valid id) in {where}",
            _where(path, spans, key_spans, key=on_key),
            expected="lower-case ASCII snake_case: a letter, then letters, digits or '_' (e.g. 'file_defence')",
            hint=f"write '{_snake(str(value))}'" if _snake(str(value)) else None,
        )
    if etype == "bool_type":
        return Diagnostic(
            "E213",
            f"须为 true 或 false：'{last}' of {where} must be true or false, not {value!r}",
            _where(path, spans, key_spans),
            expected="true or false",
            hint="yes/no/on/off are text in this DSL; write true or false",
        )
    if etype == "literal_error":
        return Diagnostic(
            "E210",
            f"取值不符：'{last}' of {where} cannot be {value!r}",
            _where(path, spans, key_spans),
            expected=str(err.get("ctx", {}).get("expected", "")) or None,
        )
    if etype in ("value_error", "assertion_error"):
        msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        code = "E212" if last in _PERIOD_KEYS else "E214"
        text = f"要素内容矛盾：{where}: {msg}" if code == "E214" else f"期限写法错误：{msg}"
        return Diagnostic(code, text, _where(path, spans, key_spans))
    expected = _TYPE_WORDS.get(etype)
    return Diagnostic(
        "E210",
        f"类型错误：'{last if last is not None else 'value'}' of {where}: expected {expected or err['msg']}, "
        f"got {_show(value)}",
        _where(path, spans, key_spans, key=on_key),
        expected=expected,
    )


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _snake(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", text).lower()).strip("_")
    return out if IDENT_RE.match(out) and out != text else ""
