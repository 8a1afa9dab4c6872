"""Search over the library: plain BM25 and the full ranker, each result with why it matched.

Ranking is bm25s (numpy only; it scores eagerly into a sparse matrix at index time, so a query term is
one sparse column read): a BM25 of our own would rebuild the same matrix, and the ranker's extras
(weights, expansion, facets) sit on top of per-term scores, which bm25s gives (`get_scores_from_ids`).

- `rank="bm25"`: one index over heading + body, the query's own tokens, nothing else (the baseline).
- `rank="full"` (default): separate indexes for the heading (title, article label, law name; weight
  HEADING_WEIGHT) and the body; the query's tokens at weight 1 and the tokens of the statutory terms that
  the synonym table adds at EXPANSION_WEIGHT (lower: the user's words come first); a boost for cases whose
  dispute types the query names (directly or through a synonym); then the facet filters.

Filters (`Filters`) keep only documents whose facets match: dispute type and claim category (cases only,
so an article never passes them), region (articles are 全国性: they pass every region filter), amount band
and date range (cases by amount and publication date; articles by the date they took effect).

May import: engine.errors, engine.library.documents, engine.library.tokens, engine.library.synonyms.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.errors import BadInput
from engine.library.documents import KINDS, SearchDocument
from engine.library.synonyms import synonym_table
from engine.library.tokens import tokenizer

__all__ = [
    "EXPANSION_WEIGHT",
    "HEADING_WEIGHT",
    "MAX_LIMIT",
    "MAX_QUERY",
    "Filters",
    "LibraryIndex",
    "Result",
    "build_index",
    "search",
]

HEADING_WEIGHT = 0.6
EXPANSION_WEIGHT = 0.5
DISPUTE_BOOST = 0.15  # × the best score, for a case whose dispute type the query names
MAX_LIMIT = 100
MAX_QUERY = 500


@dataclass(frozen=True)
class Filters:
    """Facet filters; None = no filter on that facet."""

    dispute_type: str | None = None
    claim_category: str | None = None
    region: str | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> list[str]:
        return [f"filter {k}={v}" for k, v in vars(self).items() if v is not None]

    def keeps(self, d: SearchDocument) -> bool:
        if self.dispute_type is not None and self.dispute_type not in d.dispute_types:
            return False
        if self.claim_category is not None and self.claim_category not in d.claim_categories:
            return False
        if self.region is not None and d.region != "全国性" and self.region not in d.region:
            return False
        if self.amount_min is not None or self.amount_max is not None:
            if d.amount is None:
                return False
            if self.amount_min is not None and d.amount < self.amount_min:
                return False
            if self.amount_max is not None and d.amount > self.amount_max:
                return False
        if self.date_from is not None and (d.on is None or d.on < self.date_from):
            return False
        return not (self.date_to is not None and (d.on is None or d.on > self.date_to))


@dataclass(frozen=True)
class Result:
    id: str
    kind: str
    score: float
    title: str
    why: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "score": self.score, "title": self.title, "why": self.why}


def _bm25(token_lists: list[list[str]]) -> Any:
    import bm25s

    model = bm25s.BM25()
    model.index(token_lists, show_progress=False)
    return model


@dataclass
class LibraryIndex:
    """The documents and their three bm25s indexes (built by `build_index`)."""

    docs: list[SearchDocument]
    plain: Any
    heading: Any
    body: Any
    dispute_labels: frozenset[str]
    build_seconds: float = 0.0

    def term_scores(self, model: Any, token: str) -> Any:
        tid = model.vocab_dict.get(token)
        return None if tid is None else model.get_scores_from_ids([tid])


def build_index(docs: list[SearchDocument]) -> LibraryIndex:
    """Tokenise every document once and build the indexes (seconds in `build_seconds`)."""
    start = time.perf_counter()
    tok = tokenizer()
    heads = [tok.tokens(d.heading) for d in docs]
    bodies = [tok.tokens(d.body) for d in docs]
    labels = frozenset(t for d in docs for t in d.dispute_types)
    index = LibraryIndex(
        docs=docs,
        plain=_bm25([h + b for h, b in zip(heads, bodies, strict=True)]),
        heading=_bm25(heads),
        body=_bm25(bodies),
        dispute_labels=labels,
    )
    index.build_seconds = time.perf_counter() - start
    return index


def _check(query: str, kind: str | None, limit: int) -> str:
    q = " ".join(query.split())
    if not q:
        raise BadInput("the query is empty", "q")
    if len(q) > MAX_QUERY:
        raise BadInput(f"the query is longer than {MAX_QUERY} characters", "q")
    if kind is not None and kind not in KINDS:
        raise BadInput(f"kind must be article or case, not {kind!r}", "kind")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be 1..{MAX_LIMIT}", "limit")
    return q


def search(
    index: LibraryIndex,
    query: str,
    kind: str | None = None,
    limit: int = 10,
    filters: Filters | None = None,
    rank: str = "full",
) -> list[Result]:
    """The best `limit` documents for `query` (BadInput on an empty or overlong query, a bad kind or
    limit), best first; a document with no matching term is never returned."""
    import numpy as np

    q = _check(query, kind, limit)
    filters = filters or Filters()
    tok = tokenizer()
    own = list(dict.fromkeys(tok.tokens(q)))
    n = len(index.docs)
    total = np.zeros(n, dtype=np.float32)
    matched: dict[int, list[str]] = {}

    def add(model: Any, token: str, weight: float, label: str) -> None:
        nonlocal total
        s = index.term_scores(model, token)
        if s is None:
            return
        total += weight * s
        for i in np.flatnonzero(s):
            matched.setdefault(int(i), []).append(label)

    if rank == "bm25":
        for t in own:
            add(index.plain, t, 1.0, t)
    elif rank == "full":
        for t in own:
            add(index.body, t, 1.0, t)
            add(index.heading, t, HEADING_WEIGHT, f"{t} (title)")
        seen = set(own)
        named = {t for t in index.dispute_labels if t in q}
        for word, term in synonym_table().expand(q):
            if term in index.dispute_labels:
                named.add(term)
            for t in tok.tokens(term):
                if t in seen:
                    continue
                seen.add(t)
                add(index.body, t, EXPANSION_WEIGHT, f"{t} (synonym of {word})")
                add(index.heading, t, EXPANSION_WEIGHT * HEADING_WEIGHT, f"{t} (synonym of {word}, title)")
        if named and total.max() > 0:
            bump = DISPUTE_BOOST * float(total.max())
            for i, d in enumerate(index.docs):
                hit = named.intersection(d.dispute_types)
                if hit and total[i] > 0:
                    total[i] += bump
                    matched[i].append("dispute type " + "、".join(sorted(hit)))
    else:
        raise BadInput(f"rank must be bm25 or full, not {rank!r}", "rank")

    order = np.argsort(-total, kind="stable")
    out: list[Result] = []
    extra = filters.describe()
    for i in order:
        score = float(total[i])
        if score <= 0 or math.isnan(score):
            break
        d = index.docs[int(i)]
        if (kind is not None and d.kind != kind) or not filters.keeps(d):
            continue
        why = list(dict.fromkeys(matched.get(int(i), []))) + extra
        out.append(Result(d.id, d.kind, round(score, 4), d.title, why))
        if len(out) >= limit:
            break
    return out
