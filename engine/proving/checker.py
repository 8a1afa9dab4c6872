"""`zhongcai procedures check`: prove a rule set by exploring it with hypothesis.

Owns: `check_procedure(library, procedure_id, ...) -> CheckReport` and `CaseRun` (one explored case
on its own in-memory SQLite database, with the clock set to each step's date, as engine.proving.scenarios
runs a scenario). Each hypothesis example opens a case and runs a random sequence of steps drawn by
engine.proving.strategies from the procedure itself; after every step the built-in invariants
(engine.proving.invariants), the guard checks and the author's `invariants:` (engine.proving.author)
must hold. The first broken property stops the example; hypothesis shrinks it; the smallest
counterexample seen is written as a scenario file (engine.proving.steps) and run again through
engine.proving.scenarios to confirm it reproduces. Exploration stops after `examples` examples or when the
time budget is spent (shrinking gets its own share of the budget). Examples come in hypothesis runs of
`ROUND` (the first run: one unguided example); each run is guided by the stages earlier runs reached
(fixed during a run, so hypothesis can replay and shrink). The report says which stages were reached,
in how many examples, and which stages the graph reaches that no example did.
Stage in the flow: rule authors' checks (DESIGN.md section 2, "rule authors prove their rule sets").
May import: engine.cases.runtime, engine.procedures.model, engine.store.db, engine.store.tables, engine.proving.scenarios, engine.cases.casefile, engine.cases.fact_bounds,
engine.cases.clockwork, engine.checker_* and hypothesis. Never Typer. `CheckReport` and `describe` live in
engine.proving.report and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from engine.cases.casefile import Actor
from engine.cases.clockwork import calendar_for
from engine.cases.fact_bounds import code_tables
from engine.cases.runtime import CaseService, ProcedureSource, ensure_institution
from engine.errors import BadInput, CalendarError, EventNotAllowed
from engine.oversight.scan import scan
from engine.procedures.model import Procedure
from engine.proving.author import author_violations, guard_violations, refused_guard_violation
from engine.proving.invariants import Observed, Violation, builtin_violations, observe, reachable
from engine.proving.report import CheckReport, describe  # noqa: F401  (re-exported)
from engine.proving.steps import Finding, Step, scenario_yaml
from engine.proving.strategies import Explorer
from engine.store.db import Database
from engine.store.tables import metadata

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_EXAMPLES = 200
DEFAULT_BUDGET = 60.0
DEFAULT_MAX_STEPS = 25
#: examples per hypothesis run: the coverage that guides exploration is updated between runs
ROUND = 5
SHIFTS = 5
INSTITUTION = "checker"


class _Found(Exception):
    """Raised inside an example when a property is broken (hypothesis then shrinks the example)."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.headline())
        self.finding = finding


class _EndExample(Exception):
    """The example cannot go on (a deadline scan needs an uncovered year); nothing was found."""


class _OutOfTime(BaseException):
    """Stops hypothesis when shrinking has used its share of the budget (not an `Exception`, so
    hypothesis does not take it for a failure of the example)."""


def default_region(procedure: Procedure, region: str | None) -> str:
    return region or procedure.region or "110000"


def wipe(db: Database) -> None:
    """Empty every table: the next example starts from the same empty store (ids restart at 1), and
    the engine keeps its compiled statements (a new database per example would compile them again)."""
    with db.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


class CaseRun:
    """One explored case on a fresh in-memory database; steps run with the clock on their date."""

    def __init__(
        self, library: ProcedureSource, procedure: Procedure, region: str, db: Database | None = None
    ) -> None:
        self.procedure = procedure
        self.day = dt.date(2000, 1, 1)
        self.own_db = db is None
        self.db = Database("sqlite://") if db is None else db
        if db is None:
            metadata.create_all(self.db.engine)
        else:
            wipe(self.db)
        self.service = CaseService(self.db, library, now=self._now)
        ensure_institution(self.db, INSTITUTION, "测试劳动人事争议仲裁委员会", region, abbr="测")
        self.calendar = calendar_for(procedure, region)
        self.case_id: int | None = None
        self.steps: list[Step] = []
        self.obs: Observed | None = None
        #: coverage: stages reached and actions done (successfully) in this case
        self.stages: set[str] = set()
        self.actions: set[str] = set()
        #: expired deadlines the last scan found waiting (their on_expiry action refused with `deadline`)
        self._waiting: frozenset[str] = frozenset()

    def _now(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(12, 0), SHANGHAI)

    def catch_up(self, until: dt.date) -> None:
        """The scheduler is up: before a step dated `until`, the deadline scan runs on the day after each
        expiry of a deadline whose `on_expiry` fires an action (recorded as `tick` steps)."""
        for _ in range(20):
            assert self.obs is not None
            due = sorted(
                v.due_on + dt.timedelta(days=1)
                for k, v in self.obs.view.deadlines.items()
                if v.status == "running"
                and v.due_on is not None
                and v.due_on < until
                and (d := self.procedure.deadlines.get(k)) is not None
                and d.on_expiry is not None
            )
            due = [d for d in due if d >= self.day]
            if not due:
                return
            self.run(Step("tick", due[0]))

    def refused(self) -> dict[str, int]:
        """How often each action was refused since the case last changed stage or facts."""
        out: dict[str, int] = {}
        stage = self.obs.view.stage if self.obs is not None else None
        for s in reversed(self.steps):
            if s.kind == "do" and s.outcome == "ok" and s.action is not None:
                spec = self.procedure.actions[s.action]
                if s.facts or spec.sets or (spec.target is not None and spec.target != stage):
                    break
            if s.kind == "do" and s.outcome not in ("ok", None) and s.action is not None:
                out[s.action] = out.get(s.action, 0) + 1
        return out

    def close(self) -> None:
        if self.own_db:
            self.db.dispose()

    def fail(self, violation: Violation, step: Step) -> _Found:
        steps = list(self.steps)
        if violation.last_as_do and steps and steps[-1].kind == "do":
            steps[-1] = steps[-1].ran("ok")
        return _Found(
            Finding(violation.invariant, violation.message, tuple(steps), violation.tail, violation.comment)
        )

    def run(self, step: Step) -> bool:
        """Run one step and check every invariant; False when the step is left out (not applicable).
        Raises `_Found` on a broken property."""
        self.day = step.at
        proc = self.procedure
        if step.kind == "open":
            try:
                view = self.service.open_case(
                    proc.id, step.at, dict(step.facts), INSTITUTION, Actor("checker:clerk", "clerk")
                )
            except (EventNotAllowed, BadInput, CalendarError):
                return False
            self.case_id = view.id
            self.steps.append(step.ran("ok"))
            self._check(None, step, "ok")
            return True
        assert self.case_id is not None and self.obs is not None
        before = self.obs
        actor = Actor(f"checker:{step.role}", step.role or "clerk")
        outcome = "ok"
        guard: str | None = None
        self._waiting = frozenset()
        try:
            if step.kind == "attach":
                self.service.attach(self.case_id, list(step.documents), step.at, actor)
            elif step.kind == "tick":
                report = scan(self.service, step.at)
                # waiting for another period, or held on a provisional due date (P5)
                self._waiting = frozenset(
                    [k for c, k, _ in report.waiting if c == self.case_id]
                    + [k for c, k, _, _ in report.held if c == self.case_id]
                )
                outcome = "tick"
            else:
                assert step.action is not None
                self.service.fire(
                    self.case_id, step.action, actor, step.at, dict(step.facts), list(step.documents) or None
                )
        except EventNotAllowed as refusal:
            outcome = refusal.code
            guard = refusal.details.get("guard") if isinstance(refusal.details, dict) else None
        except (BadInput, CalendarError):
            if step.kind == "tick":
                # the scan met a year no calendar covers (P5; e.g. an on_expiry action counting working
                # days into 2027): unknown by design, not a finding; this example ends here
                raise _EndExample from None
            # not expressible as a scenario step (bad input, or an uncovered year, P5): must change nothing
            after = observe(self.service, self.case_id)
            if after.view != before.view:
                self.steps.append(step.ran("ok"))
                raise self.fail(
                    Violation("refusal_changed_nothing", f"'{step.action}' failed but the case changed"), step
                ) from None
            return False
        except Exception as exc:  # anything else is a bug: a refusal must say why, never crash
            self.steps.append(step.ran("error"))
            raise self.fail(
                Violation(
                    "exception",
                    f"{step.kind} {step.action or ''} raised {type(exc).__name__}: {exc}",
                    last_as_do=True,
                ),
                step,
            ) from None
        recorded = step.ran("ok" if outcome == "tick" else outcome)
        self.steps.append(recorded)
        self._check(before, recorded, outcome, guard)
        return True

    def _check(self, before: Observed | None, step: Step, outcome: str, guard: str | None = None) -> None:
        assert self.case_id is not None
        after = observe(self.service, self.case_id, verify=outcome in ("ok", "tick"))
        self.obs = after
        self.stages.add(after.view.stage)
        if outcome == "ok" and step.kind == "do" and step.action is not None:
            self.actions.add(step.action)
        proc, cal = self.procedure, self.calendar
        found = builtin_violations(
            proc, cal, before, after, outcome, step.at if outcome == "tick" else None, self._waiting
        )
        if not found and outcome not in ("ok", "tick") and before is not None and step.action is not None:
            refused = refused_guard_violation(proc, before, step.action, step.facts, step.at, cal, guard)
            found = [refused] if refused is not None else []
        if not found:
            found = guard_violations(proc, after, step.at, cal)
        if not found:
            found = author_violations(proc, after, step.at, cal)
        if found:
            raise self.fail(found[0], step)


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
        except _EndExample:
            pass
        except _Found as found:
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
        except (_Found, _OutOfTime):
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
    except _Found as found:
        return found.finding
    except _EndExample:
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
