"""`zhongcai library search`: search the law and case library (articles and typical cases); commands/library.py
attaches it to the `library` group.

The index is built from the library folder (ZHONGCAI_LIBRARY_DIR, default ../shared/library) on the
first search of the process; nothing is loaded at CLI import time.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import typer


@cache
def library_index() -> Any:
    """The process's search index over the library folder (built once)."""
    from engine.library.documents import corpus_from_dir
    from engine.library.search import build_index

    return build_index(corpus_from_dir())


def library_search(
    query: str = typer.Argument(..., help="检索词，如 公司拖欠工资怎么办"),
    kind: str | None = typer.Option(None, "--kind", help="article 或 case"),
    limit: int = typer.Option(10, "--limit", help="结果数 (1..100)"),
    rank: str = typer.Option("full", "--rank", help="full (默认) 或 bm25 (基线)"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """检索法条与案例 (search articles and cases; each result says why it matched)."""
    from engine.errors import BadInput
    from engine.library.search import search

    try:
        results = search(library_index(), query, kind=kind, limit=limit, rank=rank)
    except BadInput as exc:
        typer.echo(f"错误 (error): {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        payload = {"results": [r.to_json() for r in results]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not results:
        typer.echo("没有结果 (no result)")
    for n, r in enumerate(results, 1):
        typer.echo(f"{n:>2}. [{r.kind}] {r.id}  {r.title}  ({r.score:.2f})")
        typer.echo(f"    why: {'; '.join(r.why)}")
