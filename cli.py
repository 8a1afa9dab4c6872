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
if TYPE_CHECKING:
    from engine.errors import Diagnostic
    from engine.procedures.model import Procedure
    from engine.procedures.source import SourceDoc

_PROCEDURES_ROOT = Path("procedures")


def _render_all(diags: list[Diagnostic], docs: dict[str, SourceDoc]) -> str:
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
            typer.echo(_render_all(diags, docs))
            typer.echo("")
        summary = f"{errors} error(s), {len(diags) - errors} warning(s) in {len(files)} file(s)"
        typer.echo(("OK: " if not errors else "") + summary, err=bool(errors))
    raise typer.Exit(1 if errors else 0)


def _load_procedure(procedure_id: str, root: Path) -> Procedure:
    from engine.errors import UnknownProcedure
    from engine.procedures.library import ProcedureLibrary

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
    from engine.procedures.overview import describe_procedure

    typer.echo(describe_procedure(_load_procedure(procedure_id, root)), nl=False)


@procedures_app.command("diagram")
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


# ---------------------------------------------------------------- procedures check (issue 8)


@procedures_app.command("check")
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
    from engine.errors import ProcedureInvalid, UnknownProcedure
    from engine.procedures.library import ProcedureLibrary
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
            typer.echo(_render_all(mine, lib.docs), err=True)
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


# ---------------------------------------------------------------- calendar (issue 3)
calendar_app = typer.Typer(help="工作日历 (working-day calendar): due dates, holidays", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")

if TYPE_CHECKING:  # the calendar section imports engine lazily (fast start); names for annotations only
    import datetime

    from engine.dates.calendar import WorkCalendar


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

    from engine.dates.calendar import load_calendar
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
    """计算届满日 (due date of a period, with every step explained; docs/law.md P1-P10)."""
    import json

    from engine.dates.clocks import due, explain_latest_before, start_clock
    from engine.dates.periods import parse_period

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
        mark = "（暂定 provisional）" if result.provisional else ""
        typer.echo(f"{label}: {result.date if result.date else '未知 (unknown)'}{mark}")
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
    if cal.provisional_years(first, last):
        typer.echo(
            f"  暂定 (provisional, P5): {year}年节假日安排尚未公布，仅列法定节假日和周末，未计调休 "
            "(the State Council notice is not yet published: statutory days and weekends only, no swaps)"
        )
    for source in cal.sources(year):
        typer.echo(f"  source: {source}")
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

    from engine.dates.overlay import check_overlay

    day = _cal_date(today, "--today") if today else dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    cal = _cal_load(calendar, region, overlay)
    if cal.overlay_file is not None:  # warnings only: errors already stopped _cal_load
        from engine.dates.day_sources import library_conflicts
        from engine.dates.overlay import read_overlay

        for diag in check_overlay(cal.overlay_file) + library_conflicts(read_overlay(cal.overlay_file)):
            typer.echo(f"{diag.span}: {diag.severity} {diag.code}: {diag.message}")
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
            f"provisional (statutory days and weekends, P5) until the State Council notice is added to "
            f"{cal.overlay_path} (zhongcai calendar import NOTICE.txt --write, then zhongcai calendar apply)"
        )
    elif day.year + 1 not in years:
        typer.echo(f"note: {day.year + 1} not covered yet; this check warns from {day.year}-12-01")
    if problems:
        raise typer.Exit(1)
    typer.echo("OK")


@calendar_app.command("import")
def calendar_import(
    notice_file: str = typer.Argument(
        ..., metavar="NOTICE.txt", help="国务院办公厅节假日安排通知全文 (UTF-8 text)"
    ),
    as_json: bool = typer.Option(
        False, "--json", help='输出 JSON ({"year", "holidays", "workdays", "checks"})'
    ),
    write: bool = typer.Option(
        False, "--write", help="检查全部通过后写入覆盖文件 (add the year to the overlay)"
    ),
    overlay: str = typer.Option(None, "--overlay", help=_OVERLAY_HELP),
    year: int = typer.Option(
        None, "--year", help="年份，标题中没有年份时使用 (the year, if the title has none)"
    ),
    calendar: str = typer.Option("cn", "--calendar", help="日历 (calendar id)"),
) -> None:
    """导入节假日安排通知：解析、按法定节假日检查，并可写入覆盖文件 (read a State Council notice)."""
    import json

    from engine.dates.calendar import overlay_path_for
    from engine.dates.holiday_notice import MAX_BYTES, NoticeError, parse_notice
    from engine.dates.overlay_write import OverlayWriteError, add_year

    path = Path(notice_file)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _cal_fail(f"error: cannot read {notice_file}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:  # refused before decoding (only MAX_BYTES + 1 bytes were read)
        big = NoticeError.too_large(path.stat().st_size)
        raise _cal_fail(f"错误：{big.zh} (error: {big.en})", 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _cal_fail(
            f"错误：{notice_file} 不是 UTF-8 文本 (error: {notice_file} is not UTF-8 text, byte {err.start})"
        ) from None
    try:
        notice = parse_notice(text, year)
    except NoticeError as exc:
        raise _cal_fail(f"错误：{exc.zh} (error: {exc.en})", 1) from None
    if as_json:
        typer.echo(json.dumps(notice.to_json(), ensure_ascii=False))
    else:
        typer.echo(notice.source)
        off = sum(d.year == notice.year for d in notice.holidays)
        typer.echo(
            f"{notice.year}年：放假 {off} 天，调休上班 {len(notice.workdays)} 天 (days off, make-up days)"
        )
        for item in notice.items:
            span = str(item.first) if item.first == item.last else f"{item.first}..{item.last}"
            work = "、".join(str(d) for d in item.workdays)
            typer.echo(f"  {item.number or '?'}. {'、'.join(item.names):<8} {span:<24} 共{len(item.days)}天"
                       + (f"   上班 {work}" if work else ""))  # fmt: skip
        typer.echo("检查 (checks):")
        for check in notice.checks:
            typer.echo(f"  {'✓' if check.ok else '✗'} {check.name}: {check.message}")
    if not notice.ok:
        failed = sum(not c.ok for c in notice.checks)
        raise _cal_fail(
            f"错误：{failed} 项检查未通过，未写入 (error: {failed} check(s) failed; nothing written)", 1
        )
    if not write:
        return
    target = Path(overlay) if overlay else overlay_path_for(calendar)
    if not target.is_file():
        raise _cal_fail(f"error: no overlay file {target}")
    try:
        written = add_year(target, notice, calendar)
    except OverlayWriteError as exc:
        raise _cal_fail(f"错误：{exc.zh} (error: {exc.en})", 1) from None
    out = [f"已写入 {target} 第{written.line}行起 (added {notice.year} to {target}, line {written.line}):"]
    out += [f"  {ln}" for ln in written.text.splitlines()]
    out.append("提示：运行 zhongcai calendar apply 重新计算进行中的期限 (hint: run `zhongcai calendar apply` "
               "to recompute running deadlines)")  # fmt: skip
    for ln in out:
        typer.echo(ln, err=as_json)


@calendar_app.command("apply")
def calendar_apply(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="只显示将要变更的内容，不写入 (show, write nothing)"
    ),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出报告 (print the report as JSON)"),
    batch: int = typer.Option(500, "--batch", min=1, help="每个事务的案件数 (cases per transaction)"),
    today: str = typer.Option(None, "--today", help="确认/撤销超期的日期 (default: today), YYYY-MM-DD"),
    procedures: Path = typer.Option(Path("procedures"), "--procedures", help="procedures directory"),
) -> None:
    """按当前日历重新计算期限 (recompute the due dates counted on an older calendar, e.g. after adding
    next year's State Council notice): one calendar_update event per changed case."""
    import json

    from engine.errors import ZhongcaiError
    from engine.oversight.calendar_apply import apply_calendar_update

    day = _cal_date(today, "--today") if today else None
    service, _ = _case_service(procedures)
    try:
        report = apply_calendar_update(service, dry_run=dry_run, batch=batch, today=day)
    except ZhongcaiError as exc:
        raise _cal_fail(f"错误 (error): {exc}", 1) from None
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    for change in report.changes:
        skipped = (
            "  [跳过：案件已被并发修改，下次再处理 (skipped: changed concurrently)]" if change.skipped else ""
        )
        for d in change.deadlines:
            old = f"{d.due_before or '—'}{'（暂定）' if d.provisional_before else ''}"
            new = f"{d.due_after or '—'}{'（暂定）' if d.provisional_after else ''}"
            typer.echo(f"{change.case_number} {d.deadline} {old} → {new}（{d.why}）{skipped}")
    for problem in report.problems:
        typer.echo(f"问题 (problem): {problem}", err=True)
    head = "试运行，未写入任何内容 (dry run: nothing written)" if dry_run else "已写入 (written)"
    typer.echo(
        f"{head}: {report.cases_changed} 件案件期限变更 (cases changed), "
        f"{report.events_written} 个事件 (events written), "
        f"超期确认 {report.breaches_confirmed} / 撤销 {report.breaches_withdrawn} / 新记录 {report.breaches_recorded} "
        f"(breaches confirmed/withdrawn/recorded), 预警撤销 {report.warnings_withdrawn} (warnings withdrawn), "
        f"{report.rows_restamped} 条期限仅更新日历版本 (rows restamped)"
        + (f", {len(report.skipped)} 件跳过 (skipped)" if report.skipped else "")
    )
    if report.nothing and not report.problems:
        typer.echo("日历已是最新，无需更新 (every open deadline is on the current calendar)")


# ---------------------------------------------------------------- cases, scenarios, verify, demo (issue 4)
case_app = typer.Typer(help="案件 (cases): open, fire, show, list, history", no_args_is_help=True)
app.add_typer(case_app, name="case")

if TYPE_CHECKING:  # the case section imports engine lazily too; names for annotations only
    from collections.abc import Callable
    from typing import Any, TypeVar

    from engine.cases.runtime import CaseService
    from engine.store.db import Database

    _T = TypeVar("_T")


def _case_service(procedures: Path) -> tuple[CaseService, Database]:
    """(service, db) on ZHONGCAI_DATABASE_URL, migrated; exits 1 with the reason when that fails."""
    from engine.cases.runtime import CaseService
    from engine.errors import ZhongcaiError
    from engine.procedures.library import ProcedureLibrary
    from engine.store.db import init_db

    try:
        db = init_db()
        return CaseService(db, ProcedureLibrary.load(procedures)), db
    except ZhongcaiError as exc:
        typer.echo(f"错误 (error): {exc}", err=True)
        raise typer.Exit(1) from None


def _case_date(text: str | None, option: str) -> datetime.date:
    import datetime as dt

    from engine.cases.runtime import shanghai_now

    if text is None:
        return shanghai_now().date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        typer.echo(f"{option}: '{text}' is not a date; write YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


def _case_facts(items: list[str]) -> dict[str, Any]:
    from engine.proving.scenarios import load_value

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            typer.echo(f"--fact '{item}': write KEY=VALUE, e.g. --fact claim_amount=20000", err=True)
            raise typer.Exit(2)
        loaded = load_value(value) if value.strip() else ""
        out[key.strip()] = loaded.isoformat() if hasattr(loaded, "isoformat") else loaded
    return out


def _case_id(service: CaseService, ref: str) -> int:
    from engine.errors import CaseNotFound

    try:
        return int(ref) if ref.isdigit() else service.find(ref).id
    except CaseNotFound as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def _case_run(fn: Callable[[], _T]) -> _T:
    """Run `fn()`; a refusal, conflict or bad input is printed with its code and exits 1."""
    from engine.cases.text import refusal_line
    from engine.errors import EventNotAllowed, ZhongcaiError

    try:
        return fn()
    except EventNotAllowed as exc:
        typer.echo(refusal_line(exc), err=True)
        raise typer.Exit(1) from None
    except ZhongcaiError as exc:
        typer.echo(f"错误 (error): {exc}", err=True)
        raise typer.Exit(1) from None


_PROCEDURES = typer.Option(Path("procedures"), "--procedures", help="procedures directory")


@case_app.command("open")
def case_open(
    procedure: str = typer.Argument(..., help="procedure id, e.g. arbitration"),
    at: str = typer.Option(None, "--at", help="effective date (收到申请之日) YYYY-MM-DD; default today"),
    fact: list[str] = typer.Option([], "--fact", help="KEY=VALUE, repeatable"),
    institution: str = typer.Option("default", "--institution", help="institution id"),
    role: str = typer.Option("clerk", "--as", help="role"),
    user: str = typer.Option("cli", "--user", help="user id recorded in the event"),
    channel: str = typer.Option("offline", "--channel"),
    as_json: bool = typer.Option(False, "--json"),
    procedures: Path = _PROCEDURES,
) -> None:
    """开立案件 (open a case): checks the facts, allocates the case number, starts the deadlines."""
    import json

    from engine.cases.casefile import Actor
    from engine.cases.runtime import ensure_institution
    from engine.cases.text import case_json, case_lines

    service, db = _case_service(procedures)
    if institution == "default":
        ensure_institution(db, "default", "劳动人事争议仲裁委员会", "110000")
    day, facts = _case_date(at, "--at"), _case_facts(fact)
    view = _case_run(
        lambda: service.open_case(procedure, day, facts, institution, Actor(user, role), channel)
    )
    typer.echo(
        json.dumps(case_json(view), ensure_ascii=False, indent=2) if as_json else "\n".join(case_lines(view))
    )


@case_app.command("fire")
def case_fire(
    case: str = typer.Argument(..., help="case id or case number"),
    action: str = typer.Argument(...),
    at: str = typer.Option(None, "--at", help="effective date YYYY-MM-DD; default today"),
    role: str = typer.Option(..., "--as", help="role acting, e.g. clerk"),
    user: str = typer.Option("cli", "--user"),
    fact: list[str] = typer.Option([], "--fact", help="KEY=VALUE, repeatable"),
    document: list[str] = typer.Option(
        [], "--document", help="submitted document id filed first, repeatable"
    ),
    expected_version: int = typer.Option(None, "--expected-version", help="refuse if the case moved on"),
    procedures: Path = _PROCEDURES,
) -> None:
    """执行操作 (fire an action). A refusal prints its code (stage, role, date, facts, document, guard, deadline)."""
    from engine.cases.casefile import Actor
    from engine.cases.text import deadline_lines

    service, _ = _case_service(procedures)
    case_id, day, facts = _case_id(service, case), _case_date(at, "--at"), _case_facts(fact)
    rec = _case_run(
        lambda: service.fire(
            case_id,
            action,
            Actor(user, role),
            day,
            facts=facts,
            documents=document or None,
            expected_version=expected_version,
        )
    )
    typer.echo(f"{action}: {rec.stage_before} -> {rec.stage_after} (event {rec.seq}, version {rec.version})")
    if rec.query_code is not None:  # acceptance: the 案号 and the query code printed on the notice
        typer.echo(f"案号 (case number): {rec.case_number}")
        typer.echo(f"查询码 (query code, shown once; printed on the acceptance notice): {rec.query_code}")
    touched = {op[0] for op in rec.clock_ops}
    view = service.get(case_id)
    typer.echo("\n".join(deadline_lines(d for k, d in view.deadlines.items() if k in touched)))
    if rec.produced:
        typer.echo(f"文书 (documents): {', '.join(rec.produced)}")


@case_app.command("query-code")
def case_query_code(
    case: str = typer.Argument(..., help="case id, case number or receipt number"),
    role: str = typer.Option("clerk", "--as", help="role acting (a clerk)"),
    user: str = typer.Option("cli", "--user", help="user id recorded in the event"),
    procedures: Path = _PROCEDURES,
) -> None:
    """补发查询码 (issue a new query code): the old one stops working; recorded as an event (without the
    code). The new code is printed once."""
    from engine.cases.casefile import Actor

    service, _ = _case_service(procedures)
    case_id = _case_id(service, case)
    rec = _case_run(lambda: service.reissue_query_code(case_id, Actor(user, role)))
    typer.echo(f"{rec.case_number}: reissue_query_code (event {rec.seq}, version {rec.version})")
    typer.echo(f"查询码 (query code, shown once): {rec.query_code}")


@case_app.command("attach")
def case_attach(
    case: str = typer.Argument(...),
    documents: list[str] = typer.Argument(..., help="submitted document ids"),
    at: str = typer.Option(None, "--at"),
    role: str = typer.Option("clerk", "--as"),
    user: str = typer.Option("cli", "--user"),
    procedures: Path = _PROCEDURES,
) -> None:
    """提交文书 (file submitted documents)."""
    from engine.cases.casefile import Actor

    service, _ = _case_service(procedures)
    case_id, day = _case_id(service, case), _case_date(at, "--at")
    rec = _case_run(lambda: service.attach(case_id, documents, day, Actor(user, role)))
    typer.echo(f"attached {', '.join(documents)} (event {rec.seq})")


@case_app.command("show")
def case_show(
    case: str = typer.Argument(..., help="case id or case number"),
    as_json: bool = typer.Option(False, "--json"),
    procedures: Path = _PROCEDURES,
) -> None:
    """案件详情 (show a case): stage, facts, every deadline with its due date and why, documents."""
    import json

    from engine.cases.text import case_json, case_lines

    service, _ = _case_service(procedures)
    view = _case_run(lambda: service.get(_case_id(service, case)))
    typer.echo(
        json.dumps(case_json(view), ensure_ascii=False, indent=2) if as_json else "\n".join(case_lines(view))
    )


@case_app.command("list")
def case_list(
    institution: str = typer.Option(None, "--institution"),
    stage: str = typer.Option(None, "--stage"),
    limit: int = typer.Option(100, "--limit"),
    procedures: Path = _PROCEDURES,
) -> None:
    """案件列表 (list cases)."""
    service, _ = _case_service(procedures)
    for c in service.list_cases(institution, stage, limit):
        typer.echo(
            f"{c.id:>6}  {c.case_number}  {c.procedure_id}  {c.stage:<12} opened {c.opened_on}  v{c.version}"
            + (f"  收件 {c.receipt_number}" if c.receipt_number and c.receipt_number != c.case_number else "")
        )


@case_app.command("history")
def case_history(case: str = typer.Argument(...), procedures: Path = _PROCEDURES) -> None:
    """案件日志 (event history): every action with its effective date, role, stage change and clocks."""
    from engine.cases.text import history_lines

    service, _ = _case_service(procedures)
    typer.echo("\n".join(history_lines(_case_run(lambda: service.history(_case_id(service, case))))))


@app.command("test")
def run_tests(
    paths: list[Path] = typer.Argument(..., help="scenario files or directories"),
    procedures: Path = _PROCEDURES,
) -> None:
    """运行场景测试 (run YAML scenarios): one line per scenario; exit 1 if any fails."""
    from engine.errors import ProcedureInvalid
    from engine.procedures.library import ProcedureLibrary
    from engine.proving.scenarios import run_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        typer.echo(f"no such file or directory: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    try:
        library = ProcedureLibrary.load(procedures)
    except ProcedureInvalid as exc:
        typer.echo(f"procedures do not compile: {exc}", err=True)
        raise typer.Exit(1) from None
    results = run_paths(paths, library)
    for r in results:
        typer.echo(r.line())
    failed = sum(not r.ok for r in results)
    typer.echo(f"{len(results) - failed} passed, {failed} failed")
    raise typer.Exit(1 if failed or not results else 0)


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json"), procedures: Path = _PROCEDURES) -> None:
    """校验数据完整性 (verify the store): stages, sequences, hash chains, monitoring records, deadline replay."""
    import json

    from engine.oversight.verify import verify_store

    service, _ = _case_service(procedures)
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


@app.command("demo")
def demo(
    out: Path = typer.Option(None, "--out", help="directory for the documents the case produces"),
    db_path: Path = typer.Option(None, "--db", help="SQLite file (default: a fresh temporary file)"),
    procedures: Path = _PROCEDURES,
) -> None:
    """演示 (demo): a realistic case from application to an effective award on a fresh SQLite database."""
    import tempfile

    from engine.demo.walkthrough import run_demo
    from engine.procedures.library import ProcedureLibrary
    from engine.store.db import init_db

    with tempfile.TemporaryDirectory() as tmp:
        path = db_path or Path(tmp) / "demo.db"
        if path.exists():
            path.unlink()
        db = init_db(f"sqlite:///{path}")
        result = _case_run(lambda: run_demo(db, ProcedureLibrary.load(procedures), out))
        db.dispose()
    typer.echo("\n".join(result.lines))
    if out is not None:
        typer.echo(f"\n{len(result.files)} documents written to {out}")


# ---------------------------------------------------------------- serve, scheduler, audit (issue 6)
audit_app = typer.Typer(help="督查 (audit): deadline breaches, back-dated entries", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _register_issue6() -> None:
    # The commands live in api/cli.py (serve needs FastAPI and uvicorn; imports stay lazy there).
    from api.cli import register

    register(app, audit_app)


_register_issue6()

# ---------------------------------------------------------------- monitor, codes (issue 7)
monitor_app = typer.Typer(
    help="监测 (monitoring): export, report, data checks, risk warnings", no_args_is_help=True
)
app.add_typer(monitor_app, name="monitor")
codes_app = typer.Typer(help="代码表 (code tables under codes/): show, validate", no_args_is_help=True)
app.add_typer(codes_app, name="codes")

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date as _Date
    from typing import Any

    from engine.codes.code_tables import CodeTables
    from engine.monitoring.indicators import Scope
    from engine.store.db import Database as _MonDatabase


def _mon_fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"错误 (error): {message}", err=True)
    return typer.Exit(code)


def _mon_codes() -> CodeTables:
    from engine.codes.code_tables import CodeTables
    from engine.errors import ProcedureInvalid, render_diagnostic
    from engine.monitoring.config import codes_dir

    try:
        return CodeTables.load(codes_dir())
    except ProcedureInvalid as exc:
        for d in exc.diagnostics:
            typer.echo(render_diagnostic(d), err=True)
        raise typer.Exit(1) from None


def _mon_db() -> _MonDatabase:
    from engine.errors import ZhongcaiError
    from engine.store.db import init_db

    try:
        return init_db()
    except ZhongcaiError as exc:
        raise _mon_fail(str(exc), 1) from None


def _mon_scope(region: str | None, institution: str | None) -> Scope:
    from engine.monitoring.indicators import Scope

    if region is not None:
        msg = _mon_codes().validate("regions", region)
        if msg is not None:
            raise _mon_fail(f"--region: {msg}", 2)
    return Scope(region=region, institution=institution)


def _mon_config(load: Callable[[], Any]) -> Any:
    """Run a loader: a broken codes/*.yaml exits 1 with its diagnostics, bad input exits 2."""
    from engine.errors import BadInput, ProcedureInvalid, render_diagnostic

    try:
        return load()
    except ProcedureInvalid as exc:
        for d in exc.diagnostics:
            typer.echo(render_diagnostic(d), err=True)
        raise typer.Exit(1) from None
    except BadInput as exc:
        raise _mon_fail(str(exc), 2) from None


def _mon_date(text: str | None, option: str) -> _Date | None:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise _mon_fail(f"{option} 应为 YYYY-MM-DD (got {text!r})", 2) from None


@monitor_app.command("export")
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
        raise _mon_fail(f"--format 只能是 jsonl 或 csv (got {fmt!r})", 2)
    db = _mon_db()
    if out is None:
        with db.engine.connect() as conn:
            res = export_records(conn, sys.stdout, since=since or 0, fmt=fmt, batch=batch, settle=settle)  # type: ignore[arg-type]
    else:
        in_file = resume_cursor(out, fmt)  # type: ignore[arg-type]
        if since is not None and since < in_file:
            raise _mon_fail(
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


def _fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


@monitor_app.command("report")
def monitor_report(
    month: str = typer.Option(..., "--month", help="统计月份 YYYY-MM"),
    region: str | None = typer.Option(None, "--region", help="行政区划代码（含下级）(sub-regions included)"),
    institution: str | None = typer.Option(None, "--institution", help="仲裁机构 id"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """月度监测指标 (monthly indicators): stocks, flows, closures, amounts, rates with numerator/denominator."""
    import json

    from engine.monitoring.indicators import indicator_spec, month_bounds, monthly_report

    _mon_config(lambda: month_bounds(month))
    scope = _mon_scope(region, institution)
    spec = _mon_config(indicator_spec)
    codes = _mon_codes()
    db = _mon_db()
    with db.engine.connect() as conn:
        report = _mon_config(lambda: monthly_report(conn, month, codes, spec=spec, scope=scope))
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    where = " ".join(x for x in (region and f"地区 {region}", institution and f"机构 {institution}") if x)
    typer.echo(f"{spec.title} {month} {where}".rstrip())
    for key, value in report.measures.items():
        typer.echo(f"  {report.titles[key]}: {value}")
    closures = codes.table("closure_methods")
    for code, n in report.closed_by_closure.items():
        e = closures.entries.get(code)
        typer.echo(f"  结案方式 {code}（{e.name if e else '未知'}）: {n}")
    for code, n in report.ended_by_closure.items():
        typer.echo(f"  未受理即结束 {code}: {n}")
    typer.echo(f"  超期 (breaches): {sum(report.breaches.values())} {report.breaches or ''}".rstrip())
    if report.provisional_breaches:
        typer.echo(f"    其中暂定 (provisional, P5): {report.provisional_breaches}")
    for r in report.rates.values():
        typer.echo(f"  {r.title}: {_fmt_rate(r.value)} = {r.numerator} / {r.denominator}  [{r.formula}]")


@monitor_app.command("checks")
def monitor_checks(
    as_of: str | None = typer.Option(None, "--as-of", help="校核日期 (default: today, Asia/Shanghai)"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """数据校核 (data checks of codes/data_checks.yaml). Exit 1 when an error-severity rule finds records."""
    import datetime as dt
    import json
    from zoneinfo import ZoneInfo

    from engine.monitoring.datachecks import check_spec, run_checks

    day = _mon_date(as_of, "--as-of") or dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    spec = _mon_config(check_spec)
    codes = _mon_codes()
    db = _mon_db()
    with db.engine.connect() as conn:
        report = run_checks(conn, codes, day, spec=spec)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{spec.title} (as of {day})")
        for f in report.findings:
            mark = "OK " if f.count == 0 else ("ERR" if f.severity == "error" else "WRN")
            ids = ", ".join(f"case {e['case_id']}#{e['event_seq']}" for e in f.examples[:5])
            typer.echo(f"  {mark} {f.rule}: {f.title}: {f.count}" + (f"  (e.g. {ids})" if ids else ""))
    raise typer.Exit(1 if report.errors else 0)


@monitor_app.command("risks")
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
    from engine.store.tables import MonitoringRecord

    _mon_config(lambda: month_bounds(month))
    scope = _mon_scope(region, institution)
    spec = _mon_config(risk_spec)
    codes = _mon_codes()
    t = MonitoringRecord.__table__  # type: ignore[attr-defined]
    db = _mon_db()
    with db.engine.connect() as conn:
        report = monthly_risks(
            conn, month, spec, codes, scope=scope.condition(t.c.region_code, t.c.institution_id)
        )
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        labels = {"collective": "集体争议", "large_claim": "大额请求"}
        typer.echo(f"风险预警 {month}: {len(report.flagged)} 件即时预警, {len(report.surges)} 项环比激增")
        for f in report.flagged:
            flags = "、".join(labels.get(x, x) for x in f.flags)
            typer.echo(
                f"  案件 {f.case_id} {f.effective_on} {f.region_code} {flags} 人数 {f.workers} 金额 {f.claim_amount}"
            )
        for s in report.surges:
            inc = "新增" if s.increase is None else f"+{s.increase * 100:.0f}%"
            typer.echo(f"  激增 {s.dimension} {s.key}（{s.name}）: {s.previous} → {s.current} ({inc})")
    raise typer.Exit(1 if report.flagged or report.surges else 0)


@codes_app.command("show")
def codes_show(
    table: str = typer.Argument(..., help="代码表名，如 dispute_types"),
    on: str | None = typer.Option(None, "--on", help="只列出该日有效的代码 (codes valid on YYYY-MM-DD)"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """列出一个代码表 (show a code table with its source)."""
    import json

    codes = _mon_codes()
    if not codes.has(table):
        raise _mon_fail(codes.validate(table, "") or table, 2)
    day = _mon_date(on, "--on")
    t = codes.table(table)
    rows = [e for e in t if day is None or e.valid_on(day)]
    if as_json:
        data = {
            "table": t.id,
            "title": t.title,
            "source": t.source,
            "codes": [
                {
                    "code": e.code,
                    "name": e.name_on(day),
                    "parent": e.parent,
                    "valid_from": e.valid_from and e.valid_from.isoformat(),
                    "valid_to": e.valid_to and e.valid_to.isoformat(),
                }
                for e in rows
            ],
        }
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{t.id}: {t.title}\n来源 (source): {t.source}")
    for e in rows:
        valid = f"  [{e.valid_from or '…'} – {e.valid_to or '…'}]" if (e.valid_from or e.valid_to) else ""
        parent = f"  ← {e.parent}" if e.parent else ""
        typer.echo(f"  {e.code}  {e.name_on(day)}{parent}{valid}")


@codes_app.command("validate")
def codes_validate(
    table: str | None = typer.Argument(None, help="代码表名（与 CODE 一起：检查一个代码）"),
    code: str | None = typer.Argument(None, help="要检查的代码"),
    on: str | None = typer.Option(None, "--on", help="检查该日是否有效 (valid on YYYY-MM-DD)"),
) -> None:
    """检查 codes/ 下全部代码表与监测配置；或检查一个代码 (validate every table and config, or one code)."""
    from engine.monitoring.datachecks import check_spec
    from engine.monitoring.indicators import indicator_spec
    from engine.monitoring.risk import risk_spec

    codes = _mon_codes()
    if table is None:
        _mon_config(indicator_spec)
        _mon_config(check_spec)
        _mon_config(risk_spec)
        total = sum(len(codes.table(n)) for n in codes.names())
        typer.echo(
            f"{len(codes.names())} 个代码表 (tables), {total} 个代码；监测配置无误 (indicators, data checks, risk: ok)"
        )
        return
    if code is None:
        raise _mon_fail("给出代码表名时还需给出代码 (give TABLE and CODE)", 2)
    day = _mon_date(on, "--on")
    msg = codes.validate(table, code, on=day)
    if msg is not None:
        raise _mon_fail(msg, 1)
    entry = codes.get(table, code)
    typer.echo(f"{table} {code}: {entry.name_on(day) if entry else ''}")


# ---------------------------------------------------------------- documents (issue 5)
documents_app = typer.Typer(
    help="文书 (documents): check templates, render the demo case's documents", no_args_is_help=True
)
app.add_typer(documents_app, name="documents")


@documents_app.command("check")
def documents_check(
    procedure_ids: list[str] = typer.Argument(None, help="procedure ids (default: all)"),
    procedures: Path = typer.Option(Path("procedures"), "--procedures", help="the procedures folder"),
) -> None:
    """检查文书模板 (lint templates): every name a template reads is a fact or case data (D0xx)."""
    from engine.documents.lint import check_region_folders, check_templates
    from engine.errors import render_diagnostic

    ids = procedure_ids or []
    if not ids:
        from engine.procedures.library import ProcedureLibrary

        ids = list(ProcedureLibrary.load(procedures, strict=False)[0].ids())
    errors = 0
    for procedure_id in ids:
        for diag in check_templates(_load_procedure(procedure_id, procedures)):
            errors += diag.severity == "error"
            typer.echo(f"{procedure_id}: {render_diagnostic(diag)}")
    if not procedure_ids:
        for diag in check_region_folders(ids):
            typer.echo(render_diagnostic(diag))
    typer.echo(f"{len(ids)} procedure(s), {errors} error(s)")
    raise typer.Exit(1 if errors else 0)


@documents_app.command("sample")
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

    procedure = _load_procedure(procedure_id, procedures)
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
