"""Library search bench: NDCG@10 and recall@10 of plain BM25 and the full ranker on bench/library_queries.jsonl
and ../shared/library/queries-dev.jsonl, and search p95 latency over the real corpus plus N generated cases
beside bare bm25s (its own retrieve over the same tokens) in the same run.

    .venv/bin/python -m bench.library_bench [--generated 100000] [--queries 200]

Metrics as the library README: gain 2^grade - 1, log2 discount, ideal order from the judgements;
recall@10 over the ids graded >= 2. Generated cases are sentences of the real cases recombined (seeded).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import time
from dataclasses import replace
from pathlib import Path

from engine.library.documents import SearchDocument, corpus_from_dir, default_library_dir
from engine.library.search import build_index, search
from engine.library.tokens import tokenizer

OWN = Path(__file__).with_name("library_queries.jsonl")


def ndcg10(ranked: list[str], rel: dict[str, int]) -> float:
    dcg = sum((2 ** rel.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall10(ranked: list[str], rel: dict[str, int]) -> float:
    good = {d for d, g in rel.items() if g >= 2}
    return len(good & set(ranked[:10])) / len(good) if good else 0.0


def quality(index: object, path: Path) -> dict[str, tuple[float, float]]:
    qs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    out = {}
    for rank in ("bm25", "full"):
        n = r = 0.0
        for q in qs:
            ids = [x.id for x in search(index, q["query"], limit=10, rank=rank)]  # type: ignore[arg-type]
            n += ndcg10(ids, q["relevant"])
            r += recall10(ids, q["relevant"])
        out[rank] = (n / len(qs), r / len(qs))
    return out


def generated(docs: list[SearchDocument], n: int, seed: int = 15) -> list[SearchDocument]:
    rnd = random.Random(seed)
    cases = [d for d in docs if d.kind == "case"]
    sentences = [s for d in cases for s in re.split(r"(?<=[。；])", d.body) if len(s) > 8]
    out = []
    for i in range(n):
        base = rnd.choice(cases)
        body = "".join(rnd.choice(sentences) for _ in range(3))
        out.append(replace(base, id=f"gen-{i:06d}", title=rnd.choice(sentences)[:30], body=body))
    return out


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.95 * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generated", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    docs = corpus_from_dir()
    index = build_index(docs)
    print(f"quality over the real corpus ({len(docs)} documents)")
    print(f"{'query set':<28} {'BM25 NDCG@10':>13} {'BM25 R@10':>10} {'full NDCG@10':>13} {'full R@10':>10}")
    for path in (OWN, default_library_dir() / "queries-dev.jsonl"):
        q = quality(index, path)
        print(
            f"{path.name:<28} {q['bm25'][0]:>13.3f} {q['bm25'][1]:>10.3f} {q['full'][0]:>13.3f} {q['full'][1]:>10.3f}"
        )

    build, full, bare = latency(docs, args.generated, args.queries)
    print(
        f"\nscale: {len(docs) + args.generated:,} documents; index build {build:.1f} s (tokenising + 3 bm25s indexes)"
    )
    print(
        f"search p95 over {len(full)} queries: full ranker {p95(full):.1f} ms, bare bm25s {p95(bare):.1f} ms"
    )


def latency(docs: list[SearchDocument], n: int, queries: int) -> tuple[float, list[float], list[float]]:
    """Index build seconds, and per-query ms of the full ranker and of bare bm25s `retrieve` (the same
    tokens, the plain index) over the corpus plus `n` generated cases."""
    index = build_index(docs + generated(docs, n))
    texts = [json.loads(x)["query"] for x in OWN.read_text(encoding="utf-8").splitlines() if x.strip()]
    texts = (texts * (queries // len(texts) + 1))[:queries]
    tok = tokenizer()
    full, bare = [], []
    for t in texts:
        s = time.perf_counter()
        search(index, t, limit=10)
        full.append((time.perf_counter() - s) * 1000)
        s = time.perf_counter()
        ids = index.plain.get_tokens_ids(tok.tokens(t))
        if ids:
            index.plain.retrieve([ids], k=10, show_progress=False)
        bare.append((time.perf_counter() - s) * 1000)
    return index.build_seconds, full, bare


if __name__ == "__main__":
    main()
