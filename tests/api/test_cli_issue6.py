"""`zhongcai audit breaches|backdated` and `zhongcai scheduler --once` on the seeded demo database."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cli import app
from tests.api.conftest import Demo


@pytest.fixture
def run(demo: Demo, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZHONGCAI_DATABASE_URL", demo.state.db.url)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_audit_breaches_json_agrees_with_the_api(run, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    result = run("audit", "breaches", "--as-of", "2026-11-28", "--json")
    assert result.exit_code == 1  # breaches are a finding
    data = json.loads(result.stdout)
    api = demo.client.get(
        "/v1/breaches", params={"as_of": "2026-11-28"}, headers={"Authorization": "Bearer demo-supervisor-gx"}
    ).json()
    gx = {(i["case_id"], i["deadline_id"]) for i in data["items"] if i["region_code"].startswith("45")}
    assert gx == {(i["case_id"], i["deadline_id"]) for i in api["items"]}
    assert all(i["basis"] and i["days_overdue"] > 0 for i in data["items"])


def test_audit_breaches_csv_and_a_clean_date(run) -> None:  # type: ignore[no-untyped-def]
    result = run("audit", "breaches", "--as-of", "2026-11-28", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.exit_code == 1 and rows and all(r["due_on"] < "2026-11-28" for r in rows)
    clean = run("audit", "breaches", "--as-of", "2025-01-01")
    assert clean.exit_code == 0 and "0 breach(es)" in clean.stdout
    bad = run("audit", "breaches", "--as-of", "28/11/2026")
    assert bad.exit_code == 2


def test_audit_backdated(run) -> None:  # type: ignore[no-untyped-def]
    result = run("audit", "backdated", "--json")
    assert result.exit_code == 1
    entries = json.loads(result.stdout)
    assert [(e["action"], e["effective_on"], e["days_back"]) for e in entries] == [
        ("serve_respondent", "2025-12-05", 46)
    ]
    assert run("audit", "backdated", "--min-days", "60").exit_code == 0


def test_scheduler_once_is_idempotent(run, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import func, select

    from engine.store.tables import BreachRow

    def count() -> int:
        with demo.state.db.read() as s:
            return int(s.exec(select(func.count()).select_from(BreachRow)).one())

    before = count()
    first = run("scheduler", "--once", "--as-of", "2026-11-28")
    assert first.exit_code == 0, first.stdout
    assert count() == before  # the seed already scanned as of that day
