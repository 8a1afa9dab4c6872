"""The helpers every command group shares: failing with a clear line and an exit code, reading a date
option, today's date, opening the database, loading the procedure library, printing diagnostics.

The messages differ from group to group (they are the commands' observable output), so the helpers take
the message or the exit code as a parameter; the defaults are the most common form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from engine import Database, ProcedureLibrary
    from engine.errors import Diagnostic, ZhongcaiError

#: the prefix of a failure line in the case, monitor and codes groups
ERROR = "错误 (error): "

#: the "not a date" messages of the groups ({option}, {text} are filled in)
CALENDAR_DATE = "error: {option} '{text}' is not a date: write YYYY-MM-DD, e.g. 2026-09-29"
CASE_DATE = "{option}: '{text}' is not a date; write YYYY-MM-DD"
MONITOR_DATE = ERROR + "{option} 应为 YYYY-MM-DD (got {text!r})"
AUDIT_DATE = "{option}: '{text}' 不是日期 (not a date): use YYYY-MM-DD"


def fail(message: str, code: int = 2) -> typer.Exit:
    """One clear line on stderr (no traceback); the caller raises the returned Exit."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def parse_date(text: str, option: str, message: str = CASE_DATE, *, strip: bool = False) -> dt.date:
    """`text` as an ISO date; otherwise `message` on stderr and exit 2 (bad usage)."""
    try:
        return dt.date.fromisoformat(text.strip() if strip else text)
    except ValueError:
        raise fail(message.format(option=option, text=text)) from None


def shanghai_today() -> dt.date:
    """Today in Asia/Shanghai (legal dates are local dates, docs/law.md P10)."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def open_database(
    *, prefix: str = ERROR, code: int = 1, catch: type[ZhongcaiError] | None = None
) -> Database:
    """The database of ZHONGCAI_DATABASE_URL, migrated. An error of type `catch` (default: any
    ZhongcaiError) is printed after `prefix` and exits with `code`."""
    from engine import init_db
    from engine.errors import ZhongcaiError

    caught = catch or ZhongcaiError
    try:
        return init_db()
    except caught as exc:
        raise fail(f"{prefix}{exc}", code) from None


def load_library(
    root: Path, message: str = ERROR + "{exc}", *, catch: type[ZhongcaiError] | None = None
) -> ProcedureLibrary:
    """Every procedure under `root`, compiled. An error of type `catch` (default: ProcedureInvalid)
    prints `message` ({exc} filled in) and exits 1."""
    from engine import ProcedureLibrary
    from engine.errors import ProcedureInvalid

    caught = catch or ProcedureInvalid
    try:
        return ProcedureLibrary.load(root)
    except caught as exc:
        raise fail(message.format(exc=exc), 1) from None


def print_diagnostics(diagnostics: Iterable[Diagnostic], *, read_files: bool = False) -> None:
    """Each diagnostic on stderr; with `read_files`, with the quoted source line of its file."""
    from engine.errors import render_diagnostic

    for d in diagnostics:
        lines = None
        if read_files and d.span is not None and Path(d.span.path).is_file():
            lines = Path(d.span.path).read_text(encoding="utf-8").splitlines()
        typer.echo(render_diagnostic(d, lines), err=True)
