"""One case the checker explores: run on its own in-memory SQLite database, with the clock on each step's date.

Owns: `CaseRun` (opens the case, runs each step as engine.proving.scenarios runs a scenario step, and
after every step checks the built-in invariants (engine.proving.invariants), the guard checks and the
author's `invariants:` (engine.proving.author); the scheduler's catch-up scans, the refusals since the
case last changed), `Found` (a broken property, raised so hypothesis shrinks the example),
`EndExample` and `wipe`. Split out of engine.proving.checker, which drives the runs.
Stage in the flow: rule authors' checks (engine.proving.checker).
May import: engine.cases.runtime, engine.cases.casefile, engine.cases.clockwork, engine.oversight.scan,
engine.procedures.model, engine.store.db, engine.store.tables, engine.proving.author,
engine.proving.invariants, engine.proving.steps.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from engine.cases.casefile import Actor
from engine.cases.clockwork import calendar_for
from engine.cases.runtime import CaseService, ensure_institution
from engine.cases.versions import ProcedureSource
from engine.errors import BadInput, CalendarError, EventNotAllowed
from engine.oversight.scan import scan
from engine.procedures.model import Procedure
from engine.proving.author import author_violations, guard_violations, refused_guard_violation
from engine.proving.invariants import Observed, Violation, builtin_violations, observe
from engine.proving.steps import Finding, Step
from engine.store.db import Database
from engine.store.tables import metadata

SHANGHAI = ZoneInfo("Asia/Shanghai")
INSTITUTION = "checker"


class Found(Exception):
    """Raised inside an example when a property is broken (hypothesis then shrinks the example)."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.headline())
        self.finding = finding


class EndExample(Exception):
    """The example cannot go on (a deadline scan needs an uncovered year); nothing was found."""


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

    def fail(self, violation: Violation, step: Step) -> Found:
        steps = list(self.steps)
        if violation.last_as_do and steps and steps[-1].kind == "do":
            steps[-1] = steps[-1].ran("ok")
        return Found(
            Finding(violation.invariant, violation.message, tuple(steps), violation.tail, violation.comment)
        )

    def run(self, step: Step) -> bool:
        """Run one step and check every invariant; False when the step is left out (not applicable).
        Raises `Found` on a broken property."""
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
                raise EndExample from None
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
