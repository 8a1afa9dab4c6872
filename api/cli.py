"""The CLI commands of issue 6: `zhongcai serve`, `zhongcai scheduler`, `zhongcai audit breaches|backdated`.

Registered onto cli.py's Typer apps by `register(app, audit_app)` (cli.py keeps one line for them).
Thin: the work is in api.app, engine.oversight.scheduler, engine.oversight.audit and engine.demo.seed. Heavy imports (FastAPI,
uvicorn, SQLAlchemy) stay inside the commands so `zhongcai --help` starts fast.
Exit codes: 0 success, 1 a finding (a breach, a back-dated entry) or failure, 2 bad usage.
May import: engine, api, Typer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).resolve().parent.parent


def _today() -> dt.date:
    from engine.oversight.scheduler import shanghai_now

    return shanghai_now().date()


def _parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        typer.echo(f"{option}: '{value}' 不是日期 (not a date): use YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


def _configure_logging() -> None:
    """INFO for zhongcai's own loggers (scan summaries), warnings only for the libraries."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("zhongcai").setLevel(logging.INFO)


def _open_db() -> Any:
    from engine.errors import BadInput
    from engine.store.db import Database

    try:
        db = Database()
        db.init_db()
    except BadInput as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    return db


def _library() -> Any:
    from engine.errors import ProcedureInvalid
    from engine.procedures.library import ProcedureLibrary

    try:
        return ProcedureLibrary.load(ROOT / "procedures")
    except ProcedureInvalid as exc:
        typer.echo(
            f"procedures/ 有错误 (procedure files have errors): {exc}\nrun: zhongcai procedures validate",
            err=True,
        )
        raise typer.Exit(1) from None


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="port"),
    seed_demo: bool = typer.Option(
        False, "--seed-demo", help="create demo institutions, users, tokens and cases (once)"
    ),
    no_scheduler: bool = typer.Option(
        False, "--no-scheduler", help="do not run the deadline scan in this process"
    ),
    scan_interval: float = typer.Option(
        60.0, "--scan-interval", min=1.0, help="seconds between deadline scans"
    ),
) -> None:
    """启动 HTTP API (start the API; with the deadline scheduler in the same process by default)."""
    import uvicorn

    from api.app import build_state, create_app
    from api.deps import ApiSettings

    _configure_logging()
    settings = ApiSettings.from_env(run_scheduler=not no_scheduler, scan_interval_seconds=scan_interval)
    db = _open_db()
    library = _library()
    if seed_demo:
        from engine.demo.seed import seed_demo as do_seed

        report = do_seed(db, library, today=_today())
        _print_roster(report)
    db.dispose()
    state = build_state(settings, library=library)
    app = create_app(settings, state=state)
    base = f"http://{host}:{port}"
    typer.echo(f"\nzhongcai API:   {base}/v1\nOpenAPI docs:   {base}/docs\nDatabase:       {state.db.url}")
    typer.echo(f"Scheduler:      {'off' if no_scheduler else f'on, scanning every {scan_interval:g} s'}")
    typer.echo(f"Try:            curl -H 'Authorization: Bearer demo-clerk-nn' {base}/v1/cases\n")
    sys.stdout.flush()
    try:
        # X-Forwarded-For is believed only from the proxies named in ZHONGCAI_TRUSTED_PROXIES
        # (comma-separated addresses); by default from nobody, so a client cannot pick its address
        trusted = os.environ.get("ZHONGCAI_TRUSTED_PROXIES", "").strip()
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            proxy_headers=bool(trusted),
            forwarded_allow_ips=trusted or "",
        )
    finally:
        state.db.dispose()


def _print_roster(report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    console.print(
        "[bold]演示数据 (demo data)[/bold]" + (" created" if report.created else " already present")
    )
    users = Table("用户 user", "角色 role", "机构 institution", "令牌 bearer token")
    for username, role, inst, token in report.users:
        users.add_row(username, role, inst or "-", token)
    console.print(users)
    cases = Table("id", "案号或收件登记号 number", "阶段 stage", "说明", "查询码 query code")
    for cid, number, stage, label, code in report.cases:
        cases.add_row(str(cid), number, stage, label, code)
    console.print(cases)
    console.print(
        "[yellow]演示令牌是公开的固定字符串，切勿在真实数据库上使用 --seed-demo "
        "(the demo tokens are fixed, public strings: never seed a real database)[/yellow]"
    )


def scheduler(
    interval: float = typer.Option(60.0, "--interval", min=1.0, help="seconds between scans"),
    once: bool = typer.Option(False, "--once", help="scan once and exit"),
    as_of: str | None = typer.Option(None, "--as-of", help="with --once: scan as of this date (YYYY-MM-DD)"),
) -> None:
    """只运行期限扫描 (run the deadline scan alone: warnings, breaches, on_expiry actions)."""
    from engine.cases.runtime import CaseService
    from engine.oversight.scheduler import SHANGHAI, DeadlineScanner, leadership_for, scan_now, service_tick

    _configure_logging()
    day = _parse_date(as_of, "--as-of")
    db = _open_db()
    service = CaseService(db, _library())
    tick = service_tick(service)
    leadership = leadership_for(db.engine)
    if once:
        now = (lambda: dt.datetime.combine(day, dt.time(12), SHANGHAI)) if day else None
        ran = scan_now(tick, leadership, now) if now else scan_now(tick, leadership)
        leadership.release()
        if not ran:
            typer.echo("另一个调度进程正在运行 (another scheduler holds the lead); nothing done", err=True)
            raise typer.Exit(1)
        typer.echo(f"scanned as of {day or _today()}")
        return
    typer.echo(f"deadline scheduler: scanning every {interval:g} s ({db.url}); Ctrl-C stops")
    DeadlineScanner(tick, leadership, interval_seconds=interval).run_forever()


def audit_breaches(
    as_of: str | None = typer.Option(None, "--as-of", help="audit date YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    as_csv: bool = typer.Option(False, "--csv", help="print CSV"),
    institution: str | None = typer.Option(None, "--institution", help="only this institution id"),
) -> None:
    """超期督查 (breach audit) computed from the deadline rows as of a date; exit 1 if any breach."""
    from engine.cases.runtime import CaseService
    from engine.oversight.audit import breach_audit
    from engine.oversight.breach_entries import breaches_csv

    if as_json and as_csv:
        typer.echo("--json 与 --csv 只能选一个 (choose one of --json and --csv)", err=True)
        raise typer.Exit(2)
    day = _parse_date(as_of, "--as-of") or _today()
    db = _open_db()
    service = CaseService(db, _library())
    with db.read() as s:
        entries = breach_audit(
            s, day, institution_id=institution, procedures=lambda pid, h: service.procedure_by_hash(s, pid, h)
        )
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
        from rich.table import Table

        table = Table(
            "案号",
            "机构",
            "期限",
            "届满日 due",
            "超期天数",
            "责任人",
            "延长/中止",
            "依据",
            title=f"超期督查 as of {day}",
        )
        for e in entries:
            notes = "; ".join(f"{n.op} {n.on}" for n in e.clock_notes) or "-"
            who = e.responsible_staff or f"({e.responsible_role})"
            table.add_row(
                e.case_number,
                e.institution_name,
                e.deadline_title,
                f"{e.due_on}（暂定）" if e.provisional else str(e.due_on),
                str(e.days_overdue),
                who,
                notes,
                e.basis,
            )
        Console(width=200).print(table)
        provisional = sum(e.provisional for e in entries)
        note = f", {provisional} provisional (暂定, P5)" if provisional else ""
        typer.echo(f"{len(entries)} breach(es) as of {day}{note}")
    db.dispose()
    if entries:
        raise typer.Exit(1)


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

    db = _open_db()
    with db.read() as s:
        entries = backdated_entries(
            s, min_days=min_days, since=_parse_date(since, "--since"), until=_parse_date(until, "--until")
        )
    if as_json:
        typer.echo(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
    else:
        for e in entries:
            typer.echo(
                f"{e.case_number}  #{e.seq} {e.action} ({e.role} {e.actor_id}): effective {e.effective_on}, "
                f"recorded {e.recorded_at:%Y-%m-%d %H:%M} ({e.days_back} days later)"
            )
        typer.echo(
            f"{len(entries)} back-dated entr{'y' if len(entries) == 1 else 'ies'} (>= {min_days} days)"
        )
    db.dispose()
    if entries:
        raise typer.Exit(1)


def register(app: typer.Typer, audit_app: typer.Typer) -> None:
    """Add the issue-6 commands to the `zhongcai` app."""
    app.command("serve")(serve)
    app.command("scheduler")(scheduler)
    audit_app.command("breaches")(audit_breaches)
    audit_app.command("backdated")(audit_backdated)
