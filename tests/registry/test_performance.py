"""The performance figures (engine.registry.performance) equal a hand computation over a generated
quarter, on SQLite and on PostgreSQL; the edge cases of their definitions; the definitions file is
checked with located diagnostics; the training targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from engine.codes.code_tables import CodeTables
from engine.errors import BadInput
from engine.registry.performance import performance
from engine.registry.performance_report import Counts, PerformanceReport
from engine.registry.performance_spec import FIGURES, check_performance_config, performance_spec
from engine.registry.training import above_institution_level, training_shortfalls
from engine.store.db import Database
from tests.paths import ROOT
from tests.registry import performance_world as pw

DERIVED = ("on_time_rate", "average_days", "mediation_rate", "online_rate", "p90_days", "court_changed")


def _db(url: str = "sqlite://") -> Database:
    db = Database(url)
    SQLModel.metadata.create_all(db.engine)
    return db


@pytest.fixture(scope="module")
def world() -> tuple[Database, pw.World]:
    w = pw.generate()
    db = _db()
    pw.store(db.engine, w)
    return db, w


def _compare(report: PerformanceReport, expected: dict[tuple[str, int | None], dict]) -> None:
    got = {(r.institution_id, r.staff_id): r.counts for r in (*report.institutions, *report.arbitrators)}
    assert set(got) == set(expected)
    for key, want in expected.items():
        counts = got[key]
        for fig in FIGURES:
            assert counts.value(fig) == want[fig], (key, fig)
        assert counts.attributed == want["attributed"], key


def _check_all(db: Database, w: pw.World) -> None:
    for scope in ({}, {"institution_id": "nn-xx"}, {"region_prefix": "45"}, {"region_prefix": "110105"}):
        report = performance(db, start=pw.START, end=pw.END, **scope)
        _compare(report, pw.by_hand(w, **scope))
    later = performance(db, start=dt.date(2026, 2, 10), end=dt.date(2026, 4, 20))
    _compare(later, pw.by_hand(w, dt.date(2026, 2, 10), dt.date(2026, 4, 20)))


def test_every_figure_equals_the_hand_computation_sqlite(world: tuple[Database, pw.World]) -> None:
    db, w = world
    report = performance(db, start=pw.START, end=pw.END)
    assert len(report.arbitrators) >= 12 and sum(r.counts.handled for r in report.institutions) > 100
    assert any(r.counts.breaches for r in report.arbitrators)
    _check_all(db, w)


def test_every_figure_equals_the_hand_computation_postgres(pg_url: str) -> None:
    w = pw.generate(seed=11)
    db = _db(pg_url)
    try:
        pw.store(db.engine, w)
        _check_all(db, w)
        assert [(s.institution_id, s.staff_id, s.hours) for s in training_shortfalls(db, year=2026)] == (
            pw.training_by_hand(w, 2026)
        )
    finally:
        db.dispose()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_other_generated_quarters(seed: int) -> None:
    w = pw.generate(seed=seed, cases_per_institution=60)
    db = _db()
    pw.store(db.engine, w)
    _check_all(db, w)


def test_one_arbitrator_keeps_the_institution_rows(world: tuple[Database, pw.World]) -> None:
    db, w = world
    sid = w.staff[0]["id"]  # an arbitrator of two institutions: a row for each
    report = performance(db, start=pw.START, end=pw.END, staff_id=sid)
    assert {r.staff_id for r in report.arbitrators} == {sid}
    assert {r.institution_id for r in report.arbitrators} == {"nn-qx", "nn-xx"}
    full = pw.by_hand(w)
    for r in report.arbitrators:
        assert r.counts.handled == full[(r.institution_id, sid)]["handled"]
    assert {r.institution_id for r in report.institutions} == set(pw.INSTITUTIONS)


def _one_case_world(**case: object) -> tuple[Database, pw.World]:
    w = pw.World()
    w.staff.append({"id": 1, "institution_id": "nn-qx", "name": "黄志远"})
    w.appointments.append(pw._appt(1, "nn-qx", "arbitrator", dt.date(2024, 1, 1), None))
    base = pw.generate(seed=3, cases_per_institution=1).cases[0]
    base.update(institution_id="nn-qx", region_code="450103", facts={"presiding_arbitrator": "黄志远"})
    base.update(case)
    w.cases.append(base)
    db = _db()
    pw.store(db.engine, w)
    return db, w


def test_no_closed_case_gives_no_average_and_no_percentile() -> None:
    db, _w = _one_case_world(accepted_on=dt.date(2026, 1, 5), closed_on=None, closure=None)
    row = performance(db, start=pw.START, end=pw.END).arbitrator(1)
    assert row is not None
    c = row.counts
    assert (c.handled, c.closed, c.average_days, c.p90_days, c.on_time_rate, c.mediation_rate) == (
        1,
        0,
        None,
        None,
        None,
        None,
    )
    assert c.court_changed is None


def test_a_case_outside_the_period_is_not_handled() -> None:
    db, _w = _one_case_world(accepted_on=dt.date(2026, 4, 2), closed_on=None, closure=None)
    row = performance(db, start=pw.START, end=pw.END).arbitrator(1)
    assert row is not None and row.counts == Counts()


def test_a_case_closed_before_the_period_is_not_handled() -> None:
    db, w = _one_case_world(
        accepted_on=dt.date(2025, 11, 2), closed_on=dt.date(2026, 1, 10), closure="award_final"
    )
    # closed for the statistics on the award date (2025-12-21); the case row's closed_on is later
    w2 = pw.World()
    rec = {
        "case_id": w.cases[0]["id"],
        "event_seq": 9,
        "institution_id": "nn-qx",
        "region_code": "450103",
        "procedure_id": "arbitration",
        "action": "award",
        "stage_after": "awarded",
        "effective_on": dt.date(2025, 12, 21),
        "recorded_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "milestone": "closed",
        "accepted_on": dt.date(2025, 11, 2),
        "closure": "award_final",
        "on_time": False,
    }
    w2.records.append(rec)
    pw.store_rows(db.engine, w2)
    row = performance(db, start=pw.START, end=pw.END).arbitrator(1)
    assert row is not None and row.counts.handled == 0


def test_withdrawn_and_other_roles_breaches_do_not_count() -> None:
    db, w = _one_case_world(accepted_on=dt.date(2026, 1, 5), closed_on=None, closure=None)
    cid = w.cases[0]["id"]
    w2 = pw.World()
    for k, (resp, withdrawn, due) in enumerate(
        [
            ("arbitrator", None, dt.date(2026, 2, 1)),  # counts
            (None, None, dt.date(2026, 2, 2)),  # no role: the arbitrator's (counts)
            ("arbitrator", dt.date(2026, 3, 1), dt.date(2026, 2, 3)),  # withdrawn
            ("clerk", None, dt.date(2026, 2, 4)),  # the clerk's
            ("arbitrator", None, dt.date(2026, 4, 1)),  # due after the period
        ]
    ):
        w2.breaches.append(
            {
                "case_id": cid,
                "deadline_id": f"d{k}",
                "due_on": due,
                "detected_on": due,
                "institution_id": "nn-qx",
                "responsible": resp,
                "withdrawn_on": withdrawn,
            }
        )
    pw.store_rows(db.engine, w2)
    report = performance(db, start=pw.START, end=pw.END)
    row, inst = report.arbitrator(1), report.institution("nn-qx")
    assert row is not None and inst is not None
    assert (row.counts.breaches, inst.counts.breaches) == (2, 2)
    assert [t.measure for t in above_institution_level(report)] == []


def test_p90_is_the_nearest_rank() -> None:
    """Ten closures of 1..10 days: p90 = the 9th (⌈0.9 × 10⌉); eleven of 1..11: the 10th (⌈9.9⌉)."""
    for n, want in ((10, 9), (11, 10), (1, 1), (2, 2)):
        w = pw.World()
        w.staff.append({"id": 1, "institution_id": "nn-qx", "name": "黄志远"})
        w.appointments.append(pw._appt(1, "nn-qx", "arbitrator", dt.date(2024, 1, 1), None))
        template = pw.generate(seed=3, cases_per_institution=1).cases[0]
        for i in range(n):
            acc = dt.date(2026, 1, 2)
            w.cases.append(
                {
                    **template,
                    "id": i + 1,
                    "case_number": f"P{i}",
                    "institution_id": "nn-qx",
                    "region_code": "450103",
                    "facts": {"presiding_arbitrator": "黄志远"},
                    "accepted_on": acc,
                    "closed_on": acc + dt.timedelta(days=i + 1),
                    "closure": "mediation",
                }
            )
            w.records.append(
                {
                    "case_id": i + 1,
                    "event_seq": 1,
                    "institution_id": "nn-qx",
                    "region_code": "450103",
                    "procedure_id": "arbitration",
                    "action": "mediate",
                    "stage_after": "mediated",
                    "effective_on": acc + dt.timedelta(days=i + 1),
                    "recorded_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                    "milestone": "closed",
                    "accepted_on": acc,
                    "closure": "mediation",
                    "on_time": True,
                }
            )
        db = _db()
        pw.store(db.engine, w)
        row = performance(db, start=pw.START, end=pw.END).arbitrator(1)
        assert row is not None and row.counts.p90_days == want, n
        assert row.counts.average_days == (Decimal(n * (n + 1) // 2) / n).quantize(Decimal("0.01"))


def test_breaches_above_the_institution_level_are_targeted(world: tuple[Database, pw.World]) -> None:
    db, w = world
    report = performance(db, start=pw.START, end=pw.END)
    targets = above_institution_level(report)
    for t in targets:
        row, inst = report.arbitrator(t.staff_id, t.institution_id), report.institution(t.institution_id)
        assert row is not None and inst is not None
        assert row.counts.breaches * inst.counts.handled > inst.counts.breaches * row.counts.handled
        assert "高于本机构" in t.reason
    flagged = {(t.institution_id, t.staff_id) for t in targets}
    for r in report.arbitrators:
        inst = report.institution(r.institution_id)
        assert inst is not None
        above = (
            r.counts.breaches > 0
            and r.counts.breaches * inst.counts.handled > inst.counts.breaches * r.counts.handled
        )
        assert ((r.institution_id, r.staff_id) in flagged) == above
    assert targets, "the generated quarter has someone above the level"


def test_training_shortfalls_equal_the_hand_computation(world: tuple[Database, pw.World]) -> None:
    db, w = world
    for year in (2025, 2026, 2027):
        got = [(s.institution_id, s.staff_id, s.hours) for s in training_shortfalls(db, year=year)]
        assert got == pw.training_by_hand(w, year), year
    some = training_shortfalls(db, year=2026, institution_id="nn-qx")
    assert some and all(s.institution_id == "nn-qx" and s.missing == 40 - s.hours for s in some)


def test_json_and_csv(world: tuple[Database, pw.World]) -> None:
    db, _w = world
    report = performance(db, start=pw.START, end=pw.END, institution_id="nn-qx")
    data = report.to_json()
    assert set(data["definitions"]) == set(FIGURES)
    assert data["definitions"]["court_changed"]["counts"].count("None")
    first = data["arbitrators"][0]
    assert set(first["figures"]) == set(FIGURES) and first["figures"]["court_changed"] is None
    lines = report.to_csv().splitlines()
    assert lines[0].startswith("类别 (kind)") and "办理案件数 (cases handled)" in lines[0]
    assert len(lines) == 1 + len(report.institutions) + len(report.arbitrators)


def test_bad_period_and_region_are_bad_input(world: tuple[Database, pw.World]) -> None:
    db, _w = world
    with pytest.raises(BadInput):
        performance(db, start=pw.END, end=pw.START)
    with pytest.raises(BadInput):
        performance(db, start=pw.START, end=pw.END, region_prefix="45%")


def test_the_shipped_definitions_are_sound() -> None:
    assert check_performance_config() == []
    spec = performance_spec()
    assert list(spec.figures) == list(FIGURES)
    assert spec.training.min_hours == 40 and "arb-org-28" in spec.training.law
    assert "performance" not in CodeTables.load(ROOT / "codes").names()


def test_a_bad_definitions_file_is_reported_where_it_is_wrong(tmp_path: Path) -> None:
    text = (ROOT / "codes" / "performance.yaml").read_text(encoding="utf-8")
    path = tmp_path / "performance.yaml"
    path.write_text(text.replace("  closed:\n", "  closd:\n"), encoding="utf-8")
    (diag,) = check_performance_config(path)
    assert "unknown figure 'closd'" in diag.message and "did you mean 'closed'" in diag.message
    assert diag.span is not None and diag.span.path == str(path)

    path.write_text(
        text.replace("mediation_closure: mediation", "mediation_closure: mediaton"), encoding="utf-8"
    )
    (diag,) = check_performance_config(path)
    line = text.splitlines().index(next(ln for ln in text.splitlines() if "mediation_closure:" in ln)) + 1
    assert diag.span is not None and diag.span.line == line and "mediation" in diag.message

    path.write_text(text.replace("  percentile: 90", "  percentil: 90"), encoding="utf-8")
    (diag,) = check_performance_config(path)
    assert (
        diag.code == "E057" and "'percentil'" in diag.message and diag.span is not None and diag.span.line > 1
    )

    path.write_text(text.replace("law: [arb-org-28]", "law: [O 28]"), encoding="utf-8")
    (diag,) = check_performance_config(path)
    assert "corpus article id" in diag.message


def test_a_session_a_connection_or_a_database(world: tuple[Database, pw.World]) -> None:
    from sqlmodel import Session

    db, _w = world
    want = performance(db, start=pw.START, end=pw.END).to_json()
    with Session(db.engine) as session:
        assert performance(session, start=pw.START, end=pw.END).to_json() == want
    with db.engine.connect() as conn:
        assert performance(conn, start=pw.START, end=pw.END).to_json() == want
    with pytest.raises(TypeError):
        performance(object(), start=pw.START, end=pw.END)
