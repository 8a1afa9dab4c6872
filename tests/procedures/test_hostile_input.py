"""Hostile procedure files and guards: every attack found by the outside review is a test,
with its figure. Validation answers with a located diagnostic, never a traceback or a crash, within
2 s and 500 MB; a guard that would run for minutes is refused at run time and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.errors import EventNotAllowed
from engine.procedures.library import ProcedureLibrary, check_files
from tests.fixtures_runtime import MovableNow, prepared_db
from tests.paths import ROOT

MINI = (ROOT / "tests" / "runtime_procedures" / "mini.yaml").read_text(encoding="utf-8")
SHIPPED = sorted((ROOT / "procedures").glob("*.yaml"))
CLERK = Actor("u:clerk", "clerk")
DAY = dt.date(2026, 3, 2)


def _mini_with(tmp_path: Path, guard: str, *, claims: bool = False) -> Path:
    text = MINI.replace('      - check: "complete"', "      - check: " + _yaml_quoted(guard))
    if claims:
        text = text.replace(
            "  days: {type: int, title: 延长天数, default: 0}",
            "  days: {type: int, title: 延长天数, default: 0}\n"
            "  claims: {type: claims, title: 请求事项, default: [], opening: true}",
        )
    procs = tmp_path / "procedures"
    procs.mkdir(exist_ok=True)
    path = procs / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _yaml_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _codes(path: Path) -> list[str]:
    results, _ = check_files([path])
    return [d.code for r in results for d in r.diagnostics]


# ------------------------------------------------------------------------- point 3: guard budget


def test_five_nested_quantifiers_are_refused_at_validate_time(tmp_path: Path) -> None:
    guard = ": ".join(f"any {v} in claims" for v in "abcde") + ": a.amount + e.amount < 0"
    started = time.perf_counter()
    assert "E115" in _codes(_mini_with(tmp_path, guard, claims=True))
    assert time.perf_counter() - started < 2.0


def test_a_guard_over_its_step_budget_is_refused_at_run_time_and_changes_nothing(tmp_path: Path) -> None:
    """Three levels pass validation; over 100 claims they would take 10**6 steps: refused at 10**5."""
    guard = "not (any a in claims: any b in claims: any c in claims: a.amount + b.amount + c.amount < 0)"
    _mini_with(tmp_path, guard, claims=True)
    lib = ProcedureLibrary.load(tmp_path / "procedures", ROOT / "codes", ROOT / "documents")
    svc = CaseService(prepared_db(f"sqlite:///{tmp_path / 'zc.db'}"), lib, now=MovableNow(DAY))
    claims = [{"item": f"第{i}项", "category": "pay", "amount": i} for i in range(100)]
    case_id = svc.open_case("mini", DAY, {"claim_amount": 1, "claims": claims}, "inst", CLERK).id
    svc.attach(case_id, ["application"], DAY, CLERK)
    before = svc.get(case_id)
    started = time.perf_counter()
    with pytest.raises(EventNotAllowed) as err:
        svc.fire(case_id, "accept", CLERK, DAY)
    took = time.perf_counter() - started
    assert err.value.code == "guard" and "100,000" in err.value.message
    assert took < 2.0, took
    after = svc.get(case_id)
    assert (after.stage, after.version) == (before.stage, before.version)


# ------------------------------------------------------------------------- point 5: nesting and size


@pytest.mark.parametrize(
    "guard",
    [
        "(" * 900 + "workers >= 1" + ")" * 900,
        "not " * 5000 + "complete",
        "workers >= 1 and '" + "x" * 10_000_000 + "' == 'y'",
    ],
    ids=["900 parentheses", "5000 nots", "10 MB literal"],
)
def test_deep_or_huge_guards_are_a_diagnostic_not_a_crash(tmp_path: Path, guard: str) -> None:
    path = _mini_with(tmp_path, guard)
    tracemalloc.start()
    started = time.perf_counter()
    codes = _codes(path)
    took = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert codes == ["E114"] if len(guard) < 1_000_000 else codes in (["E114"], ["E010"])
    assert took < 2.0, took
    assert peak < 200 * 2**20, peak


#: Runs `cli.py ARGS...` under a 1.5 GB address-space ceiling and, at exit, reports the process's own peak
#: resident size (VmHWM of /proc/self/status: this program's memory after exec, whatever the size of the
#: pytest worker that started it; ru_maxrss would carry the forking parent's size over exec).
_CHILD = """
import atexit, os, resource, runpy, sys
resource.setrlimit(resource.RLIMIT_AS, (1500 * 2**20, 1500 * 2**20))
def _peak():
    with open('/proc/self/status') as f:
        kb = next(line.split()[1] for line in f if line.startswith('VmHWM:'))
    os.write(2, ('\\nZC_PEAK_KB=' + kb + '\\n').encode())
atexit.register(_peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def _validate_in_child(path: Path) -> tuple[int, str, int]:
    """`procedures validate PATH` in a child process: its exit status, its output (stdout and stderr) and
    its own peak resident size in KB."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT / "cli.py"), "procedures", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    peak = re.search(r"ZC_PEAK_KB=(\d+)", proc.stderr)
    assert peak is not None, proc.stderr[-500:]
    return proc.returncode, proc.stdout + proc.stderr.replace(peak.group(0), ""), int(peak.group(1))


@pytest.mark.parametrize("depth", [1_000, 30_000])
def test_deeply_nested_yaml_is_a_diagnostic_in_a_child_process(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("procedure: deep\nx: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    started = time.perf_counter()
    code, output, maxrss = _validate_in_child(path)
    took = time.perf_counter() - started
    assert code == 1, (code, output[-500:])  # not 139
    assert "E011" in output and "Traceback" not in output
    assert took < 10.0, took  # the interpreter's start included; the check itself is milliseconds
    assert maxrss < 500 * 1024, maxrss  # KB


def test_a_huge_file_is_refused_before_it_is_read_as_yaml(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("procedure: huge\n# " + "x" * 10_000_000 + "\n", encoding="utf-8")
    started = time.perf_counter()
    code, output, _ = _validate_in_child(path)
    assert code == 1 and "E010" in output and "Traceback" not in output
    assert time.perf_counter() - started < 10.0


# ------------------------------------------------------------------------- fuzzing validate


def _mutate(text: str, seed: int, n: int) -> str:
    rng = random.Random(seed)
    chars = list(text)
    for _ in range(n):
        at = rng.randrange(len(chars) + 1)
        op = rng.randrange(6)
        if op == 0 and chars:
            del chars[min(at, len(chars) - 1)]
        elif op == 1:
            chars.insert(at, rng.choice("[]{}():,'\"\n -#&*!|>%@`\t"))
        elif op == 2:
            chars[at:at] = list("[" * rng.randrange(1, 3000))
        elif op == 3:
            chars[at:at] = list("(" * rng.randrange(1, 300))
        elif op == 4 and chars:
            j = rng.randrange(len(chars))
            chars[at:at] = chars[j : j + rng.randrange(1, 400)]
        else:
            chars[at:at] = list("not " * rng.randrange(1, 200))
    return "".join(chars)


@settings(max_examples=40, deadline=None)
@given(which=st.sampled_from(SHIPPED), seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
def test_mutated_procedures_give_diagnostics_only(
    tmp_path_factory: pytest.TempPathFactory, which: Path, seed: int, n: int
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / which.name
    path.write_text(_mutate(which.read_text(encoding="utf-8"), seed, n), encoding="utf-8")
    started = time.perf_counter()
    results, _ = check_files([path], SHIPPED)  # raises nothing: every problem is a diagnostic
    assert all(d.code[0] in "EW" for r in results for d in r.diagnostics)
    assert time.perf_counter() - started < 2.0
