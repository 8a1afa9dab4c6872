"""Plain-text renderings of a case for the CLI and the demo: summary, deadlines with their reasons,
history, and a timeline.

Owns: `case_lines`, `deadline_lines`, `history_lines`, `refusal_line`, `case_json`. Pure formatting of
the runtime's views (no database access), Chinese first with English in brackets.
Stage in the flow: presentation (cli.py, engine.demo.walkthrough).
May import: engine.cases.casefile, engine.cases.facts, engine.errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.cases.casefile import CaseView, DeadlineView, EventView
from engine.cases.facts import encode_value
from engine.errors import EventNotAllowed

_STATUS_ZH = {"running": "计算中", "paused": "中止（暂停计算）", "stopped": "已停止"}


def deadline_lines(deadlines: Iterable[DeadlineView], *, steps: bool = True) -> list[str]:
    out: list[str] = []
    for d in deadlines:
        due = d.due_on.isoformat() if d.due_on else "—"
        status = _STATUS_ZH.get(d.status, d.status)
        out.append(f"  {d.deadline_id:<18} {d.title}：{status}  届满日 {due}")
        if d.note:
            out.append(f"      ! {d.note}")
        if steps:
            out += [f"      - {s}" for s in d.steps]
        if d.basis:
            out.append(f"      依据：{d.basis}")
    return out


def case_lines(view: CaseView, *, steps: bool = True) -> list[str]:
    out = [
        f"案件 {view.id}  {view.case_number}"
        + (
            f"  (收件登记号 receipt number {view.receipt_number})"
            if view.receipt_number and view.receipt_number != view.case_number
            else ""
        ),
        f"  程序 (procedure): {view.procedure_id} {view.procedure_version} [{view.procedure_hash[:12]}]",
        f"  阶段 (stage): {view.stage}（{view.stage_title}）  版本 (version): {view.version}",
        f"  收到申请 {view.opened_on}  受理 {view.accepted_on or '—'}  结案 {view.closed_on or '—'}"
        + (f"  结案方式 {view.closure}" if view.closure else ""),
        "  事实 (facts): "
        + ", ".join(
            f"{k}={encode_value(v)}" for k, v in sorted(view.facts.items()) if v not in (None, "", [], 0)
        ),
        "  期限 (deadlines):",
    ]
    out += deadline_lines(view.deadlines.values(), steps=steps)
    out.append("  文书 (documents):")
    out += [
        f"    {d.document_id} v{d.version} {d.title} [{d.kind}] sha256 {d.sha256[:12]}"
        for d in view.documents
    ]
    if view.breaches:
        out.append(f"  超期 (breaches): {', '.join(view.breaches)}")
    return out


def history_lines(events: Iterable[EventView]) -> list[str]:
    out: list[str] = []
    for e in events:
        move = (
            e.stage_after
            if e.stage_before in (None, e.stage_after)
            else f"{e.stage_before} -> {e.stage_after}"
        )
        line = f"  {e.seq:>3}  {e.effective_on}  {e.action:<22} {e.role:<11} {move}"
        if e.backdated:
            line += "  (补录 back-dated)"
        out.append(line)
        if e.facts_changed:
            out.append("         facts: " + ", ".join(f"{k}={v}" for k, v in sorted(e.facts_changed.items())))
        if e.allotted:
            out.append("         allotted: " + ", ".join(f"{k}={v}" for k, v in sorted(e.allotted.items())))
        if e.clock_ops:
            out.append("         clocks: " + ", ".join(f"{op[1]} {op[0]}" for op in e.clock_ops))
        if e.documents:
            out.append("         documents: " + ", ".join(map(str, e.documents)))
        if e.calendar_change:
            out += calendar_change_lines(e.calendar_change)
    return out


def calendar_change_lines(change: Mapping[str, Any]) -> list[str]:
    """A `calendar_update` event readably: "日历更新：期限award 届满日 2027-01-18 → 2027-01-19（原暂定）…"."""
    out = []
    for d in change.get("deadlines") or ():
        was = "（原暂定）" if d.get("provisional_before") else ""
        now = "（仍为暂定）" if d.get("provisional_after") else ""
        out.append(
            f"         日历更新：期限{d.get('deadline')} 届满日 {d.get('due_before') or '—'} → "
            f"{d.get('due_after') or '—'}{was}{now}：{d.get('why') or ''} (calendar update)"
        )
    return out


def refusal_line(exc: EventNotAllowed) -> str:
    return f"拒绝 (refused) [{exc.code}]: {exc.message}"


def case_json(view: CaseView) -> dict[str, Any]:
    return {
        "id": view.id,
        "case_number": view.case_number,
        "receipt_number": view.receipt_number,
        "procedure": {
            "id": view.procedure_id,
            "version": view.procedure_version,
            "hash": view.procedure_hash,
        },
        "stage": view.stage,
        "version": view.version,
        "facts": {k: encode_value(v) for k, v in view.facts.items()},
        "opened_on": view.opened_on.isoformat(),
        "accepted_on": view.accepted_on.isoformat() if view.accepted_on else None,
        "closed_on": view.closed_on.isoformat() if view.closed_on else None,
        "closure": view.closure,
        "deadlines": {
            k: {
                "status": d.status,
                "due": d.due_on.isoformat() if d.due_on else None,
                "steps": list(d.steps),
                "note": d.note,
            }
            for k, d in view.deadlines.items()
        },
        "documents": [
            {"id": d.document_id, "version": d.version, "kind": d.kind, "sha256": d.sha256}
            for d in view.documents
        ],
        "breaches": list(view.breaches),
    }
