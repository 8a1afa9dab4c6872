"""`zhongcai documents`: lint the templates, render the demo case's documents."""

from __future__ import annotations

from pathlib import Path

import typer

from commands.procedures import load_procedure

app = typer.Typer(
    help="文书 (documents): check templates, render the demo case's documents", no_args_is_help=True
)


@app.command("check")
def documents_check(
    procedure_ids: list[str] = typer.Argument(None, help="procedure ids (default: all)"),
    procedures: Path = typer.Option(Path("procedures"), "--procedures", help="the procedures folder"),
) -> None:
    """检查文书模板 (lint templates): every name a template reads is a fact or case data (D0xx)."""
    from engine.documents.lint import check_region_folders, check_templates
    from engine.errors import render_diagnostic

    ids = procedure_ids or []
    if not ids:
        from engine import ProcedureLibrary

        ids = list(ProcedureLibrary.load(procedures, strict=False)[0].ids())
    errors = 0
    for procedure_id in ids:
        for diag in check_templates(load_procedure(procedure_id, procedures)):
            errors += diag.severity == "error"
            typer.echo(f"{procedure_id}: {render_diagnostic(diag)}")
    if not procedure_ids:
        for diag in check_region_folders(ids):
            typer.echo(render_diagnostic(diag))
    typer.echo(f"{len(ids)} procedure(s), {errors} error(s)")
    raise typer.Exit(1 if errors else 0)


@app.command("sample")
def documents_sample(
    out: Path = typer.Option(..., "--out", help="folder to write the documents to"),
    procedure_id: str = typer.Option("arbitration", "--procedure"),
    pdf: bool = typer.Option(False, "--pdf", help="also write PDF files"),
    masked: bool = typer.Option(False, "--masked", help="the published (masked) version"),
    procedures: Path = typer.Option(Path("procedures"), "--procedures"),
) -> None:
    """示例文书 (sample): every generated document of a procedure, rendered for the demo case."""
    from engine.documents.demo import demo_snapshot
    from engine.documents.render import DocumentError, render_for_case, render_pdf

    procedure = load_procedure(procedure_id, procedures)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for doc in procedure.documents.values():
        if doc.kind != "generated":
            continue
        try:
            rendered = render_for_case(procedure, doc.id, demo_snapshot(procedure, doc.id), masked=masked)
        except DocumentError as exc:
            failed += 1
            typer.echo(f"{doc.id}: {exc}", err=True)
            continue
        (out / f"{doc.id}.html").write_text(rendered.content, encoding="utf-8")
        if pdf:
            (out / f"{doc.id}.pdf").write_bytes(render_pdf(rendered.content))
        typer.echo(f"{doc.id}  {doc.title}  sha256 {rendered.sha256[:12]}")
    raise typer.Exit(1 if failed else 0)
