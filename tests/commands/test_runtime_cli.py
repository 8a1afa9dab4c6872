"""The case CLI (`zhongcai case open|fire|show|list|history`, `verify`, `demo`) end to end."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.fixtures_runtime import ROOT


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the CLI reads procedures/ relative to the working directory


class _Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = code, stdout, stderr


def _cli(args: list[str], db: Path) -> _Result:
    """Run the CLI in this process (Typer's runner) on its own database."""
    old = os.environ.get("ZHONGCAI_DATABASE_URL")
    os.environ["ZHONGCAI_DATABASE_URL"] = f"sqlite:///{db}"
    try:
        r = CliRunner().invoke(app, args)
    finally:
        if old is None:
            os.environ.pop("ZHONGCAI_DATABASE_URL", None)
        else:
            os.environ["ZHONGCAI_DATABASE_URL"] = old
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return _Result(r.exit_code, r.stdout, r.stderr)


def test_case_commands(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    opened = _cli(["case", "open", "arbitration", "--at", "2026-09-29", "--fact", "claim_amount=20000"], db)
    assert opened.returncode == 0, opened.stderr
    assert (
        "劳人仲收字〔2026〕第1号" in opened.stdout
        and "acceptance" in opened.stdout
        and "2026-10-12" in opened.stdout
    )
    assert "劳人仲案字" not in opened.stdout  # the 案号 comes with acceptance
    refused = _cli(["case", "fire", "1", "accept", "--as", "clerk", "--at", "2026-10-09"], db)
    assert refused.returncode == 1 and "[document]" in refused.stderr and "application" in refused.stderr
    fired = _cli(
        [
            "case",
            "fire",
            "1",
            "accept",
            "--as",
            "clerk",
            "--at",
            "2026-10-09",
            "--document",
            "application",
            "--document",
            "applicant_identity",
        ],
        db,
    )
    assert fired.returncode == 0, fired.stderr
    assert "received -> accepted" in fired.stdout and "2026-11-23" in fired.stdout
    assert "案号 (case number): 劳人仲案字〔2026〕第1号" in fired.stdout
    first_code = re.search(r"查询码 \(query code[^)]*\): ([0-9A-Z]{12})", fired.stdout)
    assert first_code is not None
    # found by the 案号 and by the receipt number
    for number in ("劳人仲案字〔2026〕第1号", "劳人仲收字〔2026〕第1号"):
        by_number = _cli(["case", "show", number, "--json"], db)
        assert by_number.returncode == 0 and '"receipt_number": "劳人仲收字〔2026〕第1号"' in by_number.stdout
    reissued = _cli(["case", "query-code", "劳人仲收字〔2026〕第1号"], db)
    assert reissued.returncode == 0, reissued.stderr
    new_code = re.search(r"查询码 \(query code, shown once\): ([0-9A-Z]{12})", reissued.stdout)
    assert new_code is not None and new_code.group(1) != first_code.group(1)
    not_clerk = _cli(["case", "query-code", "1", "--as", "director"], db)
    assert not_clerk.returncode == 1 and "[role]" in not_clerk.stderr
    bad_fact = _cli(
        [
            "case",
            "fire",
            "1",
            "amend_claims",
            "--as",
            "clerk",
            "--at",
            "2026-10-12",
            "--fact",
            "claim_amount=lots",
        ],
        db,
    )
    assert bad_fact.returncode == 1 and "[facts]" in bad_fact.stderr and "claim_amount" in bad_fact.stderr
    shown = _cli(["case", "show", "1", "--json"], db)
    assert shown.returncode == 0 and '"stage": "accepted"' in shown.stdout
    listed = _cli(["case", "list"], db)
    assert "accepted" in listed.stdout
    history = _cli(["case", "history", "1"], db)
    assert "open" in history.stdout and "received -> accepted" in history.stdout
    assert "reissue_query_code" in history.stdout and new_code.group(1) not in history.stdout
    assert _cli(["case", "show", "99"], db).returncode == 1
    assert _cli(["case", "fire", "1", "accept", "--as", "clerk", "--at", "2026-13-01"], db).returncode == 2
    verified = _cli(["verify"], db)
    assert verified.returncode == 0 and "OK" in verified.stdout


def test_demo_writes_documents_and_ends_effective(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    result = _cli(["demo", "--out", str(out)], tmp_path / "unused.db")
    assert result.returncode == 0, result.stderr
    assert "2026-02-24" in result.stdout and "2026-03-06" in result.stdout and "2026-03-19" in result.stdout
    assert "effective" in result.stdout
    names = sorted(p.name for p in out.iterdir())
    assert any("award_document" in n for n in names) and any("acceptance_notice" in n for n in names)
    assert "王小红" in next(p for p in out.iterdir() if "acceptance_notice" in p.name).read_text(
        encoding="utf-8"
    )
