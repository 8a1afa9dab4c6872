"""engine.procedures.compiler, engine.procedures.checks and engine.procedures.library: compiled procedures, hashes, snapshots, the shared
machine config, the checks without a corpus file, the library and the procedures commands."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.dates.periods import Period
from engine.errors import ProcedureInvalid, UnknownProcedure
from engine.procedures.compiler import compile_snapshot, content_hash
from engine.procedures.diagrams import machine_config, mermaid_diagram
from engine.procedures.library import ProcedureLibrary, check_files, check_text
from engine.procedures.model import Procedure
from engine.procedures.overview import describe_procedure
from tests.paths import ROOT

MINI = ROOT / "tests" / "bad_procedures" / "base" / "mini.yaml"
MINI_TEXT = MINI.read_text(encoding="utf-8")


def compile_text(text: str, name: str = "mini.yaml", **kw: object) -> Procedure:
    r = check_text(text, name, **kw)  # type: ignore[arg-type]
    errors = [d for d in r.diagnostics if d.severity == "error"]
    assert r.procedure is not None and not errors, errors
    return r.procedure


def codes_of(text: str, name: str = "mini.yaml", **kw: object) -> list[str]:
    return [d.code for d in check_text(text, name, **kw).diagnostics]  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def mini() -> Procedure:
    return compile_text(MINI_TEXT)


def test_compiled_procedure_has_every_part(mini: Procedure) -> None:
    assert (mini.id, mini.version, mini.calendar, mini.extends) == ("mini", "2017.1", "cn", None)
    assert mini.initial_stage == "received"
    assert set(mini.final_stages()) == {"awarded", "rejected", "withdrawn"}
    assert mini.stages["awarded"].closure == "award"
    accept = mini.actions["accept"]
    assert (accept.sources, accept.target, accept.roles, accept.requires, accept.produces) == (
        ("received",),
        "accepted",
        ("clerk",),
        ("application",),
        ("acceptance_notice",),
    )
    assert accept.when[0].source == "workers >= 1 and claim_amount >= 0"
    assert accept.when[0].span is not None and accept.when[0].span.line == 32
    assert mini.actions["resume"].returns and mini.actions["resume"].target is None
    award = mini.deadlines["award"]
    assert award.limit == Period(45, "days") and award.statutory
    assert award.extension is not None and award.extension.by == "extend_award_period"
    assert award.extension.up_to == Period(15, "days") and award.extension.fact == "days"
    assert mini.deadlines["acceptance"].starts_on == ("open",)
    assert mini.deadlines_operated_by("open") == {"acceptance": ("start",)}
    assert mini.deadlines_operated_by("suspend") == {"award": ("pause",)}
    assert mini.facts["workers"].default == 1 and mini.facts["workers"].has_default
    assert not mini.facts["claim_amount"].has_default
    assert mini.roles["clerk"].title == "立案人员"
    assert mini.documents["acceptance_notice"].template == "acceptance_notice.html.j2"
    assert len(mini.invariants) == 1
    assert mini.provenance["actions.accept.to"].line == 28
    with pytest.raises(TypeError):
        mini.stages["x"] = mini.stages["received"]  # type: ignore[index]


def test_content_hash_is_the_sha256_of_the_snapshot_and_snapshots_recompile(mini: Procedure) -> None:
    assert mini.content_hash == content_hash(mini.snapshot)
    again = compile_snapshot(mini.snapshot)
    assert again.content_hash == mini.content_hash
    assert (again.stages, again.deadlines, again.documents, again.facts) == (
        mini.stages,
        mini.deadlines,
        mini.documents,
        mini.facts,
    )
    # guards are equal up to their spans (a snapshot has no file to point into)
    assert [(a.id, a.sources, a.target, [c.expr for c in a.when]) for a in again.actions.values()] == [
        (a.id, a.sources, a.target, [c.expr for c in a.when]) for a in mini.actions.values()
    ]


def test_hash_ignores_layout_comments_and_key_order_but_not_content() -> None:
    data = yaml.load(MINI_TEXT, Loader=yaml.SafeLoader)
    reordered = yaml.safe_dump(dict(reversed(list(data.items()))), allow_unicode=True, sort_keys=True)
    a = compile_text(MINI_TEXT).content_hash
    assert compile_text(reordered).content_hash == a
    assert compile_text(MINI_TEXT.replace("limit: 45 days", "limit: 44 days")).content_hash != a


def test_disabled_deadline_is_left_out(mini: Procedure) -> None:
    text = MINI_TEXT.replace("    basis: 本系统规则（本委内部规定）\n", "    basis: 本系统规则（本委内部规定）\n    disabled: true\n")
    proc = compile_text(text)
    assert "review" not in proc.deadlines and "review" in mini.deadlines


def test_machine_config_drives_a_shared_transitions_machine(mini: Procedure) -> None:
    from transitions import Machine, MachineError

    cfg = machine_config(mini)
    assert cfg["auto_transitions"] is False and cfg["send_event"] is True
    assert {"trigger": "resume", "source": "suspended", "dest": "="} in cfg["transitions"]
    machine = Machine(model=None, **cfg)

    class Case:
        state = "received"

    case = Case()
    machine.add_model(case, initial="received")
    case.accept()  # type: ignore[attr-defined]
    assert case.state == "accepted"
    case.suspend()  # type: ignore[attr-defined]
    case.resume()  # type: ignore[attr-defined]
    assert case.state == "suspended"  # reflexive: the runtime sets the remembered stage itself
    with pytest.raises(MachineError):
        case.accept()  # type: ignore[attr-defined]


def test_mermaid_diagram(mini: Procedure) -> None:
    text = mermaid_diagram(mini)
    assert text.startswith("stateDiagram-v2\n")
    assert "    [*] --> received\n" in text
    assert '    state "收到申请" as received\n' in text
    assert "    received --> accepted: accept 受理\n" in text
    assert "    suspended --> accepted: resume 恢复审理 (返回)\n" in text
    assert "    awarded --> [*]\n" in text


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("  accepted: {title: 已受理}", "  accepted: {title: 已受理}\n  limbo: {title: 待定}", "E303"),
        (
            "  received: {title: 收到申请, initial: true, mandatory: true}",
            "  received: {title: 收到申请, initial: true, final: true, closure: withdrawal}",
            "E309",
        ),
        (
            "  withdrawn: {title: 撤回申请, final: true, closure: withdrawal}",
            "  withdrawn: {title: 撤回申请, final: true}",
            "W312",
        ),
        (
            "  - \"stage == 'awarded' implies claim_amount >= 0\"",
            "  - \"at <= deadline_due('awrd')\"",
            "E205",
        ),
        ("closure: withdrawal", "closure: withdrawl", "E217"),
        (
            "    from: [accepted]\n    to: suspended",
            "    from: [accepted]\n    to: suspended\n    returns: true",
            "E214",
        ),
    ],
)
def test_checks_without_a_corpus_file(old: str, new: str, code: str) -> None:
    assert old in MINI_TEXT
    found = codes_of(MINI_TEXT.replace(old, new), codes_root=ROOT / "codes")
    assert code in found, found


def test_no_final_stage() -> None:
    text = re.sub(r", final: true, closure: \w+", "", MINI_TEXT)
    found = set(codes_of(text))
    assert "E308" in found


def test_duplicate_procedure_ids(tmp_path: Path) -> None:
    shutil.copy(MINI, tmp_path / "mini.yaml")
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "mini.yaml").write_text(MINI_TEXT, encoding="utf-8")
    results, _ = check_files([tmp_path / "mini.yaml", tmp_path / "copy" / "mini.yaml"])
    assert [d.code for d in results[1].diagnostics] == ["E313"]


def _library(tmp_path: Path, overlay: str = "") -> Path:
    root = tmp_path / "procedures"
    (root / "regions").mkdir(parents=True)
    (root / "calendars").mkdir()
    (root / "calendars" / "cn.yaml").write_text("national: {}\n", encoding="utf-8")  # not a procedure
    shutil.copy(MINI, root / "mini.yaml")
    if overlay:
        (root / "regions" / "zj.yaml").write_text(textwrap.dedent(overlay), encoding="utf-8")
    return root


ZJ = """\
procedure: zj
version: "1-zj"
title: 浙江测试
extends: mini
region: "33"
deadlines:
  award:
    limit: 30 days
"""


def test_library_loads_national_and_overlays(tmp_path: Path) -> None:
    root = _library(tmp_path, ZJ)
    lib = ProcedureLibrary.load(root, documents_root=ROOT / "documents")
    assert lib.ids() == ["mini", "zj"]
    assert lib.get("zj").deadlines["award"].limit == Period(30, "days")
    assert lib.get("zj").region == "33"
    with pytest.raises(UnknownProcedure, match="did you mean 'mini'"):
        lib.get("minni")
    again = ProcedureLibrary.load(root, documents_root=ROOT / "documents")
    assert again.get("mini") is lib.get("mini")  # warm reload: compiled once per content


def test_library_reports_all_files_at_once(tmp_path: Path) -> None:
    root = _library(tmp_path, ZJ.replace("30 days", "60 days"))
    (root / "other.yaml").write_text(
        MINI_TEXT.replace("procedure: mini", "procedure: other").replace("to: accepted", "to: acepted"),
        encoding="utf-8",
    )
    with pytest.raises(ProcedureInvalid) as exc:
        ProcedureLibrary.load(root)
    errors = [d for d in exc.value.diagnostics if d.severity == "error"]
    assert sorted({(d.code, Path(d.span.path).name) for d in errors}) == [
        ("E201", "other.yaml"),
        ("E403", "zj.yaml"),
    ]
    lib, diags = ProcedureLibrary.load(root, strict=False)
    assert lib.ids() == ["mini"] and [d for d in diags if d.severity == "error"] == errors


def test_describe_shows_provenance_of_overridden_keys(tmp_path: Path) -> None:
    root = _library(tmp_path, ZJ)
    lib = ProcedureLibrary.load(root)
    text = describe_procedure(lib.get("zj"))
    assert "仲裁审理期限  30 days (30日)  法定 statutory" in text
    assert re.search(r"overridden: limit@\S+zj\.yaml:8", text)
    assert "收到申请" in text and "acceptance_notice" in text


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, cwd=ROOT
    )


def test_cli_show_and_diagram(tmp_path: Path) -> None:
    root = _library(tmp_path, ZJ)
    show = _cli("procedures", "show", "zj", "--root", str(root))
    assert show.returncode == 0, show.stderr
    assert "zj 1-zj  浙江测试" in show.stdout and "extends mini" in show.stdout
    diagram = _cli("procedures", "diagram", "mini", "--root", str(root))
    assert diagram.returncode == 0 and diagram.stdout.startswith("stateDiagram-v2")
    unknown = _cli("procedures", "show", "nope", "--root", str(root))
    assert unknown.returncode == 1 and "unknown procedure" in unknown.stderr
    bad = _cli("procedures", "diagram", "mini", "--root", str(root), "--format", "gif")
    assert bad.returncode == 2


def test_cli_validate_clean_tree_exits_0(tmp_path: Path) -> None:
    root = _library(tmp_path, ZJ)
    proc = _cli("procedures", "validate", "--root", str(root))
    assert proc.returncode == 0 and "0 error(s)" in proc.stdout


@settings(max_examples=25)
@given(st.sampled_from(["45 days", "30 days", "1 month", "6 workdays"]), st.integers(1, 3))
def test_compiling_twice_gives_the_same_hash(limit: str, times: int) -> None:
    text = MINI_TEXT.replace("limit: 45 days", f"limit: {limit}").replace("times: 1", f"times: {times}")
    assert (
        compile_text(text).content_hash
        == compile_text(text).content_hash
        == compile_snapshot(compile_text(text).snapshot).content_hash
    )


def test_dsl_keys_equal_the_json_schema_and_are_documented() -> None:
    """The accepted keys, the published JSON Schema and the author's reference agree."""
    from engine.procedures.deadline_specs import DeadlineSpec
    from engine.procedures.dsl import DSL_KEYS, ActionSpec, ProcedureSpec, StageSpec

    for kind, model in (
        ("procedure", ProcedureSpec),
        ("action", ActionSpec),
        ("deadline", DeadlineSpec),
        ("stage", StageSpec),
    ):
        schema = model.model_json_schema(by_alias=True)
        assert set(schema["properties"]) == set(DSL_KEYS[kind]), kind
    doc = (ROOT / "docs" / "procedures.md").read_text(encoding="utf-8")
    for kind, keys in DSL_KEYS.items():
        for key in keys:
            assert re.search(rf"`{key}`|\b{key}:", doc), (
                f"docs/procedures.md does not document {kind} key '{key}'"
            )


def test_yes_no_values_are_text_and_rejected_as_booleans() -> None:
    found = check_text(
        MINI_TEXT.replace("initial: true, mandatory: true", "initial: on, mandatory: true"), "mini.yaml"
    )
    (d,) = found.diagnostics
    assert d.code == "E213" and "'on'" in d.message and d.hint and "true or false" in d.hint


def test_validation_and_name_problems_are_reported_together() -> None:
    """One invalid element does not hide the other problems of the file."""
    text = MINI_TEXT.replace("    to: awarded\n", "    to: awrded\n").replace(
        "  suspended: {title: 中止审理}", "  suspended: {title: 中止审理, final: maybe}"
    )
    found = check_text(text, "mini.yaml")
    assert found.procedure is None
    assert [(d.code, d.span.line) for d in found.diagnostics] == [("E213", 20), ("E201", 57)]
    assert found.diagnostics[1].hint == "did you mean 'awarded'?"


@pytest.mark.parametrize(
    ("guard", "code", "hint"),
    [
        ("claim_amount >= param('monthly_min_wag', at)", "E220", "did you mean 'monthly_min_wage'?"),
        ("deadline_status('reveiw') == 'running'", "E205", "did you mean 'review'?"),
        ("times_fired('acept') == 0", "E206", "did you mean 'accept'?"),
        ("has_document('acceptance_notise')", "E203", "did you mean 'acceptance_notice'?"),
    ],
)
def test_ids_named_inside_guards_are_checked(guard: str, code: str, hint: str) -> None:
    text = MINI_TEXT.replace('when: "workers >= 1 and claim_amount >= 0"', f'when: "{guard}"')
    (d,) = check_text(text, "mini.yaml").diagnostics
    assert (d.code, d.span.line, d.hint) == (code, 32, hint)
    assert d.span.col > 11  # at the name inside the guard, not at the key
