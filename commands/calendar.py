"""`zhongcai calendar`: due dates, holidays of a year, coverage check, importing a State Council notice,
recomputing running deadlines after a calendar change.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commands.common import CALENDAR_DATE, fail, parse_date, print_diagnostics, shanghai_today

if TYPE_CHECKING:  # engine is imported inside the commands (fast start); names for annotations only
    from engine import WorkCalendar


app = typer.Typer(help="工作日历 (working-day calendar): due dates, holidays", no_args_is_help=True)


def _date(text: str, option: str) -> dt.date:
    return parse_date(text, option, CALENDAR_DATE, strip=True)


def _load_calendar(calendar: str, region: str | None, overlay: str | None) -> WorkCalendar:
    from engine.dates.calendar import load_calendar
    from engine.errors import CalendarError, ProcedureInvalid

    try:
        return load_calendar(calendar, region, Path(overlay) if overlay else None)
    except ProcedureInvalid as exc:
        print_diagnostics(exc.diagnostics, read_files=True)
        raise typer.Exit(1) from None
    except CalendarError as exc:
        raise fail(f"error: {exc}") from None


_OVERLAY_HELP = "日历覆盖文件 (overlay file; default procedures/calendars/<ID>.yaml)"


@app.command("due")
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
        raise fail("error: give exactly one of --from DATE (forward) or --before DATE (backward, P9)")
    try:
        period = parse_period(limit)
    except ValueError as exc:
        raise fail(f"error: --limit: {exc}") from None
    cal = _load_calendar(calendar, region, overlay)
    if from_ is not None:
        result = due(start_clock("cli", period, _date(from_, "--from")), cal)
    else:
        result = explain_latest_before(_date(before, "--before"), period, cal)
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


@app.command("show")
def calendar_show(
    year: int = typer.Argument(..., help="年份 (year)"),
    calendar: str = typer.Option("cn", "--calendar", help="日历 (calendar id)"),
    region: str = typer.Option(None, "--region", help="地区代码 (GB/T 2260 code or prefix)"),
    overlay: str = typer.Option(None, "--overlay", help=_OVERLAY_HELP),
) -> None:
    """列出某年的节假日和调休上班日 (holidays and make-up working days of a year)."""
    import datetime as dt

    from engine.errors import YearNotCovered

    cal = _load_calendar(calendar, region, overlay)
    if not 1900 <= year <= 2200:
        raise fail(f"error: '{year}' is not a plausible year")
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    try:
        runs = cal.runs(first, last)
        count = cal.workdays_between(first - dt.timedelta(days=1), last)
    except YearNotCovered as exc:
        raise fail(f"error: {exc}", 1) from None
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


@app.command("check")
def calendar_check(
    today: str = typer.Option(None, "--today", help="今天 (default: today in Asia/Shanghai), YYYY-MM-DD"),
    calendar: str = typer.Option("cn", "--calendar", help="日历 (calendar id)"),
    region: str = typer.Option(None, "--region", help="地区代码 (check this region's rest days too)"),
    overlay: str = typer.Option(None, "--overlay", help=_OVERLAY_HELP),
) -> None:
    """检查日历覆盖年份 (P5: the current year must be covered; from 1 December, next year too)."""
    import datetime as dt

    from engine.dates.overlay import check_overlay

    day = _date(today, "--today") if today else shanghai_today()
    cal = _load_calendar(calendar, region, overlay)
    if cal.overlay_file is not None:  # warnings only: errors already stopped _load_calendar
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


@app.command("import")
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
        raise fail(f"error: cannot read {notice_file}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:  # refused before decoding (only MAX_BYTES + 1 bytes were read)
        big = NoticeError.too_large(path.stat().st_size)
        raise fail(f"错误：{big.zh} (error: {big.en})", 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise fail(
            f"错误：{notice_file} 不是 UTF-8 文本 (error: {notice_file} is not UTF-8 text, byte {err.start})"
        ) from None
    try:
        notice = parse_notice(text, year)
    except NoticeError as exc:
        raise fail(f"错误：{exc.zh} (error: {exc.en})", 1) from None
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
        raise fail(
            f"错误：{failed} 项检查未通过，未写入 (error: {failed} check(s) failed; nothing written)", 1
        )
    if not write:
        return
    target = Path(overlay) if overlay else overlay_path_for(calendar)
    if not target.is_file():
        raise fail(f"error: no overlay file {target}")
    try:
        written = add_year(target, notice, calendar)
    except OverlayWriteError as exc:
        raise fail(f"错误：{exc.zh} (error: {exc.en})", 1) from None
    out = [f"已写入 {target} 第{written.line}行起 (added {notice.year} to {target}, line {written.line}):"]
    out += [f"  {ln}" for ln in written.text.splitlines()]
    out.append("提示：运行 zhongcai calendar apply 重新计算进行中的期限 (hint: run `zhongcai calendar apply` "
               "to recompute running deadlines)")  # fmt: skip
    for ln in out:
        typer.echo(ln, err=as_json)


@app.command("apply")
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

    from commands.case import case_service
    from engine import apply_calendar_update
    from engine.errors import ZhongcaiError

    day = _date(today, "--today") if today else None
    service, _ = case_service(procedures)
    try:
        report = apply_calendar_update(service, dry_run=dry_run, batch=batch, today=day)
    except ZhongcaiError as exc:
        raise fail(f"错误 (error): {exc}", 1) from None
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
