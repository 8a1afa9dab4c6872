"""The roster of the demo seed, as `zhongcai serve --seed-demo` prints it: users with their bearer
tokens, cases with their query codes, and the warning never to seed a real database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.demo.seed import SeedReport


def roster_renderables(report: SeedReport) -> list[Any]:
    """What to print, in order: rich markup strings and rich Tables (for `rich.console.Console.print`)."""
    from rich.table import Table

    users = Table("用户 user", "角色 role", "机构 institution", "令牌 bearer token")
    for username, role, inst, token in report.users:
        users.add_row(username, role, inst or "-", token)
    cases = Table("id", "案号或收件登记号 number", "阶段 stage", "说明", "查询码 query code")
    for cid, number, stage, label, code in report.cases:
        cases.add_row(str(cid), number, stage, label, code)
    return [
        "[bold]演示数据 (demo data)[/bold]" + (" created" if report.created else " already present"),
        users,
        cases,
        "[yellow]演示令牌是公开的固定字符串，切勿在真实数据库上使用 --seed-demo "
        "(the demo tokens are fixed, public strings: never seed a real database)[/yellow]",
    ]
