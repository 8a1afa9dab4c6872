"""The code tables under codes/ and engine/codes/code_tables.py: shipped data, lookups, validation messages and
located diagnostics for a broken table."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.codes.code_tables import CodeTables, UnknownCodeTable
from engine.errors import ProcedureInvalid
from tests.paths import ROOT

TABLES = CodeTables.load(ROOT / "codes")
REQUIRED = [
    "dispute_types",
    "closure_methods",
    "outcomes",
    "party_types",
    "case_sources",
    "channels",
    "institution_levels",
    "regions",
    "industries",
]


def test_every_table_the_procedures_use_is_shipped_with_a_source() -> None:
    for name in REQUIRED:
        t = TABLES.table(name)
        assert t.source and t.title and len(t) > 0, name


def test_closure_codes_of_design_section_4_exist_and_final_awards_are_told_apart() -> None:
    closures = TABLES.table("closure_methods")
    for code in ("not_accepted", "withdrawal", "mediation", "award"):
        assert code in closures
    assert closures.descendants("award") == {"award", "award_final", "award_nonfinal"}
    assert closures.root("deemed_withdrawal") == "other"


def test_outcomes_are_the_three_published_categories() -> None:
    assert [e.name for e in TABLES.table("outcomes")] == ["用人单位胜诉", "劳动者胜诉", "双方部分胜诉"]


def test_regions_hold_every_province_and_prefecture() -> None:
    regions = TABLES.table("regions")
    provinces = [e for e in regions if e.code.endswith("0000")]
    assert len(provinces) == 34  # 31 mainland + 台湾 + 香港 + 澳门
    today = date(2026, 1, 1)
    prefectures = [
        e for e in regions if e.code.endswith("00") and not e.code.endswith("0000") and e.valid_on(today)
    ]
    assert len(prefectures) > 330
    for code, name in [
        ("440300", "深圳市"),
        ("510100", "成都市"),
        ("330100", "杭州市"),
        ("650100", "乌鲁木齐市"),
    ]:
        assert TABLES.get("regions", code) is not None and TABLES.get("regions", code).name == name  # type: ignore[union-attr]
    for e in regions:
        if e.parent is not None:
            assert e.parent in regions and e.code[:2] == e.parent[:2]


def test_region_validity_dates_and_renamed_codes() -> None:
    assert TABLES.validate("regions", "110103", on=date(2009, 6, 1)) is None  # 崇文区 until 2010
    msg = TABLES.validate("regions", "110103", on=date(2015, 1, 1))
    assert msg is not None and "崇文区" in msg and "2010-12-31" in msg
    chongqing = TABLES.get("regions", "510202")
    assert chongqing is not None and chongqing.name_on(date(1990, 5, 1)) == "市中区"
    assert chongqing.name_on(date(1995, 5, 1)) == "渝中区"
    assert TABLES.validate("regions", "500000", on=date(1996, 1, 1)) is not None  # 重庆 from 1997


def test_industries_sections_and_divisions_keep_leading_zeros() -> None:
    ind = TABLES.table("industries")
    sections = [e for e in ind if e.parent is None]
    assert [e.code for e in sections] == list("ABCDEFGHIJKLMNOPQRST")
    divisions = [e for e in ind if e.parent is not None]
    assert [e.code for e in divisions] == [f"{i:02d}" for i in range(1, 98)]
    assert ind.root("05") == "A" and TABLES.get("industries", "05").name == "农、林、牧、渔专业及辅助性活动"  # type: ignore[union-attr]


@given(
    st.sampled_from(REQUIRED).flatmap(
        lambda t: st.tuples(st.just(t), st.sampled_from(list(TABLES.table(t).entries)))
    )
)
def test_every_shipped_code_validates_within_its_validity(pair: tuple[str, str]) -> None:
    table, code = pair
    entry = TABLES.get(table, code)
    assert entry is not None
    on = entry.valid_to or entry.valid_from or date(2026, 1, 1)
    assert TABLES.validate(table, code, on=on) is None


@given(st.sampled_from(REQUIRED), st.text(min_size=1, max_size=12))
def test_unknown_codes_are_refused_with_a_message(table: str, text: str) -> None:
    msg = TABLES.validate(table, text)
    if text.strip() in TABLES.table(table):
        assert msg is None
    else:
        assert msg is not None and table in msg


@pytest.mark.parametrize(
    ("table", "typed", "hint"),
    [
        ("dispute_types", "labor_pay", "'labour_pay'"),
        ("regions", "北京市", "'110000'"),
        ("closure_methods", "mediaton", "'mediation'"),
    ],
)
def test_did_you_mean(table: str, typed: str, hint: str) -> None:
    msg = TABLES.validate(table, typed)
    assert msg is not None and f"是否是 {hint}" in msg


def test_unknown_table() -> None:
    assert not TABLES.has("dispute_type")
    with pytest.raises(UnknownCodeTable, match="did you mean 'dispute_types'"):
        TABLES.get("dispute_type", "other")
    assert "dispute_types" in (TABLES.validate("dispute_type", "x") or "")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return tmp_path


def test_a_replacement_table_is_data_only(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "dispute_types.yaml",
        """
        table: dispute_types
        title: 官方争议原因
        source: MOHRSS 指标集与代码 (institution copy)
        codes:
          - {code: "0101", name: 劳动报酬}
          - {code: "0102", name: 社会保险, valid_from: 2020-01-01}
          - {code: on, name: 布尔陷阱}
    """,
    )
    tables = CodeTables.load(tmp_path)
    assert tables.names() == ["dispute_types"]
    assert tables.validate("dispute_types", "0101") is None
    assert tables.validate("dispute_types", "on") is None  # a code is text, never a YAML 1.1 boolean
    assert tables.validate("dispute_types", "0102", on=date(2019, 12, 31)) is not None


def test_broken_table_reports_every_problem_with_its_position(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "outcomes.yaml",
        """
        table: outcome
        title: 结果
        codes:
          - {code: a, name: 甲}
          - {code: a, name: 乙}
          - {code: b, name: 丙, parent: z}
          - {code: c, name: 丁, valid_from: 2020-13-01}
          - {code: d, name: 戊, valid_from: 2020-01-02, valid_to: 2020-01-01}
          - {code: e, nmae: 己}
          - {code: f, name: 庚, parent: g}
          - {code: g, name: 辛, parent: f}
    """,
    )
    with pytest.raises(ProcedureInvalid) as err:
        CodeTables.load(tmp_path)
    found = {(d.code, d.span.line if d.span else 0) for d in err.value.diagnostics}
    assert ("E056", 1) in found  # table name differs from the file name
    assert ("E051", 1) in found  # no source line
    assert ("E052", 5) in found  # duplicate code
    assert ("E053", 6) in found  # unknown parent
    assert ("E054", 7) in found  # not a date
    assert ("E055", 8) in found  # valid_to before valid_from
    assert ("E057", 9) in found  # unknown key (did you mean 'name')
    assert ("E058", 10) in found  # parent cycle
    hint = [d.hint for d in err.value.diagnostics if d.code == "E057"]
    assert hint == ["did you mean 'name'?"]


def test_yaml_syntax_error_and_duplicate_keys(tmp_path: Path) -> None:
    _write(tmp_path, "channels.yaml", "table: channels\ntitle: x\ntitle: y\nsource: s\ncodes: []\n")
    _write(tmp_path, "outcomes.yaml", "table: outcomes\ncodes: [\n")
    with pytest.raises(ProcedureInvalid) as err:
        CodeTables.load(tmp_path)
    codes = {(d.code, Path(d.span.path).name, d.span.line) for d in err.value.diagnostics if d.span}
    assert ("E052", "channels.yaml", 3) in codes
    assert any(c == "E050" and p == "outcomes.yaml" for c, p, _ in codes)
