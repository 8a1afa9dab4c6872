"""One code table (代码表): its entries and their hierarchy, and reading one `codes/<table>.yaml` file.

Owns: `NamePeriod`, `CodeEntry`, `CodeTable` (entries by code, children, descendants, root) and
`read_table(path, diags)`, which reads one file (`table`, `title`, `source`, `codes`) at the YAML node
level and appends a `Diagnostic` (E050-E058) for every problem it finds, with line and column.
Stage in the flow: engine.codes.code_tables (the collection of tables, its caches and lookups, and the public home
of these names) calls `read_table` for each file it does not find in its cache.
May import: engine.errors and the standard library (plus PyYAML).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from engine.errors import Diagnostic, Span

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TABLE_KEYS = ("table", "title", "source", "codes")
_ENTRY_KEYS = ("code", "name", "valid_from", "valid_to", "parent", "names")
_PERIOD_KEYS = ("name", "valid_from", "valid_to")


@dataclass(frozen=True, slots=True)
class NamePeriod:
    """One name a code carried over a period (a county renamed keeps its code)."""

    name: str
    valid_from: date | None = None
    valid_to: date | None = None

    def covers(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One code of a table. `valid_from`/`valid_to` are inclusive; None means unbounded."""

    code: str
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    parent: str | None = None
    names: tuple[NamePeriod, ...] = ()
    span: Span | None = None

    def valid_on(self, on: date) -> bool:
        """True when the code was in force on that day (any of its name periods, if it has several)."""
        if self.names:
            return any(p.covers(on) for p in self.names)
        return NamePeriod(self.name, self.valid_from, self.valid_to).covers(on)

    def name_on(self, on: date | None) -> str:
        """The name the code carried on that day (the current name when `on` is None)."""
        if on is not None:
            for p in self.names:
                if p.covers(on):
                    return p.name
        return self.name


@dataclass(frozen=True)
class CodeTable:
    """One table: its entries by code, its title, where its data came from and the file it is in."""

    id: str
    title: str
    source: str
    path: str
    entries: dict[str, CodeEntry]
    _children: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __contains__(self, code: object) -> bool:
        return code in self.entries

    def __iter__(self) -> Iterator[CodeEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def children(self, code: str) -> tuple[str, ...]:
        return self._children.get(code, ())

    def descendants(self, code: str) -> frozenset[str]:
        """The code itself and every code below it (how statistics roll a group up)."""
        out: set[str] = set()
        todo = [code]
        while todo:
            c = todo.pop()
            if c in out:
                continue
            out.add(c)
            todo.extend(self.children(c))
        return frozenset(out)

    def root(self, code: str) -> str:
        """The top-level ancestor of a code (itself when it has no parent)."""
        seen = {code}
        while (e := self.entries.get(code)) is not None and e.parent and e.parent not in seen:
            code = e.parent
            seen.add(code)
        return code


# ---------------------------------------------------------------- reading one file (node level)
# We read YAML nodes, not Python values: a code stays the text the author wrote ("01", "110000",
# "on"), YAML 1.1 booleans and octal numbers never apply, and every entry keeps its line and column.


def _span(path: str, node: yaml.Node) -> Span:
    m, e = node.start_mark, node.end_mark
    return Span(path, m.line + 1, m.column + 1, e.line + 1, e.column + 1)


def _mapping(
    path: str, node: yaml.Node, what: str, keys: tuple[str, ...], diags: list[Diagnostic]
) -> dict[str, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        diags.append(
            Diagnostic("E051", f"{what} must be a mapping", _span(path, node), expected=", ".join(keys))
        )
        return None
    out: dict[str, yaml.Node] = {}
    for k, v in node.value:
        name = str(k.value)
        if name in out:
            diags.append(Diagnostic("E052", f"duplicate key '{name}' in {what}", _span(path, k)))
            continue
        if name not in keys:
            close = difflib.get_close_matches(name, keys, n=1)
            diags.append(
                Diagnostic(
                    "E057",
                    f"unknown key '{name}' in {what}",
                    _span(path, k),
                    expected=", ".join(keys),
                    hint=f"did you mean '{close[0]}'?" if close else None,
                )
            )
            continue
        out[name] = v
    return out


def _text(path: str, node: yaml.Node | None, what: str, diags: list[Diagnostic]) -> str | None:
    if node is None:
        return None
    if not isinstance(node, yaml.ScalarNode) or str(node.value).strip() == "":
        diags.append(Diagnostic("E051", f"{what} must be non-empty text", _span(path, node)))
        return None
    return str(node.value).strip()


def _date(path: str, node: yaml.Node | None, what: str, diags: list[Diagnostic]) -> date | None:
    text = _text(path, node, what, diags)
    if text is None or node is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        diags.append(
            Diagnostic("E054", f"{what} '{text}' is not a date", _span(path, node), expected="YYYY-MM-DD")
        )
        return None


def _periods(path: str, node: yaml.Node, diags: list[Diagnostic]) -> tuple[NamePeriod, ...]:
    if not isinstance(node, yaml.SequenceNode):
        diags.append(
            Diagnostic("E051", "'names' must be a list of {name, valid_from, valid_to}", _span(path, node))
        )
        return ()
    out = []
    for item in node.value:
        m = _mapping(path, item, "a 'names' entry", _PERIOD_KEYS, diags)
        if m is None:
            continue
        name = _text(path, m.get("name"), "'name'", diags)
        a = _date(path, m.get("valid_from"), "'valid_from'", diags)
        b = _date(path, m.get("valid_to"), "'valid_to'", diags)
        if name is not None:
            out.append(NamePeriod(name, a, b))
    return tuple(out)


def _entry(path: str, node: yaml.Node, diags: list[Diagnostic]) -> CodeEntry | None:
    m = _mapping(path, node, "a code entry", _ENTRY_KEYS, diags)
    if m is None:
        return None
    for required in ("code", "name"):
        if required not in m:
            diags.append(
                Diagnostic(
                    "E051",
                    f"code entry without '{required}'",
                    _span(path, node),
                    expected="code, name and optionally valid_from, valid_to, parent",
                )
            )
    code = _text(path, m.get("code"), "'code'", diags)
    name = _text(path, m.get("name"), "'name'", diags)
    a = _date(path, m.get("valid_from"), "'valid_from'", diags)
    b = _date(path, m.get("valid_to"), "'valid_to'", diags)
    parent = _text(path, m.get("parent"), "'parent'", diags)
    names = _periods(path, m["names"], diags) if "names" in m else ()
    if a is not None and b is not None and b < a:
        diags.append(
            Diagnostic(
                "E055", f"code '{code}': valid_to {b} is before valid_from {a}", _span(path, m["valid_to"])
            )
        )
    if code is None or name is None:
        return None
    return CodeEntry(code, name, a, b, parent, names, _span(path, node))


def read_table(path: Path, diags: list[Diagnostic]) -> CodeTable | None:
    """The table in one file, or None when it cannot be built; every problem is appended to `diags`."""
    p = str(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        span = Span(p, mark.line + 1, mark.column + 1) if mark else Span(p, 1, 1)
        diags.append(Diagnostic("E050", f"YAML syntax: {exc.problem}", span))
        return None
    if root is None:
        diags.append(
            Diagnostic("E051", "empty code table file", Span(p, 1, 1), expected=", ".join(_TABLE_KEYS))
        )
        return None
    top = _mapping(p, root, "a code table file", _TABLE_KEYS, diags)
    if top is None:
        return None
    for required in _TABLE_KEYS:
        if required not in top:
            diags.append(
                Diagnostic(
                    "E051",
                    f"code table without '{required}'",
                    Span(p, 1, 1),
                    hint="every table says where its codes come from in 'source:'"
                    if required == "source"
                    else None,
                )
            )
    table_id = _text(p, top.get("table"), "'table'", diags)
    if table_id is not None and table_id != path.stem:
        diags.append(
            Diagnostic(
                "E056",
                f"table '{table_id}' is in file '{path.name}'",
                _span(p, top["table"]),
                hint=f"name the file {table_id}.yaml or the table '{path.stem}'",
            )
        )
    entries: dict[str, CodeEntry] = {}
    codes_node = top.get("codes")
    if codes_node is not None and not isinstance(codes_node, yaml.SequenceNode):
        diags.append(Diagnostic("E051", "'codes' must be a list of entries", _span(p, codes_node)))
    elif codes_node is not None:
        for item in codes_node.value:
            e = _entry(p, item, diags)
            if e is None:
                continue
            if e.code in entries:
                first = entries[e.code].span
                diags.append(
                    Diagnostic(
                        "E052",
                        f"code '{e.code}' is declared twice",
                        e.span,
                        hint=f"first at line {first.line}" if first else None,
                    )
                )
                continue
            entries[e.code] = e
    children: dict[str, list[str]] = {}
    for e in entries.values():
        if e.parent is None:
            continue
        if e.parent not in entries:
            close = difflib.get_close_matches(e.parent, list(entries), n=1)
            diags.append(
                Diagnostic(
                    "E053",
                    f"code '{e.code}' has unknown parent '{e.parent}'",
                    e.span,
                    hint=f"did you mean '{close[0]}'?" if close else None,
                )
            )
            continue
        children.setdefault(e.parent, []).append(e.code)
    _check_cycles(entries, diags)
    title = _text(p, top.get("title"), "'title'", diags)
    source = _text(p, top.get("source"), "'source'", diags)
    if table_id is None or title is None or source is None:
        return None
    return CodeTable(
        table_id, title, " ".join(source.split()), p, entries, {k: tuple(v) for k, v in children.items()}
    )


def _check_cycles(entries: dict[str, CodeEntry], diags: list[Diagnostic]) -> None:
    for e in entries.values():
        seen = {e.code}
        cur = e.parent
        while cur is not None and cur in entries:
            if cur in seen:
                diags.append(
                    Diagnostic("E058", f"code '{e.code}' is its own ancestor (parent cycle)", e.span)
                )
                break
            seen.add(cur)
            cur = entries[cur].parent
