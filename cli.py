"""The `zhongcai` command (Typer). Thin: parses arguments, calls engine/, prints, sets the exit code.

Exit codes: 0 success, 1 a finding or failure, 2 bad usage. Only this file and api/ import Typer or
FastAPI. Each command group lives in its own section below; keep the work in engine/.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    name="zhongcai",
    help="劳动人事争议调解仲裁 案件程序引擎 (case-procedure engine for labour dispute mediation and arbitration)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# ---------------------------------------------------------------- procedures (issue 2)
procedures_app = typer.Typer(
    help="程序规则 (procedure rule sets): validate, show, diagram, check", no_args_is_help=True
)
app.add_typer(procedures_app, name="procedures")

# Imports stay inside the commands: `procedures validate` must start fast (no FastAPI/SQLAlchemy).
_PROCEDURES_ROOT = Path("procedures")


def _render_all(diags: list, docs: dict) -> str:
    from engine.errors import render_diagnostic

    out = []
    for d in diags:
        doc = docs.get(d.span.path) if d.span is not None else None
        out.append(render_diagnostic(d, doc.lines if doc is not None else None))
    return "\n\n".join(out)


@procedures_app.command("validate")
def procedures_validate(
    paths: list[Path] = typer.Argument(
        None, help="files or folders (default: all of procedures/)", exists=True
    ),
    root: Path = typer.Option(
        _PROCEDURES_ROOT, "--root", help="where national procedures (bases of overlays) live"
    ),
    strict: bool = typer.Option(False, "--strict", help="warnings (e.g. a missing template) count as errors"),
    as_json: bool = typer.Option(False, "--json", help="print the diagnostics as JSON"),
) -> None:
    """检查程序规则文件 (check procedure files): every problem of every file, sorted; exit 1 on any error."""
    import json

    from engine.library import check_files, discover, expand

    files = expand(paths) if paths else discover(root)
    if not files:
        typer.echo(f"no procedure files found under {root}", err=True)
        raise typer.Exit(2)
    index = discover(root) if root.is_dir() else []
    results, docs = check_files(
        files,
        index,
        codes_root=root.parent / "codes",
        documents_root=root.parent / "documents",
        strict=strict,
    )
    diags = sorted(
        {(d.code, d.span, d.message): d for r in results for d in r.diagnostics}.values(),
        key=lambda d: d.sort_key(),
    )
    errors = sum(d.severity == "error" for d in diags)
    if as_json:
        typer.echo(json.dumps([d.to_json() for d in diags], ensure_ascii=False, indent=2))
    else:
        if diags:
            typer.echo(_render_all(diags, docs))
            typer.echo("")
        summary = f"{errors} error(s), {len(diags) - errors} warning(s) in {len(files)} file(s)"
        typer.echo(("OK: " if not errors else "") + summary, err=bool(errors))
    raise typer.Exit(1 if errors else 0)


def _load_procedure(procedure_id: str, root: Path):
    from engine.errors import UnknownProcedure
    from engine.library import ProcedureLibrary

    lib, diags = ProcedureLibrary.load(root, strict=False)
    try:
        return lib.get(procedure_id)
    except UnknownProcedure as exc:
        mine = [
            d
            for d in diags
            if d.severity == "error" and d.span is not None and Path(d.span.path).stem == procedure_id
        ]
        if mine:
            typer.echo(_render_all(mine, lib.docs), err=True)
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


@procedures_app.command("show")
def procedures_show(
    procedure_id: str = typer.Argument(..., metavar="ID"),
    root: Path = typer.Option(_PROCEDURES_ROOT, "--root"),
) -> None:
    """显示程序 (show a procedure): stages, actions, deadlines, documents, with the file:line of each."""
    from engine.library import describe_procedure

    typer.echo(describe_procedure(_load_procedure(procedure_id, root)), nl=False)


@procedures_app.command("diagram")
def procedures_diagram(
    procedure_id: str = typer.Argument(..., metavar="ID"),
    root: Path = typer.Option(_PROCEDURES_ROOT, "--root"),
    fmt: str = typer.Option("mermaid", "--format", help="mermaid (text), png or svg (needs pygraphviz)"),
    out: Path | None = typer.Option(None, "--out", help="file to write (required for png/svg)"),
) -> None:
    """程序流程图 (stage diagram): Mermaid stateDiagram-v2 text, or PNG/SVG through pygraphviz."""
    from engine.compiler import machine_config, mermaid_diagram

    if fmt not in ("mermaid", "png", "svg"):
        typer.echo(f"unknown --format '{fmt}': use mermaid, png or svg", err=True)
        raise typer.Exit(2)
    proc = _load_procedure(procedure_id, root)
    if fmt == "mermaid":
        text = mermaid_diagram(proc)
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
        return
    if out is None:
        typer.echo(f"--format {fmt} needs --out FILE", err=True)
        raise typer.Exit(2)
    try:
        import pygraphviz  # noqa: F401
        from transitions.extensions import GraphMachine
    except ImportError:
        typer.echo(
            "PNG/SVG needs pygraphviz (pip install pygraphviz); use --format mermaid instead", err=True
        )
        raise typer.Exit(1) from None
    cfg = machine_config(proc)
    cfg["states"] = [{"name": s.id, "label": f"{s.id}\n{s.title}"} for s in proc.stages.values()]
    machine = GraphMachine(
        model=None, graph_engine="pygraphviz", title=proc.title, show_conditions=False, **cfg
    )
    machine.get_graph().draw(str(out), prog="dot", format=fmt)
    typer.echo(f"wrote {out}")


# ---------------------------------------------------------------- calendar (issue 3)
calendar_app = typer.Typer(help="工作日历 (working-day calendar): due dates, holidays", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")

# ---------------------------------------------------------------- cases, scenarios, verify, demo (issue 4)
case_app = typer.Typer(help="案件 (cases): open, fire, show, list, history", no_args_is_help=True)
app.add_typer(case_app, name="case")

# ---------------------------------------------------------------- serve, scheduler, audit (issue 6)
audit_app = typer.Typer(help="督查 (audit): deadline breaches, back-dated entries", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

# ---------------------------------------------------------------- monitor, codes (issue 7)
monitor_app = typer.Typer(help="监测 (monitoring): export, report, data checks, risk warnings", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
