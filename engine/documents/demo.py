"""A realistic demo case for the documents: facts, clocks and history of one arbitration case.

Owns: `DEMO_FACTS`, `DEMO_INSTITUTION`, `demo_snapshot(procedure, document_id)`. Used by the
document tests, `bench/documents_bench.py` and the sample pages under docs/documents/; the runtime's
`zhongcai demo` runs a real case instead. The dates follow the worked examples of docs/law.md (accepted
2026-01-05, award period 45 days rolling out of Spring Festival to 2026-02-24).
May import: engine.documents.context, engine.procedures.model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.documents.context import CaseSnapshot, InstitutionInfo
from engine.procedures.model import Procedure

D = dt.date

DEMO_INSTITUTION = InstitutionInfo(
    id="330106",
    name="杭州市西湖区劳动人事争议仲裁委员会",
    region_code="330106",
    abbr="浙杭西",
    address="浙江省杭州市西湖区文三路508号",
    phone="0571-87001234",
    court="浙江省杭州市中级人民法院",
)

DEMO_FACTS: dict[str, Any] = {
    "applicant_name": "王䶮",
    "applicant_id_number": "11010519491231002X",
    "applicant_gender": "male",
    "applicant_address": "浙江省杭州市西湖区文三路90号东部软件园3号楼501室",
    "applicant_phone": "13800138000",
    "respondent_name": "杭州云栖数据科技有限公司",
    "respondent_uscc": "91110000600037341L",
    "respondent_address": "浙江省杭州市西湖区西溪路556号8层",
    "respondent_representative": "赵堃",
    "respondent_phone": "0571-88886666",
    "claims": [
        {
            "item": "2025年10月至12月拖欠的工资",
            "amount": Decimal("18000.00"),
            "category": "pay",
            "final": True,
            "awarded": Decimal("18000.00"),
            "interim": True,
        },
        {
            "item": "违法解除劳动合同赔偿金",
            "amount": Decimal("64000.00"),
            "category": "damages",
            "final": False,
            "awarded": Decimal("48000.00"),
        },
        {
            "item": "2025年度未休年休假工资报酬",
            "amount": Decimal("3600.00"),
            "category": "labour_standard",
            "final": True,
            "awarded": Decimal("3600.00"),
        },
    ],
    "claim_amount": Decimal("85600.00"),
    "dispute_type": "labour_pay",
    "workers": 1,
    "hearing_on": D(2026, 2, 3),
    "hearing_place": "本委第一仲裁庭（杭州市西湖区文三路508号3楼）",
    "awarded_amount": Decimal("69600.00"),
    "presiding_arbitrator": "钱晓东",
    "arbitrators": ["孙立群", "李明华"],
    "clerk_name": "周倩",
    "recipient": "applicant",
    "mediation_attempted": True,
    "findings": (
        "申请人于2023年3月1日入职被申请人处任数据工程师，月工资6,000元。被申请人自2025年10月起未足额支付工资，"
        "并于2025年12月20日以申请人不能胜任工作为由解除劳动合同。"
    ),
    "reasons": (
        "被申请人未能举证证明申请人不能胜任工作及经过培训或者调整工作岗位，其解除劳动合同属违法解除。"
        "申请人主张的赔偿金按其工作年限计算应为48,000元，超出部分本庭不予支持。"
    ),
    "award_summary": "",
    "mediation_terms": (
        "一、被申请人于2026年2月10日前一次性支付申请人工资、赔偿金及未休年休假工资报酬共计60,000元；\n"
        "二、申请人放弃其他仲裁请求；\n"
        "三、双方劳动关系于2025年12月20日解除，再无其他劳动争议。"
    ),
    "days": 15,
    "evidence_until": D(2026, 1, 23),
    "rejection_ground": "",
    "suspension_reason": "本案须以另一案件（工伤认定）的审理结果为依据，而该案尚未审结",
}


@dataclass(frozen=True, slots=True)
class DemoDue:
    """A due date as engine.dates.clocks.Due reports it (only what documents read)."""

    date: dt.date | None
    status: str = "running"


DEMO_DEADLINES = {
    "acceptance": DemoDue(D(2026, 1, 6), "stopped"),
    "service": DemoDue(D(2026, 1, 12)),
    "tribunal_notice": DemoDue(D(2026, 1, 12)),
    "defence": DemoDue(D(2026, 1, 23)),
    "award": DemoDue(D(2026, 2, 24)),
    "challenge_applicant": DemoDue(D(2026, 2, 27)),
    "challenge_respondent": DemoDue(D(2026, 2, 27)),
    "set_aside": DemoDue(D(2026, 3, 16)),
}

DEMO_HISTORY: tuple[tuple[str, dt.date], ...] = (
    ("accept", D(2026, 1, 5)),
    ("serve_respondent", D(2026, 1, 8)),
    ("notify_tribunal", D(2026, 1, 9)),
    ("schedule_hearing", D(2026, 1, 20)),
    ("hold_hearing", D(2026, 2, 3)),
    ("award", D(2026, 2, 10)),
)

#: the date each document bears in the demo case (the producing action's effective date)
DEMO_DATES: dict[str, dt.date] = {
    "amendment_notice": D(2025, 12, 29),
    "rejection_notice": D(2026, 1, 5),
    "acceptance_notice": D(2026, 1, 5),
    "response_notice": D(2026, 1, 5),
    "evidence_notice": D(2026, 1, 5),
    "tribunal_composition_notice": D(2026, 1, 9),
    "hearing_notice": D(2026, 1, 20),
    "postponement_notice": D(2026, 1, 28),
    "extension_notice": D(2026, 2, 9),
    "suspension_decision": D(2026, 1, 26),
    "resumption_notice": D(2026, 2, 2),
    "withdrawal_decision": D(2026, 1, 30),
    "deemed_withdrawal_decision": D(2026, 2, 4),
    "revocation_decision": D(2026, 1, 9),
    "termination_decision": D(2026, 3, 2),
    "transfer_letter": D(2026, 1, 9),
    "mediation_document": D(2026, 2, 3),
    "award_document": D(2026, 2, 10),
    "final_award_document": D(2026, 2, 10),
    "interim_award": D(2026, 1, 28),
    "service_receipt": D(2026, 1, 6),
}


def demo_snapshot(
    procedure: Procedure, document_id: str = "award_document", facts: dict[str, Any] | None = None
) -> CaseSnapshot:
    """The demo case as of the action producing `document_id`."""
    at = DEMO_DATES.get(document_id, D(2026, 2, 10))
    history = tuple((a, d) for a, d in DEMO_HISTORY if d <= at)
    deadlines = {k: v for k, v in DEMO_DEADLINES.items() if k in procedure.deadlines}
    on_file = tuple(
        d
        for d in ("application", "applicant_identity", "acceptance_notice", "response_notice")
        if d in procedure.documents
    )
    return CaseSnapshot(
        case_id=12,
        case_number="浙杭西劳人仲案字〔2026〕第12号",
        institution=DEMO_INSTITUTION,
        procedure=procedure,
        stage="awarded" if at >= D(2026, 2, 10) else "accepted",
        facts=dict(DEMO_FACTS if facts is None else facts),
        at=at,
        deadlines=deadlines,
        history=history,
        documents=on_file,
        opened_on=D(2025, 12, 29),
    )
