"""`zhongcai registry`: the register of institutions and staff: import a region's spreadsheet, show the
register as of a day, performance figures, coverage, and open the quarterly verification cases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from commands.common import ERROR, fail, parse_date, shanghai_today
from commands.serve import checkout_library, open_store

app = typer.Typer(help="机构人员 (register): import, show, performance, coverage", no_args_is_help=True)


def _day(text: str | None, option: str) -> dt.date:
    return shanghai_today() if text is None else parse_date(text, option)


@app.command("import")
def registry_import(
    file: Path = typer.Argument(..., help="a .csv or .xlsx file (sheets 机构 and 人员)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check every row, write nothing"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Import institutions and staff; every row is checked, a bad row names its row and column, and
    nothing of the file is written then (exit 1)."""
    from engine.registry.register_import import ImportRejected, import_register
    from engine.registry.sheets import SheetError

    db = open_store()
    library = checkout_library()
    try:
        report = import_register(
            db, file, today=shanghai_today(), procedures=set(library.ids()), dry_run=dry_run
        )
    except ImportRejected as exc:
        if as_json:
            problems = [
                {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message}
                for p in exc.problems
            ]
            typer.echo(json.dumps({"imported": False, "problems": problems}, ensure_ascii=False, indent=2))
            raise typer.Exit(1) from None
        raise fail(f"{ERROR}{exc}", 1) from None
    except SheetError as exc:
        raise fail(f"{ERROR}{exc}", 1) from None
    finally:
        db.dispose()
    if as_json:
        out = {"imported": not dry_run, "dry_run": dry_run, **report.__dict__}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    verb = "检查通过，未写入 (checked, nothing written)" if dry_run else "已导入 (imported)"
    typer.echo(
        f"{verb}: {report.rows} 行 (rows) in {', '.join(report.sheets)}; 机构变更 {report.institutions}, "
        f"新增人员 {report.staff_added}, 新增聘任 {report.appointments_added}"
    )


@app.command("show")
def registry_show(
    institution: str | None = typer.Option(
        None, "--institution", help="one institution: its history and staff"
    ),
    region: str | None = typer.Option(None, "--region", help="a GB/T 2260 prefix, e.g. 45 or 4501"),
    as_of: str | None = typer.Option(None, "--as-of", help="the register as of YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON (no personal data)"),
) -> None:
    """The register as of a day (ID numbers and phones are never printed)."""
    from dataclasses import asdict

    from engine.registry.institutions import InstitutionValues, history, institution_as_of, institutions_as_of
    from engine.registry.scope import content_of
    from engine.registry.staff import appointees
    from engine.registry.text import history_lines, institution_lines, staff_lines

    day = _day(as_of, "--as-of")
    db = open_store()
    with db.read() as s:
        if institution is None:
            versions = institutions_as_of(s, day, region_prefix=region)
            if as_json:
                shown = [{"id": v.institution_id, **asdict(InstitutionValues.of(v))} for v in versions]
                typer.echo(json.dumps(shown, ensure_ascii=False, indent=2))
            else:
                typer.echo("\n".join(institution_lines(versions)))
        else:
            version = institution_as_of(s, institution, day)
            if version is None:
                db.dispose()
                raise fail(
                    f"{ERROR}{day} 登记中没有机构 '{institution}' (no such institution on that day)", 1
                )
            if as_json:
                typer.echo(json.dumps(content_of(s, institution, day), ensure_ascii=False, indent=2))
            else:
                lines = institution_lines([version])[:1] + [
                    "变更记录 (history):",
                    *history_lines(history(s, institution)),
                ]
                for post in ("director", "arbitrator", "clerk", "mediator"):
                    people = appointees(s, institution, post, day)
                    if people:
                        lines += [f"{post}:", *staff_lines(people)]
                typer.echo("\n".join(lines))
    db.dispose()


@app.command("performance")
def registry_performance(
    institution: str | None = typer.Option(None, "--institution", help="one institution id"),
    region: str | None = typer.Option(None, "--region", help="a GB/T 2260 prefix"),
    start: str = typer.Option(..., "--from", help="first day YYYY-MM-DD"),
    end: str = typer.Option(..., "--to", help="last day YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    as_csv: bool = typer.Option(False, "--csv", help="print CSV"),
) -> None:
    """绩效 (performance figures) of arbitrators and institutions for a period (codes/performance.yaml)."""
    from engine.registry.performance import performance
    from engine.registry.text import performance_lines

    if as_json and as_csv:
        raise fail("--json 与 --csv 只能选一个 (choose one of --json and --csv)")
    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    if last < first:
        raise fail("--to: 结束日期早于开始日期 (the period ends before it starts)")
    db = open_store()
    try:
        report = performance(db, start=first, end=last, institution_id=institution, region_prefix=region)
    finally:
        db.dispose()
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    elif as_csv:
        typer.echo(report.to_csv(), nl=False)
    else:
        typer.echo("\n".join(performance_lines(report)))


@app.command("coverage")
def registry_coverage(
    as_of: str | None = typer.Option(None, "--as-of", help="the register as of YYYY-MM-DD (default today)"),
    month: str | None = typer.Option(
        None, "--month", help="online handling rate of YYYY-MM (default last month)"
    ),
    region: str | None = typer.Option(None, "--region", help="a GB/T 2260 prefix"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """办案系统覆盖率 by level and province, 在线办案率 by province, against the plan's targets."""
    from engine.registry.coverage import coverage
    from engine.registry.text import coverage_lines

    day = _day(as_of, "--as-of")
    if month is None:
        first = day.replace(day=1) - dt.timedelta(days=1)
        month = f"{first.year:04d}-{first.month:02d}"
    db = open_store()
    try:
        with db.read() as s:
            report = coverage(s, day, month, region_prefix=region)
    except ValueError as exc:
        raise fail(f"{ERROR}--month: {exc}") from None
    finally:
        db.dispose()
    typer.echo(
        json.dumps(report.to_json(), ensure_ascii=False, indent=2)
        if as_json
        else "\n".join(coverage_lines(report))
    )


@app.command("open-periods")
def registry_open_periods(
    as_of: str | None = typer.Option(None, "--as-of", help="as of YYYY-MM-DD (default today)"),
) -> None:
    """Open each institution's verification case (核准) of the last ended quarter, so its submission
    deadline runs (idempotent; the scheduler does this too)."""
    from engine import CaseService
    from engine.registry.verification import last_ended_period, open_due_periods

    day = _day(as_of, "--as-of")
    db = open_store()
    service = CaseService(db, checkout_library())
    opened = open_due_periods(service, day)
    db.dispose()
    typer.echo(f"{last_ended_period(day)}: 新开核准案件 {len(opened)} 件 (verification cases opened)")
