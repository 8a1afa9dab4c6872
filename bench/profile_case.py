"""Where the time of a completed case goes: the demo path (bench/systems/zhongcai.py) run under
cProfile on an in-memory SQLite database (CPU only), with the share of each phase of an action.

Run: .venv/bin/python bench/profile_case.py [--cases N] [--top K]

Phases overlap where one calls another (the documents are rendered inside the writes, and opening a
case includes its own transaction): each line is the cumulative share of the whole run.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.systems import zhongcai as zc  # noqa: E402

#: (label, file suffix, function name)
PHASES = [
    ("checks, guards, clock planning (plan_fire)", "engine/cases/firing.py", "plan_fire"),
    ("case, deadline rows read (load_state)", "engine/cases/state.py", "load_state"),
    ("events read: history and document versions", "engine/cases/state.py", "_read_events"),
    ("writing the action (commit_plan)", "engine/cases/writes.py", "commit_plan"),
    ("  rendering the produced documents", "engine/cases/papers.py", "render_document"),
    ("  deadline rows", "engine/cases/deadline_rows.py", "write_deadlines"),
    ("  monitoring record", "engine/cases/writes.py", "monitoring_record"),
    ("transaction: connection, session, BEGIN, COMMIT", "engine/store/db.py", "transaction"),
    ("opening a case (open_case)", "engine/cases/runtime.py", "open_case"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--cases", type=int, default=30)
    ap.add_argument("--top", type=int, default=0, help="also print the K functions with most own time")
    args = ap.parse_args()
    db, svc, clock = zc.prepare("sqlite://")
    for _ in range(3):  # warm: procedure, templates, calendar, compiled statements
        zc.run_case(svc, clock)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.cases):
        zc.run_case(svc, clock)
    profile.disable()
    db.dispose()
    stats = pstats.Stats(profile)
    table = stats.stats  # type: ignore[attr-defined]

    def cumulative(suffix: str, name: str) -> float:
        return sum(v[3] for (f, _line, n), v in table.items() if f.endswith(suffix) and n == name)

    total = cumulative("bench/systems/zhongcai.py", "run_case")
    print(f"{args.cases} cases, {total / args.cases * 1000:.1f} ms CPU per case under the profiler")
    for label, suffix, name in PHASES:
        print(f"  {cumulative(suffix, name) / total * 100:5.1f} %  {label}")
    if args.top:
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
