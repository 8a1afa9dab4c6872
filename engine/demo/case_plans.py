"""The demo cases: a dozen case files at every main stage, each a list of dated steps.

Owns: `DemoCase`, `demo_cases()`, the demo parties' `FACTS`, the submitted `DOCS`, the one back-dated
entry (`BACKDATED`) and `timeline` (every step in recording order). engine.demo.seed drives them through
the real `CaseService`. Dates lie in 2025-2026 because the 2027 holidays are not published (P5).
May import: nothing of engine (plain data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

D = dt.date

FACTS: dict[str, Any] = {
    "claim_amount": "36000",
    "applicant_name": "张三",
    "applicant_gender": "男",
    "applicant_phone": "13800000000",
    "applicant_id_number": "11010519491231002X",
    "applicant_address": "广西壮族自治区南宁市青秀区民族大道100号",
    "respondent_name": "南宁某某科技有限公司",
    "respondent_uscc": "91110000600037341L",
    "respondent_address": "广西壮族自治区南宁市西乡塘区大学东路1号",
}
DOCS = ("application", "applicant_identity", "filing_approval")  # the last is internal (副卷)

# A step: (date, action, role, facts). "attach" files the two submitted documents.
Step = tuple[dt.date, str, str, dict[str, Any]]
_ACCEPTED = ["attach", "accept", "serve_respondent", "notify_tribunal"]


@dataclass(frozen=True)
class DemoCase:
    label: str
    institution: str
    opened: dt.date
    steps: tuple[Step, ...]
    parties: bool = False


#: facts every demo case records with these actions (an award's findings and reasons; the tribunal comes
#: from the register, engine.demo.register_seed.TRIBUNALS)
_DEFAULT_FACTS: dict[str, dict[str, Any]] = {
    "award": {
        "findings": "申请人于2025年3月入职被申请人处，被申请人自2026年5月起未支付工资。",
        "reasons": "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。",
    },
}


def _plan(
    opened: dt.date, *names_and_dates: tuple[str, dt.date] | tuple[str, dt.date, dict[str, Any]]
) -> tuple[Step, ...]:
    out = []
    for item in names_and_dates:
        name, day = item[0], item[1]
        facts = item[2] if len(item) > 2 else {}  # type: ignore[misc]
        out.append((day, name, _ROLE.get(name, "clerk"), {**_DEFAULT_FACTS.get(name, {}), **facts}))
    return tuple(out)


_ROLE = {
    "schedule_hearing": "arbitrator",
    "hold_hearing": "arbitrator",
    "mediate": "arbitrator",
    "award": "arbitrator",
    "suspend": "director",
    "extend_award_period": "director",
    "withdraw": "applicant",
}


def demo_cases() -> list[DemoCase]:
    """The dozen demo cases: every main stage, some deadlines already breached in 2026."""
    d = D

    def acc(day: dt.date) -> list[tuple[str, dt.date]]:
        return [("attach", day), ("accept", day + dt.timedelta(days=1))]

    return [
        DemoCase(
            "收到申请（期限内）",
            "gx-nn",
            d(2026, 11, 24),
            _plan(d(2026, 11, 24), ("attach", d(2026, 11, 24))),
        ),
        DemoCase("收到申请（受理审查超期）", "gx-nn", d(2026, 10, 20), ()),
        DemoCase(
            "补正中", "gx-nn", d(2026, 11, 16), _plan(d(2026, 11, 16), ("request_materials", d(2026, 11, 17)))
        ),
        DemoCase(
            "已受理（期限内，当事人可查询）",
            "gx-nn",
            d(2026, 11, 9),
            _plan(
                d(2026, 11, 9),
                *acc(d(2026, 11, 10)),
                ("serve_respondent", d(2026, 11, 12)),
                ("notify_tribunal", d(2026, 11, 13)),
            ),
            parties=True,
        ),
        DemoCase(
            "已受理（审理期限超期）",
            "gx-nn",
            d(2026, 9, 1),
            _plan(
                d(2026, 9, 1),
                *acc(d(2026, 9, 2)),
                ("serve_respondent", d(2026, 9, 7)),
                ("notify_tribunal", d(2026, 9, 8)),
            ),
        ),
        DemoCase(
            "已开庭",
            "gx-nn",
            d(2026, 10, 12),
            _plan(
                d(2026, 10, 12),
                *acc(d(2026, 10, 12)),
                ("serve_respondent", d(2026, 10, 14)),
                ("notify_tribunal", d(2026, 10, 15)),
                (
                    "schedule_hearing",
                    d(2026, 10, 16),
                    {"hearing_on": "2026-11-02", "hearing_place": "第一仲裁庭"},
                ),
                ("hold_hearing", d(2026, 11, 2)),
            ),
        ),
        DemoCase(
            "中止审理",
            "gx-nn",
            d(2026, 10, 19),
            _plan(
                d(2026, 10, 19),
                *acc(d(2026, 10, 19)),
                ("serve_respondent", d(2026, 10, 21)),
                ("notify_tribunal", d(2026, 10, 22)),
                ("suspend", d(2026, 11, 10), {"suspension_reason": "appraisal"}),
            ),
        ),
        DemoCase(
            "已裁决（裁决送达，起诉期满后生效）",
            "gx-nn",
            d(2026, 9, 14),
            _plan(
                d(2026, 9, 14),
                *acc(d(2026, 9, 14)),
                ("serve_respondent", d(2026, 9, 16)),
                ("notify_tribunal", d(2026, 9, 17)),
                (
                    "schedule_hearing",
                    d(2026, 9, 18),
                    {"hearing_on": "2026-10-12", "hearing_place": "第二仲裁庭"},
                ),
                ("hold_hearing", d(2026, 10, 12)),
                (
                    "award",
                    d(2026, 10, 20),
                    {"awarded_amount": "30000", "award_summary": "被申请人支付工资30000元"},
                ),
                ("deliver_award", d(2026, 10, 23), {"recipient": "applicant"}),
                ("deliver_award", d(2026, 10, 24), {"recipient": "respondent"}),
            ),
        ),
        DemoCase(
            "调解结案",
            "gx-nn",
            d(2026, 10, 26),
            _plan(
                d(2026, 10, 26),
                *acc(d(2026, 10, 26)),
                ("mediate", d(2026, 11, 5), {"mediation_terms": "分两期支付"}),
            ),
        ),
        DemoCase(
            "不予受理",
            "gx-nn",
            d(2026, 11, 2),
            _plan(d(2026, 11, 2), ("reject", d(2026, 11, 4), {"rejection_ground": "scope"})),
        ),
        DemoCase(
            "申请人撤回",
            "gx-nn",
            d(2026, 11, 3),
            _plan(d(2026, 11, 3), ("withdraw", d(2026, 11, 5))),
            parties=True,
        ),
        DemoCase(
            "深圳：延长审理期限后仍超期",
            "gd-sz",
            d(2026, 8, 20),
            _plan(
                d(2026, 8, 20),
                *acc(d(2026, 8, 20)),
                ("serve_respondent", d(2026, 8, 24)),
                ("notify_tribunal", d(2026, 8, 25)),
                ("extend_award_period", d(2026, 9, 30), {"days": 15}),
            ),
        ),
        DemoCase(
            "深圳：收到申请", "gd-sz", d(2026, 11, 23), _plan(d(2026, 11, 23), ("attach", d(2026, 11, 23)))
        ),
        DemoCase("2025年旧案：已受理", "gd-sz", d(2025, 12, 1), _plan(d(2025, 12, 1), *acc(d(2025, 12, 1)))),
    ]


#: one back-dated entry for the audit report: recorded on 2026-01-20, effective 2025-12-05 (46 days)
BACKDATED = ("2025年旧案：已受理", D(2026, 1, 20), D(2025, 12, 5), "serve_respondent")


TimelineStep = tuple[dt.date, int, int, dt.date, str, str, dict[str, Any]]


def timeline(cases: Sequence[DemoCase]) -> list[TimelineStep]:
    """Every demo step in the order it is recorded: (recorded on, case index, step index, effective
    date, action, role, facts); opening is step -1 with action 'open'."""
    out: list[TimelineStep] = []
    for ci, case in enumerate(cases):
        out.append((case.opened, ci, -1, case.opened, "open", "clerk", {}))
        for si, (day, action, role, facts) in enumerate(case.steps):
            out.append((day, ci, si, day, action, role, facts))
        if case.label == BACKDATED[0]:
            out.append((BACKDATED[1], ci, len(case.steps), BACKDATED[2], BACKDATED[3], "clerk", {}))
    out.sort(key=lambda t: (t[0], t[1], t[2]))
    return out
