"""Procedure loading and compiling: how long each step takes, against plain YAML parsing as the baseline.

Targets (issue 2): the national `arbitration` procedure compiles in under 50 ms warm; a cold
`zhongcai procedures validate` (a new process: imports, every file read, resolved, validated and
compiled) finishes in under 1 s. Run: `.venv/bin/python bench/compile_bench.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from engine.procedures import library  # noqa: E402
from engine.procedures.compiler import compile_with_diagnostics  # noqa: E402
from engine.procedures.layers import resolve_layers  # noqa: E402
from engine.procedures.source import read_yaml  # noqa: E402
from engine.procedures.spec_errors import validate_spec  # noqa: E402


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best, median) wall time in ms."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--procedure", default="arbitration")
    args = ap.parse_args()
    root = ROOT / "procedures"
    path = root / f"{args.procedure}.yaml"
    text = path.read_text(encoding="utf-8")
    files = library.discover(root)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    print(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines; {len(files)} procedure files")

    base = best_of(lambda: yaml.load(text, Loader=loader), args.repeat)
    doc = read_yaml(str(path), text)
    by_id = {d.data["procedure"]: d for d in (read_yaml(p) for p in files) if d.data}
    resolved = resolve_layers(doc, by_id.get, by_id.keys())
    spec, _ = validate_spec(resolved.data, resolved.spans, resolved.key_spans)
    assert spec is not None

    def compile_only() -> None:
        proc, diags = compile_with_diagnostics(
            spec, resolved.spans, resolved.sources, key_spans=resolved.key_spans,
            codes_root=ROOT / "codes", documents_root=ROOT / "documents",
        )  # fmt: skip
        assert proc is not None

    def pipeline() -> None:
        library._COMPILED.clear()
        r = library.check_text(
            text, str(path), files, codes_root=ROOT / "codes", documents_root=ROOT / "documents"
        )
        assert r.procedure is not None

    rows = [
        ("baseline: yaml.load (libyaml, no source map)", base),
        ("read_yaml (source map, diagnostics)", best_of(lambda: read_yaml(str(path), text), args.repeat)),
        ("resolve_layers", best_of(lambda: resolve_layers(doc, by_id.get, by_id.keys()), args.repeat)),
        (
            "validate_spec (pydantic)",
            best_of(lambda: validate_spec(resolved.data, resolved.spans, resolved.key_spans), args.repeat),
        ),
        ("compile (checks, guards, model, hash) warm", best_of(compile_only, args.repeat)),
        ("whole pipeline, text -> Procedure, no result cache", best_of(pipeline, args.repeat)),
        (
            "ProcedureLibrary.load, warm (content cache)",
            best_of(lambda: library.ProcedureLibrary.load(root), args.repeat),
        ),
    ]
    print(f"\n{'step':<52} {'best ms':>9} {'median ms':>10} {'x baseline':>11}")
    for name, (best, median) in rows:
        print(f"{name:<52} {best:>9.2f} {median:>10.2f} {best / base[0]:>11.1f}")
    compile_best = rows[4][1][0]
    print(f"\ntarget: '{args.procedure}' compiles in < 50 ms warm: {compile_best:.1f} ms "
          f"({'OK' if compile_best < 50 else 'MISSED'})")  # fmt: skip

    walls, cpus = [], []
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(ROOT / "cli.py"), "procedures", "validate"], cwd=ROOT, capture_output=True
        )
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - t
    print(f"cold `zhongcai procedures validate` (new process, {len(files)} files): best {min(walls):.2f} s wall, "
          f"{min(cpus):.2f} s CPU (bare interpreter start {bare:.2f} s) "
          f"({'OK' if min(walls) < 1 else 'MISSED'}; wall time depends on machine load)")  # fmt: skip


if __name__ == "__main__":
    main()
