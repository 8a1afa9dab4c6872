"""Demo data for `zhongcai serve --seed-demo` (`make run`): institutions, users, tokens, a dozen cases.

Owns: `seed_demo(db, library)` and the demo roster. Every case is driven through the real
`CaseService` (open, attach, fire), each step recorded on its own effective date (a clock that follows
the steps), so the events, deadlines, documents and monitoring records are exactly what real use
leaves; one step is deliberately back-dated for the audit report. Dates lie in 2025-2026 because the
2027 holidays are not published (docs/law.md P5). Idempotent: a second run finds the demo institution
and only prints the roster again. Demo tokens and query codes are fixed strings: demo data only.
May import: engine.cases.access, engine.cases.runtime, engine.store.tables, engine.store.db.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from engine.cases.access import _QUERY_ALPHABET, hash_query_code, issue_token, query_code_salt
from engine.cases.casefile import Actor
from engine.cases.media_types import Upload
from engine.store.db import Database
from engine.store.tables import AppUser, CaseFile, CaseParty, Institution

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date

INSTITUTIONS = (
    ("gx-nn", "南宁市劳动人事争议仲裁委员会", "450100", "南"),
    ("gd-sz", "深圳市劳动人事争议仲裁委员会", "440300", "深"),
)
#: username, display name, role, institution, region
USERS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("clerk_nn", "黄立案", "clerk", "gx-nn", "450100"),
    ("arbitrator_nn", "韦仲裁", "arbitrator", "gx-nn", "450100"),
    ("director_nn", "覃主任", "director", "gx-nn", "450100"),
    ("clerk_sz", "陈立案", "clerk", "gd-sz", "440300"),
    ("arbitrator_sz", "林仲裁", "arbitrator", "gd-sz", "440300"),
    ("director_sz", "郑主任", "director", "gd-sz", "440300"),
    ("supervisor_gx", "广西督查", "supervisor", None, "450000"),
    ("supervisor_gd", "广东督查", "supervisor", None, "440000"),
    ("applicant_demo", "张三", "applicant", None, None),
    ("respondent_demo", "南宁某某科技有限公司", "respondent", None, None),
)

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


#: facts every demo case records with these actions (the tribunal's names; an award's findings and reasons)
_DEFAULT_FACTS: dict[str, dict[str, Any]] = {
    "notify_tribunal": {
        "presiding_arbitrator": "黄志远",
        "arbitrators": ["韦丽娟", "蒙国强"],
        "clerk_name": "覃晓",
    },
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


def demo_token(username: str) -> str:
    """The fixed demo token of a demo user (printed by `zhongcai serve --seed-demo`)."""
    return f"demo-{username.replace('_', '-')}"


def demo_query_code(salt: str) -> str:
    """A fixed query code per demo case, from its receipt number (the query code's salt,
    engine.cases.access.query_code_salt): demo data only; real codes are random."""
    digest = hashlib.sha256(f"zhongcai-demo:{salt}".encode()).digest()
    return "".join(_QUERY_ALPHABET[b % len(_QUERY_ALPHABET)] for b in digest[:8])


@dataclass
class SeedReport:
    created: bool
    users: list[tuple[str, str, str | None, str]] = field(default_factory=list)  # username, role, inst, token
    cases: list[tuple[int, str, str, str, str]] = field(
        default_factory=list
    )  # id, number, stage, label, code


class StepClock:
    """`now` for the seeding service: 10:00 local on the day of the step being recorded."""

    def __init__(self) -> None:
        self.day = D(2025, 1, 1)

    def __call__(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(10, 0), SHANGHAI)


def seed_people(db: Database) -> bool:
    """Create the demo institutions, users and their tokens; False if they were already there."""
    with db.transaction() as s:
        if s.get(Institution, INSTITUTIONS[0][0]) is not None:
            return False
        for iid, name, inst_region, prefix in INSTITUTIONS:
            s.add(Institution(id=iid, name=name, region_code=inst_region, case_number_prefix=prefix))
        s.flush()
        for username, display, role, inst, region in USERS:
            user = AppUser(
                username=username, display_name=display, role=role, institution_id=inst, region_code=region
            )
            s.add(user)
            s.flush()
            assert user.id is not None
            issue_token(s, user.id, name="demo", token=demo_token(username))
    return True


def seed_demo(db: Database, library: Any, today: dt.date | None = None) -> SeedReport:
    """Create the demo institutions, users, tokens and cases (once) and return the roster.

    With `today`, one deadline scan runs as of that date (warnings, breaches, on_expiry actions).
    """
    from engine.cases.runtime import CaseService

    report = SeedReport(created=seed_people(db))
    if report.created:
        clock = StepClock()
        # fixed query codes (demo_query_code of the receipt number), so the roster can print the code
        # the acceptance notice carries
        service = CaseService(db, library, clock, query_codes=demo_query_code)
        drive(db, service, clock, demo_cases())
        if today is not None:
            from engine.oversight.scheduler import service_tick

            clock.day = today
            service_tick(service)(today)
    _roster(db, report)
    return report


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


def drive(
    db: Database,
    service: Any,
    clock: StepClock,
    cases: Sequence[DemoCase],
    before_day: Callable[[dt.date], None] | None = None,
) -> dict[int, int]:
    """Record every demo step through `service` in recording order; returns case index -> case id.

    `before_day(day)` runs before the first step of each new day (tests run the deadline scan there,
    as a scheduler running every night would).
    """
    with db.read() as s:
        users = {u.username: u for u in s.exec(select(AppUser)).all()}
    ids: dict[int, int] = {}
    current: dt.date | None = None
    for recorded, ci, _si, at, action, role, facts in timeline(cases):
        if recorded != current:
            current = recorded
            if before_day is not None:
                before_day(recorded)
        clock.day = recorded
        case = cases[ci]
        suffix = "nn" if case.institution == "gx-nn" else "sz"
        user = users["applicant_demo"] if role == "applicant" else users[f"{role}_{suffix}"]
        actor = Actor(str(user.id), role)
        if action == "open":
            view = service.open_case("arbitration", at, FACTS, case.institution, actor=actor)
            ids[ci] = view.id
            _after_open(db, view.id, case, users)
        elif action == "attach":
            service.attach(
                ids[ci], {doc: Upload(_demo_pdf(doc), "application/pdf") for doc in DOCS}, at, actor
            )
        else:
            service.fire(ids[ci], action, actor, at, facts=facts or None)
    return ids


def _after_open(db: Database, case_id: int, case: DemoCase, users: dict[str, AppUser]) -> None:
    with db.transaction() as s:
        row = s.get(CaseFile, case_id)
        assert row is not None
        salt = query_code_salt(row.case_number, row.receipt_number)
        row.query_code_hash = hash_query_code(salt, demo_query_code(salt))
        s.add(row)
        if case.parties:
            for username, role in (("applicant_demo", "applicant"), ("respondent_demo", "respondent")):
                uid = users[username].id
                assert uid is not None
                s.add(CaseParty(case_id=case_id, user_id=uid, role=role))


def _demo_pdf(doc: str) -> bytes:
    return f"%PDF-1.4\n% zhongcai demo {doc}\n%%EOF\n".encode()


def _roster(db: Database, report: SeedReport) -> None:
    labels = {(c.institution, c.opened): c.label for c in demo_cases()}
    with db.read() as s:
        for u in s.exec(select(AppUser).order_by(col(AppUser.id))).all():
            report.users.append((u.username, u.role, u.institution_id, demo_token(u.username)))
        for c in s.exec(select(CaseFile).order_by(col(CaseFile.id))).all():
            assert c.id is not None
            label = labels.get((c.institution_id, c.opened_on), "")
            code = demo_query_code(query_code_salt(c.case_number, c.receipt_number))
            report.cases.append((c.id, c.case_number, c.stage, label, code))
