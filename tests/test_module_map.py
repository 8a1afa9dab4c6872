"""docs/internals.md's module map is the one scripts/module_map.py draws from the code (packages, their
docstrings, every module with its size); and no engine package is left out of it."""

from __future__ import annotations

import importlib.util

from tests.paths import ROOT


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("module_map", ROOT / "scripts" / "module_map.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_module_map_in_the_docs_is_drawn_from_the_code() -> None:
    script = _script()
    text = (ROOT / "docs" / "internals.md").read_text(encoding="utf-8")
    assert script.replaced(text, script.module_map()) == text, (
        "docs/internals.md is out of date: run `python scripts/module_map.py --write`"
    )


def test_every_engine_module_is_in_the_map() -> None:
    drawn = _script().module_map()
    modules = [
        p for p in (ROOT / "engine").rglob("*.py") if "migrations" not in p.parts and p.name != "__init__.py"
    ]
    missing = [str(p.relative_to(ROOT)) for p in modules if f"`{p.relative_to(ROOT)}`" not in drawn]
    assert len(modules) > 60 and missing == []
