"""Chinese numerals both ways, and every `basis:` of the shipped procedures resolved to corpus articles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.library.citations import resolve_citation
from engine.library.corpus import known_article_ids, library_dir, read_laws
from engine.library.numerals import parse_cn, to_cn
from tests.paths import ROOT


@given(st.integers(min_value=1, max_value=9999))
def test_a_chinese_label_parses_back_to_its_number(n: int) -> None:
    assert parse_cn(to_cn(n)) == n


def test_every_label_from_one_to_999_round_trips_and_known_labels_read() -> None:
    assert all(parse_cn(to_cn(n)) == n for n in range(1, 1000))
    assert [to_cn(n) for n in (10, 15, 107, 110, 205)] == ["十", "十五", "一百零七", "一百一十", "二百零五"]
    assert parse_cn("一二") is None and parse_cn("十百") is None and parse_cn("") is None


def test_every_corpus_label_is_the_label_of_its_number() -> None:
    for _, r in read_laws(library_dir() / "laws.jsonl"):
        assert parse_cn(r["article_label"][1:-1]) == r["article"]


def test_a_basis_resolves_to_article_ids_with_paragraphs_and_items() -> None:
    res = resolve_citation("调解仲裁法第四十七条；办案规则第五十条第二款")
    assert res.article_ids == ["ldrmal-47", "arb-rules-50"]
    assert res.citations[1].paragraph == 2 and res.problems == []
    res = resolve_citation("办案规则第四十六条第（二）项、第七十四条至第七十六条；解释（一）第十六条")
    assert res.article_ids == ["arb-rules-46", "arb-rules-74", "arb-rules-75", "arb-rules-76", "spc-1-16"]
    assert res.citations[0].item == 2
    assert resolve_citation("办案规则第四十五、四十六条").article_ids == ["arb-rules-45", "arb-rules-46"]
    assert resolve_citation("劳动合同法实施条例第十条").article_ids == ["lcl-reg-10"]
    assert resolve_citation("本系统规则：十个工作日").system_rule


def test_an_unknown_instrument_or_article_is_a_problem() -> None:
    known = known_article_ids()
    assert known is not None
    assert [p.kind for p in resolve_citation("调解仲裁法第九十九条", known).problems] == ["no_article"]
    assert [p.kind for p in resolve_citation("某某办法第三条").problems] == ["no_law"]
    assert resolve_citation("民事诉讼法第九十五条", known).problems == []  # outside the corpus, on purpose


def _bases() -> list[str]:
    out = []
    for path in sorted((ROOT / "procedures").rglob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*basis:\s*(.+)$", line)
            if m:
                out.append(m[1].strip())
    return out


@pytest.mark.parametrize("basis", _bases())
def test_every_basis_of_the_shipped_procedures_resolves(basis: str) -> None:
    known = known_article_ids()
    assert known is not None, "the corpus ../shared/library is missing"
    res = resolve_citation(basis, known)
    assert res.problems == []
    assert all(a in known for a in res.article_ids)
    assert res.citations or res.system_rule or "民事诉讼法" in basis or "浙江" in basis or "广西" in basis


def test_without_the_corpus_validation_says_nothing_about_bases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.procedures.library import check_files

    monkeypatch.setenv("ZHONGCAI_LIBRARY_DIR", str(tmp_path))
    assert known_article_ids() is None
    bad = ROOT / "tests" / "bad_procedures" / "basis_names_no_article.yaml"
    res, _ = check_files([bad], codes_root=ROOT / "codes", documents_root=ROOT / "documents")
    assert [d for d in res[0].diagnostics if d.code == "W315"] == []
