"""Monthly indicators: a generated history of cases, every indicator recomputed by hand from the
cases' dates and compared with `monthly_report` (SQLite, and PostgreSQL with the pg_url fixture)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import SQLModel

from engine.codes.code_tables import CodeTables
from engine.errors import BadInput
from engine.monitoring.indicators import Scope, indicator_spec, month_bounds, monthly_report
from engine.store.db import Database
from tests.monitoring_factory import SimCase, random_cases, store_cases
from tests.paths import ROOT

CODES = CodeTables.load(ROOT / "codes")
MONTH = "2026-03"


def _in_scope(c: SimCase, scope: Scope) -> bool:
    if scope.institution is not None and c.institution != scope.institution:
        return False
    prefix = scope.region_prefix()
    return prefix is None or c.region.startswith(prefix)


def by_hand(cases: list[SimCase], month: str, scope: Scope) -> dict[str, int | Decimal]:
    """Every measure of codes/indicators.yaml, from the definitions, without SQL."""
    start, nxt = month_bounds(month)
    cs = [c for c in cases if _in_scope(c, scope)]

    def inm(d: dt.date | None) -> bool:
        return d is not None and start <= d < nxt

    def pending(at: dt.date, online: bool = False) -> int:
        return sum(
            1
            for c in cs
            if c.accepted is not None
            and c.accepted < at
            and (c.closed is None or c.closed >= at)
            and (not online or c.channel.startswith("online"))
        )

    acc = [c for c in cs if inm(c.accepted)]
    closed = [c for c in cs if inm(c.closed)]
    v: dict[str, int | Decimal] = {
        "pending_start": pending(start),
        "received": sum(1 for c in cs if inm(c.opened)),
        "accepted": len(acc),
        "not_accepted": sum(1 for c in cs if inm(c.ended) and c.ended_closure == "not_accepted"),
        "closed": len(closed),
        "closed_mediation": sum(1 for c in closed if c.closure == "mediation"),
        "closed_award": sum(1 for c in closed if c.closure in ("award_final", "award_nonfinal")),
        "closed_award_final": sum(1 for c in closed if c.closure == "award_final"),
        "closed_other": sum(1 for c in closed if c.closure == "withdrawal"),
        "closed_on_time": sum(1 for c in closed if not c.breached),
        "pending_end": pending(nxt),
        "accepted_collective": sum(1 for c in acc if c.workers >= 10),
        "workers_involved": sum(c.workers for c in acc),
        "workers_collective": sum(c.workers for c in acc if c.workers >= 10),
        "amount_claimed": sum((c.claim for c in acc), Decimal("0.00")),
        "amount_awarded": sum((c.awarded for c in closed), Decimal("0.00")),
        "pending_start_online": pending(start, online=True),
        "accepted_online": sum(1 for c in acc if c.channel.startswith("online")),
    }
    v["handled"] = int(v["pending_start"]) + int(v["accepted"])
    v["handled_online"] = int(v["pending_start_online"]) + int(v["accepted_online"])
    return v


RATES = {
    "closure_rate": ("closed", ("pending_start", "accepted")),
    "mediation_success_rate": ("closed_mediation", ("closed",)),
    "final_award_rate": ("closed_award_final", ("closed_award",)),
    "on_time_closure_rate": ("closed_on_time", ("closed",)),
    "online_handling_rate": ("handled_online", ("handled",)),
}


def _history(seed: int) -> list[SimCase]:
    rng = random.Random(seed)
    return random_cases(rng, 400, dt.date(2025, 11, 1), dt.date(2026, 4, 20))


def _check(db: Database, cases: list[SimCase], scope: Scope) -> None:
    with db.engine.connect() as conn:
        report = monthly_report(conn, MONTH, CODES, scope=scope)
    expected = by_hand(cases, MONTH, scope)
    if scope == Scope():  # the generated month exercises every measure (no vacuous comparison)
        assert all(v for k, v in expected.items()), expected
    assert set(report.measures) == set(expected)
    for key, value in expected.items():
        assert report.measures[key] == value, key
    for key, (num, den) in RATES.items():
        rate = report.rates[key]
        assert rate.numerator == expected[num], key
        assert rate.denominator == sum(int(expected[d]) for d in den), key
        if rate.denominator:
            assert rate.value == pytest.approx(int(expected[num]) / int(rate.denominator))
        else:
            assert rate.value is None
    closed = {
        c.closure
        for c in cases
        if _in_scope(c, scope) and c.closed and month_bounds(MONTH)[0] <= c.closed < month_bounds(MONTH)[1]
    }
    assert set(report.closed_by_closure) == closed
    assert sum(report.closed_by_closure.values()) == expected["closed"]
    # the identity the national tables rely on: pending at the end = start + accepted - closed
    m = report.measures
    assert m["pending_end"] == int(m["pending_start"]) + int(m["accepted"]) - int(m["closed"])


@pytest.fixture(scope="module")
def sqlite_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, list[SimCase]]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('mon') / 'm.db'}")
    db.init_db()
    cases = _history(7)
    store_cases(db, cases)
    return db, cases


@pytest.mark.parametrize(
    "scope",
    [
        Scope(),
        Scope(region="110000"),
        Scope(region="440300"),
        Scope(region="510107"),
        Scope(institution="bj-hd"),
    ],
    ids=["all", "beijing", "shenzhen", "wuhou", "institution"],
)
def test_month_recomputed_by_hand_sqlite(
    sqlite_history: tuple[Database, list[SimCase]], scope: Scope
) -> None:
    db, cases = sqlite_history
    _check(db, cases, scope)


def test_month_recomputed_by_hand_postgres(pg_url: str) -> None:
    db = Database(pg_url)
    db.init_db()
    cases = _history(11)
    store_cases(db, cases)
    _check(db, cases, Scope())
    _check(db, cases, Scope(region="110000"))
    db.dispose()


@pytest.mark.parametrize("scope", [Scope(), Scope(region="110000"), Scope(institution="sz-ns")])
def test_breaches_of_the_month_are_counted(
    sqlite_history: tuple[Database, list[SimCase]], scope: Scope
) -> None:
    db, cases = sqlite_history
    start, nxt = month_bounds(MONTH)
    expected = sum(
        1
        for c in cases
        if c.breached
        and c.accepted
        and start <= c.accepted + dt.timedelta(days=45) < nxt
        and _in_scope(c, scope)
    )
    with db.engine.connect() as conn:
        report = monthly_report(conn, MONTH, CODES, scope=scope)
    assert sum(report.breaches.values()) == expected
    assert report.to_json()["breaches"]["total"] == expected
    if scope == Scope():
        assert expected > 0


def test_report_json_shows_numerator_denominator_and_formula(
    sqlite_history: tuple[Database, list[SimCase]],
) -> None:
    db, _ = sqlite_history
    with db.engine.connect() as conn:
        data = monthly_report(conn, MONTH, CODES).to_json()
    rate = data["rates"]["online_handling_rate"]
    assert rate["formula"] == "handled_online / (handled)"
    assert {"numerator", "denominator", "value", "title"} <= set(rate)
    assert "在线办案率" in rate["title"]


def test_a_changed_formula_is_followed(sqlite_history: tuple[Database, list[SimCase]]) -> None:
    db, cases = sqlite_history
    spec = indicator_spec()
    rates = dict(spec.rates)
    rates["closure_rate"] = rates["closure_rate"].model_copy(update={"denominator": ("accepted",)})
    changed = spec.model_copy(update={"rates": rates})
    with db.engine.connect() as conn:
        report = monthly_report(conn, MONTH, CODES, spec=changed)
    assert report.rates["closure_rate"].denominator == by_hand(cases, MONTH, Scope())["accepted"]


def test_bad_month_is_bad_input() -> None:
    with pytest.raises(BadInput, match="YYYY-MM"):
        month_bounds("2026-13")


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 60),
    month=st.sampled_from(["2025-12", "2026-01", "2026-02", "2026-05", "2026-09"]),
    scope=st.sampled_from([Scope(), Scope(region="440000"), Scope(institution="bj-cy")]),
)
def test_any_history_any_month_matches_the_definitions(seed: int, n: int, month: str, scope: Scope) -> None:
    db = Database("sqlite://")
    SQLModel.metadata.create_all(db.engine)
    cases = random_cases(random.Random(seed), n, dt.date(2025, 12, 1), dt.date(2026, 2, 28))
    store_cases(db, cases)
    with db.engine.connect() as conn:
        report = monthly_report(conn, month, CODES, scope=scope)
    assert report.measures == by_hand(cases, month, scope)
    for key, (num, den) in RATES.items():
        denominator = sum(int(report.measures[d]) for d in den)
        assert report.rates[key].value == (
            None if denominator == 0 else int(report.measures[num]) / denominator
        )
    db.dispose()
