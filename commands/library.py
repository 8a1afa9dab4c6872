"""`zhongcai library`: load the law and case library (法律法规库、案例库) from a corpus folder, and show an
article (every version) or a case."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from commands.common import ERROR, fail, open_database, shanghai_today
from commands.library_search import library_search

app = typer.Typer(help="法律法规库、案例库 (library): load, show, search", no_args_is_help=True)


@app.command("load")
def library_load(
    directory: Path = typer.Argument(
        ..., help="a folder with laws.jsonl and cases.jsonl, e.g. ../shared/library"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """载入法律法规库与案例库 (load; idempotent: a second load changes nothing). A bad record names its
    file:line and nothing is written (exit 1)."""
    from engine.library.corpus import CorpusError
    from engine.library.loader import load_library_dir

    if not directory.is_dir():
        raise fail(f"{ERROR}目录不存在 (not a folder): {directory}", 2)
    db = open_database()
    try:
        report = load_library_dir(db, directory, today=shanghai_today())
    except CorpusError as exc:
        raise fail(f"{ERROR}{exc}", 1) from None
    finally:
        db.dispose()
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    if not report.changed:
        typer.echo(
            f"无变化 (no change): {report.articles_unchanged} 条文, {report.cases_unchanged} 案例 already loaded"
        )
        return
    typer.echo(
        f"已载入 (loaded): 法律 +{report.laws_added}; 条文 +{report.articles_added}, 新版本 (new versions) "
        f"{report.articles_new_version}, 更新 {report.articles_updated}, 未变 {report.articles_unchanged}; "
        f"案例 +{report.cases_added}, 替换 (replaced) {report.cases_replaced}, 未变 {report.cases_unchanged}"
    )


@app.command("show")
def library_show(
    item_id: str = typer.Argument(..., help="an article id (ldrmal-47) or a case id"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """显示条文（现行版本与历史版本）或案例 (show an article with its history, or a case); exit 1 if unknown."""
    from engine.library.loader import article_history, library_case

    db = open_database()
    try:
        versions = article_history(db, item_id)
        case = None if versions else library_case(db, item_id)
    finally:
        db.dispose()
    if versions:
        rows = [v.model_dump(mode="json", exclude={"id", "recorded_at"}) for v in versions]
        if as_json:
            typer.echo(
                json.dumps({"kind": "article", "id": item_id, "versions": rows}, ensure_ascii=False, indent=2)
            )
            return
        cur = versions[-1]
        typer.echo(f"{item_id} {cur.label}  {cur.chapter} {cur.section}".rstrip())
        typer.echo(cur.text)
        for v in reversed(versions):
            mark = "现行 (current)" if v.effective_to is None else f"至 {v.effective_to}"
            typer.echo(f"  版本 (version) 自 {v.effective_from} {mark}  sha256 {v.text_sha256[:12]}")
        return
    if case is None:
        raise fail(f"{ERROR}没有该条文或案例 (no article or case {item_id!r} in the library)", 1)
    data = case.model_dump(mode="json")
    if as_json:
        typer.echo(json.dumps({"kind": "case", **data}, ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"{case.id}  {case.title}\n{case.authority} {case.published_on or ''}  {'、'.join(case.dispute_types)}"
    )
    for label, text in (("基本案情", case.facts), ("请求", case.claims), ("结果", case.outcome)):
        if text:
            typer.echo(f"【{label}】{text}")
    if case.articles_cited:
        typer.echo("引用条文 (articles cited): " + ", ".join(case.articles_cited))


# `zhongcai library search` (commands/library_search.py: the index and its renderings)
app.command("search")(library_search)
