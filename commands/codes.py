"""`zhongcai codes`: show a code table, validate every table and the monitoring configuration or one code."""

from __future__ import annotations

import typer

from commands.common import print_diagnostics
from commands.monitor import code_tables, fail_monitor, load_config, optional_date

app = typer.Typer(help="代码表 (code tables under codes/): show, validate", no_args_is_help=True)


@app.command("show")
def codes_show(
    table: str = typer.Argument(..., help="代码表名，如 dispute_types"),
    on: str | None = typer.Option(None, "--on", help="只列出该日有效的代码 (codes valid on YYYY-MM-DD)"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """列出一个代码表 (show a code table with its source)."""
    import json

    codes = code_tables()
    if not codes.has(table):
        raise fail_monitor(codes.validate(table, "") or table, 2)
    day = optional_date(on, "--on")
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


@app.command("validate")
def codes_validate(
    table: str | None = typer.Argument(None, help="代码表名（与 CODE 一起：检查一个代码）"),
    code: str | None = typer.Argument(None, help="要检查的代码"),
    on: str | None = typer.Option(None, "--on", help="检查该日是否有效 (valid on YYYY-MM-DD)"),
) -> None:
    """检查 codes/ 下全部代码表与监测配置；或检查一个代码 (validate every table and config, or one code)."""
    from engine.monitoring.datachecks import check_spec
    from engine.monitoring.indicators import indicator_spec
    from engine.monitoring.risk import risk_spec
    from engine.registry.coverage import load_targets
    from engine.registry.performance_spec import check_performance_config

    codes = code_tables()
    if table is None:
        load_config(indicator_spec)
        load_config(check_spec)
        load_config(risk_spec)
        load_config(load_targets)
        problems = check_performance_config(codes=codes)
        if problems:
            print_diagnostics(problems)
            raise typer.Exit(1)
        total = sum(len(codes.table(n)) for n in codes.names())
        typer.echo(
            f"{len(codes.names())} 个代码表 (tables), {total} 个代码；监测配置无误 (indicators, data checks, risk: ok)"
        )
        typer.echo("登记配置无误 (register: performance figures, coverage targets: ok)")
        return
    if code is None:
        raise fail_monitor("给出代码表名时还需给出代码 (give TABLE and CODE)", 2)
    day = optional_date(on, "--on")
    msg = codes.validate(table, code, on=day)
    if msg is not None:
        raise fail_monitor(msg, 1)
    entry = codes.get(table, code)
    typer.echo(f"{table} {code}: {entry.name_on(day) if entry else ''}")
