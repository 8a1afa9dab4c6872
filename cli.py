"""The `zhongcai` command (Typer): builds the app from the command groups in commands/ and runs it.

Exit codes: 0 success, 1 a finding or failure, 2 bad usage. Only this file, commands/ and api/ import
Typer or FastAPI; the work is in engine/.
"""

from __future__ import annotations

import typer

from commands import (
    audit,
    calendar,
    case,
    codes,
    documents,
    library,
    maintenance,
    monitor,
    procedures,
    registry,
    serve,
)

app = typer.Typer(
    name="zhongcai",
    help="劳动人事争议调解仲裁 案件程序引擎 (case-procedure engine for labour dispute mediation and arbitration)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# the order of `zhongcai --help`
app.add_typer(procedures.app, name="procedures")
app.add_typer(calendar.app, name="calendar")
app.add_typer(case.app, name="case")
app.command("test")(maintenance.run_tests)
app.command("verify")(maintenance.verify)
app.command("demo")(maintenance.demo)
app.add_typer(audit.app, name="audit")
app.command("serve")(serve.serve)
app.command("scheduler")(serve.scheduler)
app.add_typer(monitor.app, name="monitor")
app.add_typer(codes.app, name="codes")
app.add_typer(documents.app, name="documents")
app.add_typer(registry.app, name="registry")
app.add_typer(library.app, name="library")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
