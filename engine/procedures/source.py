"""Safe YAML reading with a source map: every key and value keeps its 1-based line and column.

Owns: `read_yaml` and `SourceDoc`, and the E0xx diagnostics (YAML syntax, tabs, duplicate keys,
YAML 1.1 booleans used as keys, a root that is not a mapping). Stage in the flow: 1 (read), before
engine.procedures.layers (resolve overlays) and engine.procedures.dsl (validate).

Loading rules (docs/diagnostics.md lists every code):
- Only `true`/`false` are booleans (YAML 1.2). `on/off/yes/no/y/n` stay strings; used unquoted as a
  KEY they are an error, because YAML 1.1 tools would read them as booleans (python-statemachine's
  `on:` trap). Dates such as `2025-07-01` load as `datetime.date` (params are keyed by them).
- A problem never raises: `read_yaml` returns a `SourceDoc` whose `diagnostics` say what is wrong;
  `data` is None when the file could not be read as a mapping.

May import: engine.errors (and PyYAML).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.errors import Diagnostic, Span

#: A key path: ("actions", "accept", "from", 0). Elements are mapping keys or list indexes.
KeyPath = tuple[Any, ...]

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present
_YAML11_WORDS = frozenset({"on", "off", "yes", "no", "y", "n"})
_MAX_NODES = 200_000  # far above any real procedure; stops alias bombs
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with YAML 1.2 booleans only (`yes`, `no`, `on`, `off` stay strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL_RE, list("tTfF"))


@dataclass
class SourceDoc:
    """A YAML file read with its source map.

    `spans[path]` is where the VALUE at `path` is written (for a quoted or block string: its text,
    without the quotes); `key_spans[path]` is where the KEY of the mapping entry at `path` is.
    The root has path `()`.
    """

    path: str
    data: dict[Any, Any] | None
    spans: dict[KeyPath, Span]
    key_spans: dict[KeyPath, Span]
    lines: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.data is not None and not any(d.severity == "error" for d in self.diagnostics)

    def span(self, path: KeyPath, key: bool = False) -> Span | None:
        """The span of `path` (its key when `key`), else of its nearest written ancestor."""
        return locate(path, self.spans, self.key_spans, key=key)


def locate(
    path: KeyPath, spans: dict[KeyPath, Span], key_spans: dict[KeyPath, Span], key: bool = False
) -> Span | None:
    """The span of `path` in a source map, falling back to the nearest ancestor that is written."""
    p = tuple(path)
    if key and p in key_spans:
        return key_spans[p]
    while p:
        if p in spans:
            return spans[p]
        p = p[:-1]
    return spans.get(())


def read_yaml(source: str | Path, text: str | None = None) -> SourceDoc:
    """Read a YAML file (or `text`, reported under the name `source`) into a `SourceDoc`.

    >>> doc = read_yaml("p.yaml", "stages:\\n  open: {title: x, final: yes}\\n")
    >>> doc.data["stages"]["open"]["final"], doc.spans[("stages", "open", "final")].col
    ('yes', 27)
    >>> [d.code for d in read_yaml("p.yaml", "a: 1\\na: 2\\n").diagnostics]
    ['E005']
    """
    name = str(source)
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            return _failed(name, [], "E007", f"文件不是 UTF-8 编码 (file is not UTF-8): {exc.reason}", None)
        except OSError as exc:
            return _failed(name, [], "E007", f"无法读取文件 (cannot read file): {exc.strerror or exc}", None)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    limit = _over_limits(name, text)
    if limit is not None:
        return SourceDoc(name, None, {}, {}, lines, [limit])
    diags = _tab_diagnostics(name, lines)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        on_tab = mark is not None and any(d.span is not None and d.span.line == mark.line + 1 for d in diags)
        if not on_tab:  # the tab diagnostic already says what is wrong on that line
            span = Span(name, mark.line + 1, mark.column + 1) if mark is not None else Span(name, 1, 1)
            problem = exc.problem or exc.context or "invalid YAML"
            diags.append(
                Diagnostic(
                    "E001",
                    f"YAML 语法错误 (YAML syntax error): {problem}",
                    span,
                    hint="check the indentation and the quotes on this line and the one before it",
                )
            )
        return SourceDoc(name, None, {}, {}, lines, sorted(diags, key=Diagnostic.sort_key))
    except yaml.YAMLError as exc:
        return _failed(
            name, lines, "E001", f"YAML 语法错误 (YAML syntax error): {exc}", Span(name, 1, 1), diags
        )
    builder = _Builder(name, lines, loader)
    if node is None or not isinstance(node, yaml.MappingNode):
        what = (
            "empty"
            if node is None
            else ("a list" if isinstance(node, yaml.SequenceNode) else "a single value")
        )
        span = Span(name, 1, 1) if node is None else builder.node_span(node)
        diags.append(
            Diagnostic(
                "E003",
                f"文件顶层必须是映射 (the top level must be a mapping of keys), but it is {what}",
                span,
                expected="keys such as 'procedure:', 'version:', 'stages:' at the start of a line",
            )
        )
        return SourceDoc(name, None, {}, {}, lines, sorted(diags, key=Diagnostic.sort_key))
    data = builder.build(node, ())
    diags.extend(builder.diagnostics)
    return SourceDoc(
        name, data, builder.spans, builder.key_spans, lines, sorted(diags, key=Diagnostic.sort_key)
    )


#: a procedure file's budget before it is composed: its size, and how deep mappings and lists nest
#: (libyaml composes recursively: 30,000 levels crash the process, 1,000 exhaust Python's stack)
MAX_FILE_CHARS = 1_000_000
MAX_YAML_DEPTH = 40


def _over_limits(name: str, text: str) -> Diagnostic | None:
    """E010 for a file over MAX_FILE_CHARS, E011 for nesting over MAX_YAML_DEPTH (found on the event
    stream, which libyaml produces without recursion), else None."""
    if len(text) > MAX_FILE_CHARS:
        return Diagnostic(
            "E010",
            f"文件过大 (file too large): {len(text):,} characters, at most {MAX_FILE_CHARS:,}",
            Span(name, 1, 1),
            hint="a procedure is a few hundred lines; split regional changes into an overlay (extends:)",
        )
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    mark = event.start_mark
                    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                    return Diagnostic(
                        "E011",
                        f"嵌套过深 (nested too deep): mappings and lists nested more than {MAX_YAML_DEPTH} deep",
                        Span(name, line, col),
                        hint="a procedure nests a few levels (section, element, key): flatten this value",
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None  # reported with its place when the file is composed
    return None


def _failed(
    name: str, lines: list[str], code: str, msg: str, span: Span | None, prior: list[Diagnostic] | None = None
) -> SourceDoc:
    return SourceDoc(name, None, {}, {}, lines, [*(prior or []), Diagnostic(code, msg, span)])


def _tab_diagnostics(name: str, lines: list[str]) -> list[Diagnostic]:
    out = []
    for i, line in enumerate(lines, 1):
        indent = len(line) - len(line.lstrip(" \t"))
        col = line.find("\t", 0, indent)
        if col >= 0 and line.strip():
            out.append(
                Diagnostic(
                    "E002",
                    "缩进中有制表符 (tab in indentation): YAML indents with spaces only",
                    Span(name, i, col + 1, i, col + 2),
                    hint="replace the tab with spaces (2 per level)",
                )
            )
    return out


class _Builder:
    """Builds Python data from composed YAML nodes and records the spans on the way."""

    def __init__(self, name: str, lines: list[str], loader: Any) -> None:
        self.name = name
        self.lines = lines
        self.loader = loader
        self.spans: dict[KeyPath, Span] = {}
        self.key_spans: dict[KeyPath, Span] = {}
        self.diagnostics: list[Diagnostic] = []
        self.active: set[int] = set()
        self.count = 0
        self.blown = False

    def node_span(self, node: yaml.Node) -> Span:
        s, e = node.start_mark, node.end_mark
        line, col = s.line + 1, s.column + 1
        end_line, end_col = e.line + 1, e.column + 1
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("'", '"'):
                col += 1
                if end_line == line:
                    end_col -= 1
            elif node.style in ("|", ">"):
                for i in range(s.line + 1, min(e.line + 1, len(self.lines))):
                    text = self.lines[i]
                    if text.strip():
                        line, col = i + 1, len(text) - len(text.lstrip(" ")) + 1
                        end_line, end_col = line, len(text.rstrip()) + 1
                        break
        return Span(self.name, line, col, end_line, end_col)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        """The scalar's value; a value YAML cannot build (a date such as 2026-13-01) is an E009 and
        stays text, so the rest of the file is still checked."""
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            self.diagnostics.append(
                Diagnostic(
                    "E009",
                    f"无效的值 (invalid value) '{node.value}': {exc}",
                    self.node_span(node),
                    hint="a date is written YYYY-MM-DD and must exist; quote the value if it is meant as text",
                )
            )
            return str(node.value)

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.spans[path] = self.node_span(node)
        self.count += 1
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.active or self.count > _MAX_NODES:
            # An alias inside its own anchor (`a: &x {b: *x}`), or aliases multiplying the document.
            if not self.blown:
                self.blown = True
                if id(node) in self.active:
                    zh, what = "YAML 别名引用了自身", "refers to itself"
                else:
                    zh, what = "YAML 别名展开过大", f"expands to more than {_MAX_NODES} values"
                hint = "write the value out instead of using '&anchor' / '*alias'"
                self.diagnostics.append(
                    Diagnostic("E008", f"{zh} (a YAML alias {what})", self.node_span(node), hint=hint)
                )
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[Any, Any]:
        self.loader.flatten_mapping(node)  # '<<' merge keys
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            kspan = self.node_span(knode)
            if not isinstance(knode, yaml.ScalarNode):
                self.diagnostics.append(
                    Diagnostic(
                        "E006",
                        "键必须是简单的文字 (a key must be a plain word, not a list or mapping)",
                        kspan,
                    )
                )
                continue
            key = self.scalar(knode)
            if not knode.style and isinstance(key, str) and key.lower() in _YAML11_WORDS:
                self.diagnostics.append(
                    Diagnostic(
                        "E004",
                        f"键 '{key}' 须加引号 (quote the key '{key}'): YAML 1.1 tools read it as a boolean",
                        kspan,
                        hint=f"write '{key}': (with quotes), or use another word",
                    )
                )
            if key in out:
                first = self.key_spans.get((*path, key))
                where = f" (first at line {first.line})" if first is not None else ""
                self.diagnostics.append(
                    Diagnostic(
                        "E005",
                        f"重复的键 (duplicate key) '{key}'{where}",
                        kspan,
                        hint="merge the two entries; YAML would silently keep only the last one",
                    )
                )
                continue
            self.key_spans[(*path, key)] = kspan
            out[key] = self.build(vnode, (*path, key))
        return out
