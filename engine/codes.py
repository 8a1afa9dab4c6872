"""The code tables under `codes/` (指标集与代码): load, look up, validate.

Owns: reading `codes/*.yaml` (one table per file: `table`, `title`, `source`, `codes`), the
`CodeTables` collection the compiler asks whether a `type: code` fact names a real table, the lookups
monitoring uses to code its records, and `validate(table, code, on=date)` which gives a message a
clerk can act on (with a did-you-mean) for a code that is unknown or not valid on that date.

Place in the flow: read once per process (cached by file content, in memory and, parsed, as JSON
under the user's cache folder so the next process does not parse the YAML again); the compiler (name resolution),
the runtime (facts of type code), monitoring (records, data checks) and the CLI (`codes show`,
`codes validate`) call it. The tables are data: an institution replaces a file with the official
table in the same format and nothing else changes.

May import: engine.errors and the standard library (plus PyYAML).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from engine.errors import Diagnostic, ProcedureInvalid, Span, ZhongcaiError

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TABLE_KEYS = ("table", "title", "source", "codes")
_ENTRY_KEYS = ("code", "name", "valid_from", "valid_to", "parent", "names")
_PERIOD_KEYS = ("name", "valid_from", "valid_to")


#: Monitoring configuration that lives in codes/ next to the tables but is not a code table.
NOT_TABLES = frozenset({"indicators", "risk", "data_checks"})


class UnknownCodeTable(ZhongcaiError, LookupError):
    """A table name that no file under codes/ declares."""


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


class CodeTables:
    """Every table under a `codes/` directory. Build with `CodeTables.load(Path("codes"))`."""

    def __init__(self, tables: dict[str, CodeTable]) -> None:
        self._tables = dict(sorted(tables.items()))

    @classmethod
    def load(cls, directory: Path | str) -> CodeTables:
        """Read every `*.yaml` in the directory. Raises `ProcedureInvalid` with ALL problems found."""
        directory = Path(directory)
        files = sorted(p for p in directory.glob("*.yaml") if p.stem not in NOT_TABLES)
        key = tuple((str(p), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files)
        return _load_cached(key)

    def names(self) -> list[str]:
        return list(self._tables)

    def has(self, table: str) -> bool:
        return table in self._tables

    def table(self, table: str) -> CodeTable:
        try:
            return self._tables[table]
        except KeyError:
            raise UnknownCodeTable(_unknown_table_message(table, self.names())) from None

    def get(self, table: str, code: str) -> CodeEntry | None:
        """The entry, or None when the code is unknown. An unknown table raises `UnknownCodeTable`."""
        return self.table(table).entries.get(code)

    def validate(self, table: str, code: object, on: date | None = None) -> str | None:
        """None when `code` is a known code of `table` (and in force on `on`), else a message a clerk
        can act on, in Chinese and English, with a "did you mean" where one is close."""
        if not self.has(table):
            return _unknown_table_message(table, self.names())
        t = self._tables[table]
        text = str(code).strip() if code is not None else ""
        entry = t.entries.get(text)
        if entry is None:
            msg = f"代码表 {table}（{t.title}）中没有代码 '{text}' (unknown code '{text}' in table {table})"
            hint = suggest(t, text)
            return msg + (f"；是否是 {hint}？(did you mean {hint}?)" if hint else "")
        if on is not None and not entry.valid_on(on):
            span = _validity_text(entry)
            return (
                f"代码 '{text}'（{entry.name}）在 {on.isoformat()} 不在有效期内（{span}） "
                f"(code '{text}' of table {table} is not valid on {on.isoformat()}: {span})"
            )
        return None


def suggest(table: CodeTable, text: str) -> str | None:
    """A hint for a mistyped code: a close code, or the code whose name was typed instead."""
    by_name = [e.code for e in table if e.name == text or any(p.name == text for p in e.names)]
    if by_name:
        return ", ".join(f"'{c}'" for c in by_name[:3])
    close = difflib.get_close_matches(text, list(table.entries), n=3, cutoff=0.6)
    if close:
        return ", ".join(f"'{c}'" for c in close)
    names = {e.name: e.code for e in table}
    close = difflib.get_close_matches(text, list(names), n=1, cutoff=0.6)
    return f"'{names[close[0]]}' ({close[0]})" if close else None


def _validity_text(e: CodeEntry) -> str:
    a = e.valid_from.isoformat() if e.valid_from else "…"
    b = e.valid_to.isoformat() if e.valid_to else "…"
    return f"有效期 {a} 至 {b}"


def _unknown_table_message(table: str, names: list[str]) -> str:
    close = difflib.get_close_matches(table, names, n=1, cutoff=0.6)
    hint = f"；是否是 '{close[0]}'？(did you mean '{close[0]}'?)" if close else ""
    return f"codes/ 下没有代码表 '{table}' (no code table '{table}'; tables: {', '.join(names)}){hint}"


@functools.lru_cache(maxsize=8)
def _load_cached(key: tuple[tuple[str, str], ...]) -> CodeTables:
    diags: list[Diagnostic] = []
    tables: dict[str, CodeTable] = {}
    for path_text, digest in key:
        table = _cache_read(path_text, digest)
        if table is None:
            found: list[Diagnostic] = []
            table = _read_table(Path(path_text), found)
            diags += found
            if table is not None and not found:
                _cache_write(path_text, digest, table)
        if table is None:
            continue
        if table.id in tables:
            diags.append(
                Diagnostic(
                    "E059",
                    f"table '{table.id}' is declared twice",
                    Span(path_text, 1, 1),
                    hint=f"also in {tables[table.id].path}",
                )
            )
            continue
        tables[table.id] = table
    if any(d.severity == "error" for d in diags):
        raise ProcedureInvalid(diags)
    return CodeTables(tables)


# ---------------------------------------------------------------- the parsed-table cache
# Composing regions.yaml (6,885 entries) takes ~0.5 s; every process (CLI call, worker) paid it on its
# first code fact. A table read without any diagnostic is kept as JSON under the user's cache folder,
# keyed by its path, the sha256 of its content and the cache format; a changed file is read again. JSON,
# never pickle: a cache file is data, and a damaged or foreign one is ignored (the YAML is re-read).
# `ZHONGCAI_CACHE_DIR` chooses the folder ("off" disables the cache).

_CACHE_FORMAT = "codes-1"


def _cache_file(path_text: str, digest: str) -> Path | None:
    env = os.environ.get("ZHONGCAI_CACHE_DIR", "").strip()
    if env.lower() in ("off", "0", "no", "none"):
        return None
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        try:
            base = (Path(xdg) if xdg else Path.home() / ".cache") / "zhongcai"
        except RuntimeError:  # no home directory (a bare service account): no cache
            return None
    name = hashlib.sha256(f"{_CACHE_FORMAT}\0{path_text}\0{digest}".encode()).hexdigest()
    return base / "codes" / f"{name}.json"


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _cache_write(path_text: str, digest: str, table: CodeTable) -> None:
    target = _cache_file(path_text, digest)
    if target is None:
        return
    rows = []
    for e in table.entries.values():
        span = (e.span.line, e.span.col, e.span.end_line, e.span.end_col) if e.span else None
        names = [[n.name, _iso(n.valid_from), _iso(n.valid_to)] for n in e.names]
        rows.append([e.code, e.name, _iso(e.valid_from), _iso(e.valid_to), e.parent, names, span])
    data = {
        "format": _CACHE_FORMAT,
        "path": path_text,
        "sha256": digest,
        "table": [table.id, table.title, table.source],
        "entries": rows,
        "children": {k: list(v) for k, v in table._children.items()},
    }
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only home or a full disk: the next process reads the YAML again


def _cache_read(path_text: str, digest: str) -> CodeTable | None:
    source = _cache_file(path_text, digest)
    if source is None:
        return None
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        if data["format"] != _CACHE_FORMAT or data["path"] != path_text or data["sha256"] != digest:
            return None
        entries: dict[str, CodeEntry] = {}
        for code, name, a, b, parent, names, span in data["entries"]:
            entries[code] = CodeEntry(
                code,
                name,
                _day(a),
                _day(b),
                parent,
                tuple(NamePeriod(n, _day(x), _day(y)) for n, x, y in names),
                Span(path_text, *span) if span else None,
            )
        table_id, title, src = data["table"]
        children = {k: tuple(v) for k, v in data["children"].items()}
        return CodeTable(table_id, title, src, path_text, entries, children)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, damaged or of another format: read the YAML


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


def _read_table(path: Path, diags: list[Diagnostic]) -> CodeTable | None:
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


def default_codes_dir() -> Path:
    """`ZHONGCAI_CODES_DIR`, or `codes/` next to the package (the repository layout)."""
    env = os.environ.get("ZHONGCAI_CODES_DIR", "").strip()
    return Path(env) if env else Path(__file__).resolve().parent.parent / "codes"
