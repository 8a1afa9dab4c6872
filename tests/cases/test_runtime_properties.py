"""Properties of the runtime for any sequence of actions (hypothesis), and unknown calendar years (P5).

After every attempted action the case is reloaded from the store: a refusal changed nothing, a
success added exactly one event, the stage is declared, no clock runs in a final stage, and the whole
case verifies (hash chain, monitoring records, deadline rows equal a replay of the events).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.errors import BadInput, CaseConflict, EventNotAllowed
from engine.oversight.scan import scan
from engine.oversight.verify import verify_case
from engine.store.tables import BreachRow, CaseRow
from tests.fixtures_runtime import MovableNow, load_mini, prepared_db

D = dt.date
ACTIONS = [
    "accept",
    "suspend",
    "resume",
    "extend",
    "amend",
    "award",
    "deliver",
    "take_effect",
    "withdraw",
    "nope",
]
ROLES = ["clerk", "director", "arbitrator", "applicant"]

step = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from(ROLES),
    st.integers(min_value=0, max_value=20),  # days after the previous step
    st.one_of(st.none(), st.integers(min_value=0, max_value=20)),  # an extension length
    st.booleans(),  # file the application with it
    st.booleans(),  # run the deadline scan after it
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_any_sequence_keeps_the_case_whole(tmp_path_factory: Any, steps: list[Any]) -> None:
    db = prepared_db(f"sqlite:///{Path(tmp_path_factory.mktemp('prop')) / 'p.db'}")
    library = load_mini()
    procedure = library.get("mini")
    now = MovableNow(D(2026, 3, 2))
    svc = CaseService(db, library, now=now)
    case_id = svc.open_case("mini", now.day, {"claim_amount": 1}, "inst", Actor("c", "clerk")).id
    for action, role, gap, days, with_doc, tick in steps:
        now.to(now.day + dt.timedelta(days=gap))
        before = svc.get(case_id)
        facts = {"days": days} if days is not None else None
        try:
            svc.fire(
                case_id,
                action,
                Actor("u", role),
                now.day,
                facts=facts,
                documents=["application"] if with_doc else None,
            )
        except (EventNotAllowed, BadInput):
            assert svc.get(case_id) == before, "a refusal changed the case"
        except CaseConflict:  # pragma: no cover - single writer
            raise
        else:
            after = svc.get(case_id)
            assert after.version == before.version + 1
            assert len(svc.history(case_id)) == after.version
        if tick:
            scan(svc, now.day)
        view = svc.get(case_id)
        assert view.stage in procedure.stages
        if procedure.stages[view.stage].final:
            assert all(d.status == "stopped" for d in view.deadlines.values()), view.deadlines
        with db.read() as s:
            case = s.get(CaseRow, case_id)
            assert case is not None
            assert verify_case(svc, s, case) == []
    db.dispose()


def test_a_due_date_in_a_year_without_its_notice_is_provisional(sqlite_url: str) -> None:
    """P5: accepted 2026-12-01, the award period ends in 2027, whose holidays are not published: the
    date is counted on the statutory days and marked provisional; its breach is provisional too."""
    db = prepared_db(sqlite_url)
    now = MovableNow(D(2026, 11, 30))
    svc = CaseService(db, load_mini(), now=now)
    case = svc.open_case("mini", D(2026, 11, 30), {}, "inst", Actor("c", "clerk"))
    # 2026-11-30 + 5 workdays stays in 2026: 12-01 .. 12-04, 12-07
    assert case.deadlines["acceptance"].due_on == D(2026, 12, 7)
    now.to(D(2026, 12, 1))
    svc.fire(case.id, "accept", Actor("c", "clerk"), D(2026, 12, 1), documents=["application"])
    award = svc.get(case.id).deadlines["award"]
    assert award.status == "running" and award.due_on == D(2027, 1, 15) and award.provisional
    assert award.note is None and any("暂定" in step for step in award.steps)
    assert award.shown() == "2027-01-15 provisional"
    now.to(D(2027, 3, 1))
    report = scan(svc, D(2027, 3, 1))
    assert report.breaches == [(case.id, "award", D(2027, 1, 15))]
    with db.read() as s:
        (breach,) = s.exec(select(BreachRow).where(BreachRow.case_id == case.id)).all()
    assert breach.provisional and breach.confirmed_on is None and breach.withdrawn_on is None
