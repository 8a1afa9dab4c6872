"""Guidance for the checker's exploration: which action steers a case towards the stages it has not reached.

Owns: `Guidance`, the base of engine.proving.guided_steps' `GuidedSteps` and engine.proving.strategies'
`Explorer`: the stage graph and the distance of each stage to a goal stage, the goals (the stages this
case has not reached that earlier examples reached least often, `goals`), the actions on a shortest
way there (`towards`): the action that moves the case on, or, when its guards are false, the actions
that would make them hold (their `sets:`, `times_fired` and produced documents substituted into the
parsed guard and evaluated, never executed), duties first (actions ending a running deadline,
`duties`), and the action chosen (`guided_action`). The guided step itself (the documents, facts and
date of that action) is engine.proving.guided_steps'; the random draws it builds on (fact values,
effective dates) are `Explorer`'s. Split out of engine.proving.strategies, whose `Explorer` inherits
these methods.
Stage in the flow: rule authors' checks (engine.proving.checker).
May import: engine.procedures.model, engine.expr (node types), engine.cases.guards, engine.cases.facts,
engine.proving.invariants (Observed, successors), engine.proving.author (StoredCaseContext,
context_of), hypothesis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from hypothesis import strategies as st

from engine.cases.facts import check_facts, with_defaults
from engine.cases.guards import guard_names
from engine.expr import Scope, evaluate, walk
from engine.expr.nodes import Call, Literal, Name
from engine.procedures.model import Action, Check, Procedure
from engine.proving.author import StoredCaseContext, context_of
from engine.proving.invariants import Observed, successors

#: percent of the guided steps about to leave a stage that do one of its duties first
DUTIES = 90


class Guidance:
    """The stage graph of one procedure and the steps that lead a case towards a goal stage."""

    #: set by `Explorer` (engine.proving.strategies): facts an action `sets:`, the facts each
    #: action's guards read, the facts the checker may give by hand
    managed: set[str]
    reads: dict[str, list[str]]
    free: list[str]

    def __init__(self, procedure: Procedure, calendar: Any) -> None:
        self.procedure = procedure
        self.calendar = calendar
        #: the stage graph (`returns` goes back to any stage it can be entered from) and, per goal
        #: stage, how many stage changes each stage is away from it (computed when first asked)
        self.graph = {s: successors(procedure, s) for s in procedure.stages}
        self._distance_to: dict[str, dict[str, int]] = {}
        #: what doing each action changes that a guard may read (see `_reads`)
        self._touches: dict[str, set[tuple[str, str]]] = {
            a.id: {("name", fid) for fid, _ in a.sets}
            | {("fired", a.id)}
            | {("document", d) for d in a.produces}
            for a in procedure.actions.values()
        }
        self._check_reads: dict[int, set[tuple[str, str]]] = {}
        self._here: dict[str, list[str]] = {
            s: sorted(a for a, spec in procedure.actions.items() if s in spec.sources)
            for s in procedure.stages
        }

    # ------------------------------------------------------------------ draws (`Explorer`'s)

    def facts(self, data: st.DataObject, ids: list[str], day: dt.date) -> dict[str, Any]:
        """Values of these facts (drawn by `Explorer`)."""
        raise NotImplementedError

    def _action_date(self, data: st.DataObject, obs: Observed, day: dt.date, action: str) -> dt.date:
        """A random effective date for the action (drawn by `Explorer`)."""
        raise NotImplementedError

    def _bounds(
        self, obs: Observed, day: dt.date, action: str, given: Mapping[str, Any] | None = None
    ) -> list[dt.date]:
        """The dates the action's guards compare `at` with (computed by `Explorer`)."""
        raise NotImplementedError

    def _scope(
        self, obs: Observed, day: dt.date, given: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], StoredCaseContext]:
        """The names and guard context an action dated `day` would see, with the facts `given`."""
        facts = dict(obs.view.facts)
        if given:
            facts.update(check_facts(self.procedure, given))
        merged = with_defaults(self.procedure, facts)
        names = guard_names(self.procedure, merged, day, obs.view.stage, obs.view.opened_on)
        return names, context_of(self.procedure, obs, day, self.calendar)

    @staticmethod
    def _holds(check: Check, names: Mapping[str, Any], context: StoredCaseContext) -> bool:
        try:
            return evaluate(check.expr, Scope(names, context)).value is True
        except Exception:  # a missing fact, a date no calendar covers ...: not known to hold
            return False

    def distances(self, goal: str) -> dict[str, int]:
        """How many stage changes each stage is from `goal` in the stage graph (absent: never)."""
        got = self._distance_to.get(goal)
        if got is None:
            got = {goal: 0}
            frontier = [goal]
            while frontier:
                nxt: list[str] = []
                for stage, succ in self.graph.items():
                    if stage not in got and not self.procedure.stages[stage].final and succ & set(frontier):
                        got[stage] = got[frontier[0]] + 1
                        nxt.append(stage)
                frontier = nxt
            self._distance_to[goal] = got
        return got

    def goals(self, obs: Observed, visited: AbstractSet[str], counts: Mapping[str, int]) -> list[str]:
        """The stages this case has not reached and still can: those earlier examples reached least
        often first, then those whose way passes through the most stages no example reached (reached
        with it), then the nearest."""
        here = obs.view.stage
        ranked = [
            (self._rank(here, stage, visited, counts), stage)
            for stage in self.procedure.stages
            if stage not in visited and self.distances(stage).get(here)
        ]
        return [stage for _, stage in sorted(ranked)]

    def _rank(
        self, here: str, goal: str, visited: AbstractSet[str], counts: Mapping[str, int]
    ) -> tuple[int, int, int]:
        return (counts.get(goal, 0), -self._gain(here, goal, visited, counts), self.distances(goal)[here])

    def _gain(self, here: str, goal: str, visited: AbstractSet[str], counts: Mapping[str, int]) -> int:
        """How many stages no example reached yet a shortest way from `here` to `goal` passes through
        (the goal included; the best such way)."""
        far = self.distances(goal)
        best: dict[str, int] = {}
        for stage in sorted(far, key=far.__getitem__):
            new = int(stage not in visited and counts.get(stage, 0) == 0)
            steps = [best[t] for t in self.graph[stage] if far.get(t) == far[stage] - 1 and t in best]
            best[stage] = new + (max(steps) if steps else 0)
        return best.get(here, 0) - int(here not in visited and counts.get(here, 0) == 0)

    def _permitted_here(self, obs: Observed) -> list[str]:
        return self._here.get(obs.view.stage, [])

    def _reads(self, check: Check) -> set[tuple[str, str]]:
        """What a guard reads that an action can change: ("name", fact), ("fired", action) and
        ("document", id) (computed once per guard)."""
        got = self._check_reads.get(id(check))
        if got is None:
            got = set()
            for node in walk(check.expr):
                if isinstance(node, Name):
                    got.add(("name", node.id))
                elif isinstance(node, Call) and node.args and isinstance(node.args[0], Literal):
                    if node.func == "times_fired":
                        got.add(("fired", str(node.args[0].value)))
                    elif node.func == "has_document":
                        got.add(("document", str(node.args[0].value)))
            self._check_reads[id(check)] = got
        return got

    def _helps(
        self, check: Check, by: Action, obs: Observed, names: Mapping[str, Any], context: StoredCaseContext
    ) -> bool:
        """Whether doing `by` first would make the false `check` hold: its `sets:` values, one more
        `times_fired` and the documents it produces, substituted (evaluated, never executed). A fact
        `by` needs is tried with each value its guards compare it with (`recipient: 'applicant'`)."""
        literals: Mapping[str, list[Any]] = getattr(self, "literals", {})
        options: list[dict[str, Any]] = [{}]
        for fid in by.needs:
            values = [v for v in literals.get(fid, []) if v is not None][:4]
            if values:
                options = [{**o, fid: v} for o in options for v in values][:8]
        return any(self._helps_with(check, by, obs, {**names, **given}, context) for given in options)

    def _helps_with(
        self, check: Check, by: Action, obs: Observed, names: Mapping[str, Any], context: StoredCaseContext
    ) -> bool:
        after = dict(names)
        for fid, expr in by.sets:
            try:
                after[fid] = evaluate(expr.expr, Scope(dict(after), context), allow_unset=True).value
            except Exception:
                continue
        fired = dict(obs.fired)
        fired[by.id] = fired.get(by.id, 0) + 1
        then = StoredCaseContext(
            self.procedure,
            context.at,
            context.documents | set(by.produces),
            context.deadlines,
            fired,
            self.calendar,
            context.provisional,
        )
        return self._holds(check, after, then)

    def _unblock(
        self,
        action_id: str,
        obs: Observed,
        names: Mapping[str, Any],
        context: StoredCaseContext,
        depth: int,
        seen: frozenset[str],
    ) -> list[str]:
        """The action itself when no other action would make its false guards hold (its own facts and
        date may); else the actions permitted here that would (recursively), or [] when none can."""
        spec = self.procedure.actions[action_id]
        false = [c for c in spec.when if not self._holds(c, names, context)]
        helpers: list[str] = []
        for check in false:
            reads = self._reads(check)
            for other in self._permitted_here(obs):
                if (
                    other == action_id
                    or other in seen
                    or other in helpers
                    or not reads & self._touches[other]
                ):
                    continue
                if self._helps(check, self.procedure.actions[other], obs, names, context):
                    helpers.append(other)
        if not helpers:
            return [action_id]
        helpers.sort(key=lambda a: not self._due(a, obs))
        out: list[str] = []
        if depth > 0:
            for other in helpers:
                for a in self._unblock(other, obs, names, context, depth - 1, seen | {action_id}):
                    if a not in out:
                        out.append(a)
        return out

    def _due(self, action_id: str, obs: Observed) -> bool:
        """Whether the action ends a deadline that runs: a duty of the case (serving the respondent, not
        recording a posting never made), tried first among the actions that would unblock another."""
        return any(
            action_id in d.ends_on
            for d_id, d in self.procedure.deadlines.items()
            if (v := obs.view.deadlines.get(d_id)) is not None and v.status == "running"
        )

    def duties(
        self, obs: Observed, names: Mapping[str, Any], context: StoredCaseContext, leaving_by: str
    ) -> list[str]:
        """The actions permitted here that would end a running deadline that `leaving_by` does not
        end and that can be done now as the case stands (staying in this stage)."""
        out: list[str] = []
        for d_id, deadline in self.procedure.deadlines.items():
            view = obs.view.deadlines.get(d_id)
            if view is None or view.status != "running" or leaving_by in deadline.ends_on:
                continue
            for a in deadline.ends_on:
                spec = self.procedure.actions.get(a)
                if (
                    spec is not None
                    and spec.stays
                    and obs.view.stage in spec.sources
                    and a not in out
                    and not self._forcing(a, names, context)
                    and self._unblock(a, obs, names, context, 0, frozenset()) == [a]
                ):
                    out.append(a)
        return sorted(out)

    def towards(
        self, obs: Observed, names: Mapping[str, Any], context: StoredCaseContext, goal: str
    ) -> list[str]:
        """The actions to do now on a shortest way to `goal`: an action that moves the case one stage
        nearer, or what it waits for (a notice before the hearing, the copy served before the notice).
        `names` and `context` are the case's as it stands (`_scope`)."""
        far = self.distances(goal)
        here = obs.view.stage
        if here not in far:
            return []
        out: list[str] = []
        for a in self._permitted_here(obs):
            spec = self.procedure.actions[a]
            if spec.stays:
                continue
            nexts = [obs.returns_to] if spec.returns else list(spec.destinations)
            if not any(n is not None and far.get(n) == far[here] - 1 for n in nexts):
                continue
            for got in self._unblock(a, obs, names, context, 3, frozenset()):
                if got not in out:
                    out.append(got)
        # the case as it is first: actions whose guards need no fact changed by hand, then the duties
        out.sort(key=lambda a: (self._forcing(a, names, context), not self._due(a, obs)))
        return out

    def _forcing(self, action_id: str, names: Mapping[str, Any], context: StoredCaseContext) -> bool:
        """Whether a guard of the action is false on the case's facts, so the step would have to
        change a fact it does not need (`workers: 12` to send a collective notice in a case of one)."""
        spec = self.procedure.actions[action_id]
        for check in spec.when:
            if not self._holds(check, names, context) and any(
                isinstance(node, Name) and node.id in self.procedure.facts and node.id not in spec.accepts
                for node in walk(check.expr)
            ):
                return True
        return False

    def guided_action(
        self,
        data: st.DataObject,
        obs: Observed,
        day: dt.date,
        visited: AbstractSet[str],
        counts: Mapping[str, int],
        shift: int = 0,
        refused: Mapping[str, int] | None = None,
    ) -> str | None:
        """An action towards the first goal (`goals`, from the `shift`-th of those reached as rarely as
        the first: examples of one run aim at different stages) some action leads to now; None when
        none does."""
        goals = self.goals(obs, visited, counts)
        if goals:
            fewest = counts.get(goals[0], 0)
            tied = [g for g in goals if counts.get(g, 0) == fewest]
            lead = tied[shift % len(tied)]
            goals = [lead, *(g for g in goals if g != lead)]
        names, context = self._scope(obs, day)
        for goal in goals:
            # not an action refused twice since the case last changed: that way is blocked for now
            options = [a for a in self.towards(obs, names, context, goal) if (refused or {}).get(a, 0) < 2]
            if options and not self.procedure.actions[options[0]].stays:
                # before the case leaves this stage: its duties (serve the respondent, decide the
                # recusal ...) most of the time; the rest of the time it leaves them undone
                duties = self.duties(obs, names, context, options[0])
                if duties and data.draw(st.integers(0, 99), label="duties first") < DUTIES:
                    return data.draw(st.sampled_from(duties), label="which duty")
            if options:
                if len(options) == 1 or data.draw(st.integers(0, 99), label="the first way there") < 60:
                    return options[0]
                return data.draw(st.sampled_from(options), label="a way there")
        return None
