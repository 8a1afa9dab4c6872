"""SpiffWorkflow (from PyPI) running bench/fixtures/arbitration.bpmn, the BPMN equivalent of the
national procedure's main path, with its workflow persisted the way its users do: after every step
the whole workflow is serialized (`BpmnWorkflowSerializer.serialize_json`) and written as one JSON
blob in a table, one transaction per step, on the same database engine set-up as zhongcai.

Two ways to drive it: `held` keeps the running workflow in memory between steps (the cheapest way,
used for the target ratio); `reload` is a stateless service as zhongcai is: every step reads the blob,
deserializes it, runs the task and writes the blob back, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState

from bench.systems import FIXTURES, STEPS
from engine import Database

META = sa.MetaData()
WORKFLOWS = sa.Table(
    "spiff_workflow",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("process_id", sa.String(64), nullable=False),
    sa.Column("completed", sa.Boolean, nullable=False),
    sa.Column("serialization", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
#: the data each user task receives (the facts the gateways and the model need)
TASK_DATA: dict[str, dict[str, Any]] = {
    "review": {"decision": "accept"},
    "deliver_award": {"sued": False},
}
#: zhongcai's "accept" is the BPMN review task that takes the accept branch of the gateway
TASK_OF = {"accept": "review"}


@functools.cache
def specs() -> tuple[Any, Any]:
    parser = BpmnParser()
    parser.add_bpmn_file(str(FIXTURES / "arbitration.bpmn"))
    return parser.get_spec("arbitration"), parser.get_subprocess_specs("arbitration")


@functools.cache
def serializer() -> BpmnWorkflowSerializer:
    return BpmnWorkflowSerializer()


def new_workflow() -> BpmnWorkflow:
    spec, subprocesses = specs()
    wf = BpmnWorkflow(spec, subprocesses)
    wf.do_engine_steps()
    return wf


def step(wf: BpmnWorkflow, action: str, facts: dict[str, Any] | None) -> None:
    name = TASK_OF.get(action, action)
    task = next(
        (t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == name), None
    )
    if task is None:
        raise RuntimeError(f"task {name} is not ready")
    task.data.update(TASK_DATA.get(name, {}))
    if facts:
        task.data.update(facts)
    task.run()
    wf.do_engine_steps()


class Store:
    def __init__(self, url: str) -> None:
        self.db = Database(url)
        META.create_all(self.db.engine)

    def insert(self, wf: BpmnWorkflow) -> int:
        with self.db.engine.begin() as conn:
            return int(
                conn.execute(
                    sa.insert(WORKFLOWS)
                    .values(
                        process_id="arbitration",
                        completed=wf.completed,
                        serialization=serializer().serialize_json(wf),
                        updated_at=dt.datetime.now(dt.UTC),
                    )
                    .returning(WORKFLOWS.c.id)
                ).scalar_one()
            )

    def save(self, wf_id: int, wf: BpmnWorkflow) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(
                sa.update(WORKFLOWS)
                .where(WORKFLOWS.c.id == wf_id)
                .values(
                    completed=wf.completed,
                    serialization=serializer().serialize_json(wf),
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )


def bpmn_steps() -> list[tuple[str, dict[str, Any] | None]]:
    """The walkthrough's steps as the BPMN model takes them: its one delivery task serves both parties
    (the national procedure records each party's receipt, which starts that party's own period)."""
    out: list[tuple[str, dict[str, Any] | None]] = []
    for _when, action, _role, facts, _docs in STEPS:
        if action == "deliver_award" and any(a == "deliver_award" for a, _ in out):
            continue
        out.append((action, facts))
    return out


def run_case(store: Store) -> None:
    wf = new_workflow()
    wf_id = store.insert(wf)
    for action, facts in bpmn_steps():
        step(wf, action, facts)
        store.save(wf_id, wf)
    if not wf.completed:
        raise RuntimeError("workflow did not complete")


def run_case_reload(store: Store) -> None:
    wf_id = store.insert(new_workflow())
    for action, facts in bpmn_steps():
        with store.db.engine.begin() as conn:
            blob = conn.execute(
                sa.select(WORKFLOWS.c.serialization).where(WORKFLOWS.c.id == wf_id)
            ).scalar_one()
            wf = serializer().deserialize_json(blob)
            step(wf, action, facts)
            conn.execute(
                sa.update(WORKFLOWS)
                .where(WORKFLOWS.c.id == wf_id)
                .values(
                    completed=wf.completed,
                    serialization=serializer().serialize_json(wf),
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )
    if not wf.completed:
        raise RuntimeError("workflow did not complete")


def complete_cases(url: str, n: int, variant: str = "held") -> float:
    store = Store(url)
    run = run_case_reload if variant == "reload" else run_case
    try:
        run(store)
        start = time.perf_counter()
        for _ in range(n):
            run(store)
        return time.perf_counter() - start
    finally:
        store.db.dispose()


def hold_cases(n: int) -> object:
    """Keep `n` open cases (workflows waiting at their first task) in memory, as a running service does
    between requests (persistence does not change what is held, so none here)."""
    return [new_workflow() for _ in range(n)]
