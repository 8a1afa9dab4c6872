"""`zhongcai monitor`: export, report, checks, risks; and the loaders the codes group shares (code
tables, monitoring configuration, region scope).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commands.common import (
    ERROR,
    MONITOR_DATE,
    fail,
    open_database,
    parse_date,
    print_diagnostics,
    shanghai_today,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date
    from typing import Any

    from engine.codes.code_tables import CodeTables
    from engine.monitoring.indicators import Scope


app = typer.Typer(help="监测 (monitoring): export, report, data checks, risk warnings", no_args_is_help=True)


def fail_monitor(message: str, code: int) -> typer.Exit:
    """`fail` with the monitor and codes groups' "错误 (error): " prefix."""
    return fail(ERROR + message, code)


def code_tables() -> CodeTables:
    """The code tables under codes/; a broken file exits 1 with its diagnostics."""
    from engine.codes.code_tables import CodeTables
    from engine.errors import ProcedureInvalid
    from engine.monitoring.config import codes_dir

    try:
        return CodeTables.load(codes_dir())
    except ProcedureInvalid as exc:
        print_diagnostics(exc.diagnostics)
        raise typer.Exit(1) from None


def _scope(region: str | None, institution: str | None) -> Scope:
    from engine.monitoring.indicators import Scope

    if region is not None:
        msg = code_tables().validate("regions", region)
        if msg is not None:
            raise fail_monitor(f"--region: {msg}", 2)
    return Scope(region=region, institution=institution)


def load_config(load: Callable[[], Any]) -> Any:
    """Run a loader: a broken codes/*.yaml exits 1 with its diagnostics, bad input exits 2."""
    from engine.errors import BadInput, ProcedureInvalid

    try:
        return load()
    except ProcedureInvalid as exc:
        print_diagnostics(exc.diagnostics)
        raise typer.Exit(1) from None
    except BadInput as exc:
        raise fail_monitor(str(exc), 2) from None


def optional_date(text: str | None, option: str) -> date | None:
    """The date of an optional option (--on, --as-of); None when it is not given."""
    return parse_date(text, option, MONITOR_DATE) if text else None


@app.command("export")
def monitor_export(
    since: int | None = typer.Option(
        None, "--since", min=0, help="游标：已导出的最后一条记录 id (export after it)"
    ),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl 或 csv"),
    out: Path | None = typer.Option(
        None, "--out", help="追加写入的文件；省略 --since 时从文件末条续传 (resume)"
    ),
    batch: int = typer.Option(5000, "--batch", min=1, help="每批条数 (rows per batch, flushed after each)"),
    settle: float = typer.Option(
        0.0, "--settle", min=0, help="不导出最近 N 秒写入的记录 (PostgreSQL in-flight ids)"
    ),
) -> None:
    """导出监测记录 (export monitoring records for the national collection), resumable by cursor."""
    import sys

    from engine.monitoring.export import csv_header, export_records, resume_cursor

    if fmt not in ("jsonl", "csv"):
        raise fail_monitor(f"--format 只能是 jsonl 或 csv (got {fmt!r})", 2)
    db = open_database()
    if out is None:
        with db.engine.connect() as conn:
            res = export_records(conn, sys.stdout, since=since or 0, fmt=fmt, batch=batch, settle=settle)  # type: ignore[arg-type]
    else:
        in_file = resume_cursor(out, fmt)  # type: ignore[arg-type]
        if since is not None and since < in_file:
            raise fail_monitor(
                f"{out} 已含有 id {in_file} 及以前的记录 (already holds records up to id {in_file}): "
                "omit --since to resume, or choose another file",
                2,
            )
        start = in_file if since is None else since
        with out.open("a", encoding="utf-8") as f:
            if fmt == "csv" and f.tell() == 0:
                f.write(csv_header())
            with db.engine.connect() as conn:
                res = export_records(conn, f, since=start, fmt=fmt, batch=batch, settle=settle)  # type: ignore[arg-type]
    typer.echo(f"导出 {res.count} 条监测记录；游标 (cursor) = {res.last_id}", err=True)


@app.command("report")
def monitor_report(
    month: str = typer.Option(..., "--month", help="统计月份 YYYY-MM"),
    region: str | None = typer.Option(None, "--region", help="行政区划代码（含下级）(sub-regions included)"),
    institution: str | None = typer.Option(None, "--institution", help="仲裁机构 id"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """月度监测指标 (monthly indicators): stocks, flows, closures, amounts, rates with numerator/denominator."""
    import json

    from engine import monthly_report
    from engine.monitoring.indicators import indicator_spec, month_bounds
    from engine.monitoring.text import report_lines

    load_config(lambda: month_bounds(month))
    scope = _scope(region, institution)
    spec = load_config(indicator_spec)
    codes = code_tables()
    db = open_database()
    with db.engine.connect() as conn:
        report = load_config(lambda: monthly_report(conn, month, codes, spec=spec, scope=scope))
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    typer.echo("\n".join(report_lines(report, spec.title, month, codes, region, institution)))


@app.command("checks")
def monitor_checks(
    as_of: str | None = typer.Option(None, "--as-of", help="校核日期 (default: today, Asia/Shanghai)"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """数据校核 (data checks of codes/data_checks.yaml). Exit 1 when an error-severity rule finds records."""
    import json

    from engine.monitoring.datachecks import check_spec, run_checks
    from engine.monitoring.text import check_lines

    day = optional_date(as_of, "--as-of") or shanghai_today()
    spec = load_config(check_spec)
    codes = code_tables()
    db = open_database()
    with db.engine.connect() as conn:
        report = run_checks(conn, codes, day, spec=spec)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(check_lines(report, spec.title, day)))
    raise typer.Exit(1 if report.errors else 0)


@app.command("risks")
def monitor_risks(
    month: str = typer.Option(..., "--month", help="月份 YYYY-MM"),
    region: str | None = typer.Option(None, "--region", help="行政区划代码（含下级）"),
    institution: str | None = typer.Option(None, "--institution", help="仲裁机构 id"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """风险预警 (risk warnings): collective disputes, large claims, month-over-month surges. Exit 1 on any."""
    import json

    from engine.monitoring.indicators import month_bounds
    from engine.monitoring.risk import monthly_risks, risk_spec
    from engine.monitoring.text import risk_lines
    from engine.store.tables import MonitoringRow

    load_config(lambda: month_bounds(month))
    scope = _scope(region, institution)
    spec = load_config(risk_spec)
    codes = code_tables()
    t = MonitoringRow.__table__  # type: ignore[attr-defined]
    db = open_database()
    with db.engine.connect() as conn:
        report = monthly_risks(
            conn, month, spec, codes, scope=scope.condition(t.c.region_code, t.c.institution_id)
        )
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(risk_lines(report, month)))
    raise typer.Exit(1 if report.flagged or report.surges else 0)
