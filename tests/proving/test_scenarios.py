"""The scenario runner itself: failure messages, refusals, malformed files, and `zhongcai test`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from engine.procedures.library import ProcedureLibrary
from engine.proving.scenarios import ScenarioError, load_scenarios, run_paths
from tests.fixtures_runtime import ROOT

HEAD = """\
name: {name}
procedure: mini
steps:
  - open: {{at: 2025-12-30, facts: {{claim_amount: 100}}}}
"""


def _write(tmp_path: Path, name: str, body: str, scenario: str = "s") -> Path:
    path = tmp_path / name
    path.write_text(
        HEAD.format(name=scenario) + textwrap.indent(textwrap.dedent(body), "  "), encoding="utf-8"
    )
    return path


def _run(path: Path, mini_library: ProcedureLibrary) -> list[tuple[bool, str | None]]:
    return [(r.ok, r.failure) for r in run_paths([path], mini_library)]


def test_a_passing_scenario(tmp_path: Path, mini_library: ProcedureLibrary) -> None:
    path = _write(
        tmp_path,
        "ok.yaml",
        """\
          - expect: {stage: received, deadlines: {acceptance: 2026-01-07}, breaches: []}
          - do: accept
            at: 2026-01-05
            as: clerk
            documents: [application]
          - expect: {stage: accepted, deadlines: {acceptance: stopped, award: 2026-02-24}, documents: [application]}
          - refused: accept
            at: 2026-01-05
            as: clerk
            reason: stage
        """,
    )
    assert _run(path, mini_library) == [(True, None)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  - expect: {stage: accepted}\n", "step 2: expected stage 'accepted', got 'received'"),
        (
            "  - expect: {deadlines: {acceptance: 2026-01-08}}\n",
            "step 2: expected deadline 'acceptance' due 2026-01-08, got 2026-01-07",
        ),
        (
            "  - expect: {deadlines: {award: paused}}\n",
            "step 2: expected deadline 'award' paused, got not started",
        ),
        ("  - expect: {breaches: [acceptance]}\n", "step 2: expected breaches ['acceptance'], got []"),
        (
            "  - expect: {documents: [application]}\n",
            "step 2: expected documents ['application'] on file, got []",
        ),
        (
            "  - expect: {facts: {claim_amount: 99}}\n",
            "step 2: expected fact 'claim_amount' = 99, got '100.00'",
        ),
        (
            "  - do: accept\n    at: 2026-01-05\n    as: clerk\n",
            "step 2: expected 'accept' to succeed, got refused [document]",
        ),
        (
            "  - refused: accept\n    at: 2026-01-05\n    as: clerk\n    documents: [application]\n",
            "step 2: expected 'accept' to be refused (any reason), but it was allowed",
        ),
        (
            "  - refused: accept\n    at: 2026-01-05\n    as: clerk\n    reason: role\n",
            "step 2: expected 'accept' refused with reason 'role', got [document]",
        ),
    ],
)
def test_failures_say_file_scenario_step_expected_and_got(
    tmp_path: Path, mini_library: ProcedureLibrary, body: str, message: str
) -> None:
    path = _write(tmp_path, "bad.yaml", body, scenario="late award")
    ((ok, failure),) = _run(path, mini_library)
    assert not ok and failure is not None
    assert failure.startswith(f"{path}: 'late award': ")
    assert message in failure


def test_a_list_of_scenarios_in_one_file(tmp_path: Path, mini_library: ProcedureLibrary) -> None:
    one = HEAD.format(name="one") + "  - expect: {stage: received}\n"
    two = HEAD.format(name="two") + "  - expect: {stage: accepted}\n"
    path = tmp_path / "two.yaml"
    path.write_text(
        "- " + one.replace("\n", "\n  ").rstrip() + "\n- " + two.replace("\n", "\n  ").rstrip() + "\n"
    )
    assert [ok for ok, _ in _run(path, mini_library)] == [True, False]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: x\nprocedure: mini\n", "needs 'name', 'procedure' and 'steps'"),
        ("name: x\nprocedure: mini\nsteps: []\n", "'steps' must be a non-empty list"),
        ("name: x\nprocedure: mini\nsteps:\n  - frobnicate: 1\n", "step 1: a step needs exactly one of"),
        (
            "name: x\nprocedure: mini\nsteps:\n  - tick: 2026-02-01\n  - tick: 2026-01-01\n",
            "step 2: date 2026-01-01 goes backwards",
        ),
        ("name: x\nprocedure: mini\nsteps:\n  - expect: {stagee: a}\n", "'expect' does not know ['stagee']"),
        ("name: x\nprocedure: mini\nsteps:\n  - do: accept\n", "'do' needs 'at:'"),
        ("name: x\nprocedure: mini\nsteps: [\n", "cannot read the scenario file"),
        ("name: x\nprocedure: mini\nsteps: [{tick: 1}]\nextra: 1\n", "unknown keys ['extra']"),
    ],
)
def test_malformed_files_are_scenario_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenarios(path)
    assert fragment in str(e.value) and str(path) in str(e.value)


def test_unknown_procedure_fails_the_scenario(tmp_path: Path, mini_library: ProcedureLibrary) -> None:
    path = tmp_path / "u.yaml"
    path.write_text("name: u\nprocedure: minii\nsteps:\n  - tick: 2026-01-01\n", encoding="utf-8")
    ((ok, failure),) = _run(path, mini_library)
    assert not ok and failure is not None and "did you mean 'mini'" in failure


def test_yaml_11_booleans_stay_strings(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("name: b\nprocedure: mini\nsteps:\n  - open: {at: 2026-01-05, facts: {x: no}}\n")
    (scenario,) = load_scenarios(path)
    assert scenario.steps[0]["open"]["facts"]["x"] == "no"


def test_cli_test_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = ROOT / "tests" / "scenarios" / "arbitration" / "acceptance_over_national_day.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: wrong date\nprocedure: arbitration\nsteps:\n"
        "  - open: {at: 2026-09-29, facts: {claim_amount: 1}}\n"
        "  - expect: {deadlines: {acceptance: 2026-10-09}}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    ok = runner.invoke(app, ["test", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "ok   " in ok.stdout and "1 passed, 0 failed" in ok.stdout
    failed = runner.invoke(app, ["test", str(good), str(bad)])
    assert failed.exit_code == 1
    assert (
        "'wrong date': step 2: expected deadline 'acceptance' due 2026-10-09, got 2026-10-12" in failed.stdout
    )
    assert runner.invoke(app, ["test", str(tmp_path / "nope")]).exit_code == 2
