"""Hypothesis strategies generated from a procedure: the next step of a case, given where it is.

Owns: `Explorer` (built once per procedure: the literals its guards compare each text fact and
claim field with, the facts each action's guards read, the holiday and make-up-day anchors of the
covered years) and its draws: `open_step`, `next_step` (mostly a permitted action by a permitted
role, sometimes an action or role that is not permitted, an attachment of submitted documents, or
a deadline scan), random non-decreasing effective dates that land on due dates, the day after,
date facts and holidays, and fact values of the declared types (money, int, decimal, bool, date,
text, code from codes/, claims lists) within their `min`/`max`.
Guidance (given the coverage of earlier examples): most steps are guided towards the stage this case
has not reached that earlier examples reached least often (`Guidance` in engine.proving.guidance,
which `Explorer` extends: the stage graph, the actions that make false guards hold, `guided_step`).
The other steps are drawn as without guidance, so forbidden actions, wrong roles and odd dates stay.
Draws go through `hypothesis.strategies.DataObject`, so hypothesis shrinks a counterexample.
Stage in the flow: rule authors' checks (engine.proving.checker).
May import: engine.procedures.model, engine.expr (node types), engine.codes.code_tables, engine.cases.guards, engine.cases.facts,
engine.proving.steps, engine.proving.invariants (Observed), engine.proving.author (context_of),
engine.proving.guidance, hypothesis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from engine.cases.facts import with_defaults
from engine.cases.guards import guard_names
from engine.expr import Scope, evaluate, walk
from engine.expr.nodes import Attr, Call, Compare, Expr, In, ListLit, Literal, Name, Quantifier
from engine.procedures.model import Check, Fact, Procedure
from engine.proving.author import context_of
from engine.proving.guidance import Guidance
from engine.proving.invariants import Observed
from engine.proving.steps import Step

FIRST_DAY = dt.date(2024, 1, 1)
#: effective dates stay inside the covered years; due dates may reach 2027 ("unknown" by design, P5)
LAST_DAY = dt.date(2026, 12, 31)
_MONEY = (0, 1, 500, 2520, 12000, 30240, 50000, 200000)
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


class Explorer(Guidance):
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

    def _anchors(self) -> list[dt.date]:
        """Holidays, make-up working days and year ends of the covered years (2024-2026)."""
        out: list[dt.date] = []
        day = FIRST_DAY
        while day <= LAST_DAY:
            try:
                note = self.calendar.day_note(day)
            except Exception:  # an uncovered year: no anchors there
                note = None
            if note is not None or (day.month == 12 and day.day == 31):
                out.append(day)
            day += dt.timedelta(days=1)
        return out or [FIRST_DAY]

    def _blocks(self) -> list[tuple[int, tuple[dt.date, ...]]]:
        """Each run of three or more days off in the covered years (New Year, Spring Festival, Labour
        Day, National Day ...) as (its length, the last three working days before it, make-up days
        included)."""
        out: list[tuple[int, tuple[dt.date, ...]]] = []
        day, run = FIRST_DAY, 0
        before: list[dt.date] = []
        while day <= LAST_DAY:
            try:
                working = bool(self.calendar.is_workday(day))
            except Exception:
                break
            if working:
                if run >= 3:
                    out.append((run, tuple(before[-3:])))
                    before = []
                run = 0
                before.append(day)
            else:
                run += 1
            day += dt.timedelta(days=1)
        return out

    def _before_holiday(self, data: st.DataObject, day: dt.date) -> dt.date | None:
        """One of the last working days before a coming holiday block (long blocks preferred)."""
        ahead = [b for b in self.blocks if b[1] and b[1][-1] >= day]
        if not ahead:
            return None
        long = [b for b in ahead if b[0] >= 7]
        pool = long if long and data.draw(st.integers(0, 99), label="a long holiday") < 70 else ahead
        _, days = data.draw(st.sampled_from(pool), label="holiday block")
        choices = [d for d in days if d >= day]
        return data.draw(st.sampled_from(choices), label="day before it") if choices else None

    # ------------------------------------------------------------------ values

    def fact_value(self, data: st.DataObject, fact: Fact, day: dt.date) -> Any:
        literals = [v for v in self.literals.get(fact.id, []) if v is not None]
        t = fact.type
        if t == "money":
            lo = Decimal(str(fact.min)) if fact.min is not None else Decimal(0)
            hi = Decimal(str(fact.max)) if fact.max is not None else Decimal(1_000_000)
            lo = max(lo, Decimal(0))
            pool = [Decimal(v) for v in _MONEY if lo <= v <= hi]
            got = data.draw(
                st.one_of(st.sampled_from(pool or [lo]), st.decimals(lo, hi, places=2)), label=fact.id
            )
            return got
        if t == "int":
            ilo = int(fact.min) if fact.min is not None else -1
            ihi = int(fact.max) if fact.max is not None else max(40, ilo + 1)
            ints: list[int] = [
                v for v in literals if isinstance(v, int) and not isinstance(v, bool) and ilo <= v <= ihi
            ]
            edges = sorted({ilo, min(ihi, ilo + 1), *ints, *[v + 1 for v in ints if v + 1 <= ihi]})
            return data.draw(st.one_of(st.sampled_from(edges), st.integers(ilo, ihi)), label=fact.id)
        if t == "decimal":
            dlo = Decimal(str(fact.min)) if fact.min is not None else Decimal(-10)
            dhi = Decimal(str(fact.max)) if fact.max is not None else Decimal(1000)
            return data.draw(
                st.one_of(
                    st.sampled_from([dlo, Decimal(0) if dlo <= 0 <= dhi else dlo]),
                    st.decimals(dlo, dhi, places=2),
                ),
                label=fact.id,
            )
        if t == "bool":
            return data.draw(st.booleans(), label=fact.id)
        if t == "date":
            offset = data.draw(st.integers(-20, 60), label=fact.id)
            return min(max(day + dt.timedelta(days=offset), FIRST_DAY), LAST_DAY)
        if t == "text":
            texts = list(dict.fromkeys([*(str(v) for v in literals), "", "其他"]))
            if "" in literals and data.draw(st.integers(0, 99), label=f"{fact.id} given") < 75:
                return "其他"  # a guard asks for the text to be given (`!= ''`): mostly it is
            return data.draw(st.sampled_from(texts), label=fact.id)
        if t == "code":
            codes = self._codes(fact, day)
            return data.draw(st.sampled_from(codes), label=fact.id) if codes else None
        if t == "texts":
            # mostly two names (a tribunal of three: the presiding arbitrator and two others), else 0-3
            n = 2 if data.draw(st.integers(0, 99), label=f"{fact.id} usual") < 70 else 0
            n = n or data.draw(st.integers(0, 3), label=f"{fact.id} count")
            return [f"{fact.title or fact.id}{i + 1}" for i in range(n)]
        if t == "claims":
            n = data.draw(st.integers(0, 3), label=f"{fact.id} count")
            return [self._claim(data, day) for _ in range(n)]
        return None

    def _codes(self, fact: Fact, day: dt.date) -> list[str]:
        if self.codes is None or fact.table is None or not self.codes.has(fact.table):
            return []
        return sorted(e.code for e in self.codes.table(fact.table) if e.valid_on(day))

    def _claim(self, data: st.DataObject, day: dt.date) -> dict[str, Any]:
        claim: dict[str, Any] = {"item": "请求事项"}
        for name, values in sorted(self.claim_fields.items()):
            strings = sorted({str(v) for v in values if isinstance(v, str)})
            if strings:
                claim[name] = data.draw(st.sampled_from([*strings, "other"]), label=f"claim {name}")
            elif name in ("final",) or any(isinstance(v, bool) for v in values):
                claim[name] = data.draw(st.booleans(), label=f"claim {name}")
            else:
                claim[name] = int(data.draw(st.sampled_from(_MONEY), label=f"claim {name}"))
        return claim

    def facts(self, data: st.DataObject, ids: list[str], day: dt.date) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for fid in ids:
            value = self.fact_value(data, self.procedure.facts[fid], day)
            if value is not None:
                out[fid] = value
        return out

    # ------------------------------------------------------------------ dates

    def open_date(self, data: st.DataObject) -> dt.date:
        if data.draw(st.integers(0, 99), label="open near a holiday") < 65:
            anchor = data.draw(st.sampled_from(self.anchors), label="anchor")
            day = anchor + dt.timedelta(days=data.draw(st.integers(-8, 8), label="offset"))
        else:
            span = (LAST_DAY - FIRST_DAY).days - 60
            day = FIRST_DAY + dt.timedelta(days=data.draw(st.integers(0, span), label="open day"))
        return min(max(day, FIRST_DAY), LAST_DAY)

    def next_date(
        self, data: st.DataObject, obs: Observed, day: dt.date, prefer_jump: bool = False
    ) -> dt.date:
        roll = data.draw(st.integers(0, 99), label="date")
        if prefer_jump:
            roll = 75 + roll // 4
        if roll < 45:
            return day
        if roll < 72:
            got = day + dt.timedelta(days=data.draw(st.integers(1, 7), label="days later"))
        elif roll < 90:
            targets = self._targets(obs, day)
            got = data.draw(st.sampled_from(targets), label="target date") if targets else day
        else:
            got = day + dt.timedelta(days=data.draw(st.integers(8, 60), label="days later"))
        return min(max(got, day), max(LAST_DAY, day))

    def _bounds(
        self, obs: Observed, day: dt.date, action: str, given: Mapping[str, Any] | None = None
    ) -> list[dt.date]:
        """The dates the action's guards compare `at` with, and the day after each (from `day` on),
        computed on the stored facts and the facts `given` with the step."""
        bounds: set[dt.date] = set()
        if action in self.at_bounds:
            names, context = self._scope(obs, day, given)
            for expr in self.at_bounds[action]:
                try:
                    value = evaluate(expr, Scope(names, context)).value
                except Exception:  # a bound that cannot be computed yet: no target
                    continue
                if isinstance(value, dt.date):
                    bounds |= {value, value + dt.timedelta(days=1)}
        return sorted(d for d in bounds if day <= d <= LAST_DAY)

    def _action_date(self, data: st.DataObject, obs: Observed, day: dt.date, action: str) -> dt.date:
        days = self._bounds(obs, day, action)
        if days and data.draw(st.integers(0, 99), label="on a bound its guard names") < 60:
            return data.draw(st.sampled_from(days), label="that day")
        if action in self.clock_actions and data.draw(st.integers(0, 99), label="before a holiday") < 30:
            got = self._before_holiday(data, day)
            if got is not None:
                return got
        return self.next_date(data, obs, day)

    def _targets(self, obs: Observed, day: dt.date) -> list[dt.date]:
        out: set[dt.date] = set()
        for v in obs.view.deadlines.values():
            if v.due_on is not None:
                out |= {v.due_on, v.due_on + dt.timedelta(days=1)}
        for fid, value in obs.view.facts.items():
            if isinstance(value, dt.date) and fid in self.procedure.facts:
                out |= {value, value + dt.timedelta(days=1)}
        out |= {
            a + dt.timedelta(days=k)
            for a in self.anchors
            if day <= a <= day + dt.timedelta(days=60)
            for k in (-1, 0, 1)
        }
        return sorted(d for d in out if day <= d <= LAST_DAY)

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
