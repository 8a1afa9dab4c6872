"""The corpus loaded into the database: `load_library_dir(db, DIR) -> LoadReport`.

Owns: `LoadReport`, `load_library_dir`, `article_history`, `library_case`. One transaction: every file is
read and validated first (a bad record raises CorpusError naming file:line and nothing is written).
Idempotent: an article whose text is unchanged is left alone (its metadata, e.g. chapter or doc_number,
is updated in place and counted as `updated`); a changed text becomes a new version. The old version ends
(effective_to) on the record's effective_from when that is later than the old one's; when the record keeps
the old effective_from (a corrected transcription, not an amendment), the old version ends on the load date
and the new one starts then, so the periods never overlap and the old text stays for cases decided under
it. Cases are replaced when their content hash changes (see engine.store.library_tables).
May import: engine.errors, engine.store, engine.library.corpus.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from engine.library.corpus import claim_categories, largest_amount, read_cases, read_laws
from engine.store.columns import utc_now
from engine.store.db import Database
from engine.store.library_tables import LawArticleRow, LawRow, LibraryCaseRow


@dataclass
class LoadReport:
    """What a load did; `changed` is False when the database already held exactly this corpus."""

    directory: str
    laws_added: int = 0
    articles_added: int = 0
    articles_new_version: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    cases_added: int = 0
    cases_replaced: int = 0
    cases_unchanged: int = 0
    #: laws_cited ids of cases that name no article of the corpus
    unresolved_citations: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.laws_added + self.articles_added + self.articles_new_version + self.articles_updated
            + self.cases_added + self.cases_replaced
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "changed": self.changed}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_META = ("label", "chapter", "section", "doc_number", "note", "source", "official_url")


def _article_values(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": r["article_label"],
        "chapter": r["chapter"],
        "section": r.get("section", "") or "",
        "doc_number": r.get("doc_number", "") or "",
        "note": r.get("note", "") or "",
        "source": r.get("source", "") or "",
        "official_url": r.get("official_url", "") or "",
    }


def _load_laws(s: Session, recs: list[tuple[int, dict[str, Any]]], today: dt.date, rep: LoadReport) -> None:
    laws = {row.law_key: row for row in s.exec(select(LawRow))}
    open_rows = select(LawArticleRow).where(LawArticleRow.effective_to.is_(None))  # type: ignore[union-attr]
    current = {row.article_id: row for row in s.exec(open_rows)}
    for _, r in recs:
        key = r["law_key"]
        law = laws.get(key)
        values = {"title": r["law"], "level": r.get("level", "") or "", "issuer": r["issuer"]}
        if law is None:
            law = laws[key] = LawRow(law_key=key, **values)
            s.add(law)
            s.flush()
            rep.laws_added += 1
        elif any(getattr(law, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(law, k, v)
            s.add(law)
        sha, meta = _sha(r["text"]), _article_values(r)
        start = dt.date.fromisoformat(r["effective_from"])
        old = current.get(r["id"])
        if old is not None and old.text_sha256 == sha:
            if any(getattr(old, k) != meta[k] for k in _META):
                for k in _META:
                    setattr(old, k, meta[k])
                s.add(old)
                rep.articles_updated += 1
            else:
                rep.articles_unchanged += 1
            continue
        if old is not None:
            start = (
                start if start > old.effective_from else max(today, old.effective_from + dt.timedelta(days=1))
            )
            old.effective_to = start
            s.add(old)
            s.flush()
            rep.articles_new_version += 1
            rep.new_versions.append(r["id"])
        else:
            rep.articles_added += 1
        s.add(
            LawArticleRow(
                article_id=r["id"], law_key=key, article=r["article"], text=r["text"], text_sha256=sha,
                effective_from=start, **meta,
            )
        )  # fmt: skip


_CASE_TEXT = ("title", "facts", "claims", "outcome", "reasoning")


def _case_values(r: dict[str, Any], known: set[str]) -> dict[str, Any]:
    cited = [a for a in r.get("laws_cited", []) if a in known]
    published = r.get("published_on") or None
    return {
        "kind": "typical",
        **{k: str(r.get(k, "") or "") for k in _CASE_TEXT},
        "articles_cited": cited,
        "dispute_types": list(r.get("dispute_types", [])),
        "claim_categories": claim_categories(r),
        "proceeding": str(r.get("proceeding", "") or "")[:20],
        "authority": str(r.get("authority", "") or "")[:300],
        "region": str(r.get("jurisdiction", "") or "")[:100],
        "amount": largest_amount(str(r.get("claims", "") or "")),
        "published_on": dt.date.fromisoformat(published) if published else None,
        "source": str(r.get("source", "") or "")[:500],
        "official_url": str(r.get("official_url", "") or "")[:500],
    }


def _load_cases(s: Session, recs: list[tuple[int, dict[str, Any]]], known: set[str], rep: LoadReport) -> None:
    rows = {row.id: row for row in s.exec(select(LibraryCaseRow))}
    for _, r in recs:
        rep.unresolved_citations += [f"{r['id']}: {a}" for a in r.get("laws_cited", []) if a not in known]
        values = _case_values(r, known)
        sha = _sha(json.dumps(values, ensure_ascii=False, sort_keys=True, default=str))
        row = rows.get(r["id"])
        if row is None:
            s.add(LibraryCaseRow(id=r["id"], content_sha256=sha, **values))
            rep.cases_added += 1
        elif row.content_sha256 != sha:
            for k, v in values.items():
                setattr(row, k, v)
            row.content_sha256, row.updated_at = sha, utc_now()
            s.add(row)
            rep.cases_replaced += 1
        else:
            rep.cases_unchanged += 1


def load_library_dir(db: Database, directory: Path, *, today: dt.date | None = None) -> LoadReport:
    """Load laws.jsonl and cases.jsonl (either may be absent, not both) from `directory` in one transaction."""
    from engine.library.corpus import CorpusError

    laws_path, cases_path = directory / "laws.jsonl", directory / "cases.jsonl"
    if not laws_path.is_file() and not cases_path.is_file():
        raise CorpusError(
            f"{directory}: 没有 laws.jsonl 或 cases.jsonl (neither laws.jsonl nor cases.jsonl found)"
        )
    laws = read_laws(laws_path) if laws_path.is_file() else []
    cases = read_cases(cases_path) if cases_path.is_file() else []
    rep = LoadReport(str(directory))
    day = today or dt.date.today()
    with db.transaction() as s:
        _load_laws(s, laws, day, rep)
        s.flush()
        known = set(s.exec(select(LawArticleRow.article_id)).all())
        _load_cases(s, cases, known, rep)
    return rep


def article_history(db: Database, article_id: str) -> list[LawArticleRow]:
    """Every version of an article, oldest first (empty if unknown)."""
    with db.read() as s:
        q = select(LawArticleRow).where(LawArticleRow.article_id == article_id)
        return list(s.exec(q.order_by(LawArticleRow.effective_from)))  # type: ignore[arg-type]


def library_case(db: Database, case_id: str) -> LibraryCaseRow | None:
    with db.read() as s:
        return s.get(LibraryCaseRow, case_id)
