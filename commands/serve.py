"""`zhongcai serve` (the HTTP API, with the deadline scheduler by default) and `zhongcai scheduler` (the
deadline scan alone).

FastAPI, uvicorn and SQLAlchemy are imported inside the commands so that `zhongcai --help` starts fast.
Registered by cli.py with `app.command(NAME)(FUNCTION)`.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import typer

from commands.common import AUDIT_DATE, fail, load_library, open_database, parse_date, shanghai_today

ROOT = Path(__file__).resolve().parent.parent


def configure_logging() -> None:
    """INFO for zhongcai's own loggers (scan summaries), warnings only for the libraries."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("zhongcai").setLevel(logging.INFO)


def open_store() -> Any:
    """The database for the server-side commands (serve, scheduler, audit): a bad URL is bad usage (2)."""
    from engine.errors import BadInput

    return open_database(prefix="", code=2, catch=BadInput)


def checkout_library() -> Any:
    """The procedures of the checkout (not of the working directory); exits 1 if they do not compile."""
    return load_library(
        ROOT / "procedures",
        "procedures/ 有错误 (procedure files have errors): {exc}\nrun: zhongcai procedures validate",
    )


def optional_date(value: str | None, option: str) -> dt.date | None:
    return None if value is None else parse_date(value, option, AUDIT_DATE)


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

    configure_logging()
    settings = ApiSettings.from_env(
        run_scheduler=not no_scheduler, scan_interval_seconds=scan_interval, open_register_periods=True
    )
    db = open_store()
    library = checkout_library()
    if seed_demo:
        from engine.demo.seed import seed_demo as do_seed

        report = do_seed(db, library, today=shanghai_today())
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

    from engine.demo.roster import roster_renderables

    console = Console(width=160)
    for part in roster_renderables(report):
        console.print(part)


def scheduler(
    interval: float = typer.Option(60.0, "--interval", min=1.0, help="seconds between scans"),
    once: bool = typer.Option(False, "--once", help="scan once and exit"),
    as_of: str | None = typer.Option(None, "--as-of", help="with --once: scan as of this date (YYYY-MM-DD)"),
) -> None:
    """只运行期限扫描 (run the deadline scan alone: warnings, breaches, on_expiry actions)."""
    from engine import CaseService
    from engine.oversight.scheduler import SHANGHAI, DeadlineScanner, leadership_for, scan_now, service_tick

    configure_logging()
    day = optional_date(as_of, "--as-of")
    db = open_store()
    service = CaseService(db, checkout_library())
    tick = service_tick(service, register_periods=True)
    leadership = leadership_for(db.engine)
    if once:
        now = (lambda: dt.datetime.combine(day, dt.time(12), SHANGHAI)) if day else None
        ran = scan_now(tick, leadership, now) if now else scan_now(tick, leadership)
        leadership.release()
        if not ran:
            raise fail("另一个调度进程正在运行 (another scheduler holds the lead); nothing done", 1)
        typer.echo(f"scanned as of {day or shanghai_today()}")
        return
    typer.echo(f"deadline scheduler: scanning every {interval:g} s ({db.url}); Ctrl-C stops")
    DeadlineScanner(tick, leadership, interval_seconds=interval).run_forever()
