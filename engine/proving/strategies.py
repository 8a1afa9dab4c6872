"""Hypothesis strategies generated from a procedure: the next step of a case, given where it is.

Owns: `Explorer` (built once per procedure: the literals its guards compare each text fact and
claim field with, the facts each action's guards read, the holiday and make-up-day anchors of the
covered years) and its steps: `open_step`, `next_step` (mostly a permitted action by a permitted
role, sometimes an action or role that is not permitted, an attachment of submitted documents, or
a deadline scan). Its draws are inherited: effective dates from `StepDates`
(engine.proving.step_dates), fact values of the declared types from `FactValues`
(engine.proving.fact_values).
Guidance (given the coverage of earlier examples): most steps are guided towards the stage this case
has not reached that earlier examples reached least often (`Guidance` in engine.proving.guidance:
the stage graph, the actions that make false guards hold; `guided_step` in engine.proving.guided_steps).
The other steps are drawn as without guidance, so forbidden actions, wrong roles and odd dates stay.
Draws go through `hypothesis.strategies.DataObject`, so hypothesis shrinks a counterexample.
Stage in the flow: rule authors' checks (engine.proving.checker).
May import: engine.procedures.model, engine.expr (node types), engine.cases.guards, engine.cases.facts,
engine.proving.steps, engine.proving.invariants (Observed), engine.proving.author (context_of),
engine.proving.step_dates, engine.proving.fact_values, engine.proving.guided_steps, hypothesis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from hypothesis import strategies as st

from engine.cases.facts import with_defaults
from engine.cases.guards import guard_names
from engine.expr import Scope, evaluate, walk
from engine.expr.nodes import Attr, Call, Compare, Expr, In, ListLit, Literal, Name, Quantifier
from engine.procedures.model import Check, Procedure
from engine.proving.author import context_of
from engine.proving.fact_values import FactValues
from engine.proving.guided_steps import GuidedSteps
from engine.proving.invariants import Observed
from engine.proving.step_dates import StepDates
from engine.proving.steps import Step

#: percent of the steps that are guided towards a stage no example reached yet (the others are drawn
#: as without guidance), and towards the least reached one once every stage reachable from here was
GUIDED = 80
GUIDED_LATER = 25


def _checks(procedure: Procedure) -> list[Check]:
    out = list(procedure.invariants)
    for a in procedure.actions.values():
        out += list(a.when) + [c for _, c in a.produces_when] + [c for _, c in a.sets]
    out += [d.when for d in procedure.deadlines.values() if d.when is not None]
    return out


def _literal_values(e: Expr) -> list[Any]:
    if isinstance(e, Literal):
        return [e.value]
    if isinstance(e, ListLit):
        return [i.value for i in e.items if isinstance(i, Literal)]
    return []


class Explorer(FactValues, StepDates, GuidedSteps):
    """What to try on one procedure (built once; every draw reads the case's observed state)."""

    def __init__(self, procedure: Procedure, calendar: Any, codes: Any | None) -> None:
        super().__init__(procedure, calendar)
        self.codes = codes
        self.literals: dict[str, list[Any]] = {}
        self.claim_fields: dict[str, list[Any]] = {}
        claim_vars: set[str] = set()
        for check in _checks(procedure):
            for node in walk(check.expr):
                if isinstance(node, Quantifier):
                    claim_vars.add(node.var)
        for check in _checks(procedure):
            for node in walk(check.expr):
                pairs: list[tuple[Expr, Expr]] = []
                if isinstance(node, Compare):
                    pairs = [(node.left, node.right), (node.right, node.left)]
                elif isinstance(node, In):
                    pairs = [(node.item, node.container)]
                elif isinstance(node, Attr) and isinstance(node.value, Name) and node.value.id in claim_vars:
                    self.claim_fields.setdefault(node.attr, [])
                for subject, other in pairs:
                    values = [v for v in _literal_values(other) if v is not None]
                    if isinstance(subject, Name) and subject.id in procedure.facts:
                        self.literals.setdefault(subject.id, []).extend(values)
                    elif isinstance(subject, Attr) and isinstance(subject.value, Name):
                        self.claim_fields.setdefault(subject.attr, []).extend(values)
        #: facts some action `sets:` are the engine's to keep (a hearing scheduled, a defence period):
        #: the checker never supplies them by hand
        self.managed = {fid for a in procedure.actions.values() for fid, _ in a.sets}
        self.reads: dict[str, list[str]] = {}
        self.read_anywhere: set[str] = set()
        for a in procedure.actions.values():
            names: list[str] = []
            for check in (*a.when, *(c for _, c in a.sets)):
                for node in walk(check.expr):
                    if (
                        isinstance(node, Name)
                        and node.id in procedure.facts
                        and node.id not in names
                        and node.id not in self.managed
                    ):
                        names.append(node.id)
            self.read_anywhere.update(names)
            self.reads[a.id] = [n for n in names if n in a.accepts]  # it refuses any other fact
        #: the facts opening a case takes (`opening: true`)
        self.opening = [f.id for f in procedure.facts.values() if f.opening and f.id not in self.managed]
        #: what an action's guards compare `at` with (the hearing day, `add_workdays(suspended_on, 3)`):
        #: effective dates are tried on those bounds and the day after
        self.at_bounds: dict[str, list[Expr]] = {}
        for a in procedure.actions.values():
            for check in a.when:
                for node in walk(check.expr):
                    if isinstance(node, Compare):
                        for x, y in ((node.left, node.right), (node.right, node.left)):
                            if isinstance(x, Name) and x.id == "at":
                                self.at_bounds.setdefault(a.id, []).append(y)
        self.anchors = self._anchors()
        self.enables = self._enables()
        self.blocks = self._blocks()
        #: actions that start, pause or restart a clock: tried right before a holiday block
        self.clock_actions = {
            a
            for d in procedure.deadlines.values()
            for a in (*d.starts_on, *d.pauses_on, *d.restarts_on)
            if a in procedure.actions
        }
        self.submitted = sorted(d.id for d in procedure.documents.values() if d.kind == "submitted")
        self.roles = sorted(procedure.roles)

    # ------------------------------------------------------------------ steps

    def open_step(self, data: st.DataObject) -> Step:
        day = self.open_date(data)
        ids = [f for f in ("claim_amount",) if f in self.opening]
        # the opening facts a guard reads (`workers` for a collective case), and those without a default
        required = [
            f
            for f in self.opening
            if f in self.read_anywhere
            or (not self.procedure.facts[f].has_default and self.procedure.facts[f].type != "date")
        ]
        extra = (
            data.draw(st.lists(st.sampled_from(required), max_size=3, unique=True), label="open facts")
            if required
            else []
        )
        return Step("open", day, facts=self.facts(data, list(dict.fromkeys(ids + extra)), day))

    def next_step(
        self,
        data: st.DataObject,
        obs: Observed,
        day: dt.date,
        refused: Mapping[str, int] | None = None,
        visited: AbstractSet[str] = frozenset(),
        counts: Mapping[str, int] | None = None,
        shift: int = 0,
    ) -> Step:
        """The next step. Permitted actions are ordered for hypothesis (it favours the first): not yet
        done in this case first; those whose guard is false on the stored facts, and those refused
        (more often) since the case last changed, last.

        With `counts` (in how many earlier examples each stage was reached), most permitted steps are
        guided (`guided_step`): towards the stage this case has not `visited` that earlier examples
        reached least often, with facts and a date that make the action's guards hold. The other
        steps stay random: forbidden actions, wrong roles, odd dates, attachments and scans."""
        proc = self.procedure
        if counts is not None and not proc.stages[obs.view.stage].final:
            goals = self.goals(obs, visited, counts)
            # hard towards a stage no example reached yet; once every stage has been, mostly random
            share = GUIDED if goals and counts.get(goals[0], 0) == 0 else GUIDED_LATER
            if data.draw(st.integers(0, 99), label="towards a rarely reached stage") < share:
                action = self.guided_action(data, obs, day, visited, counts, shift, refused)
                if action is not None:
                    return self.guided_step(data, obs, day, action)
        kind = data.draw(st.integers(0, 99), label="step kind")
        here = sorted(
            (a for a in proc.actions if obs.view.stage in proc.actions[a].sources),
            key=lambda a: (
                self._blocked(a, obs, day),
                (refused or {}).get(a, 0),
                obs.fired.get(a, 0) > 0,
                -self.enables.get(a, 0),
                *self._progress(a),
            ),
        )
        closing = [a for a in here if self._progress(a)[0] == 3]
        moving = [a for a in here if a not in closing]
        if kind >= 90:
            return Step("tick", self.next_date(data, obs, day, prefer_jump=True))
        if kind >= 80 and self.submitted:
            at = self.next_date(data, obs, day)
            chosen = data.draw(
                st.lists(st.sampled_from(self._wanted_documents(obs)), min_size=1, max_size=3, unique=True),
                label="documents",
            )
            role = "clerk" if "clerk" in proc.roles else self.roles[0]
            return Step("attach", at, role=role, documents=tuple(chosen))
        if kind >= 75 or not here:  # not necessarily permitted: must be refused with a code, never crash
            action = data.draw(st.sampled_from(sorted(proc.actions)), label="any action")
            role = data.draw(st.sampled_from(self.roles), label="any role")
        else:
            pool = closing if (kind >= 70 and closing) or not moving else moving
            if data.draw(st.integers(0, 99), label="the most promising action") < 50:
                action = pool[0]  # not done yet, guards hold, moves the case on
            else:
                action = data.draw(st.sampled_from(pool), label="action")
            role = data.draw(st.sampled_from(sorted(proc.actions[action].roles)), label="role")
        at = self._action_date(data, obs, day, action)
        spec = proc.actions[action]
        ids = list(spec.needs)
        for fid in self.reads.get(action, []):
            if fid not in ids and data.draw(st.integers(0, 99), label=f"give {fid}") < 20:
                ids.append(fid)
        if spec.accepts and data.draw(st.integers(0, 99), label="another fact") < 8:
            ids.append(data.draw(st.sampled_from(spec.accepts), label="which fact"))
        facts = self.facts(data, list(dict.fromkeys(ids)), at)
        on_file = {d.document_id for d in obs.view.documents}
        missing = [d for d in spec.requires if d not in on_file and proc.documents[d].kind == "submitted"]
        docs: tuple[str, ...] = ()
        if missing and data.draw(st.integers(0, 99), label="bring documents") < 70:
            docs = tuple(missing)
        return Step("do", at, action=action, role=role, facts=facts, documents=docs)

    def _enables(self) -> dict[str, int]:
        """For each action, how many guards of other actions wait for it: `times_fired('it')`, or a fact
        it `sets:` (a hearing scheduled before it is held). Those actions are tried first."""
        proc = self.procedure
        out: dict[str, int] = {}
        for other in proc.actions.values():
            for check in other.when:
                for node in walk(check.expr):
                    if isinstance(node, Call) and node.func == "times_fired" and node.args:
                        arg = node.args[0]
                        if (
                            isinstance(arg, Literal)
                            and str(arg.value) in proc.actions
                            and arg.value != other.id
                        ):
                            out[str(arg.value)] = out.get(str(arg.value), 0) + 1
                    elif isinstance(node, Name):
                        for a in proc.actions.values():
                            if a.id != other.id and any(fid == node.id for fid, _ in a.sets):
                                out[a.id] = out.get(a.id, 0) + 1
        return out

    def _blocked(self, action_id: str, obs: Observed, day: dt.date) -> bool:
        """Whether a guard of the action is false on the stored facts today (tried later, not never:
        the facts given with it may change that)."""
        checks = self.procedure.actions[action_id].when
        if not checks:
            return False
        facts = with_defaults(self.procedure, dict(obs.view.facts))
        names = guard_names(self.procedure, facts, day, obs.view.stage, obs.view.opened_on)
        context = context_of(self.procedure, obs, day, self.calendar)
        for check in checks:
            try:
                if not evaluate(check.expr, Scope(names, context)).value:
                    return True
            except Exception:  # a missing fact: it may come with the action
                continue
        return False

    def _progress(self, action_id: str) -> tuple[int, str]:
        """Actions that move a case on to an open stage first, closing ones last (hypothesis favours the
        first choices when it generates and when it shrinks)."""
        a = self.procedure.actions[action_id]
        if a.destinations and not all(self.procedure.stages[d].final for d in a.destinations):
            rank = 0
        elif a.stays:
            rank = 1
        elif a.returns:
            rank = 2
        else:
            rank = 3
        return (rank, action_id)

    def _wanted_documents(self, obs: Observed) -> list[str]:
        wanted = [
            d
            for a in self.procedure.actions.values()
            if obs.view.stage in a.sources
            for d in a.requires
            if d in self.submitted
        ]
        return list(dict.fromkeys([*wanted, *self.submitted]))
