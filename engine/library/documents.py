"""What the search indexes: one `SearchDocument` per article or case, with its text fields and facets.

`corpus_from_dir(DIR)` reads `laws.jsonl` and `cases.jsonl` of the shared library folder (its README
gives the fields); a reader from the library's database tables returns the same shape. The facets a
case does not carry as a field are derived here, once, from its text: the claim categories (请求事项, by
keyword rules over the claims and the outcome) and the amount (the largest sum in 元 of the claims or,
where the case has none, of the outcome). Articles have the region 全国性 and the date they took effect.

May import: engine.errors and the standard library.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from engine.errors import BadInput

__all__ = [
    "CLAIM_RULES",
    "KINDS",
    "SearchDocument",
    "claim_categories",
    "corpus_from_dir",
    "default_library_dir",
    "largest_amount",
]

KINDS = ("article", "case")

#: 请求事项 (claim categories) and the words that mark them in a case's claims or outcome.
CLAIM_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("劳动报酬", ("工资", "劳动报酬", "报酬", "绩效", "奖金", "提成")),
    ("加班费", ("加班",)),
    ("经济补偿", ("经济补偿",)),
    ("赔偿金", ("赔偿金", "违法解除")),
    ("二倍工资", ("二倍工资", "双倍工资", "未订立书面劳动合同", "未签订书面劳动合同")),
    ("社会保险", ("社会保险", "社保", "养老保险", "医疗保险", "失业保险", "生育保险")),
    ("工伤保险待遇", ("工伤", "伤残", "停工留薪")),
    ("年休假工资", ("年休假", "年假")),
    ("确认劳动关系", ("确认", "劳动关系")),
    ("违约金", ("违约金", "竞业限制", "服务期")),
    ("恢复劳动关系", ("恢复劳动关系", "继续履行", "撤销解除")),
)

_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)*)\s*(万)?元")


@dataclass(frozen=True)
class SearchDocument:
    """One article or case as the search sees it (ids are those of ../shared/library/)."""

    id: str
    kind: str  # article | case
    title: str
    body: str
    law_key: str = ""
    law: str = ""
    article_label: str = ""
    dispute_types: tuple[str, ...] = ()
    claim_categories: tuple[str, ...] = ()
    region: str = "全国性"
    amount: float | None = None
    on: date | None = None
    laws_cited: tuple[str, ...] = field(default=())
    chapter: str = ""

    @property
    def heading(self) -> str:
        """The short fields weighted above the body: title, article label, law name."""
        if self.kind == "article":
            return " ".join(x for x in (self.law, self.chapter, self.article_label) if x)
        return self.title


def default_library_dir() -> Path:
    """`ZHONGCAI_LIBRARY_DIR`, or `../shared/library` beside the repository (the workplace layout)."""
    env = os.environ.get("ZHONGCAI_LIBRARY_DIR", "").strip()
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "library"


def largest_amount(text: str) -> float | None:
    """The largest sum of money named in `text`, in 元 (`3.5万元` = 35000).

    >>> largest_amount("支付工资8,000元及赔偿金1.2万元")
    12000.0
    >>> largest_amount("恢复劳动关系") is None
    True
    """
    best: float | None = None
    for m in _AMOUNT.finditer(text):
        try:
            value = float(m.group(1).replace(",", ""))
        except ValueError:
            continue
        if m.group(2):
            value *= 10_000
        best = value if best is None else max(best, value)
    return best


def claim_categories(text: str) -> tuple[str, ...]:
    """The claim categories whose marker words occur in `text`, in CLAIM_RULES order."""
    return tuple(name for name, words in CLAIM_RULES if any(w in text for w in words))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def article_document(row: dict[str, object]) -> SearchDocument:
    """A `laws.jsonl` record as a document."""
    s = {k: str(v or "") for k, v in row.items() if not isinstance(v, list)}
    headings = " ".join(x for x in (s.get("chapter", ""), s.get("section", "")) if x)
    return SearchDocument(
        id=s["id"],
        kind="article",
        title=f"{s.get('law', '')}{s.get('article_label', '')}",
        body=f"{headings}\n{s.get('text', '')}",
        chapter=headings,
        law_key=s.get("law_key", ""),
        law=s.get("law", ""),
        article_label=s.get("article_label", ""),
        on=_day(s.get("effective_from", "")),
    )


def case_document(row: dict[str, object]) -> SearchDocument:
    """A `cases.jsonl` record as a document (facts, claims, outcome, reasoning and key points)."""
    s = {k: str(v or "") for k, v in row.items() if not isinstance(v, list)}
    parts = ("facts", "claims", "outcome", "key_points", "reasoning")
    body = "\n".join(s.get(p, "") for p in parts if s.get(p))
    claims = s.get("claims", "") or s.get("facts", "")
    disputes = row.get("dispute_types") or []
    cited = row.get("laws_cited") or []
    return SearchDocument(
        id=s["id"],
        kind="case",
        title=s.get("title", ""),
        body=body,
        dispute_types=tuple(str(d) for d in disputes) if isinstance(disputes, list) else (),
        claim_categories=claim_categories(f"{claims}\n{s.get('outcome', '')}"),
        region=s.get("jurisdiction", "") or "全国性",
        amount=largest_amount(s.get("claims", "")) or largest_amount(s.get("outcome", "")),
        on=_day(s.get("published_on", "")),
        laws_cited=tuple(str(c) for c in cited) if isinstance(cited, list) else (),
    )


def _rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadInput(f"{path}:{n}: not JSON ({exc.msg})", str(path)) from exc
            if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
                raise BadInput(f"{path}:{n}: a record without a string id", str(path))
            yield n, row


def corpus_from_dir(folder: Path | None = None) -> list[SearchDocument]:
    """The articles of `laws.jsonl`, then the cases of `cases.jsonl`, under `folder` (a missing file is
    an error: a search over half a library would answer wrongly without saying so)."""
    folder = folder or default_library_dir()
    docs: list[SearchDocument] = []
    for name, make in (("laws.jsonl", article_document), ("cases.jsonl", case_document)):
        path = folder / name
        if not path.is_file():
            raise BadInput(f"{path}: no such file (set ZHONGCAI_LIBRARY_DIR)", "library_dir")
        docs.extend(make(row) for _, row in _rows(path))
    _unique(docs)
    return docs


def _unique(docs: Iterable[SearchDocument]) -> None:
    seen: set[str] = set()
    for d in docs:
        if d.id in seen:
            raise BadInput(f"duplicate library id {d.id}", "id")
        seen.add(d.id)
