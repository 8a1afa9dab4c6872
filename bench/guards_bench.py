"""Guard language speed: parser start-up, and parse / type-check / evaluate per guard.

Run: .venv/bin/python bench/guards_bench.py [--rounds N]

Guards: every `when`/`check`/`sets`/`invariants` text of procedures/*.yaml (regions included), so
the figures are those of compiling the real national procedure. Baselines measured in the same run:
- the lark parse alone (tree only) against `parse_guard` (tree + nodes + spans);
- Python's own `ast.parse` of the same texts (only a yardstick: guards are not Python);
- building the LALR parser without lark's cache against loading it from the cache (`cache=True`).
Target (issue 2): the national arbitration procedure compiles in under 50 ms warm, so all its guards
together must take a small part of that.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from lark import Lark

t0 = time.perf_counter()
from engine.expr import TypeEnv, check_guard, parse_guard  # noqa: E402
from engine.expr.parse import _GRAMMAR, _parser  # noqa: E402

IMPORT_S = time.perf_counter() - t0
ROOT = Path(__file__).resolve().parent.parent


def _guards(node: Any, key: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("when", "check") and isinstance(v, str):
                out.append(v)
            elif k == "sets" and isinstance(v, dict):
                out += [str(x) for x in v.values()]
            elif k == "invariants" and isinstance(v, list):
                out += [x if isinstance(x, str) else str(x.get("check", "")) for x in v]
            else:
                out += _guards(v, str(k))
    elif isinstance(node, list):
        for v in node:
            out += _guards(v, key)
    return out


def _best(fn: Any, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    files = sorted((ROOT / "procedures").rglob("*.yaml"))
    texts: list[str] = []
    facts: dict[str, str] = {}
    params: dict[str, str] = {}
    for f in files:
        if "calendars" in f.parts:
            continue
        doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        texts += [t for t in _guards(doc) if t.strip()]
        facts.update(
            {k: v.get("type", "text") for k, v in (doc.get("facts") or {}).items() if isinstance(v, dict)}
        )
        params.update({k: (v.get("type", "decimal") if isinstance(v, dict) and "values" in v else "decimal")
                       for k, v in (doc.get("params") or {}).items()})  # fmt: skip
    grammar = _GRAMMAR.read_text(encoding="utf-8")
    opts: dict[str, Any] = dict(
        parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False
    )
    t = time.perf_counter()
    Lark(grammar, **opts)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    Lark(grammar, cache=True, **opts)
    cached_s = time.perf_counter() - t
    raw = _parser()
    env = TypeEnv.build(facts, params)
    exprs = [parse_guard(x) for x in texts]
    lark_s = _best(lambda: [raw.parse(x) for x in texts], args.rounds)
    # the first version: lark propagating positions to every tree node (spans from `meta`)
    positions = Lark(
        grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False
    )
    pos_s = _best(lambda: [positions.parse(x) for x in texts], args.rounds)

    def parse_cold() -> None:
        parse_guard.cache_clear()
        for x in texts:
            parse_guard(x)

    parse_s = _best(parse_cold, args.rounds)
    warm_s = _best(lambda: [parse_guard(x) for x in texts], args.rounds)
    check_s = _best(lambda: [check_guard(e, env, expect=None) for e in exprs], args.rounds)
    ev_s, ok = _evaluate_all(exprs, facts, params, args.rounds)
    py_s = _best(lambda: [ast.parse(x, mode="eval") for x in texts if _python_ok(x)], args.rounds)
    k = len(texts)
    print(f"guards: {k} texts from {len(files)} files, {sum(map(len, texts))} characters")
    print(
        f"import engine.expr:            {IMPORT_S * 1e3:8.2f} ms (lark + the modules; the parser is built on first use)"
    )
    print(f"LALR build, no cache:          {build_s * 1e3:8.2f} ms")
    print(
        f"LALR build, cache=True:        {cached_s * 1e3:8.2f} ms   ratio {build_s / cached_s:5.1f}x faster"
    )
    print(f"lark parse (tree only), all:   {lark_s * 1e3:8.2f} ms   {lark_s / k * 1e6:7.1f} us/guard")
    print(f"lark propagate_positions, all: {pos_s * 1e3:8.2f} ms     {pos_s / k * 1e6:7.1f} us/guard"
          f"   (first version; tokens-only is {pos_s / lark_s:3.1f}x faster)")  # fmt: skip
    print(f"parse_guard (AST + spans), all:{parse_s * 1e3:8.2f} ms   {parse_s / k * 1e6:7.1f} us/guard"
          f"   ratio {parse_s / lark_s:4.2f}x lark alone")  # fmt: skip
    print(f"parse_guard cached (warm):     {warm_s * 1e3:8.2f} ms   {warm_s / k * 1e6:7.1f} us/guard"
          f"   ratio {parse_s / warm_s:5.0f}x faster than a first parse")  # fmt: skip
    print(f"check_guard, all:              {check_s * 1e3:8.2f} ms   {check_s / k * 1e6:7.1f} us/guard")
    print(
        f"evaluate, all ({ok} evaluated):  {ev_s * 1e3:6.2f} ms     {ev_s / k * 1e6:7.1f} us/guard (fake case)"
    )
    print(
        f"python ast.parse yardstick:    {py_s * 1e3:8.2f} ms   parse_guard is {parse_s / py_s:4.1f}x ast.parse"
    )
    print(f"parse + check, all guards:     {(parse_s + check_s) * 1e3:8.2f} ms first time, "
          f"{(warm_s + check_s) * 1e3:.2f} ms warm, of the 50 ms compile budget")  # fmt: skip


def _evaluate_all(
    exprs: list[Any], facts: dict[str, str], params: dict[str, str], rounds: int
) -> tuple[float, int]:
    import datetime as dt
    from decimal import Decimal

    from engine.errors import GuardRuntimeError
    from engine.expr import Scope, evaluate
    from tests.expr.fakes import FakeCase

    sample = {"money": Decimal("20000"), "int": 1, "decimal": Decimal("1.5"), "bool": False,
              "date": dt.date(2026, 10, 9), "text": "", "code": "", "claims": []}  # fmt: skip
    names: dict[str, Any] = {k: sample.get(t) for k, t in {**facts, **params}.items()}
    names.update(at=dt.date(2026, 10, 12), stage="accepted")
    scope = Scope(names, FakeCase())

    def run() -> int:
        ok = 0
        for e in exprs:
            try:
                evaluate(e, scope)
                ok += 1
            except GuardRuntimeError:
                pass
        return ok

    return _best(run, rounds), run()


def _python_ok(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


if __name__ == "__main__":
    main()
