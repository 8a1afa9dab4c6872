"""`zhongcai monitor ...` and `zhongcai codes ...`: exit codes, JSON output, an export interrupted
between runs and resumed from its file."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from engine.store.db import Database
from tests.monitoring_factory import random_cases, store_cases

runner = CliRunner()


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'm.db'}"
    db = Database(url)
    db.init_db()
    store_cases(db, random_cases(random.Random(21), 150, dt.date(2026, 1, 1), dt.date(2026, 4, 30)))
    db.dispose()
    return url


def _run(db_url: str, *args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args), env={"ZHONGCAI_DATABASE_URL": db_url})
    return res.exit_code, res.stdout, res.stderr


def test_report_json_and_text(db_url: str) -> None:
    code, out, _ = _run(db_url, "monitor", "report", "--month", "2026-03", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["measures"]["received"]["value"] > 0
    assert data["rates"]["closure_rate"]["denominator"] == (
        data["measures"]["pending_start"]["value"] + data["measures"]["accepted"]["value"]
    )
    code, out, _ = _run(db_url, "monitor", "report", "--month", "2026-03", "--region", "440000")
    assert code == 0 and "在线办案率" in out and "结案率" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("monitor", "report", "--month", "March"), "YYYY-MM"),
        (("monitor", "report", "--month", "2026-03", "--region", "119999"), "regions"),
        (("monitor", "export", "--format", "xml"), "jsonl"),
        (("codes", "show", "dispute_type"), "did you mean 'dispute_types'"),
    ],
)
def test_bad_usage_exits_2_with_a_message(db_url: str, args: tuple[str, ...], fragment: str) -> None:
    code, _, err = _run(db_url, *args)
    assert code == 2
    assert fragment in err


def test_export_resumes_from_its_file(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "national.jsonl"
    code, full, _ = _run(db_url, "monitor", "export")
    assert code == 0
    everything = full.splitlines()
    # a first run that died after three and a half lines
    out.write_text("\n".join(everything[:3]) + "\n" + everything[3][:40], encoding="utf-8")
    code, _, err = _run(db_url, "monitor", "export", "--out", str(out))
    assert code == 0 and f"游标 (cursor) = {json.loads(everything[-1])['id']}" in err
    assert out.read_text(encoding="utf-8").splitlines() == everything
    code, _, err = _run(db_url, "monitor", "export", "--out", str(out), "--since", "1")
    assert code == 2 and "omit --since" in err


def test_checks_and_risks_exit_codes(db_url: str) -> None:
    code, out, _ = _run(db_url, "monitor", "checks", "--as-of", "2026-12-31", "--json")
    assert code == 0 and json.loads(out)["errors"] == 0
    code, out, _ = _run(db_url, "monitor", "checks", "--as-of", "2026-02-01", "--json")
    assert code == 1  # records dated after the check day
    assert any(r["rule"] == "effective_in_future" and r["count"] for r in json.loads(out)["rules"])
    code, out, _ = _run(db_url, "monitor", "risks", "--month", "2026-03", "--json")
    assert code == 1 and json.loads(out)["flagged"]


def test_codes_commands(db_url: str) -> None:
    code, out, _ = _run(db_url, "codes", "show", "closure_methods", "--json")
    assert code == 0 and {c["code"] for c in json.loads(out)["codes"]} >= {
        "award",
        "award_final",
        "mediation",
    }
    code, out, _ = _run(db_url, "codes", "validate")
    assert code == 0 and "11 个代码表" in out
    code, _, err = _run(db_url, "codes", "validate", "dispute_types", "labor_pay")
    assert code == 1 and "labour_pay" in err
    code, out, _ = _run(db_url, "codes", "validate", "regions", "510202", "--on", "1990-06-01")
    assert code == 0 and "市中区" in out
