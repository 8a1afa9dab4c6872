"""The top-level commands on the case store and the scenarios: `zhongcai test`, `verify`, `demo`.

Registered by cli.py with `app.command(NAME)(FUNCTION)`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from commands.case import PROCEDURES_OPTION, case_service, run_write
from commands.common import fail, load_library


def run_tests(
    paths: list[Path] = typer.Argument(..., help="scenario files or directories"),
    procedures: Path = PROCEDURES_OPTION,
) -> None:
    """运行场景测试 (run YAML scenarios): one line per scenario; exit 1 if any fails."""
    from engine.proving.scenarios import run_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or directory: {', '.join(missing)}")
    library = load_library(procedures, "procedures do not compile: {exc}")
    results = run_paths(paths, library)
    for r in results:
        typer.echo(r.line())
    failed = sum(not r.ok for r in results)
    typer.echo(f"{len(results) - failed} passed, {failed} failed")
    raise typer.Exit(1 if failed or not results else 0)


def verify(as_json: bool = typer.Option(False, "--json"), procedures: Path = PROCEDURES_OPTION) -> None:
    """校验数据完整性 (verify the store): stages, sequences, hash chains, monitoring records, deadline replay."""
    import json

    from engine import verify_store

    service, _ = case_service(procedures)
    report = verify_store(service)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "cases": report.cases,
                    "events": report.events,
                    "findings": [str(f) for f in report.findings],
                },
                ensure_ascii=False,
            )
        )
    else:
        for f in report.findings:
            typer.echo(str(f))
        typer.echo(
            f"{report.cases} cases, {report.events} events checked: "
            + ("OK" if report.ok else f"{len(report.findings)} problem(s)")
        )
    raise typer.Exit(0 if report.ok else 1)


def demo(
    out: Path = typer.Option(None, "--out", help="directory for the documents the case produces"),
    db_path: Path = typer.Option(None, "--db", help="SQLite file (default: a fresh temporary file)"),
    procedures: Path = PROCEDURES_OPTION,
) -> None:
    """演示 (demo): a realistic case from application to an effective award on a fresh SQLite database."""
    import tempfile

    from engine import ProcedureLibrary, init_db
    from engine.demo.walkthrough import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        path = db_path or Path(tmp) / "demo.db"
        if path.exists():
            path.unlink()
        db = init_db(f"sqlite:///{path}")
        result = run_write(lambda: run_demo(db, ProcedureLibrary.load(procedures), out))
        db.dispose()
    typer.echo("\n".join(result.lines))
    if out is not None:
        typer.echo(f"\n{len(result.files)} documents written to {out}")
