"""The guided step: the action towards a goal stage, with the documents it requires, the facts it needs and a date its guards allow.

Owns: `GuidedSteps` (`guided_step`), built on engine.proving.guidance's `Guidance` (which action leads
towards a stage) and extended by engine.proving.strategies' `Explorer` (whose draws of fact values and
dates it uses): the action by one of its roles, now and then with an odd value of another fact its
guards read, on its own random date when the guards hold on it, else on the earliest date they hold
on; when no date does, the facts its false guards read are drawn again (`FACT_TRIES`).
Split out of engine.proving.guidance.
Stage in the flow: rule authors' checks (engine.proving.checker).
May import: engine.procedures.model, engine.expr (node types), engine.proving.steps,
engine.proving.invariants (Observed), engine.proving.guidance, hypothesis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from engine.expr import walk
from engine.expr.nodes import Name
from engine.procedures.model import Action
from engine.proving.guidance import Guidance
from engine.proving.invariants import Observed
from engine.proving.steps import Step

#: percent chance that a guided step also gives an odd value of a fact the action's guards read
ODD = 10
#: how many draws of an action's facts are tried for values under which its guards hold
FACT_TRIES = 4


class GuidedSteps(Guidance):
    """The guided step of `Explorer` (engine.proving.strategies)."""

    def guided_step(self, data: st.DataObject, obs: Observed, day: dt.date, action: str) -> Step:
        """The action by one of its roles, with the documents it requires and the facts it needs (and
        now and then an odd value of another fact its guards read, kept whatever it makes of them), on
        a date its guards allow: its own random date when they hold on it, else the earliest. When no
        date does, the facts its false guards read are drawn too, until the guards hold (`FACT_TRIES`
        draws; then the last one on a random date: refused, which is explored too)."""
        proc = self.procedure
        spec = proc.actions[action]
        role = data.draw(st.sampled_from(sorted(spec.roles)), label="role")
        odd = [
            fid
            for fid in self.reads.get(action, [])
            if fid not in spec.needs and data.draw(st.integers(0, 99), label=f"odd {fid}") >= 100 - ODD
        ]
        if spec.accepts and data.draw(st.integers(0, 99), label="another fact") >= 92:
            odd.append(data.draw(st.sampled_from(spec.accepts), label="which fact"))
        kept = self.facts(data, list(dict.fromkeys(odd)), day)
        ids = [fid for fid in spec.needs if fid not in kept]
        facts = {**kept, **self.facts(data, ids, day)}
        at = self._allowed_date(data, obs, day, spec, facts)
        if at is None:
            names, context = self._scope(obs, day)
            for check in spec.when:
                if not self._holds(check, names, context):
                    for node in walk(check.expr):
                        if (
                            isinstance(node, Name)
                            and node.id in proc.facts
                            and node.id not in self.managed
                            and node.id in spec.accepts
                            and node.id not in ids
                            and node.id not in kept
                        ):
                            ids.append(node.id)
            for _ in range(FACT_TRIES):
                facts = {**kept, **self.facts(data, ids, day)}
                at = self._allowed_date(data, obs, day, spec, facts)
                if at is not None:
                    break
        if at is None:
            at = self._action_date(data, obs, day, action)
        on_file = {d.document_id for d in obs.view.documents}
        docs = tuple(d for d in spec.requires if d not in on_file and proc.documents[d].kind == "submitted")
        return Step("do", at, action=action, role=role, facts=facts, documents=docs)

    def _allowed_date(
        self, data: st.DataObject, obs: Observed, day: dt.date, spec: Action, facts: Mapping[str, Any]
    ) -> dt.date | None:
        """A random effective date (`_action_date`: bounds, before a holiday, due dates, jumps) when the
        guards hold on it and no deadline expires before it with an action on expiry (about half the
        time), else the earliest date they hold on, or None."""
        if data.draw(st.integers(0, 99), label="a date of its own") >= 50:
            at = self._action_date(data, obs, day, spec.id)
            if any(
                v.status == "running"
                and v.due_on is not None
                and v.due_on < at
                and (d := self.procedure.deadlines.get(k)) is not None
                and d.on_expiry is not None
                for k, v in obs.view.deadlines.items()
            ):
                at = day  # the scan would act first on an expiry before it and change the case
            try:
                names, context = self._scope(obs, at, facts)
            except Exception:  # facts the engine would refuse (bad input)
                return None
            if all(self._holds(c, names, context) for c in spec.when):
                return at
        return self._guard_date(obs, day, spec, facts)

    def _guard_date(
        self, obs: Observed, day: dt.date, spec: Action, facts: Mapping[str, Any]
    ) -> dt.date | None:
        """The earliest of `day` and the dates the guards compare `at` with on which every guard of the
        action holds with these facts; None when there is none."""
        try:
            candidates = sorted({day, *self._bounds(obs, day, spec.id, facts)})
            for at in candidates:
                names, context = self._scope(obs, at, facts)
                if all(self._holds(c, names, context) for c in spec.when):
                    return at
        except Exception:  # facts the engine would refuse (bad input): not a satisfying draw
            return None
        return None
