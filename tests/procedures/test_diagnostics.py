"""The bad-procedure corpus: each file in tests/bad_procedures/ holds one mistake, and checking it gives
exactly that diagnostic (code, line, column, a fragment of the message); the catalogue documents them.

Overlay mistakes extend tests/bad_procedures/base/mini.yaml (a small valid national procedure).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import render_diagnostic
from engine.expr import GUARD_SYNTAX_ERRORS, TYPE_ERRORS
from engine.procedures.library import check_files
from tests.paths import ROOT

BAD = ROOT / "tests" / "bad_procedures"
BASE = BAD / "base" / "mini.yaml"

#: file stem -> (code, line, col, fragment of the message)
CASES = [
    ("action_from_final_stage", "E305", 29, 22, "final stage 'rejected'"),
    ("action_named_open", "E215", 32, 3, "'open' is reserved"),
    ("basis_names_no_article", "W315", 69, 12, "调解仲裁法第99条 (ldrmal-99)"),
    ("bad_on_expiry", "E210", 40, 16, "cannot be 'explode'"),
    ("date_that_does_not_exist", "E009", 10, 40, "'2026-13-01'"),
    ("misspelt_required_key", "E209", 11, 14, "unknown key) 'tittle'"),
    ("on_expiry_mapping_typo", "E209", 40, 17, "unknown key) 'fir'"),
    ("bad_period_unit", "E212", 35, 12, "'5 weekdays' is not a period"),
    ("bad_role_id", "E211", 6, 39, "'Secretary'"),
    ("closure_on_non_final_stage", "E310", 11, 35, "is not final"),
    ("code_fact_without_table", "E214", 9, 17, "needs 'table'"),
    ("document_never_produced", "W223", 42, 3, "'hearing_record' is produced by no action"),
    ("guard_reads_unset_fact", "E224", 22, 12, "reads fact 'hearing_on', which neither the opening"),
    ("guard_reads_default_only", "W225", 22, 12, "it always sees its default True"),
    ("takes_fact_of_another_role", "E226", 21, 13, "which only arbitrator may state"),
    ("template_outside_documents", "E214", 42, 60, "is not a file name under documents/"),
    ("nested_too_deep", "E011", 5, 47, "nested more than 40 deep"),
    ("dead_end_stage", "E304", 14, 3, "stage 'hearing' is not final"),
    ("duplicate_key", "E005", 26, 5, "duplicate key) 'to' (first at line 25)"),
    ("empty_file", "E003", 1, 1, "it is empty"),
    ("extension_fact_not_needed", "E221", 41, 50, "does not need fact 'days'"),
    ("fact_default_wrong_type", "E218", 9, 33, "is not of type int"),
    ("from_is_a_mapping", "E210", 29, 11, "expected a list"),
    ("generated_without_template", "E214", 42, 22, "needs 'template'"),
    ("guard_not_boolean", "E256", 21, 12, "true or false"),
    ("guard_single_equals", "E110", 21, 25, "'='"),
    ("guard_syntax_error", "E103", 21, 33, "ends too early"),
    ("guard_unknown_document", "E203", 21, 25, "unknown document 'aplication'"),
    ("guard_unknown_name", "E250", 21, 12, "claim_amont"),
    ("id_differs_from_stem", "E311", 2, 12, "'arbitration_test' differs"),
    ("missing_stage_title", "E200", 11, 3, "'title' in stage 'accepted'"),
    ("missing_template", "W208", 43, 64, "'no_such_template.html.j2' not found"),
    ("no_initial_stage", "E301", 9, 1, "no initial stage"),
    ("overlay_adds_extension", "E403", 9, 16, "cannot add an extension"),
    ("overlay_cycle", "E402", 5, 10, "overlay_cycle -> overlay_cycle"),
    ("overlay_disables_mandatory_stage", "E407", 9, 15, "mandatory stage 'received'"),
    ("overlay_disables_statutory", "E404", 9, 15, "statutory deadline 'acceptance'"),
    ("overlay_disables_unknown", "E406", 8, 3, "'reveiw'"),
    ("overlay_lengthens_statutory", "E403", 9, 12, "45 days -> 60 days"),
    ("overlay_longer_extension", "E403", 9, 24, "15 days -> 30 days"),
    ("overlay_makes_non_statutory", "E409", 9, 16, "non-statutory"),
    ("overlay_unknown_base", "E401", 5, 10, "unknown procedure 'mnii'"),
    ("overlay_workdays_to_days", "E405", 9, 12, "5 workdays -> 5 days"),
    ("pause_without_resume", "E307", 40, 16, "never resumes"),
    ("period_without_unit", "E212", 35, 12, "needs its unit"),
    ("produces_submitted_document", "E216", 32, 16, "'application', a submitted document"),
    ("required_document_never_produced", "E222", 32, 16, "requires generated document 'hearing_record'"),
    ("root_is_a_list", "E003", 2, 1, "it is a list"),
    ("submitted_with_template", "E214", 41, 16, "has no 'template'"),
    ("tab_in_indentation", "E002", 16, 1, "tab in indentation"),
    ("to_and_returns", "E214", 23, 5, "not to and returns"),
    ("two_initial_stages", "E302", 11, 35, "'received' and 'accepted'"),
    ("unknown_action_in_ends_on", "E206", 39, 15, "unknown action 'acept'"),
    ("unknown_action_in_starts_on", "E206", 38, 17, "unknown action 'opne'"),
    ("unknown_action_key", "E209", 20, 5, "unknown key) 'require'"),
    ("unknown_calendar", "E219", 5, 11, "unknown calendar) 'cnn'"),
    ("unknown_code_table", "E207", 9, 37, "'dispute_typs'"),
    ("fact_table_is_configuration", "E207", 7, 34, "unknown code table 'indicators'"),
    ("unknown_extension_action", "E206", 41, 50, "unknown action 'extend'"),
    ("unknown_fact_in_needs", "E204", 32, 13, "unknown fact 'award_amount'"),
    ("unknown_fact_in_sets", "E204", 32, 12, "unknown fact 'award_amount'"),
    ("unknown_fact_type", "E210", 8, 24, "'currency'"),
    ("unknown_on_expiry_action", "E206", 40, 23, "unknown action 'rejct'"),
    ("unknown_produced_document", "E203", 21, 16, "unknown document 'acceptance_notise'"),
    ("unknown_required_document", "E203", 20, 16, "unknown document 'aplication'"),
    ("unknown_role", "E202", 31, 13, "unknown role 'arbitrater'"),
    ("unknown_source_stage", "E201", 17, 12, "unknown stage 'recieved'"),
    ("unknown_target_stage", "E201", 18, 9, "unknown stage 'acepted'"),
    ("unknown_top_level_key", "E209", 5, 1, "unknown key) 'calender'"),
    ("unquoted_version", "E214", 3, 10, "quote the version"),
    ("unreachable_stage", "E303", 14, 3, "stage 'archived' cannot be reached"),
    ("unstoppable_deadline", "E306", 40, 3, "deadline 'tribunal_notice'"),
    ("yaml11_boolean_key", "E004", 6, 39, "quote the key 'no'"),
    ("yaml_syntax_error", "E001", 20, 13, "did not find expected ','"),
    ("yes_as_boolean", "E213", 10, 36, "not 'yes'"),
]

#: did-you-mean hints the corpus must show (the whole point of a name check)
HINTS = {
    "unknown_target_stage": "did you mean 'accepted'?",
    "unknown_source_stage": "did you mean 'received'?",
    "unknown_role": "did you mean 'arbitrator'?",
    "unknown_required_document": "did you mean 'application'?",
    "unknown_action_in_ends_on": "did you mean 'accept'?",
    "unknown_action_in_starts_on": "did you mean 'open'?",
    "unknown_action_key": "did you mean 'requires'?",
    "unknown_top_level_key": "did you mean 'calendar'?",
    "unknown_code_table": "did you mean 'dispute_types'?",
    "overlay_unknown_base": "did you mean 'mini'?",
    "unknown_calendar": "did you mean 'cn'?",
    "misspelt_required_key": "did you mean 'title'?",
    "on_expiry_mapping_typo": "did you mean 'fire'?",
    "overlay_disables_unknown": "did you mean 'review'?",
    "unknown_on_expiry_action": "did you mean 'reject'?",
}


@pytest.fixture(scope="module")
def results() -> dict[str, list]:
    files = sorted(BAD.glob("*.yaml"))
    res, _docs = check_files(
        files,
        [BASE],
        codes_root=ROOT / "codes",
        documents_root=ROOT / "documents",
        calendars_root=ROOT / "procedures" / "calendars",
    )
    return {Path(r.path).stem: r.diagnostics for r in res}


def test_corpus_has_forty_files_each_in_the_table() -> None:
    stems = {p.stem for p in BAD.glob("*.yaml")}
    assert len(stems) >= 40
    assert stems == {c[0] for c in CASES}, "every bad file needs a row in CASES (and every row a file)"


def test_base_fixture_is_valid() -> None:
    res, _ = check_files([BASE], codes_root=ROOT / "codes", documents_root=ROOT / "documents")
    assert [d for d in res[0].diagnostics if d.severity == "error"] == []
    assert res[0].procedure is not None


@pytest.mark.parametrize(("stem", "code", "line", "col", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_gives_its_one_diagnostic(
    results: dict[str, list], stem: str, code: str, line: int, col: int, fragment: str
) -> None:
    diags = results[stem]
    assert len(diags) == 1, "one mistake, one diagnostic:\n" + "\n".join(render_diagnostic(d) for d in diags)
    d = diags[0]
    assert d.span is not None and d.span.path.endswith(f"{stem}.yaml")
    assert (d.code, d.span.line, d.span.col) == (code, line, col), render_diagnostic(d)
    assert fragment in d.message
    assert d.severity == ("warning" if code.startswith("W") else "error")


@pytest.mark.parametrize(("stem", "hint"), sorted(HINTS.items()))
def test_name_mistakes_suggest_the_right_name(results: dict[str, list], stem: str, hint: str) -> None:
    assert results[stem][0].hint == hint


def test_every_bad_file_states_its_mistake_in_a_comment() -> None:
    for path in BAD.glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 10, path.name


def test_catalogue_documents_every_code() -> None:
    text = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### ([EW]\d{3})\b", text, flags=re.M))
    codes = {c[1] for c in CASES} | set(GUARD_SYNTAX_ERRORS) | set(TYPE_ERRORS)
    assert codes - documented == set()
    # every catalogue entry carries a bad example
    for code in documented:
        section = text.split(f"### {code}", 1)[1].split("\n### ", 1)[0]
        assert "```" in section, f"{code} has no example"


def test_cli_validate_exits_1_with_rendered_diagnostics() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "procedures",
            "validate",
            str(BAD / "unknown_target_stage.yaml"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert re.search(
        r"unknown_target_stage\.yaml:18:9: error E201: 未知阶段：'to' of action 'accept' refers to unknown stage 'acepted'",
        out,
    )
    assert "18 |     to: acepted" in out
    assert "  |         ^^^^^^^" in out
    assert "= hint: did you mean 'accepted'?" in out


def test_cli_validate_reports_every_file_sorted() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "procedures", "validate", str(BAD)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 1
    heads = re.findall(r"^(\S+?\.yaml):(\d+):(\d+): (?:error|warning) ([EW]\d{3})", proc.stdout, flags=re.M)
    assert {Path(h[0]).stem for h in heads} == {c[0] for c in CASES}
    keys = [(h[0], int(h[1]), int(h[2])) for h in heads]
    assert keys == sorted(keys)


def test_cli_validate_bad_usage_exits_2() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "procedures", "validate", "no/such/file.yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2


def test_cli_validate_json_and_strict() -> None:
    import json

    missing = str(BAD / "missing_template.yaml")
    plain = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "procedures", "validate", "--json", missing],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert plain.returncode == 0  # a warning does not fail validation
    (entry,) = json.loads(plain.stdout)
    assert (entry["code"], entry["severity"], entry["line"], entry["col"]) == ("W208", "warning", 43, 64)
    strict = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "procedures", "validate", "--strict", missing],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert strict.returncode == 1 and "error E208" in strict.stdout


def test_caret_is_placed_by_display_width_under_chinese_text(results: dict[str, list]) -> None:
    (d,) = results["yaml11_boolean_key"]
    lines = (BAD / "yaml11_boolean_key.yaml").read_text(encoding="utf-8").splitlines()
    rendered = render_diagnostic(d, lines).splitlines()
    source, caret = rendered[2], rendered[3]
    # 7 Chinese characters (two cells each) stand before the key 'no' on that line
    assert caret.index("^") == source.index("no:") + 7
    assert caret.endswith("^^")
