"""The `zhongcai` command (Typer). Thin: parses arguments, calls engine/, prints, sets the exit code.

Exit codes: 0 success, 1 a finding or failure, 2 bad usage. Only this file and api/ import Typer or
FastAPI. Each command group lives in its own section below; keep the work in engine/.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:  # the calendar section imports engine lazily (fast start); names for annotations only
    import datetime

    from engine.calendar import WorkCalendar


def _cal_fail(message: str, code: int = 2) -> typer.Exit:
    """One clear line on stderr (no traceback); the caller raises the returned Exit."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def _cal_date(text: str, option: str) -> datetime.date:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _cal_fail(
            f"error: {option} '{text}' is not a date: write YYYY-MM-DD, e.g. 2026-09-29"
        ) from None


def _cal_load(calendar: str, region: str | None, overlay: str | None) -> WorkCalendar:
    from pathlib import Path

    from engine.calendar import load_calendar
    from engine.errors import CalendarError, ProcedureInvalid, render_diagnostic

    try:
        return load_calendar(calendar, region, Path(overlay) if overlay else None)
    except ProcedureInvalid as exc:
        for d in exc.diagnostics:
            lines = None
            if d.span is not None and Path(d.span.path).is_file():
                lines = Path(d.span.path).read_text(encoding="utf-8").splitlines()
            typer.echo(render_diagnostic(d, lines), err=True)
        raise typer.Exit(1) from None
    except CalendarError as exc:
        raise _cal_fail(f"error: {exc}") from None


_OVERLAY_HELP = "日历覆盖文件 (overlay file; default procedures/calendars/<ID>.yaml)"


@calendar_app.command("due")
def calendar_due(
    from_: str = typer.Option(None, "--from", help="起算日 (anchor date, not counted), YYYY-MM-DD"),
    before: str = typer.Option(
        None, "--before", help="向前推算的基准日 (count back from this date, e.g. the hearing)"
    ),
    limit: str = typer.Option(..., "--limit", help='期限 (period), e.g. "5 workdays", "45 days", "1 year"'),
    calendar: str = typer.Option("cn", "--calendar", help="日历 (calendar id)"),
    region: str = typer.Option(None, "--region", help="地区代码 (GB/T 2260 code or prefix, e.g. 45)"),
    overlay: str = typer.Option(None, "--overlay", help=_OVERLAY_HELP),
    as_json: bool = typer.Option(False, "--json", help='输出 JSON ({"due": ..., "steps": [...]})'),
) -> None:
    """计算届满日 (due date of a period, with every step explained; DOMAIN.md P1-P10)."""
    import json

    from engine.clocks import due, explain_latest_before, start_clock
    from engine.periods import parse_period

    if (from_ is None) == (before is None):
        raise _cal_fail("error: give exactly one of --from DATE (forward) or --before DATE (backward, P9)")
    try:
        period = parse_period(limit)
    except ValueError as exc:
        raise _cal_fail(f"error: --limit: {exc}") from None
    cal = _cal_load(calendar, region, overlay)
    if from_ is not None:
        result = due(start_clock("cli", period, _cal_date(from_, "--from")), cal)
    else:
        result = explain_latest_before(_cal_date(before, "--before"), period, cal)
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        label = "届满日 (due)" if from_ is not None else "最迟日期 (latest compliant date)"
        typer.echo(f"{label}: {result.date if result.date else '未知 (unknown)'}")
        for step in result.steps:
            typer.echo(f"  - {step.zh}")
            typer.echo(f"    {step.en}")
        typer.echo(f"  calendar: {result.calendar_version}")
    if result.date is None:
        raise typer.Exit(1)


@calendar_app.command("show")
def calendar_show(
    year: int = typer.Argument(..., help="年份 (year)"),
    calendar: str = typer.Option("cn", "--calendar", help="日历 (calendar id)"),
    region: str = typer.Option(None, "--region", help="地区代码 (GB/T 2260 code or prefix)"),
    overlay: str = typer.Option(None, "--overlay", help=_OVERLAY_HELP),
) -> None:
    """列出某年的节假日和调休上班日 (holidays and make-up working days of a year)."""
    import datetime as dt

    from engine.errors import YearNotCovered

    cal = _cal_load(calendar, region, overlay)
    if not 1900 <= year <= 2200:
        raise _cal_fail(f"error: '{year}' is not a plausible year")
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    try:
        runs = cal.runs(first, last)
        count = cal.workdays_between(first - dt.timedelta(days=1), last)
    except YearNotCovered as exc:
        raise _cal_fail(f"error: {exc}", 1) from None
    typer.echo(f"{year}年 {cal.label}: {count} 个工作日 (working days)   [{cal.version}]")
    for run in runs:
        span = str(run.start) if run.start == run.end else f"{run.start}..{run.end}"
        if run.workday:
            kind = "上班 (make-up working day)"
        else:
            kind = "地方休息日 (regional rest day)" if run.regional else "放假 (holiday)"
        typer.echo(f"  {span:<22} {run.note:<10} {kind}")


@calendar_app.command("check")
def calendar_check(
    today: str = typer.Option(None, "--today", help="今天 (default: today in Asia/Shanghai), YYYY-MM-DD"),
    calendar: str = typer.Option("cn", "--calendar", help="日历 (calendar id)"),
    region: str = typer.Option(None, "--region", help="地区代码 (check this region's rest days too)"),
    overlay: str = typer.Option(None, "--overlay", help=_OVERLAY_HELP),
) -> None:
    """检查日历覆盖年份 (P5: the current year must be covered; from 1 December, next year too)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from engine.calendar_overlay import check_overlay

    day = _cal_date(today, "--today") if today else dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    cal = _cal_load(calendar, region, overlay)
    for diag in check_overlay(cal.overlay_file) if cal.overlay_file is not None else []:
        typer.echo(
            f"{diag.span}: {diag.severity} {diag.code}: {diag.message}"
        )  # warnings (errors stop _cal_load)
    years = cal.covered_years()
    typer.echo(f"{cal.label}: covered {years[0]}-{years[-1]} [{cal.version}]")
    problems = 0
    if day.year not in years:
        problems += 1
        typer.echo(
            f"错误：日历 {cal.label} 没有 {day.year} 年（今年）的节假日安排；请将国务院办公厅通知补充到 {cal.overlay_path}"
        )
        typer.echo(
            f"error: no holiday schedule for {day.year} (this year) in {cal.label}: add it to {cal.overlay_path}"
        )
    if day >= dt.date(day.year, 12, 1) and day.year + 1 not in years:
        problems += 1
        typer.echo(
            f"警告：日历 {cal.label} 尚无 {day.year + 1} 年的节假日安排；通知发布后请补充到 {cal.overlay_path}"
        )
        typer.echo(
            f"warning: no holiday schedule for {day.year + 1} yet; deadlines reaching into {day.year + 1} are "
            f"unknown until the State Council notice is added to {cal.overlay_path}"
        )
    elif day.year + 1 not in years:
        typer.echo(f"note: {day.year + 1} not covered yet; this check warns from {day.year}-12-01")
    if problems:
        raise typer.Exit(1)
    typer.echo("OK")


# ---------------------------------------------------------------- cases, scenarios, verify, demo (issue 4)
case_app = typer.Typer(help="案件 (cases): open, fire, show, list, history", no_args_is_help=True)
app.add_typer(case_app, name="case")

# ---------------------------------------------------------------- serve, scheduler, audit (issue 6)
audit_app = typer.Typer(help="督查 (audit): deadline breaches, back-dated entries", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _register_issue6() -> None:
    # The commands live in api/cli.py (serve needs FastAPI and uvicorn; imports stay lazy there).
    from api.cli import register

    register(app, audit_app)


_register_issue6()

# ---------------------------------------------------------------- monitor, codes (issue 7)
monitor_app = typer.Typer(help="监测 (monitoring): export, report, data checks, risk warnings", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
