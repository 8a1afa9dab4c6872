"""The code tables under `codes/` (指标集与代码): load, look up, validate.

Owns: the `CodeTables` collection the compiler asks whether a `type: code` fact names a real table,
the lookups monitoring uses to code its records, and `validate(table, code, on=date)` which gives a
message a clerk can act on (with a did-you-mean) for a code that is unknown or not valid on that date;
loading a directory (every file but the monitoring configuration, `NOT_TABLES`) with its two caches;
`default_codes_dir`. One table and the reading of its file are engine.codes.code_table's (`NamePeriod`,
`CodeEntry`, `CodeTable` are re-exported here).

Place in the flow: read once per process (cached by file content, in memory and, parsed, as JSON
under the user's cache folder so the next process does not parse the YAML again); the compiler (name resolution),
the runtime (facts of type code), monitoring (records, data checks) and the CLI (`codes show`,
`codes validate`) call it. The tables are data: an institution replaces a file with the official
table in the same format and nothing else changes.

May import: engine.errors, engine.codes.code_table and the standard library.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
from datetime import date
from pathlib import Path

from engine.codes.code_table import CodeEntry, CodeTable, NamePeriod, read_table
from engine.errors import Diagnostic, ProcedureInvalid, Span, ZhongcaiError

__all__ = [
    "NOT_TABLES",
    "CodeEntry",
    "CodeTable",
    "CodeTables",
    "NamePeriod",
    "UnknownCodeTable",
    "default_codes_dir",
    "suggest",
]


#: Configuration that lives in codes/ next to the tables but is not a code table (monitoring; the
#: register's performance figures and coverage targets).
NOT_TABLES = frozenset({"indicators", "risk", "data_checks", "performance", "coverage"})


class UnknownCodeTable(ZhongcaiError, LookupError):
    """A table name that no file under codes/ declares."""


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
            table = read_table(Path(path_text), found)
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


def default_codes_dir() -> Path:
    """`ZHONGCAI_CODES_DIR`, or `codes/` next to the package (the repository layout)."""
    env = os.environ.get("ZHONGCAI_CODES_DIR", "").strip()
    return Path(env) if env else Path(__file__).resolve().parents[2] / "codes"
