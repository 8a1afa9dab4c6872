"""The shape of engine/: imports point one way. Read from the code (ast), every import counted, top-level
and inside functions (only `if TYPE_CHECKING:` imports, which never run, are left out):
- no import cycle between engine modules;
- no cycle between engine packages, and every package imports only what its `__init__` docstring's
  "May import:" line names;
- the engine never imports FastAPI, Starlette or Typer (only api/ and the CLI do), nor the edges that use
  it (api/, commands/, cli.py);
- commands/ (the CLI's groups) imports only what its `__init__` docstring's "May import:" line names."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from tests.paths import ROOT

ENGINE = ROOT / "engine"
COMMANDS = ROOT / "commands"
EDGE_FRAMEWORKS = ("fastapi", "starlette", "typer", "uvicorn")
#: the project's own top-level packages and modules; the engine imports none but itself
FIRST_PARTY = ("engine", "api", "commands", "cli", "web", "bench", "scripts", "tests")


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_name(p): p for p in ENGINE.rglob("*.py") if "migrations" not in p.parts}


def _imports(path: Path) -> list[str]:
    """Every module `path` imports (absolute names), TYPE_CHECKING blocks left out."""
    found: list[str] = []
    known = modules()

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    walk_one(other)
                continue
            walk_one(child)

    def walk_one(child: ast.AST) -> None:
        if isinstance(child, ast.Import):
            found.extend(a.name for a in child.names)
        elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
            subs = [f"{child.module}.{a.name}" for a in child.names if f"{child.module}.{a.name}" in known]
            found.extend(subs or [child.module])
        else:
            walk(child)

    walk(ast.parse(path.read_text(encoding="utf-8")))
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    known = modules()
    return {
        m: frozenset(t for t in _imports(p) if t in known and t != m and not m.startswith(t + "."))
        for m, p in known.items()
    }


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def _cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(graph()) == []


def package_graph() -> dict[str, frozenset[str]]:
    edges: dict[str, set[str]] = {}
    for m, targets in graph().items():
        edges.setdefault(package_of(m), set()).update(
            package_of(t) for t in targets if package_of(t) != package_of(m)
        )
    return {k: frozenset(v) for k, v in edges.items()}


def test_no_import_cycle_between_packages() -> None:
    assert _cycles(package_graph()) == []


def allowed(package: str) -> set[str]:
    path = modules()[package]
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    line = re.search(r"May import:(.*?)(?:\n\n|\Z)", doc, re.S)
    assert line is not None, f"{path.relative_to(ROOT)}: the docstring says nothing about what it may import"
    return set(re.findall(r"\bengine(?:\.\w+)?", line.group(1)))


PACKAGES = sorted({package_of(m) for m in modules() if m != "engine"})


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_what_its_docstring_allows(package: str) -> None:
    wrong = sorted(
        f"{m} imports {t}"
        for m, targets in graph().items()
        if package_of(m) == package
        for t in targets
        if package_of(t) != package and package_of(t) not in allowed(package)
    )
    assert wrong == [], f"{package}: not in its 'May import:' line: {wrong}"


def test_the_engine_never_imports_the_web_or_cli_frameworks() -> None:
    bad = sorted(
        f"{m} imports {t}"
        for m, p in modules().items()
        for t in _imports(p)
        if t.split(".")[0] in EDGE_FRAMEWORKS
    )
    assert bad == []


def test_the_engine_never_imports_the_edges() -> None:
    bad = sorted(
        f"{m} imports {t}"
        for m, p in modules().items()
        for t in _imports(p)
        if t.split(".")[0] in FIRST_PARTY and t.split(".")[0] != "engine"
    )
    assert bad == []


def test_the_commands_import_only_what_their_docstring_allows() -> None:
    doc = ast.get_docstring(ast.parse((COMMANDS / "__init__.py").read_text(encoding="utf-8"))) or ""
    line = re.search(r"May import:(.*?)(?:\n\n|\Z)", doc, re.S)
    assert line is not None, "commands/__init__.py: the docstring says nothing about what it may import"
    allowed = {"commands", *(n for n in FIRST_PARTY if re.search(rf"\b{n}\b", line.group(1)))}
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {t}"
        for path in sorted(COMMANDS.glob("*.py"))
        for t in _imports(path)
        if t.split(".")[0] in FIRST_PARTY and t.split(".")[0] not in allowed
    )
    assert wrong == [], f"commands: not in its 'May import:' line: {wrong}"


def test_the_checker_finds_a_cycle_and_a_forbidden_import() -> None:
    """The test can fail: a made-up cycle is found, and so is a package edge no docstring allows."""
    assert _cycles(
        {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    ) == [["a", "b", "c"]]
    assert "engine.cases" not in allowed("engine.dates")


def test_the_facade_names_resolve_and_load_lazily() -> None:
    """engine/__init__.py: every public name resolves to the object its home module owns, and importing
    one small module does not load the rest of the engine (the CLI starts fast)."""
    import importlib
    import subprocess
    import sys

    import engine

    for name in engine.__all__:
        home = engine._HOMES[name]
        assert getattr(engine, name) is getattr(importlib.import_module(home), name), name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = engine.nothing  # type: ignore[attr-defined]
    code = "import sys, engine.dates.periods; print(any(m.startswith('engine.cases') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
