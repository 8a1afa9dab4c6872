"""`zhongcai demo`: one realistic arbitration case from application to an effective award.

Owns: `run_demo(db, library, out_dir) -> DemoResult`. On a fresh database it opens a wage-arrears case
received on 2025-12-30, accepts it on 2026-01-05 (the award period rolls out of the 2026 Spring
Festival), serves the respondent, notifies the tribunal, receives the defence, schedules and holds the
hearing, extends the award period by 15 days (P6: from the unrolled day 45), makes the award, delivers
it, and runs the deadline scan after the 15-day challenge period so the award becomes effective.
It prints the timeline with every due date and why (the clocks' steps) and writes every document the
case produced to `out_dir`. Everything goes through the real `CaseService`, with the clock set to
each step's date.
Stage in the flow: a walk-through for people evaluating the product.
May import: engine.cases.runtime, engine.cases.casefile, engine.cases.text, engine.store.tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService, ensure_institution
from engine.cases.text import case_lines, deadline_lines
from engine.cases.versions import ProcedureSource
from engine.oversight.scan import scan
from engine.store.db import Database
from engine.store.tables import DocumentRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date

FACTS: dict[str, Any] = {
    "claim_amount": "38600.00",
    "applicant_name": "王小红",
    "applicant_id_number": "11010519491231002X",
    "applicant_gender": "女",
    "applicant_address": "北京市朝阳区建国路88号",
    "applicant_phone": "13800000000",
    "respondent_name": "北京某某科技有限公司",
    "respondent_uscc": "91110000600037341L",
    "respondent_address": "北京市朝阳区望京街10号",
    "respondent_representative": "李四",
    "dispute_type": "labour_pay",
}

#: the day the application is received (the case opens)
OPENED_ON = D(2025, 12, 30)

#: (date, action or special step, role, facts, documents)
STEPS: list[tuple[dt.date, str, str, dict[str, Any] | None, list[str] | None]] = [
    (D(2026, 1, 5), "attach", "clerk", None, ["application", "applicant_identity"]),
    (D(2026, 1, 5), "accept", "clerk", None, None),
    (D(2026, 1, 7), "serve_respondent", "clerk", None, None),
    (
        D(2026, 1, 8),
        "notify_tribunal",
        "clerk",
        {"presiding_arbitrator": "刘建国", "arbitrators": ["陈静", "杨帆"], "clerk_name": "周敏"},
        None,
    ),
    (D(2026, 1, 20), "file_defence", "respondent", None, ["defence_statement"]),
    (D(2026, 1, 22), "serve_defence_copy", "clerk", None, None),
    (
        D(2026, 2, 2),
        "schedule_hearing",
        "arbitrator",
        {"hearing_on": "2026-02-10", "hearing_place": "第一仲裁庭"},
        None,
    ),
    (D(2026, 2, 10), "hold_hearing", "arbitrator", None, None),
    (D(2026, 2, 12), "extend_award_period", "director", {"days": 15}, None),
    (
        D(2026, 3, 2),
        "award",
        "arbitrator",
        {
            "claims": [{"item": "拖欠工资", "category": "pay", "amount": "36000.00", "final": False}],
            "awarded_amount": "36000.00",
            "findings": "申请人于2024年7月入职被申请人处，月工资12000元；被申请人未支付其2025年9月至11月的工资。",
            "reasons": "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬（劳动合同法第三十条）。",
        },
        None,
    ),
    (D(2026, 3, 4), "deliver_award", "clerk", {"recipient": "applicant"}, None),
    (D(2026, 3, 4), "deliver_award", "clerk", {"recipient": "respondent"}, None),
    (D(2026, 3, 20), "tick", "system", None, None),
]


@dataclass
class DemoResult:
    case_id: int
    lines: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    stage: str = ""


def run_demo(db: Database, library: ProcedureSource, out_dir: Path | None) -> DemoResult:
    """Run the demo case on `db` (a fresh, migrated database) and write its documents to `out_dir`."""
    day = [OPENED_ON]
    service = CaseService(db, library, now=lambda: dt.datetime.combine(day[0], dt.time(10), SHANGHAI))
    ensure_institution(db, "bj-chaoyang", "北京市朝阳区劳动人事争议仲裁委员会", "110105", abbr="京朝")
    clerk = Actor("clerk-zhang", "clerk")
    view = service.open_case("arbitration", day[0], FACTS, "bj-chaoyang", clerk)
    lines = [f"{day[0]}  收到仲裁申请 (application received): 收件登记号 {view.case_number}"]
    lines += deadline_lines(view.deadlines.values())
    for when, action, role, facts, documents in STEPS:
        day[0] = when
        actor = Actor(f"demo-{role}", role)
        if action == "tick":
            report = scan(service, when)
            lines.append(
                f"{when}  期限扫描 (deadline scan): fired {report.fired}, breaches {report.breaches}"
            )
        elif action == "attach":
            service.attach(view.id, documents or [], when, actor)
            lines.append(f"{when}  提交 (attach): {', '.join(documents or [])}")
        else:
            record = service.fire(view.id, action, actor, when, facts=facts, documents=documents)
            title = service.library.get("arbitration").actions[action].title
            lines.append(
                f"{when}  {action}（{title}）by {role}: {record.stage_before} -> {record.stage_after}"
            )
            touched = {op[0] for op in record.clock_ops}
            after = service.get(view.id)
            lines += deadline_lines(d for k, d in after.deadlines.items() if k in touched)
            if record.query_code is not None:  # acceptance: the 案号 (the code is on the notice)
                lines.append(f"      案号 (case number): {record.case_number}")
            if record.produced:
                lines.append(f"      文书 (documents): {', '.join(record.produced)}")
    final = service.get(view.id)
    lines.append("")
    lines += case_lines(final, steps=False)
    result = DemoResult(view.id, lines, [], final.stage)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        with db.read() as s:
            docs = s.exec(
                select(DocumentRow).where(DocumentRow.case_id == view.id).order_by(col(DocumentRow.id))
            ).all()
            for doc in docs:
                ext = ".html" if doc.media_type == "text/html" else ".txt"
                path = out_dir / f"{doc.event_seq:02d}_{doc.document_id}_v{doc.version}{ext}"
                path.write_bytes(doc.content)
                result.files.append(path)
    return result
