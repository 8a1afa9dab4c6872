"""The bare baseline a commission could write itself: the `transitions` library plus its own tables,
written with SQLAlchemy Core, on the same database engine set-up as zhongcai (engine.store.db.Database:
SQLite in WAL with synchronous=FULL and BEGIN IMMEDIATE, or PostgreSQL).

The states and transitions are generated from the compiled national procedure (every action, its
source stages and target; `stays` actions are internal transitions), with a role check as the only
condition. Per step, in one transaction: UPDATE the case row (stage, facts, version, optimistic
check), INSERT the event row, and INSERT/UPDATE the deadline rows the action starts, stops, restarts
or extends (due date = start + limit, working days skipping weekends only: no holiday calendar, no
explanation, no documents, no hash chain, no monitoring record). Two variants:
- `per_case`: one `Machine` per case, built when the case is opened and kept in memory (the usual
  approach in the library's documentation);
- `shared`: one `Machine` for all cases; each step reads the case row, adds the model, triggers,
  removes it (nothing held between steps).
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from typing import Any

import sqlalchemy as sa
from transitions import Machine

from bench.systems import OPENED_ON, STEPS
from bench.systems.zhongcai import library
from engine import Database
from engine.dates.periods import Period
from engine.demo.walkthrough import FACTS

META = sa.MetaData()
CASES = sa.Table(
    "bt_case",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("procedure_id", sa.String(64), nullable=False),
    sa.Column("stage", sa.String(64), nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
EVENTS = sa.Table(
    "bt_event",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("bt_case.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("actor_role", sa.String(40), nullable=False),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("stage_before", sa.String(64)),
    sa.Column("stage_after", sa.String(64), nullable=False),
    sa.Column("facts_changed", sa.JSON, nullable=False),
    sa.UniqueConstraint("case_id", "seq"),
)
DEADLINES = sa.Table(
    "bt_deadline",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("bt_case.id"), nullable=False),
    sa.Column("deadline_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date),
    sa.UniqueConstraint("case_id", "deadline_id"),
    sa.Index(
        "ix_bt_deadline_open_due",
        "due_on",
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    ),
)


def _add(start: dt.date, period: Period) -> dt.date:
    if period.unit == "workdays":
        d, left = start, period.n
        while left:
            d += dt.timedelta(days=1)
            if d.weekday() < 5:
                left -= 1
        return d
    if period.unit == "months":
        return start + dt.timedelta(days=30 * period.n)
    if period.unit == "years":
        return start + dt.timedelta(days=365 * period.n)
    return start + dt.timedelta(days=period.n)


@functools.cache
def spec() -> tuple[list[str], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """States, transitions and per-action deadline operations from the compiled national procedure."""
    proc = library().get("arbitration")
    states = list(proc.stages)
    transitions: list[dict[str, Any]] = []
    ops: dict[str, dict[str, Any]] = {}
    for a in proc.actions.values():
        if a.returns:
            continue
        roles = frozenset(a.roles)
        transitions.append(
            {
                "trigger": a.id,
                "source": list(a.sources),
                "dest": None if a.stays or a.target is None else a.target,
                "conditions": [lambda ev, roles=roles: ev.kwargs["role"] in roles],
            }
        )
    for name in ["open", *proc.actions]:
        starts = [(d.id, d.limit) for d in proc.deadlines.values() if name in d.starts_on and d.when is None]
        restarts = [(d.id, d.limit) for d in proc.deadlines.values() if name in d.restarts_on]
        ends = [d.id for d in proc.deadlines.values() if name in d.ends_on]
        extends = [d.id for d in proc.deadlines.values() if d.extension and d.extension.by == name]
        ops[name] = {"start": starts + restarts, "end": ends, "extend": extends}
    return states, transitions, ops


class CaseModel:
    """What a transitions user keeps per case: the id, the stage attribute and the facts."""

    def __init__(self, case_id: int, stage: str, version: int, facts: dict[str, Any]) -> None:
        self.id = case_id
        self.state = stage
        self.version = version
        self.facts = facts


def new_machine(model: Any, initial: str) -> Machine:
    states, transitions, _ = spec()
    return Machine(
        model=model,
        states=states,
        transitions=transitions,
        initial=initial,
        send_event=True,
        auto_transitions=False,
    )


class Store:
    def __init__(self, url: str) -> None:
        self.db = Database(url)
        META.create_all(self.db.engine)
        self.now = dt.datetime.now(dt.UTC)

    def open_case(self, conn: sa.Connection) -> int:
        facts = dict(FACTS)
        case_id = conn.execute(
            sa.insert(CASES)
            .values(
                procedure_id="arbitration",
                stage="received",
                facts=facts,
                version=1,
                opened_on=OPENED_ON,
                updated_at=self.now,
            )
            .returning(CASES.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(EVENTS).values(
                case_id=case_id,
                seq=1,
                action="open",
                actor_role="clerk",
                effective_on=OPENED_ON,
                recorded_at=self.now,
                stage_before=None,
                stage_after="received",
                facts_changed=facts,
            )
        )
        self.deadlines(conn, case_id, "open", OPENED_ON, {})
        return int(case_id)

    def deadlines(
        self, conn: sa.Connection, case_id: int, action: str, at: dt.date, facts: dict[str, Any]
    ) -> None:
        op = spec()[2][action]
        for deadline_id, limit in op["start"]:
            due = _add(at, limit)
            done = conn.execute(
                sa.update(DEADLINES)
                .where(DEADLINES.c.case_id == case_id, DEADLINES.c.deadline_id == deadline_id)
                .values(status="running", started_on=at, due_on=due)
            )
            if not done.rowcount:
                conn.execute(
                    sa.insert(DEADLINES).values(
                        case_id=case_id, deadline_id=deadline_id, status="running", started_on=at, due_on=due
                    )
                )
        if op["end"]:
            conn.execute(
                sa.update(DEADLINES)
                .where(DEADLINES.c.case_id == case_id, DEADLINES.c.deadline_id.in_(op["end"]))
                .values(status="stopped")
            )
        for deadline_id in op["extend"]:
            row = conn.execute(
                sa.select(DEADLINES.c.due_on).where(
                    DEADLINES.c.case_id == case_id, DEADLINES.c.deadline_id == deadline_id
                )
            ).first()
            if row is not None and row.due_on is not None:
                conn.execute(
                    sa.update(DEADLINES)
                    .where(DEADLINES.c.case_id == case_id, DEADLINES.c.deadline_id == deadline_id)
                    .values(due_on=row.due_on + dt.timedelta(days=int(facts.get("days", 0))))
                )

    def record(
        self,
        conn: sa.Connection,
        model: CaseModel,
        action: str,
        role: str,
        at: dt.date,
        before: str,
        facts: dict[str, Any] | None,
    ) -> None:
        if facts:
            model.facts = {**model.facts, **facts}
        done = conn.execute(
            sa.update(CASES)
            .where(CASES.c.id == model.id, CASES.c.version == model.version)
            .values(stage=model.state, facts=model.facts, version=model.version + 1, updated_at=self.now)
        )
        if done.rowcount != 1:
            raise RuntimeError("concurrent change")
        model.version += 1
        conn.execute(
            sa.insert(EVENTS).values(
                case_id=model.id,
                seq=model.version,
                action=action,
                actor_role=role,
                effective_on=at,
                recorded_at=self.now,
                stage_before=before,
                stage_after=model.state,
                facts_changed=facts or {},
            )
        )
        self.deadlines(conn, model.id, action, at, facts or {})


def _step(
    store: Store, model: CaseModel, action: str, role: str, at: dt.date, facts: dict[str, Any] | None
) -> None:
    before = model.state
    if not model.trigger(action, role=role):
        raise RuntimeError(f"{action} refused in {before}")
    with store.db.engine.begin() as conn:
        store.record(conn, model, action, role, at, before, facts)


def run_case_per_case(store: Store, held: dict[int, Any] | None = None) -> None:
    with store.db.engine.begin() as conn:
        case_id = store.open_case(conn)
    model = CaseModel(case_id, "received", 1, dict(FACTS))
    new_machine(model, "received")
    for when, action, role, facts, _docs in STEPS:
        if action == "attach":
            continue  # documents are not part of this baseline
        _step(store, model, action, role, when, facts)


@functools.cache
def shared_machine() -> Machine:
    states, transitions, _ = spec()
    return Machine(
        model=None,
        states=states,
        transitions=transitions,
        initial=states[0],
        send_event=True,
        auto_transitions=False,
    )


def run_case_shared(store: Store) -> None:
    machine = shared_machine()
    with store.db.engine.begin() as conn:
        case_id = store.open_case(conn)
    for when, action, role, facts, _docs in STEPS:
        if action == "attach":
            continue
        with store.db.engine.begin() as conn:
            row = conn.execute(
                sa.select(CASES.c.stage, CASES.c.version, CASES.c.facts).where(CASES.c.id == case_id)
            ).one()
            model = CaseModel(case_id, row.stage, row.version, dict(row.facts))
            machine.add_model(model, initial=row.stage)
            try:
                if not model.trigger(action, role=role):
                    raise RuntimeError(f"{action} refused in {row.stage}")
            finally:
                machine.remove_model(model)
            store.record(conn, model, action, role, when, row.stage, facts)


def complete_cases(url: str, n: int, variant: str) -> float:
    store = Store(url)
    run = run_case_shared if variant == "shared" else run_case_per_case
    try:
        run(store)
        start = time.perf_counter()
        for _ in range(n):
            run(store)
        return time.perf_counter() - start
    finally:
        store.db.dispose()


def hold_cases(n: int, variant: str) -> object:
    """Keep `n` open cases in memory as a running service does: per case a model and its own Machine,
    or models added to the one shared Machine (persistence does not change what is held, so none here)."""
    held: list[Any] = []
    machine = shared_machine() if variant == "shared" else None
    for i in range(n):
        model = CaseModel(i + 1, "received", 1, dict(FACTS))
        if machine is None:
            held.append((model, new_machine(model, "received")))
        else:
            machine.add_model(model, initial="received")
            held.append(model)
    return held, machine
