"""`zhongcai case`: open, fire, query-code, attach, show, list, history; and the helpers the other
case-store commands share (the service on the database, case references, facts, running a write).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commands.common import ERROR, fail, load_library, open_database, parse_date, shanghai_today

if TYPE_CHECKING:  # engine is imported inside the commands (fast start); names for annotations only
    from collections.abc import Callable
    from typing import Any, TypeVar

    from engine import CaseService, Database

    _T = TypeVar("_T")


app = typer.Typer(help="案件 (cases): open, fire, show, list, history", no_args_is_help=True)


def case_service(procedures: Path) -> tuple[CaseService, Database]:
    """(service, db) on ZHONGCAI_DATABASE_URL, migrated; exits 1 with the reason when that fails."""
    from engine import CaseService
    from engine.errors import ZhongcaiError

    db = open_database()
    return CaseService(db, load_library(procedures, catch=ZhongcaiError)), db


def _date(text: str | None, option: str) -> dt.date:
    """The date of an --at option; today (Asia/Shanghai) when it is not given."""
    return shanghai_today() if text is None else parse_date(text, option)


def _facts(items: list[str]) -> dict[str, Any]:
    from engine.proving.scenarios import load_value

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise fail(f"--fact '{item}': write KEY=VALUE, e.g. --fact claim_amount=20000")
        loaded = load_value(value) if value.strip() else ""
        out[key.strip()] = loaded.isoformat() if hasattr(loaded, "isoformat") else loaded
    return out


def case_id_of(service: CaseService, ref: str) -> int:
    from engine.errors import CaseNotFound

    try:
        return int(ref) if ref.isdigit() else service.find(ref).id
    except CaseNotFound as exc:
        raise fail(str(exc), 1) from None


def run_write(fn: Callable[[], _T]) -> _T:
    """Run `fn()`; a refusal, conflict or bad input is printed with its code and exits 1."""
    from engine.cases.text import refusal_line
    from engine.errors import EventNotAllowed, ZhongcaiError

    try:
        return fn()
    except EventNotAllowed as exc:
        raise fail(refusal_line(exc), 1) from None
    except ZhongcaiError as exc:
        raise fail(f"{ERROR}{exc}", 1) from None


PROCEDURES_OPTION = typer.Option(Path("procedures"), "--procedures", help="procedures directory")


@app.command("open")
def case_open(
    procedure: str = typer.Argument(..., help="procedure id, e.g. arbitration"),
    at: str = typer.Option(None, "--at", help="effective date (收到申请之日) YYYY-MM-DD; default today"),
    fact: list[str] = typer.Option([], "--fact", help="KEY=VALUE, repeatable"),
    institution: str = typer.Option("default", "--institution", help="institution id"),
    role: str = typer.Option("clerk", "--as", help="role"),
    user: str = typer.Option("cli", "--user", help="user id recorded in the event"),
    channel: str = typer.Option("offline", "--channel"),
    as_json: bool = typer.Option(False, "--json"),
    procedures: Path = PROCEDURES_OPTION,
) -> None:
    """开立案件 (open a case): checks the facts, allocates the case number, starts the deadlines."""
    import json

    from engine import Actor
    from engine.cases.runtime import ensure_institution
    from engine.cases.text import case_json, case_lines

    service, db = case_service(procedures)
    if institution == "default":
        ensure_institution(db, "default", "劳动人事争议仲裁委员会", "110000")
    day, facts = _date(at, "--at"), _facts(fact)
    view = run_write(
        lambda: service.open_case(procedure, day, facts, institution, Actor(user, role), channel)
    )
    typer.echo(
        json.dumps(case_json(view), ensure_ascii=False, indent=2) if as_json else "\n".join(case_lines(view))
    )


@app.command("fire")
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
    procedures: Path = PROCEDURES_OPTION,
) -> None:
    """执行操作 (fire an action). A refusal prints its code (stage, role, date, facts, document, guard, deadline)."""
    from engine import Actor
    from engine.cases.text import deadline_lines

    service, _ = case_service(procedures)
    case_id, day, facts = case_id_of(service, case), _date(at, "--at"), _facts(fact)
    rec = run_write(
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


@app.command("query-code")
def case_query_code(
    case: str = typer.Argument(..., help="case id, case number or receipt number"),
    role: str = typer.Option("clerk", "--as", help="role acting (a clerk)"),
    user: str = typer.Option("cli", "--user", help="user id recorded in the event"),
    procedures: Path = PROCEDURES_OPTION,
) -> None:
    """补发查询码 (issue a new query code): the old one stops working; recorded as an event (without the
    code). The new code is printed once."""
    from engine import Actor

    service, _ = case_service(procedures)
    case_id = case_id_of(service, case)
    rec = run_write(lambda: service.reissue_query_code(case_id, Actor(user, role)))
    typer.echo(f"{rec.case_number}: reissue_query_code (event {rec.seq}, version {rec.version})")
    typer.echo(f"查询码 (query code, shown once): {rec.query_code}")


@app.command("attach")
def case_attach(
    case: str = typer.Argument(...),
    documents: list[str] = typer.Argument(..., help="submitted document ids"),
    at: str = typer.Option(None, "--at"),
    role: str = typer.Option("clerk", "--as"),
    user: str = typer.Option("cli", "--user"),
    procedures: Path = PROCEDURES_OPTION,
) -> None:
    """提交文书 (file submitted documents)."""
    from engine import Actor

    service, _ = case_service(procedures)
    case_id, day = case_id_of(service, case), _date(at, "--at")
    rec = run_write(lambda: service.attach(case_id, documents, day, Actor(user, role)))
    typer.echo(f"attached {', '.join(documents)} (event {rec.seq})")


@app.command("show")
def case_show(
    case: str = typer.Argument(..., help="case id or case number"),
    as_json: bool = typer.Option(False, "--json"),
    procedures: Path = PROCEDURES_OPTION,
) -> None:
    """案件详情 (show a case): stage, facts, every deadline with its due date and why, documents."""
    import json

    from engine.cases.text import case_json, case_lines

    service, _ = case_service(procedures)
    view = run_write(lambda: service.get(case_id_of(service, case)))
    typer.echo(
        json.dumps(case_json(view), ensure_ascii=False, indent=2) if as_json else "\n".join(case_lines(view))
    )


@app.command("list")
def case_list(
    institution: str = typer.Option(None, "--institution"),
    stage: str = typer.Option(None, "--stage"),
    limit: int = typer.Option(100, "--limit"),
    procedures: Path = PROCEDURES_OPTION,
) -> None:
    """案件列表 (list cases)."""
    service, _ = case_service(procedures)
    for c in service.list_cases(institution, stage, limit):
        typer.echo(
            f"{c.id:>6}  {c.case_number}  {c.procedure_id}  {c.stage:<12} opened {c.opened_on}  v{c.version}"
            + (f"  收件 {c.receipt_number}" if c.receipt_number and c.receipt_number != c.case_number else "")
        )


@app.command("history")
def case_history(case: str = typer.Argument(...), procedures: Path = PROCEDURES_OPTION) -> None:
    """案件日志 (event history): every action with its effective date, role, stage change and clocks."""
    from engine.cases.text import history_lines

    service, _ = case_service(procedures)
    typer.echo("\n".join(history_lines(run_write(lambda: service.history(case_id_of(service, case))))))
