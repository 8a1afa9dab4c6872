"""engine.procedures.layers: `extends:` overlays merged element by element, with provenance and the P13 checks."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.dates.periods import Period
from engine.procedures.layers import _compare
from engine.procedures.library import check_files
from tests.paths import ROOT

MINI = ROOT / "tests" / "bad_procedures" / "base" / "mini.yaml"
HEAD = 'procedure: {id}\nversion: "1-x"\ntitle: 测试覆盖层\nextends: {base}\n'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "regions").mkdir()
    shutil.copy(MINI, tmp_path / "mini.yaml")
    return tmp_path


def overlay(tree: Path, name: str, body: str, base: str = "mini") -> Path:
    path = tree / "regions" / f"{name}.yaml"
    path.write_text(HEAD.format(id=name, base=base) + textwrap.dedent(body), encoding="utf-8")
    return path


def check(tree: Path, *files: Path):
    results, _ = check_files(list(files), [tree / "mini.yaml"], documents_root=ROOT / "documents")
    return results[-1]


def test_shortening_a_statutory_deadline_is_allowed_and_provenance_points_at_the_overlay(tree: Path) -> None:
    zj = overlay(tree, "zj", "deadlines:\n  award:\n    limit: 30 days\n")
    r = check(tree, zj)
    assert [d for d in r.diagnostics if d.severity == "error"] == []
    proc = r.procedure
    assert proc.deadlines["award"].limit == Period(30, "days")
    assert proc.deadlines["award"].basis.startswith(
        "调解仲裁法第四十三条"
    )  # untouched keys come from the base
    assert proc.provenance["deadlines.award.limit"].path == str(zj)
    assert proc.provenance["deadlines.award.limit"].line == 7
    assert proc.provenance["deadlines.award.basis"].path == str(tree / "mini.yaml")
    assert proc.extends == "mini" and proc.sources == (str(tree / "mini.yaml"), str(zj))
    assert proc.title == "测试覆盖层" and proc.version == "1-x"


def test_lists_inside_an_element_are_replaced_and_new_elements_added(tree: Path) -> None:
    ov = overlay(
        tree,
        "more",
        """\
        documents:
          identity: {title: 身份证明, kind: submitted}
        actions:
          accept:
            requires: [identity]
        stages:
          archived: {title: 归档, final: true, closure: withdrawal}
        """,
    )
    r = check(tree, ov)
    errors = [d for d in r.diagnostics if d.severity == "error"]
    # 'archived' is new but nothing leads to it: the merged procedure is checked as a whole
    assert [d.code for d in errors] == ["E303"]
    ov.write_text(
        ov.read_text(encoding="utf-8").replace(
            "    requires: [identity]\n",
            "    requires: [identity]\n  archive:\n    title: 归档\n    from: [received]\n    to: archived\n    roles: [clerk]\n",
        ),
        encoding="utf-8",
    )
    r = check(tree, ov)
    assert [d for d in r.diagnostics if d.severity == "error"] == []
    assert r.procedure.actions["accept"].requires == ("identity",)  # replaced, not [application, identity]
    assert r.procedure.actions["accept"].roles == ("clerk",)  # keys the overlay does not write stay
    assert "archived" in r.procedure.stages and "archive" in r.procedure.actions


def test_disabled_element_disappears_from_the_compiled_procedure(tree: Path) -> None:
    r = check(tree, overlay(tree, "off", "deadlines:\n  review:\n    disabled: true\n"))
    assert [d for d in r.diagnostics if d.severity == "error"] == []
    assert "review" not in r.procedure.deadlines
    assert r.procedure.snapshot["deadlines"]["review"]["disabled"] is True


def test_params_are_replaced_whole_and_invariants_added(tree: Path) -> None:
    r = check(
        tree,
        overlay(
            tree,
            "wage",
            'params:\n  monthly_min_wage: {2026-01-01: 2690}\ninvariants:\n  - "claim_amount >= 0"\n',
        ),
    )
    assert [d for d in r.diagnostics if d.severity == "error"] == []
    wage = r.procedure.params["monthly_min_wage"]
    assert wage.values == ((dt.date(2026, 1, 1), 2690),)
    assert wage.at(dt.date(2025, 12, 31)) is None and wage.at(dt.date(2026, 1, 1)) == 2690
    assert len(r.procedure.invariants) == 2


def test_overlay_of_overlay_is_checked_against_the_resolved_layer_below(tree: Path) -> None:
    province = overlay(tree, "province", "deadlines:\n  award:\n    limit: 30 days\n")
    city = overlay(tree, "city", "deadlines:\n  award:\n    limit: 40 days\n", base="province")
    results, _ = check_files([province, city], [tree / "mini.yaml"])
    by = {Path(r.path).stem: r for r in results}
    assert by["province"].procedure is not None
    (d,) = by["city"].diagnostics
    assert d.code == "E403" and "30 days -> 40 days" in d.message and d.span.path == str(city)
    city.write_text(city.read_text(encoding="utf-8").replace("40 days", "20 days"), encoding="utf-8")
    results, _ = check_files([province, city], [tree / "mini.yaml"])
    proc = results[1].procedure
    assert proc is not None and proc.deadlines["award"].limit == Period(20, "days")
    assert proc.sources == (str(tree / "mini.yaml"), str(province), str(city))


def test_cycle_through_two_overlays(tree: Path) -> None:
    a = overlay(tree, "a", "", base="b")
    b = overlay(tree, "b", "", base="a")
    results, _ = check_files([a, b])
    for r in results:
        assert [d.code for d in r.diagnostics] == ["E402"]


def test_base_that_cannot_be_read(tree: Path) -> None:
    (tree / "mini.yaml").write_text("procedure: mini\nstages: [\n", encoding="utf-8")
    r = check(tree, overlay(tree, "zj", "deadlines:\n  award:\n    limit: 30 days\n"))
    assert [d.code for d in r.diagnostics if d.span.path.endswith("zj.yaml")] == ["E410"]


def test_extension_may_not_be_used_more_often(tree: Path) -> None:
    r = check(
        tree,
        overlay(
            tree,
            "ext",
            "deadlines:\n  award:\n    extension: {up_to: 10 days, times: 2, by: extend_award_period}\n",
        ),
    )
    assert [d.code for d in r.diagnostics] == ["E403"]
    assert "times may not rise from 1 to 2" in r.diagnostics[0].message


def test_non_statutory_deadline_may_be_lengthened(tree: Path) -> None:
    r = check(tree, overlay(tree, "rev", "deadlines:\n  review:\n    limit: 20 days\n"))
    assert [d for d in r.diagnostics if d.severity == "error"] == []
    assert r.procedure.deadlines["review"].limit == Period(20, "days")


_units = st.sampled_from(["workdays", "days", "months", "years"])


@given(st.integers(1, 400), st.integers(1, 400), st.sampled_from(["workdays", "days", "months", "years"]))
def test_same_unit_allowed_exactly_when_not_longer(base: int, new: int, unit: str) -> None:
    problem = _compare(f"{base} {unit}", f"{new} {unit}")
    assert (problem is None) == (new <= base)
    if problem is not None:
        assert problem[0] == "E403"


@given(st.integers(1, 400), st.integers(1, 400), _units)
def test_workdays_never_become_another_unit(base: int, new: int, unit: str) -> None:
    problem = _compare(f"{base} workdays", f"{new} {unit}")
    if unit == "workdays":
        assert (problem is None) == (new <= base)
    else:
        assert problem is not None and problem[0] == "E405"


_max_days = {"days": 1, "months": 31, "years": 366}
_min_days = {"days": 1, "months": 28, "years": 365}


@given(
    st.integers(1, 400),
    st.integers(1, 400),
    st.sampled_from(["days", "months", "years"]),
    st.sampled_from(["days", "months", "years"]),
)
def test_calendar_units_compare_conservatively(base: int, new: int, bu: str, nu: str) -> None:
    """Accepted only if the new period is no longer even when it is longest and the base shortest."""
    problem = _compare(f"{base} {bu}", f"{new} {nu}")
    if problem is None and bu != nu and {bu, nu} != {"months", "years"}:
        assert new * _max_days[nu] <= base * _min_days[bu]
    if {bu, nu} == {"months", "years"}:
        months = {"months": 1, "years": 12}
        assert (problem is None) == (new * months[nu] <= base * months[bu])


def test_a_file_in_regions_must_extend_something(tree: Path) -> None:
    national = tree / "regions" / "lost.yaml"
    national.write_text(
        MINI.read_text(encoding="utf-8").replace("procedure: mini", "procedure: lost"), encoding="utf-8"
    )
    results, _ = check_files([national])
    assert [d.code for d in results[0].diagnostics] == ["E314"]
    assert results[0].diagnostics[0].span.line == 2
