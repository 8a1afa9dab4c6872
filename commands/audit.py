"""`zhongcai audit`: deadline breaches as of a date, back-dated entries (exit 1 on any finding)."""

from __future__ import annotations

import json

import typer

from commands.common import fail, shanghai_today
from commands.serve import checkout_library, open_store, optional_date

app = typer.Typer(help="督查 (audit): deadline breaches, back-dated entries", no_args_is_help=True)


@app.command("breaches")
def audit_breaches(
    as_of: str | None = typer.Option(None, "--as-of", help="audit date YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    as_csv: bool = typer.Option(False, "--csv", help="print CSV"),
    institution: str | None = typer.Option(None, "--institution", help="only this institution id"),
) -> None:
    """超期督查 (breach audit) computed from the deadline rows as of a date; exit 1 if any breach."""
    from engine import CaseService, breach_audit
    from engine.oversight.breach_entries import breaches_csv

    if as_json and as_csv:
        raise fail("--json 与 --csv 只能选一个 (choose one of --json and --csv)")
    day = optional_date(as_of, "--as-of") or shanghai_today()
    db = open_store()
    service = CaseService(db, checkout_library())
    with db.read() as s:
        entries = breach_audit(s, day, institution_id=institution, procedures=service.versions.lookup(s))
    if as_json:
        typer.echo(
            json.dumps(
                {"as_of": day.isoformat(), "total": len(entries), "items": [e.to_json() for e in entries]},
                ensure_ascii=False,
                indent=2,
            )
        )
    elif as_csv:
        typer.echo(breaches_csv(entries), nl=False)
    else:
        from rich.console import Console

        from engine.oversight.text import breach_summary, breach_table

        Console(width=200).print(breach_table(entries, day))
        typer.echo(breach_summary(entries, day))
    db.dispose()
    if entries:
        raise typer.Exit(1)


@app.command("backdated")
def audit_backdated(
    min_days: int = typer.Option(
        30, "--min-days", min=1, help="effective date at least this many days before recording"
    ),
    since: str | None = typer.Option(None, "--since", help="recorded on or after YYYY-MM-DD"),
    until: str | None = typer.Option(None, "--until", help="recorded on or before YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """倒签记录 (back-dated entries): actions recorded long after their effective date; exit 1 if any."""
    from engine.oversight.backdated import backdated_entries
    from engine.oversight.text import backdated_lines

    db = open_store()
    with db.read() as s:
        entries = backdated_entries(
            s, min_days=min_days, since=optional_date(since, "--since"), until=optional_date(until, "--until")
        )
    if as_json:
        typer.echo(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(backdated_lines(entries, min_days)))
    db.dispose()
    if entries:
        raise typer.Exit(1)
