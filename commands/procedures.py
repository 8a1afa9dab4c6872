"""`zhongcai procedures`: validate, show, diagram and check (prove) procedure rule sets.

Imports stay inside the commands: `procedures validate` must start fast (no FastAPI/SQLAlchemy).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from engine.procedures.model import Procedure


app = typer.Typer(help="程序规则 (procedure rule sets): validate, show, diagram, check", no_args_is_help=True)

_PROCEDURES_ROOT = Path("procedures")


@app.command("validate")
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

    from engine.errors import render_diagnostics
    from engine.procedures.library import check_files, discover, expand

    files = expand(paths) if paths else discover(root)
    if not files:
        where = "among the given paths (calendar overlays are not procedures)" if paths else f"under {root}"
        typer.echo(f"no procedure files found {where}", err=True)
        raise typer.Exit(2)
    index = discover(root) if root.is_dir() else []
    results, docs = check_files(
        files,
        index,
        codes_root=root.parent / "codes",
        documents_root=root.parent / "documents",
        calendars_root=root / "calendars",
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
            typer.echo(render_diagnostics(diags, docs))
            typer.echo("")
        summary = f"{errors} error(s), {len(diags) - errors} warning(s) in {len(files)} file(s)"
        typer.echo(("OK: " if not errors else "") + summary, err=bool(errors))
    raise typer.Exit(1 if errors else 0)


def load_procedure(procedure_id: str, root: Path) -> Procedure:
    """The compiled procedure `procedure_id` under `root`; exits 1 with its errors if it does not compile."""
    from engine import ProcedureLibrary
    from engine.errors import UnknownProcedure, render_diagnostics

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
            typer.echo(render_diagnostics(mine, lib.docs), err=True)
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


@app.command("show")
def procedures_show(
    procedure_id: str = typer.Argument(..., metavar="ID"),
    root: Path = typer.Option(_PROCEDURES_ROOT, "--root"),
) -> None:
    """显示程序 (show a procedure): stages, actions, deadlines, documents, with the file:line of each."""
    from engine.procedures.overview import describe_procedure

    typer.echo(describe_procedure(load_procedure(procedure_id, root)), nl=False)


@app.command("diagram")
def procedures_diagram(
    procedure_id: str = typer.Argument(..., metavar="ID"),
    root: Path = typer.Option(_PROCEDURES_ROOT, "--root"),
    fmt: str = typer.Option("mermaid", "--format", help="mermaid (text), png or svg (needs pygraphviz)"),
    out: Path | None = typer.Option(None, "--out", help="file to write (required for png/svg)"),
) -> None:
    """程序流程图 (stage diagram): Mermaid stateDiagram-v2 text, or PNG/SVG through pygraphviz."""
    from engine.procedures.diagrams import machine_config, mermaid_diagram

    if fmt not in ("mermaid", "png", "svg"):
        typer.echo(f"unknown --format '{fmt}': use mermaid, png or svg", err=True)
        raise typer.Exit(2)
    proc = load_procedure(procedure_id, root)
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
    import importlib.util

    if importlib.util.find_spec("pygraphviz") is None:
        typer.echo(
            "PNG/SVG needs pygraphviz (pip install pygraphviz); use --format mermaid instead", err=True
        )
        raise typer.Exit(1)

    from transitions.extensions import GraphMachine

    class _Diagram:  # GraphMachine draws the graph of a model; this one holds only the state
        pass

    diagram = _Diagram()
    GraphMachine(
        model=diagram,
        graph_engine="pygraphviz",
        title=proc.title,
        show_conditions=False,
        **machine_config(proc),
    )
    diagram.get_graph().draw(str(out), prog="dot", format=fmt)  # type: ignore[attr-defined]
    typer.echo(f"wrote {out}")


@app.command("check")
def procedures_check(
    procedure_id: str = typer.Argument(..., metavar="ID", help="the procedure id (regional ones included)"),
    examples: int = typer.Option(200, "--examples", help="how many random cases to explore"),
    seed: int = typer.Option(0, "--seed", help="hypothesis seed (the same seed explores the same cases)"),
    budget: float = typer.Option(
        60.0, "--budget", help="seconds of exploration (shrinking gets its own share)"
    ),
    region: str | None = typer.Option(
        None, "--region", help="region code of the institution (e.g. 33, 4501)"
    ),
    out: Path | None = typer.Option(None, "--out", help="write the counterexample scenario to this file"),
    root: Path = typer.Option(_PROCEDURES_ROOT, "--root", help="the procedures directory"),
    outages: bool = typer.Option(
        False, "--outages", help="also skip deadline scans at times, as when the scheduler is down"
    ),
) -> None:
    """证明程序规则 (prove a rule set): explore random cases with hypothesis; exit 1 on a counterexample,
    printed as dated actions and as a scenario file that `zhongcai test` reproduces."""
    from engine import ProcedureLibrary
    from engine.errors import ProcedureInvalid, UnknownProcedure, render_diagnostics
    from engine.proving.checker import check_procedure

    if examples < 1 or budget <= 0:
        typer.echo("--examples must be at least 1 and --budget more than 0 seconds", err=True)
        raise typer.Exit(2)
    if region is not None and not (region.isdigit() and len(region) in (2, 4, 6)):
        typer.echo(
            f"--region '{region}': use a region code of 2, 4 or 6 digits (e.g. 33, 3301, 330100)", err=True
        )
        raise typer.Exit(2)
    if not root.is_dir():
        typer.echo(f"no procedures directory at {root}", err=True)
        raise typer.Exit(2)
    lib, diags = ProcedureLibrary.load(root, strict=False)
    try:
        lib.get(procedure_id)
    except UnknownProcedure as exc:
        mine = [
            d
            for d in diags
            if d.severity == "error" and d.span is not None and Path(d.span.path).stem == procedure_id
        ]
        if mine:
            typer.echo(render_diagnostics(mine, lib.docs), err=True)
            typer.echo(
                f"'{procedure_id}' does not compile: fix it first (zhongcai procedures validate)", err=True
            )
            raise typer.Exit(1) from None
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except ProcedureInvalid as exc:  # pragma: no cover - strict=False does not raise
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    report = check_procedure(
        lib,
        procedure_id,
        examples=examples,
        seed=seed,
        budget=budget,
        region=region,
        procedures_root=str(root),
        outages=outages,
    )
    typer.echo(report.text(), nl=False)
    if report.scenario is not None and out is not None:
        out.write_text(report.scenario, encoding="utf-8")
        typer.echo(f"\nwrote {out}", err=True)
    raise typer.Exit(0 if report.ok else 1)
