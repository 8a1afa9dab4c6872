"""The text renderings of the oversight reports, as `zhongcai audit breaches|backdated` prints them: the
breach audit as a table with its summary line, the back-dated entries one per line.

The JSON and CSV renderings are `BreachEntry.to_json`, `breach_entries.breaches_csv` and `BackdatedEntry.to_json`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from engine.oversight.backdated import BackdatedEntry
    from engine.oversight.breach_entries import BreachEntry


def breach_table(entries: Sequence[BreachEntry], day: dt.date) -> Table:
    """The breaches as of `day`, one row each (a rich Table, printed 200 columns wide by the CLI)."""
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
    return table


def breach_summary(entries: Sequence[BreachEntry], day: dt.date) -> str:
    """The count of breaches as of `day`, and how many of them are provisional (P5)."""
    provisional = sum(e.provisional for e in entries)
    note = f", {provisional} provisional (暂定, P5)" if provisional else ""
    return f"{len(entries)} breach(es) as of {day}{note}"


def backdated_lines(entries: Sequence[BackdatedEntry], min_days: int) -> list[str]:
    """One line per back-dated entry, then the count."""
    out = [
        f"{e.case_number}  #{e.seq} {e.action} ({e.role} {e.actor_id}): effective {e.effective_on}, "
        f"recorded {e.recorded_at:%Y-%m-%d %H:%M} ({e.days_back} days later)"
        for e in entries
    ]
    out.append(f"{len(entries)} back-dated entr{'y' if len(entries) == 1 else 'ies'} (>= {min_days} days)")
    return out
