"""`zhongcai registry`: import (all or nothing, exit 1 with row numbers), show, performance, coverage,
open-periods; no personal data in what it prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.registry.sheets_data import INSTITUTIONS_CSV, STAFF_CSV

runner = CliRunner()


def _run(url: str, *args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args), env={"ZHONGCAI_DATABASE_URL": url})
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    inst, staff = tmp_path / "机构.csv", tmp_path / "人员.csv"
    inst.write_text(INSTITUTIONS_CSV, encoding="utf-8")
    staff.write_text(STAFF_CSV, encoding="utf-8")
    return inst, staff


def test_import_show_and_no_personal_data(url: str, tmp_path: Path) -> None:
    inst, staff = _files(tmp_path)
    code, out, _ = _run(url, "registry", "import", str(inst), "--dry-run")
    assert code == 0 and "nothing written" in out
    code, out, _ = _run(url, "registry", "show")
    assert code == 0 and "0 个机构" in out  # the dry run wrote nothing
    assert _run(url, "registry", "import", str(inst))[0] == 0
    code, out, _ = _run(url, "registry", "import", str(staff), "--json")
    assert code == 0 and json.loads(out)["appointments_added"] == 3
    code, out, _ = _run(url, "registry", "show", "--institution", "gx-nn")
    assert code == 0 and "黄志远" in out and "律师执业满三年" in out
    code, json_out, _ = _run(url, "registry", "show", "--institution", "gx-nn", "--json")
    for text in (out, json_out):
        assert "11010519491231002X" not in text and "13800000001" not in text
    assert {p["name"] for p in json.loads(json_out)["staff"]} == {"黄志远", "韦丽娟", "覃晓"}
    code, _, err = _run(url, "registry", "show", "--institution", "nowhere")
    assert code == 1 and "nowhere" in err


def test_a_bad_file_exits_1_naming_rows_and_writes_nothing(url: str, tmp_path: Path) -> None:
    inst, _ = _files(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(INSTITUTIONS_CSV + "gx-bad,坏机构,仲裁委员会,,县（区）级,999999,,,是,,2020-01-01\n", encoding="utf-8")
    code, _, err = _run(url, "registry", "import", str(bad))
    assert code == 1 and "第 5 行“行政区划代码”" in err and "Traceback" not in err
    code, out, _ = _run(url, "registry", "import", str(bad), "--json")
    assert code == 1 and json.loads(out)["problems"][0]["row"] == 5
    assert "0 个机构" in _run(url, "registry", "show")[1]
    code, _, err = _run(url, "registry", "import", str(tmp_path / "missing.xlsx"))
    assert code == 1 and "无法读取" in err


def test_performance_coverage_and_open_periods(url: str, tmp_path: Path) -> None:
    inst, staff = _files(tmp_path)
    _run(url, "registry", "import", str(inst))
    _run(url, "registry", "import", str(staff))
    code, out, _ = _run(url, "registry", "performance", "--institution", "gx-nn", "--from", "2026-07-01", "--to", "2026-09-30", "--json")
    report = json.loads(out)
    assert code == 0 and {a["staff_name"] for a in report["arbitrators"]} == {"黄志远", "韦丽娟"}
    code, out, _ = _run(url, "registry", "performance", "--from", "2026-07-01", "--to", "2026-09-30", "--csv")
    assert code == 0 and out.splitlines()[0].startswith("类别")
    assert _run(url, "registry", "performance", "--from", "2026-09-30", "--to", "2026-07-01")[0] == 2
    code, out, _ = _run(url, "registry", "coverage", "--as-of", "2026-12-04", "--month", "2026-11", "--json")
    assert code == 0 and json.loads(out)["by_region"]["45"]["levels"]["county"]["on_system"] == 0
    code, out, _ = _run(url, "registry", "open-periods", "--as-of", "2026-10-15")
    assert code == 0 and out.startswith("2026Q3: 新开核准案件 3 件")
    assert "新开核准案件 0 件" in _run(url, "registry", "open-periods", "--as-of", "2026-10-16")[1]  # idempotent
