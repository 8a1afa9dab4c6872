"""Search over the library: plain BM25 and the full ranker, each result with why it matched.

Ranking is bm25s (numpy only; it scores eagerly into a sparse matrix at index time, so a query term is
one sparse column read): a BM25 of our own would rebuild the same matrix, and the ranker's extras
(weights, expansion, facets) sit on top of per-term scores, which bm25s gives (`get_scores_from_ids`).

- `rank="bm25"`: one index over heading + body, the query's own tokens, nothing else (the baseline).
- `rank="full"` (default): separate indexes for the heading (title, article label, law name; weight
  HEADING_WEIGHT) and the body; the query's tokens at weight 1 and the tokens of the statutory terms that
  the synonym table adds at EXPANSION_WEIGHT (lower: the user's words come first); case scores × CASE_WEIGHT
  (a case is long and repeats the words of the question, so it outscored the article that answers it:
  measured on both query sets, bench/library_bench.py); then the kind and facet filters. A boost for
  cases whose dispute type the query names was tried and lowered NDCG on both sets: it is not used.

Filters (`Filters`) keep only documents whose facets match: dispute type and claim category (cases only,
so an article never passes them), region (articles are 全国性: they pass every region filter), amount band
and date range (cases by amount and publication date; articles by the date they took effect).

May import: engine.errors, engine.library.documents, engine.library.tokens, engine.library.synonyms.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.errors import BadInput
from engine.library.documents import KINDS, SearchDocument, corpus_from_dir
from engine.library.synonyms import synonym_table
from engine.library.tokens import tokenizer

__all__ = [
    "CASE_WEIGHT",
    "EXPANSION_WEIGHT",
    "HEADING_WEIGHT",
    "MAX_LIMIT",
    "MAX_QUERY",
    "PARALLEL_FROM",
    "Filters",
    "LibraryIndex",
    "Result",
    "build_index",
    "search",
]

HEADING_WEIGHT = 0.5
EXPANSION_WEIGHT = 0.7
CASE_WEIGHT = 0.5  # × a case's text score (cases are long: they outscore the article that answers)
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults (Lucene's)
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

    model = bm25s.BM25(k1=BM25_K1, b=BM25_B)
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
    _case_factor: tuple[float, Any] | None = None
    _not_kind: dict[str, Any] = field(default_factory=dict)

    def case_factor(self, weight: float) -> Any:
        import numpy as np

        if self._case_factor is None or self._case_factor[0] != weight:
            f = np.array([weight if d.kind == "case" else 1.0 for d in self.docs], dtype=np.float32)
            self._case_factor = (weight, f)
        return self._case_factor[1]

    def kind_mask(self, kind: str) -> Any:
        """True for the documents that are not of `kind` (cached)."""
        import numpy as np

        if kind not in self._not_kind:
            self._not_kind[kind] = np.array([d.kind != kind for d in self.docs], dtype=bool)
        return self._not_kind[kind]


#: above this many documents the tokenising is spread over the CPUs (forked workers that inherit the
#: loaded dictionary); the real corpus (about 1,100 documents) is always tokenised in process.
PARALLEL_FROM = 20_000


def _tokens_chunk(texts: list[str]) -> list[list[str]]:
    tok = tokenizer()
    return [tok.tokens(t) for t in texts]


def _tokenise(texts: list[str]) -> list[list[str]]:
    import multiprocessing
    import os
    import sys

    workers = min(os.cpu_count() or 1, 8)
    if len(texts) < PARALLEL_FROM or workers < 2 or not sys.platform.startswith("linux"):
        return _tokens_chunk(texts)
    tokenizer()  # load once before forking: the workers inherit it
    size = max(1, len(texts) // (workers * 4))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return [toks for part in pool.map(_tokens_chunk, chunks) for toks in part]


def build_index(docs: list[SearchDocument]) -> LibraryIndex:
    """Tokenise every document once and build the indexes (seconds in `build_seconds`)."""
    start = time.perf_counter()
    heads = _tokenise([d.heading for d in docs])
    bodies = _tokenise([d.body for d in docs])
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


@functools.cache
def shipped_index() -> LibraryIndex:
    """The process's index over the library folder (ZHONGCAI_LIBRARY_DIR, default ../shared/library),
    built on first use and kept: what the CLI and the API search."""
    return build_index(corpus_from_dir())


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


def _postings(model: Any, token: str) -> tuple[Any, Any] | None:
    """The documents that hold `token` and their BM25 scores (a column of bm25s's sparse matrix)."""
    tid = model.vocab_dict.get(token)
    if tid is None:
        return None
    sc = model.scores
    a, b = int(sc["indptr"][tid]), int(sc["indptr"][tid + 1])
    return (sc["indices"][a:b], sc["data"][a:b]) if b > a else None


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
    if rank not in ("bm25", "full"):
        raise BadInput(f"rank must be bm25 or full, not {rank!r}", "rank")
    filters = filters or Filters()
    tok = tokenizer()
    own = list(dict.fromkeys(tok.tokens(q)))
    total = np.zeros(len(index.docs), dtype=np.float32)
    parts: list[tuple[str, Any]] = []  # (why label, doc indices) of each term that matched

    def add(model: Any, token: str, weight: float, label: str) -> None:
        hit = _postings(model, token)
        if hit is not None:
            total[hit[0]] += weight * hit[1]
            parts.append((label, hit[0]))

    if rank == "bm25":
        for t in own:
            add(index.plain, t, 1.0, t)
    else:
        for t in own:
            add(index.body, t, 1.0, t)
            add(index.heading, t, HEADING_WEIGHT, f"{t} (title)")
        seen = set(own)
        for word, term in synonym_table().expand(q):
            for t in tok.tokens(term):
                if t not in seen:
                    seen.add(t)
                    add(index.body, t, EXPANSION_WEIGHT, f"{t} (synonym of {word})")
                    add(
                        index.heading, t, EXPANSION_WEIGHT * HEADING_WEIGHT, f"{t} (synonym of {word}, title)"
                    )
        if CASE_WEIGHT != 1.0:
            total *= index.case_factor(CASE_WEIGHT)
    if kind is not None:
        total[index.kind_mask(kind)] = 0
    candidates = np.flatnonzero(total > 0)
    order = candidates[np.argsort(-total[candidates], kind="stable")]
    extra = filters.describe()
    picked: list[int] = []
    for i in order:
        if filters.keeps(index.docs[int(i)]):
            picked.append(int(i))
            if len(picked) >= limit:
                break
    out = []
    for i in picked:
        d = index.docs[i]
        why = [label for label, docs in parts if _holds(docs, i)]
        out.append(Result(d.id, d.kind, round(float(total[i]), 4), d.title, why + extra))
    return out


def _holds(sorted_docs: Any, i: int) -> bool:
    import numpy as np

    j = int(np.searchsorted(sorted_docs, i))
    return j < len(sorted_docs) and int(sorted_docs[j]) == i
