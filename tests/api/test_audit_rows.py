"""The breach audit and back-dated report computed from stored rows (no runtime needed).

Rows are written directly, as the runtime would leave them, so the audit's reading of the
`deadline` rows and the events' clock operations is tested on its own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cases.listing import ListScope
from engine.oversight.audit import breach_audit
from engine.oversight.backdated import backdated_entries
from engine.oversight.breach_entries import breaches_csv
from engine.store.db import Database
from engine.store.tables import CaseRow, DeadlineRow, EventRow, InstitutionRow, SnapshotRow, UserRow

D = dt.date


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path: Path = tmp_path_factory.mktemp("audit") / "a.db"
    db = Database(f"sqlite:///{path}")
    db.init_db()
    with db.transaction() as s:
        s.add(InstitutionRow(id="nn", name="南宁市劳动人事争议仲裁委员会", region_code="450100"))
        s.add(InstitutionRow(id="sz", name="深圳市劳动人事争议仲裁委员会", region_code="440300"))
        s.flush()
        s.add(SnapshotRow(content_hash="h" * 64, procedure_id="arbitration", version="1", spec={}))
        s.add(UserRow(id=7, username="arb_nn", display_name="李仲裁", role="arbitrator", institution_id="nn"))
    return db


def _case(db: Database, inst: str, region: str, number: str) -> int:
    with db.transaction() as s:
        c = CaseRow(
            case_number=number,
            institution_id=inst,
            region_code=region,
            procedure_id="arbitration",
            procedure_version="1",
            procedure_hash="h" * 64,
            stage="accepted",
            facts={},
            opened_on=D(2026, 3, 2),
        )
        s.add(c)
        s.flush()
        assert c.id is not None
        return c.id


def _deadline(
    db: Database, case_id: int, inst: str, did: str, status: str, due: D | None, **kw: object
) -> None:
    with db.transaction() as s:
        s.add(
            DeadlineRow(
                case_id=case_id,
                deadline_id=did,
                title=kw.pop("title", did),  # type: ignore[arg-type]
                status=status,
                due_on=due,
                steps=[],
                clock={},
                institution_id=inst,
                statutory=True,
                basis="调解仲裁法第四十三条",
                **kw,  # type: ignore[arg-type]
            )
        )


def _event(
    db: Database,
    case_id: int,
    seq: int,
    action: str,
    role: str,
    on: D,
    ops: list[object],
    actor: str = "7",
    recorded: dt.datetime | None = None,
) -> None:
    with db.transaction() as s:
        s.add(
            EventRow(
                case_id=case_id,
                seq=seq,
                action=action,
                actor_id=actor,
                role=role,
                effective_on=on,
                recorded_at=recorded or dt.datetime.combine(on, dt.time(2, 0), dt.UTC),
                stage_before="accepted",
                stage_after="accepted",
                facts_changed={},
                clock_ops=ops,
                documents=[],
                prev_hash="0" * 64,
                hash=f"{case_id:032d}{seq:032d}",
            )
        )


@pytest.fixture(scope="module")
def cases(db: Database) -> dict[str, int]:
    running = _case(db, "nn", "450103", "桂南劳人仲案〔2026〕1号")
    _event(db, running, 1, "accept", "clerk", D(2026, 3, 2), [["award", "start", {}]], actor="99")
    _event(db, running, 2, "schedule_hearing", "arbitrator", D(2026, 3, 10), [])
    _event(
        db, running, 3, "extend_award_period", "director", D(2026, 4, 1), [["award", "extend", {"days": 15}]]
    )
    _deadline(
        db, running, "nn", "award", "running", D(2026, 5, 1), title="仲裁审理期限", responsible="arbitrator"
    )

    late_stop = _case(db, "nn", "450103", "桂南劳人仲案〔2026〕2号")
    _event(db, late_stop, 1, "accept", "clerk", D(2026, 3, 2), [["service", "start", {}]])
    _event(
        db,
        late_stop,
        2,
        "serve_respondent",
        "clerk",
        D(2026, 3, 20),
        [["service", "stop", {}]],
        actor="clerk_nn",
    )
    _deadline(db, late_stop, "nn", "service", "stopped", D(2026, 3, 9), responsible="clerk")

    in_time = _case(db, "nn", "450103", "桂南劳人仲案〔2026〕3号")
    _event(db, in_time, 1, "serve_respondent", "clerk", D(2026, 3, 5), [["service", "stop", {}]])
    _deadline(db, in_time, "nn", "service", "stopped", D(2026, 3, 9))

    paused = _case(db, "nn", "450103", "桂南劳人仲案〔2026〕4号")
    _deadline(db, paused, "nn", "award", "paused", None)

    foreign = _case(db, "sz", "440300", "深劳人仲案〔2026〕1号")
    _deadline(db, foreign, "sz", "award", "running", D(2026, 4, 20))
    _event(
        db,
        foreign,
        1,
        "accept",
        "clerk",
        D(2026, 1, 5),
        [],
        recorded=dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC),
    )
    return {
        "running": running,
        "late_stop": late_stop,
        "in_time": in_time,
        "paused": paused,
        "foreign": foreign,
    }


def test_running_deadline_breached_from_the_day_after_due(db: Database, cases: dict[str, int]) -> None:
    with db.read() as s:
        on_due = {e.key() for e in breach_audit(s, D(2026, 5, 1))}
        after = breach_audit(s, D(2026, 5, 4), institution_id="nn")
    assert (cases["running"], "award", D(2026, 5, 1)) not in on_due  # P10: breached from 00:00 next day
    entry = next(e for e in after if e.case_id == cases["running"])
    assert entry.days_overdue == 3
    assert entry.responsible_role == "arbitrator" and entry.responsible_staff == "李仲裁"
    assert [(n.op, n.on) for n in entry.clock_notes] == [("extend", D(2026, 4, 1))]
    assert entry.basis == "调解仲裁法第四十三条" and entry.institution_name.startswith("南宁")


def test_stopped_late_counts_until_its_stop(db: Database, cases: dict[str, int]) -> None:
    with db.read() as s:
        during = {e.case_id: e for e in breach_audit(s, D(2026, 3, 15))}
        later = {e.case_id: e for e in breach_audit(s, D(2026, 6, 1))}
    assert during[cases["late_stop"]].days_overdue == 6 and during[cases["late_stop"]].ended_on is None
    assert later[cases["late_stop"]].days_overdue == 11
    assert later[cases["late_stop"]].ended_on == D(2026, 3, 20)
    assert later[cases["late_stop"]].responsible_staff == "clerk_nn"
    assert cases["in_time"] not in later and cases["paused"] not in later


def test_scope_limits_to_region_or_institution(db: Database, cases: dict[str, int]) -> None:
    with db.read() as s:
        gx = {e.case_id for e in breach_audit(s, D(2026, 6, 1), scope=ListScope(region_prefix="45"))}
        sz = {e.case_id for e in breach_audit(s, D(2026, 6, 1), scope=ListScope(institution_id="sz"))}
        party = breach_audit(s, D(2026, 6, 1), scope=ListScope(case_ids=frozenset()))
    assert cases["foreign"] not in gx and cases["running"] in gx
    assert sz == {cases["foreign"]}
    assert party == []


def test_csv_has_a_header_and_a_row_per_breach(db: Database, cases: dict[str, int]) -> None:
    with db.read() as s:
        entries = breach_audit(s, D(2026, 6, 1))
    lines = breaches_csv(entries).splitlines()
    assert lines[0].startswith("case_number,institution_name,deadline_title,due_on,days_overdue")
    assert len(lines) == len(entries) + 1
    assert any("extend 2026-04-01 (extend_award_period)" in line for line in lines)


def test_backdated_report(db: Database, cases: dict[str, int]) -> None:
    with db.read() as s:
        found = backdated_entries(s, min_days=30)
        none = backdated_entries(s, min_days=60)
    assert [(e.case_id, e.days_back) for e in found] == [(cases["foreign"], 55)]
    assert none == []


@settings(max_examples=25)
@given(as_of=st.dates(D(2026, 1, 1), D(2026, 12, 31)))
def test_audit_is_monotone_for_running_deadlines(db: Database, cases: dict[str, int], as_of: D) -> None:
    """For a deadline still running, breached(as_of) iff due < as_of, and days overdue = as_of - due."""
    with db.read() as s:
        entries = {e.case_id: e for e in breach_audit(s, as_of)}
    due = D(2026, 5, 1)
    assert (cases["running"] in entries) == (as_of > due)
    if as_of > due:
        assert entries[cases["running"]].days_overdue == (as_of - due).days
