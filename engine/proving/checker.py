"""`zhongcai procedures check`: prove a rule set by exploring it with hypothesis.

Owns: `check_procedure(library, procedure_id, ...) -> CheckReport` (the exploration loop), `replay`,
`simplify` and `reproduces`. Each hypothesis example opens a case and runs a random sequence of steps
drawn by engine.proving.strategies from the procedure itself, each step run and checked by
engine.proving.case_run's `CaseRun` (one explored case on its own in-memory SQLite database, with the
clock set to each step's date); the first broken property stops the example; hypothesis shrinks it; the
smallest counterexample seen is written as a scenario file (engine.proving.steps) and run again through
engine.proving.scenarios to confirm it reproduces. Exploration stops after `examples` examples or when the
time budget is spent (shrinking gets its own share of the budget). Examples come in hypothesis runs of
`ROUND` (the first run: one unguided example); each run is guided by the stages earlier runs reached
(fixed during a run, so hypothesis can replay and shrink). The report says which stages were reached,
in how many examples, and which stages the graph reaches that no example did (`CheckReport` and
`describe` live in engine.proving.report).
Stage in the flow: rule authors' checks (DESIGN.md section 2, "rule authors prove their rule sets").
May import: engine.cases.runtime, engine.procedures.model, engine.store.db, engine.store.tables, engine.proving.scenarios, engine.cases.fact_bounds,
engine.cases.clockwork, engine.proving.* and hypothesis. Never Typer.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from engine.cases.clockwork import calendar_for
from engine.cases.fact_bounds import code_tables
from engine.cases.versions import ProcedureSource
from engine.procedures.model import Procedure
from engine.proving.case_run import CaseRun, EndExample, Found
from engine.proving.invariants import reachable
from engine.proving.report import CheckReport
from engine.proving.steps import Finding, Step, scenario_yaml
from engine.proving.strategies import Explorer
from engine.store.db import Database
from engine.store.tables import metadata

DEFAULT_EXAMPLES = 200
DEFAULT_BUDGET = 60.0
DEFAULT_MAX_STEPS = 25
#: examples per hypothesis run: the coverage that guides exploration is updated between runs
ROUND = 5
SHIFTS = 5


class _OutOfTime(BaseException):
    """Stops hypothesis when shrinking has used its share of the budget (not an `Exception`, so
    hypothesis does not take it for a failure of the example)."""


def default_region(procedure: Procedure, region: str | None) -> str:
    return region or procedure.region or "110000"


@dataclass
class _Holder:
    best: Finding | None = None
    examples: int = 0
    steps: int = 0
    found_at: float | None = None
    #: in how many explored examples each stage was reached (guides the next examples)
    counts: dict[str, int] = field(default_factory=dict)
    #: the counts as the current hypothesis run began (its examples, and their shrinking, read them)
    frozen: dict[str, int] | None = None
    #: each distinct broken property (headline) and in how many examples it broke
    findings: dict[str, int] = field(default_factory=dict)


def _size(f: Finding) -> tuple[int, int]:
    return (len(f.steps), sum(len(s.facts) + len(s.documents) for s in f.steps))


def check_procedure(
    library: ProcedureSource,
    procedure_id: str,
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = 0,
    budget: float = DEFAULT_BUDGET,
    region: str | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    procedures_root: str | None = None,
    outages: bool = False,
    keep_going: bool = False,
) -> CheckReport:
    """Explore `procedure_id` with hypothesis; the report holds the smallest counterexample, if any.

    The deadline scan runs on the day after each expiry that fires an action (the scheduler is up),
    and also at random dates; with `outages` it is sometimes skipped, as when the scheduler is down.
    With `keep_going`, a broken property ends its example only: exploration goes on to its end (the
    coverage of the whole budget, every distinct finding) and the smallest counterexample seen is
    simplified without hypothesis' shrinking."""
    procedure = library.get(procedure_id)
    region_code = default_region(procedure, region)
    explorer = Explorer(procedure, calendar_for(procedure, region_code), code_tables())
    report = CheckReport(procedure_id, region_code, seed)
    report.stage_ids = tuple(procedure.stages)
    report.reachable_ids = tuple(
        s for s in procedure.stages if s in reachable(procedure, procedure.initial_stage, None)
    )
    report.total_stages, report.total_actions = len(procedure.stages), len(procedure.actions)
    holder = _Holder()
    shared = Database("sqlite://")
    metadata.create_all(shared.engine)
    started = time.monotonic()
    shrink_budget = min(max(5.0, budget / 8), 20.0)

    def example(data: st.DataObject) -> None:
        now = time.monotonic()
        if holder.found_at is None and now - started > budget:
            report.budget_spent = True
            return  # exploration is over: the remaining examples are empty
        if holder.found_at is not None and now - holder.found_at > shrink_budget:
            raise _OutOfTime
        exploring = holder.found_at is None
        if exploring:
            holder.examples += 1
        counts = holder.frozen  # the coverage when this run began (guidance reads it); None: unguided
        run = CaseRun(library, procedure, region_code, shared)
        try:
            for _ in range(5):  # facts an opening refuses (a code out of force ...): try other ones
                if run.run(explorer.open_step(data)):
                    break
            else:
                return
            shift = data.draw(st.integers(0, SHIFTS), label="which rarely reached stage to aim at")
            for _ in range(max_steps):
                assert run.obs is not None
                if procedure.stages[run.obs.view.stage].final and data.draw(st.booleans(), label="stop"):
                    break
                step = explorer.next_step(data, run.obs, run.day, run.refused(), run.stages, counts, shift)
                if not outages or data.draw(st.integers(0, 99), label="scheduler up") < 80:
                    run.catch_up(step.at)
                run.run(step)
        except EndExample:
            pass
        except Found as found:
            if holder.best is None or _size(found.finding) < _size(holder.best):
                holder.best = found.finding
            if exploring:
                headline = found.finding.headline()
                holder.findings[headline] = holder.findings.get(headline, 0) + 1
            if keep_going:
                return
            if holder.found_at is None:
                holder.found_at = time.monotonic()
            raise
        finally:
            if exploring:
                holder.steps += len(run.steps)
                report.stages |= run.stages
                report.actions |= run.actions
                for stage in run.stages:
                    holder.counts[stage] = holder.counts.get(stage, 0) + 1
            run.close()

    def explore_round(number: int, size: int) -> None:
        """One hypothesis run of `size` examples, guided by the coverage as it begins: hypothesis
        replays and shrinks choice sequences, so what guides it must not change during a run."""
        holder.frozen = dict(holder.counts) if number > 0 else None
        test = settings(
            database=None,
            max_examples=size,
            deadline=None,
            derandomize=False,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate, Phase.shrink],
            verbosity=Verbosity.quiet,
            print_blob=False,
        )(hypothesis_seed(seed if number == 0 else seed * 100_003 + number)(given(st.data())(example)))
        test()

    engine_log = logging.getLogger("engine")
    level = engine_log.level
    engine_log.setLevel(logging.ERROR)  # a refused on_expiry is a finding here, not a log line per example
    try:
        try:
            number = 0
            while holder.examples < max(1, examples) and not report.budget_spent:
                before = holder.examples
                try:
                    # the first run is one unguided example: hypothesis' simplest choices, the most
                    # promising actions on the dates most likely to break something (holidays, bounds)
                    size = 1 if number == 0 else ROUND
                    explore_round(number, min(size, max(1, examples) - holder.examples))
                except HypothesisException:
                    pass  # hypothesis gave up on this run (e.g. nothing left to generate)
                if holder.found_at is not None or holder.examples == before:
                    break
                number += 1
        except (Found, _OutOfTime):
            pass
        report.examples = holder.examples
        report.steps = holder.steps
        report.stage_examples = dict(holder.counts)
        report.findings = dict(holder.findings)
        if holder.best is not None:
            seconds = min(max(5.0, budget / 6), 20.0)
            best = simplify(library, procedure, region_code, holder.best, seconds=seconds, db=shared)
            report.finding = best
            report.scenario = scenario_yaml(procedure_id, best, region, seed, procedures_root)
            report.reproduced, report.reproduction = reproduces(library, report.scenario)
    finally:
        shared.dispose()
        engine_log.setLevel(level)
    report.elapsed = time.monotonic() - started
    return report


def replay(
    library: ProcedureSource,
    procedure: Procedure,
    region: str,
    steps: tuple[Step, ...],
    db: Database | None = None,
) -> Finding | None:
    """Run a concrete trace again (no hypothesis); the finding it ends in, or None. With `db`, on that
    database, emptied first (no schema to create)."""
    run = CaseRun(library, procedure, region, db)
    try:
        for step in steps:
            run.run(replace(step, outcome=None))
    except Found as found:
        return found.finding
    except EndExample:
        return None
    finally:
        run.close()
    return None


def simplify(
    library: ProcedureSource,
    procedure: Procedure,
    region: str,
    finding: Finding,
    seconds: float,
    db: Database | None = None,
) -> Finding:
    """Make hypothesis' counterexample shorter where it could not: drop the refused steps (a refusal
    changes nothing), then each other step, keeping every removal after which the same property
    still breaks at the last step. Stops after `seconds`."""
    deadline = time.monotonic() + seconds

    def same(got: Finding | None) -> bool:
        return got is not None and got.invariant == finding.invariant

    steps = finding.steps
    last = len(steps) - 1
    quiet = tuple(s for i, s in enumerate(steps) if i == last or s.outcome in (None, "ok"))
    if len(quiet) < len(steps):
        got = replay(library, procedure, region, quiet, db)
        if same(got) and got is not None:
            finding, steps = got, got.steps
    i = len(steps) - 2
    while i >= 1 and time.monotonic() < deadline:
        candidate = steps[:i] + steps[i + 1 :]
        got = replay(library, procedure, region, candidate, db)
        if same(got) and got is not None and len(got.steps) <= len(candidate):
            finding, steps = got, got.steps
        i = min(i - 1, len(steps) - 2)
    return finding


def reproduces(library: ProcedureSource, scenario_text: str) -> tuple[bool, str]:
    """Run a scenario text through engine.proving.scenarios: (True, the failure) when it fails as it should."""
    from engine.proving.scenarios import load_scenarios, run_scenario

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "counterexample.yaml"
        path.write_text(scenario_text, encoding="utf-8")
        try:
            scenarios = load_scenarios(path)
            results = [run_scenario(s, library) for s in scenarios]
        except Exception as exc:  # a crash of the runner reproduces a crash
            return True, f"{type(exc).__name__}: {exc}"
    failures = [r.failure or "" for r in results if not r.ok]
    if failures:
        return True, failures[0].replace(str(path), "counterexample.yaml")
    return False, "every step passed"
