"""The `zhongcai` command (Typer). Thin: parses arguments, calls engine/, prints, sets the exit code.

Exit codes: 0 success, 1 a finding or failure, 2 bad usage. Only this file and api/ import Typer or
FastAPI. Each command group lives in its own section below; keep the work in engine/.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="zhongcai",
    help="劳动人事争议调解仲裁 案件程序引擎 (case-procedure engine for labour dispute mediation and arbitration)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# ---------------------------------------------------------------- procedures (issue 2)
procedures_app = typer.Typer(help="程序规则 (procedure rule sets): validate, show, diagram, check", no_args_is_help=True)
app.add_typer(procedures_app, name="procedures")

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
