"""Regional overlays (`extends: <id>`): merge raw documents element by element, with provenance.

Owns: `resolve_layers` and `Resolved`, and the E4xx diagnostics, among them docs/law.md P13: a
statutory national deadline may be shortened by an overlay, never lengthened, switched off, given a
longer or new extension, or changed from `workdays` to calendar units.

Merge rules (docs/procedures.md and docs/diagnostics.md explain them to authors):
- In the sections `roles, facts, params, stages, actions, deadlines, documents` an overlay element
  with the id of a base element is merged key by key: each key the overlay writes replaces the
  base's value whole (a list or a mapping inside an element is replaced, not merged). A new id adds
  an element. `disabled: true` switches a base element off, unless it is `mandatory` or statutory.
- `invariants` of an overlay are added to the base's; every other top-level key replaces the base's.
- Provenance: every key path of the result keeps the span of the file that wrote it, so diagnostics
  and `zhongcai procedures show` point at the file and line that won.
Overlays of overlays are allowed; a cycle is an error (E402).
Stage in the flow: 2 (resolve), after engine.procedures.source, before engine.procedures.dsl validation.
May import: engine.errors, engine.procedures.source, engine.dates.periods, engine.procedures.dsl (names only).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.dates.periods import Period, parse_period
from engine.errors import Diagnostic, Span
from engine.procedures.dsl import SECTIONS
from engine.procedures.source import KeyPath, SourceDoc

#: Looks up a procedure file by id: its SourceDoc, or None when no file declares that id.
FindDoc = Callable[[str], SourceDoc | None]


@dataclass
class Resolved:
    """A procedure document after its overlays were merged, with the source map of every key."""

    data: dict[Any, Any] | None
    spans: dict[KeyPath, Span]
    key_spans: dict[KeyPath, Span]
    sources: tuple[str, ...]  # files, base first
    diagnostics: list[Diagnostic] = field(default_factory=list)


def resolve_layers(
    doc: SourceDoc, find: FindDoc, known_ids: Iterable[str] = (), _stack: tuple[str, ...] = ()
) -> Resolved:
    """Resolve `doc` (a national file or an overlay) against its chain of bases.

    Diagnostics of the bases themselves are not repeated here (each file reports its own), except
    as one E410 at this file's `extends:` when a base cannot be resolved.
    """
    if doc.data is None:
        return Resolved(None, {}, {}, (doc.path,), list(doc.diagnostics))
    base_id = doc.data.get("extends")
    if base_id is None:
        return Resolved(doc.data, dict(doc.spans), dict(doc.key_spans), (doc.path,), list(doc.diagnostics))
    where = doc.spans.get(("extends",))
    own_id = str(doc.data.get("procedure", doc.path))
    if not isinstance(base_id, str):
        return _fail(doc, Diagnostic("E401", "'extends' must name a procedure id", where))
    if base_id in _stack or base_id == own_id:
        chain = " -> ".join((*_stack, own_id, base_id))
        return _fail(
            doc,
            Diagnostic(
                "E402", f"覆盖层循环 (overlay cycle): {chain}", where, hint="an overlay cannot extend itself"
            ),
        )
    base_doc = find(base_id)
    if base_doc is None:
        close = difflib.get_close_matches(base_id, list(known_ids), n=1, cutoff=0.6)
        return _fail(
            doc,
            Diagnostic(
                "E401",
                f"'extends' names unknown procedure '{base_id}'",
                where,
                expected="the id (file stem) of a procedure under procedures/",
                hint=f"did you mean '{close[0]}'?" if close else None,
            ),
        )
    base = resolve_layers(base_doc, find, known_ids, (*_stack, own_id))
    cycle = next((d for d in base.diagnostics if d.code == "E402"), None)
    if cycle is not None:  # report the cycle in every file of it, not "base unreadable"
        return _fail(doc, Diagnostic("E402", cycle.message, where, hint=cycle.hint))
    if base.data is None or any(
        d.severity == "error" and d.code.startswith(("E0", "E40")) for d in base.diagnostics
    ):
        return _fail(
            doc,
            Diagnostic(
                "E410",
                f"base procedure '{base_id}' ({base_doc.path}) cannot be read; fix its errors first",
                where,
            ),
        )
    out = _merge(base, doc)
    out.diagnostics = list(doc.diagnostics) + out.diagnostics
    return out


def _fail(doc: SourceDoc, diag: Diagnostic) -> Resolved:
    return Resolved(None, {}, {}, (doc.path,), [*doc.diagnostics, diag])


def _copy_spans(
    src: dict[KeyPath, Span], dst: dict[KeyPath, Span], prefix: KeyPath, new_prefix: KeyPath | None = None
) -> None:
    n = len(prefix)
    target = prefix if new_prefix is None else new_prefix
    for path, span in src.items():
        if path[:n] == prefix:
            dst[target + path[n:]] = span


def _drop_spans(dst: dict[KeyPath, Span], prefix: KeyPath) -> None:
    n = len(prefix)
    for path in [p for p in dst if p[:n] == prefix]:
        del dst[path]


def _params_long(elem: Any) -> Any:
    """A param in the long form {values: {...}}, so an overlay replaces the values as one key."""
    if isinstance(elem, dict) and elem and all(isinstance(k, dt.date) for k in elem):
        return {"values": dict(elem)}
    return elem


def _merge(base: Resolved, doc: SourceDoc) -> Resolved:
    assert doc.data is not None and base.data is not None
    data: dict[Any, Any] = dict(base.data)
    spans, key_spans = dict(base.spans), dict(base.key_spans)
    diags: list[Diagnostic] = []
    for key, value in doc.data.items():
        top = (key,)
        if key in SECTIONS and isinstance(value, dict) and isinstance(data.get(key), dict):
            section = dict(data[key])
            data[key] = section
            key_spans[top] = doc.key_spans.get(top, key_spans.get(top, Span(doc.path, 1, 1)))
            for elem_id, elem in value.items():
                path = (key, elem_id)
                old = section.get(elem_id)
                if key == "params":
                    old, elem = _params_long(old), _params_long(elem)
                if isinstance(elem, dict) and isinstance(old, dict):
                    merged = dict(old)
                    for k, v in elem.items():
                        _drop_spans(spans, (*path, k))
                        _drop_spans(key_spans, (*path, k))
                        _copy_spans(doc.spans, spans, (*path, k))
                        _copy_spans(doc.key_spans, key_spans, (*path, k))
                        merged[k] = v
                    section[elem_id] = merged
                    diags += _check_element(key, elem_id, old, merged, elem, doc)
                else:
                    if isinstance(elem, dict) and elem.get("disabled") is True and old is None:
                        diags.append(_unknown_disabled(key, elem_id, list(section), doc))
                        continue  # nothing to switch off: the entry is not added
                    _drop_spans(spans, path)
                    _drop_spans(key_spans, path)
                    _copy_spans(doc.spans, spans, path)
                    _copy_spans(doc.key_spans, key_spans, path)
                    section[elem_id] = elem
        elif key == "invariants" and isinstance(value, list) and isinstance(data.get(key), list):
            start = len(data[key])
            data[key] = [*data[key], *value]
            for i in range(len(value)):
                _copy_spans(doc.spans, spans, (key, i), (key, start + i))
        else:
            _drop_spans(spans, top)
            _drop_spans(key_spans, top)
            _copy_spans(doc.spans, spans, top)
            _copy_spans(doc.key_spans, key_spans, top)
            data[key] = value
    spans[()] = doc.spans.get((), Span(doc.path, 1, 1))
    return Resolved(data, spans, key_spans, (*base.sources, doc.path), diags)


def _unknown_disabled(section: str, elem_id: Any, known: list[Any], doc: SourceDoc) -> Diagnostic:
    kind = SECTIONS[section]
    close = difflib.get_close_matches(str(elem_id), [str(k) for k in known], n=1, cutoff=0.6)
    return Diagnostic(
        "E406",
        f"覆盖层停用了不存在的{kind} (the overlay disables {kind} '{elem_id}', which the base does not have)",
        doc.span((section, elem_id), key=True),
        expected=f"one of the base's {section}",
        hint=f"did you mean '{close[0]}'?" if close else None,
    )


def _check_element(
    section: str,
    elem_id: Any,
    old: dict[Any, Any],
    merged: dict[Any, Any],
    written: dict[Any, Any],
    doc: SourceDoc,
) -> list[Diagnostic]:
    """The rules an overlay must keep when it changes a base element (mandatory, P13)."""
    kind = SECTIONS[section]
    path = (section, elem_id)
    statutory = section == "deadlines" and old.get("statutory") is True
    basis = f" (依据 {old.get('basis')})" if old.get("basis") else ""
    out: list[Diagnostic] = []
    if (
        merged.get("disabled") is True
        and old.get("disabled") is not True
        and (old.get("mandatory") is True or statutory)
    ):
        merged["disabled"] = False  # refused: the element stays on, so nothing else breaks because of it
        why = "法定期限" if statutory else "必备要素"
        out.append(
            Diagnostic(
                "E404" if statutory else "E407",
                f"{why}不得停用 ({'statutory deadline' if statutory else 'mandatory ' + kind} '{elem_id}' cannot be "
                f"switched off by an overlay){basis}",
                doc.span((*path, "disabled")),
                hint="shorten the limit instead"
                if statutory
                else "only elements without 'mandatory: true' may be disabled",
            )
        )
    if not statutory:
        return out
    if "statutory" in written and merged.get("statutory") is not True:
        out.append(
            Diagnostic(
                "E409",
                f"法定期限 '{elem_id}' 不得改为非法定 (an overlay cannot make a statutory deadline non-statutory){basis}",
                doc.span((*path, "statutory")),
            )
        )
    if "starts_on" in written and old.get("starts_on") and not merged.get("starts_on"):
        out.append(
            Diagnostic(
                "E404",
                f"法定期限 '{elem_id}' 不得取消 (an overlay cannot remove when a statutory deadline starts){basis}",
                doc.span((*path, "starts_on")),
            )
        )
    if "limit" in written:
        problem = _compare(old.get("limit"), merged.get("limit"))
        if problem is not None:
            code, msg = problem
            out.append(
                Diagnostic(
                    code,
                    f"法定期限 '{elem_id}' {msg}{basis}",
                    doc.span((*path, "limit")),
                    expected=f"at most {old.get('limit')}",
                    hint="docs/law.md P13: a region may shorten a statutory limit, never lengthen it or change its unit",
                )
            )
    if "extension" in written:
        out += _check_extension(elem_id, old.get("extension"), merged.get("extension"), basis, doc, path)
    return out


def _check_extension(
    elem_id: Any, old: Any, new: Any, basis: str, doc: SourceDoc, path: KeyPath
) -> list[Diagnostic]:
    span = doc.span((*path, "extension"))
    if not isinstance(new, dict):
        return []
    if not isinstance(old, dict):
        return [
            Diagnostic(
                "E403",
                f"法定期限 '{elem_id}' 不得新增延长 (an overlay cannot add an extension to a statutory deadline){basis}",
                span,
            )
        ]
    out = []
    problem = _compare(old.get("up_to"), new.get("up_to"))
    if problem is not None:
        out.append(
            Diagnostic(
                problem[0],
                f"延长期限 of '{elem_id}' {problem[1]}{basis}",
                doc.span((*path, "extension", "up_to")),
            )
        )
    old_times, new_times = old.get("times", 1), new.get("times", 1)
    if isinstance(old_times, int) and isinstance(new_times, int) and new_times > old_times:
        out.append(
            Diagnostic(
                "E403",
                f"法定期限 '{elem_id}' 延长次数不得增加 (extension times may not rise from {old_times} to {new_times}){basis}",
                doc.span((*path, "extension", "times")),
            )
        )
    return out


_MAX_DAYS = {"days": 1, "months": 31, "years": 366}
_MIN_DAYS = {"days": 1, "months": 28, "years": 365}


def _period_or_none(v: Any) -> Period | None:
    if isinstance(v, Period):
        return v
    if isinstance(v, str):
        try:
            return parse_period(v)
        except ValueError:
            return None
    return None


def _compare(base_raw: Any, new_raw: Any) -> tuple[str, str] | None:
    """None if `new` is no longer than `base`, else (code, explanation). Conservative across units.

    >>> _compare("45 days", "30 days") is None, _compare("5 workdays", "5 days")[0]
    (True, 'E405')
    >>> _compare("1 months", "31 days") is None, _compare("1 months", "28 days") is None
    (False, True)
    """
    base, new = _period_or_none(base_raw), _period_or_none(new_raw)
    if base is None or new is None:
        return None  # an unreadable period is reported by validation (E212)
    if base.unit == new.unit:
        if new.n <= base.n:
            return None
        return ("E403", f"不得延长 (may be shortened, not lengthened): {base} -> {new}")
    if base.unit == "workdays":
        return (
            "E405",
            f"不得由工作日改为 {new.unit} (may not change from workdays to {new.unit}): {base} -> {new}",
        )
    if new.unit == "workdays":
        return (
            "E405",
            f"工作日与 {base.unit} 无法比较 (working days cannot be compared with {base.unit}): {base} -> {new}; "
            f"write the limit in {base.unit}",
        )
    if {base.unit, new.unit} == {"months", "years"}:
        b = base.n * (12 if base.unit == "years" else 1)
        m = new.n * (12 if new.unit == "years" else 1)
        return None if m <= b else ("E403", f"不得延长 (may be shortened, not lengthened): {base} -> {new}")
    longest_new = new.n * _MAX_DAYS[new.unit]
    shortest_base = base.n * _MIN_DAYS[base.unit]
    if longest_new <= shortest_base:
        return None
    return (
        "E403",
        f"可能超过法定期限 (may be longer than the statutory limit): {new} can be up to {longest_new} days, "
        f"{base} can be as short as {shortest_base} days",
    )
