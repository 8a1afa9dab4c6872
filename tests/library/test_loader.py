"""Loading the corpus: idempotent, a changed article becomes a new version, a bad file writes nothing;
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import func, select

from engine.library.corpus import CorpusError, library_dir
from engine.library.loader import article_history, library_case, load_library_dir
from engine.store.db import Database, init_db
from engine.store.library_tables import LawArticleRow, LibraryCaseRow


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "lib"
    d.mkdir()
    for name in ("laws.jsonl", "cases.jsonl"):
        shutil.copy(library_dir() / name, d / name)
    return d


def _edit(path: Path, record_id: str, **changes: object) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        r = json.loads(line)
        if r["id"] == record_id:
            r.update(changes)
        out.append(json.dumps(r, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _count(db: Database, row: type) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(row)).one())


def _check_versions(db: Database, tmp_path: Path) -> None:
    d = _copy(tmp_path)
    first = load_library_dir(db, d, today=dt.date(2026, 12, 1))
    assert (
        first.changed and first.articles_added == 902 and first.cases_added == 219 and first.laws_added == 20
    )
    assert first.unresolved_citations == []
    second = load_library_dir(db, d, today=dt.date(2026, 12, 2))
    assert not second.changed and second.articles_unchanged == 902 and second.cases_unchanged == 219
    # an amendment: a new text from a later date
    _edit(d / "laws.jsonl", "ldrmal-47", text="修改后的条文。", effective_from="2027-01-01")
    # a corrected transcription: a new text, the same effective_from
    _edit(d / "laws.jsonl", "ldrmal-48", text="更正后的条文。")
    third = load_library_dir(db, d, today=dt.date(2026, 12, 3))
    assert (third.articles_new_version, third.articles_unchanged) == (2, 900)
    old, new = article_history(db, "ldrmal-47")
    assert (old.effective_from, old.effective_to, new.effective_from, new.effective_to) == (
        dt.date(2008, 5, 1), dt.date(2027, 1, 1), dt.date(2027, 1, 1), None,
    )  # fmt: skip
    assert old.text.startswith("下列劳动争议") and new.text == "修改后的条文。"
    old, new = article_history(db, "ldrmal-48")
    assert (old.effective_to, new.effective_from) == (dt.date(2026, 12, 3), dt.date(2026, 12, 3))
    assert not load_library_dir(db, d, today=dt.date(2026, 12, 4)).changed
    case = library_case(db, "mohrss-spc-2021-2-01")
    assert case is not None and case.articles_cited == ["labour-41", "labour-43", "lcl-26", "labour-4"]
    assert "赔偿金" in case.claim_categories and case.amount is not None and int(case.amount) == 8000


def test_load_twice_changes_nothing_and_a_changed_article_is_a_new_version(tmp_path: Path) -> None:
    _check_versions(init_db(f"sqlite:///{tmp_path / 'l.db'}"), tmp_path)


@pytest.mark.pg
def test_the_same_on_postgres(pg_url: str, tmp_path: Path) -> None:
    db = init_db(pg_url)
    _check_versions(db, tmp_path)
    db.dispose()


@pytest.mark.parametrize(
    ("record_id", "changes", "message"),
    [
        ("ldrmal-3", {"id": "ldrmal-x"}, "条文编号无效"),
        ("ldrmal-3", {"article_label": "第四条"}, "条文标签与条号不符"),
        ("ldrmal-3", {"article": 99, "id": "ldrmal-99", "article_label": "第九十九条"}, "条文编号不连续"),
        ("ldrmal-3", {"effective_from": "2008-13-01"}, "effective_from"),
    ],
)
def test_a_bad_law_record_names_its_line_and_nothing_is_written(
    tmp_path: Path, record_id: str, changes: dict[str, object], message: str
) -> None:
    db = init_db(f"sqlite:///{tmp_path / 'b.db'}")
    d = _copy(tmp_path)
    _edit(d / "laws.jsonl", record_id, **changes)
    with pytest.raises(CorpusError, match=message) as exc:
        load_library_dir(db, d)
    if message != "条文编号不连续":
        assert "laws.jsonl:3:" in str(exc.value)
    assert _count(db, LawArticleRow) == 0 and _count(db, LibraryCaseRow) == 0


def test_a_bad_case_file_writes_no_law_either(tmp_path: Path) -> None:
    db = init_db(f"sqlite:///{tmp_path / 'c.db'}")
    d = _copy(tmp_path)
    with (d / "cases.jsonl").open("a", encoding="utf-8") as f:
        f.write("{not json\n")
    with pytest.raises(CorpusError, match=r"cases.jsonl:220: JSON 无效"):
        load_library_dir(db, d)
    assert _count(db, LawArticleRow) == 0


def test_budgets_refuse_an_oversized_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.library.corpus as corpus

    monkeypatch.setattr(corpus, "MAX_RECORDS", 100)
    db = init_db(f"sqlite:///{tmp_path / 'd.db'}")
    with pytest.raises(CorpusError, match="记录过多"):
        load_library_dir(db, _copy(tmp_path))
