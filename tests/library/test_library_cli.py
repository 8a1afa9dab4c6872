"""`zhongcai library load|show`: exit codes 0/1/2, JSON, idempotence, the article's history, and the
shipped procedures validating without a W315."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from engine.library.corpus import library_dir

runner = CliRunner()


def _run(url: str, *args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args), env={"ZHONGCAI_DATABASE_URL": url})
    return res.exit_code, res.stdout, res.stderr


def test_load_show_and_exit_codes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out, _ = _run(url, "library", "load", str(library_dir()), "--json")
    assert code == 0 and json.loads(out)["articles_added"] == 902
    code, out, _ = _run(url, "library", "load", str(library_dir()))
    assert code == 0 and "无变化 (no change)" in out
    code, out, _ = _run(url, "library", "show", "ldrmal-47", "--json")
    data = json.loads(out)
    assert code == 0 and data["kind"] == "article" and data["versions"][-1]["effective_to"] is None
    code, out, _ = _run(url, "library", "show", "mohrss-spc-2021-2-01")
    assert code == 0 and "labour-41" in out
    code, _, err = _run(url, "library", "show", "no-such-id")
    assert code == 1 and "no-such-id" in err
    code, _, _ = _run(url, "library", "load", str(tmp_path / "absent"))
    assert code == 2


def test_a_bad_corpus_exits_1_naming_file_and_line(tmp_path: Path) -> None:
    d = tmp_path / "bad"
    d.mkdir()
    shutil.copy(library_dir() / "laws.jsonl", d / "laws.jsonl")
    with (d / "laws.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"id": "BAD"}\n')
    code, _, err = _run(f"sqlite:///{tmp_path / 'b.db'}", "library", "load", str(d))
    assert code == 1 and "laws.jsonl:903:" in err


def test_the_shipped_procedures_have_no_unresolved_basis() -> None:
    code, out, _ = _run("sqlite://", "procedures", "validate", "--json")
    assert code == 0
    assert [d for d in json.loads(out) if d["code"] == "W315"] == []
