"""`zhongcai library search`: search the law and case library (articles and typical cases); commands/library.py
attaches it to the `library` group.

The index is built from the library folder (ZHONGCAI_LIBRARY_DIR, default ../shared/library) on the
first search of the process; nothing is loaded at CLI import time.
"""

from __future__ import annotations

import json

import typer


def library_search(
    query: str = typer.Argument(..., help="检索词，如 公司拖欠工资怎么办"),
    kind: str | None = typer.Option(None, "--kind", help="article 或 case"),
    limit: int = typer.Option(10, "--limit", help="结果数 (1..100)"),
    rank: str = typer.Option("full", "--rank", help="full (默认) 或 bm25 (基线)"),
    dispute_type: str | None = typer.Option(None, "--dispute-type", help="争议类型，如 工伤"),
    claim: str | None = typer.Option(None, "--claim", help="请求类别，如 加班费"),
    region: str | None = typer.Option(None, "--region", help="地区，如 广东"),
    since: str | None = typer.Option(None, "--from", help="案例发布日期起 YYYY-MM-DD"),
    until: str | None = typer.Option(None, "--to", help="案例发布日期止 YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """检索法条与案例 (search articles and cases; each result says why it matched)."""
    import datetime as dt

    from engine.errors import BadInput
    from engine.library.search import Filters, search, shipped_index

    try:
        day = {o: dt.date.fromisoformat(v) for o, v in (("--from", since), ("--to", until)) if v}
    except ValueError:
        typer.echo("错误 (error): --from/--to 应为 YYYY-MM-DD (not a date)", err=True)
        raise typer.Exit(2) from None
    filters = Filters(dispute_type=dispute_type, claim_category=claim, region=region,
                      date_from=day.get("--from"), date_to=day.get("--to"))  # fmt: skip
    try:
        results = search(shipped_index(), query, kind=kind, limit=limit, rank=rank, filters=filters)
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
