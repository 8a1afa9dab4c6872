"""`procedures check` throughput: explored steps per second, against the bare runtime doing the same steps.

Run: .venv/bin/python bench/checker_bench.py [--examples N] [--seed S] [--procedures ID,ID]

For each procedure: the checker explores N examples (hypothesis draws, one step = open/attach/do/
tick through the real CaseService, then every built-in and author invariant, including the replay of
the store by engine.oversight.verify). Every trace it ran is recorded; the baseline then runs the same steps
through the bare CaseService on the same kind of in-memory database, without drawing and without
checking. The ratio is what proving costs over merely running the cases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Actor, CaseService, Database, ProcedureLibrary, scan
from engine.cases.runtime import ensure_institution
from engine.errors import ZhongcaiError
from engine.proving import case_run, checker
from engine.proving.steps import Step
from engine.store.tables import metadata

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


def bare(library: ProcedureLibrary, procedure_id: str, region: str, traces: list[list[Step]]) -> float:
    """Seconds to run the traces through the bare runtime (a fresh database per trace)."""
    day = [dt.date(2000, 1, 1)]
    started = time.perf_counter()
    for steps in traces:
        db = Database("sqlite://")
        metadata.create_all(db.engine)
        service = CaseService(db, library, now=lambda: dt.datetime.combine(day[0], dt.time(12), SHANGHAI))
        ensure_institution(db, "bench", "测试仲裁委", region, abbr="测")
        case_id = 0
        for s in steps:
            day[0] = s.at
            actor = Actor(f"bench:{s.role}", s.role or "clerk")
            try:
                if s.kind == "open":
                    case_id = service.open_case(procedure_id, s.at, dict(s.facts), "bench", actor).id
                elif s.kind == "attach":
                    service.attach(case_id, list(s.documents), s.at, actor)
                elif s.kind == "tick":
                    scan(service, s.at)
                else:
                    assert s.action is not None
                    service.fire(case_id, s.action, actor, s.at, dict(s.facts), list(s.documents) or None)
            except ZhongcaiError:
                pass
        db.dispose()
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--procedures", default="arbitration,mediation,zhejiang,guangxi")
    args = ap.parse_args()
    library = ProcedureLibrary.load(ROOT / "procedures")
    traces: list[list[Step]] = []
    close = case_run.CaseRun.close

    def recording_close(self: case_run.CaseRun) -> None:
        traces.append(list(self.steps))
        close(self)

    case_run.CaseRun.close = recording_close  # type: ignore[method-assign]
    print(
        f"{'procedure':<12} {'examples':>8} {'steps':>6} {'checker steps/s':>16} {'bare steps/s':>13} {'ratio':>6}"
    )
    for pid in args.procedures.split(","):
        traces.clear()
        report = checker.check_procedure(library, pid, examples=args.examples, seed=args.seed, budget=600)
        explored = [t for t in traces if t]
        steps = sum(len(t) for t in explored)
        checked = steps / report.elapsed if report.elapsed else 0.0
        seconds = bare(library, pid, report.region, explored)
        plain = steps / seconds if seconds else 0.0
        ratio = plain / checked if checked else 0.0
        print(f"{pid:<12} {report.examples:>8} {steps:>6} {checked:>16.0f} {plain:>13.0f} {ratio:>5.1f}x")
        if report.finding is not None:
            print(f"  (finding: {report.finding.headline()})")
    case_run.CaseRun.close = close  # type: ignore[method-assign]


if __name__ == "__main__":
    main()
