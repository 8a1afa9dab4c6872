"""Demo data for `zhongcai serve --seed-demo` (`make run`): institutions, users, tokens, a dozen cases.

Owns: `seed_demo(db, library)`, `drive` and the demo roster (institutions, users, tokens, query codes);
the cases and their steps are engine.demo.case_plans. Every case is driven through the real
`CaseService` (open, attach, fire), each step recorded on its own effective date (a clock that follows
the steps), so the events, deadlines, documents and monitoring records are exactly what real use
leaves; one step is deliberately back-dated for the audit report. Dates lie in 2025-2026 because the
2027 holidays are not published (docs/law.md P5). Idempotent: a second run finds the demo institution
and only prints the roster again. Demo tokens and query codes are fixed strings: demo data only.
May import: engine.demo.case_plans, engine.demo.register_seed, engine.cases.access, engine.cases.runtime, engine.store.tables, engine.store.db.
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
from engine.cases.runtime import CaseService
from engine.demo.case_plans import DOCS, FACTS, DemoCase, demo_cases, timeline
from engine.demo.register_seed import TRIBUNALS, seed_institutions, seed_staff
from engine.oversight.scheduler import service_tick
from engine.store.db import Database
from engine.store.tables import CaseRow, InstitutionRow, PartyRow, UserRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date

#: username, display name, role, institution, region
USERS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("clerk_nn", "覃晓", "clerk", "gx-nn", "450100"),
    ("arbitrator_nn", "黄志远", "arbitrator", "gx-nn", "450100"),
    ("director_nn", "蒙立新", "director", "gx-nn", "450100"),
    ("clerk_sz", "吴敏", "clerk", "gd-sz", "440300"),
    ("arbitrator_sz", "陈建华", "arbitrator", "gd-sz", "440300"),
    ("director_sz", "郑国平", "director", "gd-sz", "440300"),
    ("supervisor_gx", "广西督查", "supervisor", None, "450000"),
    ("supervisor_gd", "广东督查", "supervisor", None, "440000"),
    ("applicant_demo", "张三", "applicant", None, None),
    ("respondent_demo", "南宁某某科技有限公司", "respondent", None, None),
)


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


def seed_people(db: Database, today: dt.date | None = None) -> bool:
    """Create the demo register (institutions, staff), users and their tokens; False if they were
    already there."""
    day = today or dt.date.today()
    with db.transaction() as s:
        if s.get(InstitutionRow, "gx-nn") is not None:
            return False
        seed_institutions(s, day)
        user_ids: dict[str, int] = {}
        for username, display, role, inst, region in USERS:
            user = UserRow(
                username=username, display_name=display, role=role, institution_id=inst, region_code=region
            )
            s.add(user)
            s.flush()
            assert user.id is not None
            user_ids[username] = user.id
            issue_token(s, user.id, name="demo", token=demo_token(username))
        seed_staff(s, day, user_ids)
    return True


def seed_demo(db: Database, library: Any, today: dt.date | None = None) -> SeedReport:
    """Create the demo institutions, users, tokens and cases (once) and return the roster.

    With `today`, one deadline scan runs as of that date (warnings, breaches, on_expiry actions).
    """

    report = SeedReport(created=seed_people(db))
    if report.created:
        clock = StepClock()
        # fixed query codes (demo_query_code of the receipt number), so the roster can print the code
        # the acceptance notice carries
        service = CaseService(db, library, clock, query_codes=demo_query_code)
        drive(db, service, clock, demo_cases())
        if today is not None:
            clock.day = today
            service_tick(service, register_periods=True)(today)
    _roster(db, report)
    return report


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
        users = {u.username: u for u in s.exec(select(UserRow)).all()}
        procedures = {i.id: i.procedure_id for i in s.exec(select(InstitutionRow)).all()}
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
            # the institution's own procedure from the register (Nanning: guangxi)
            view = service.open_case(
                procedures.get(case.institution) or "arbitration", at, FACTS, case.institution, actor=actor
            )
            ids[ci] = view.id
            _after_open(db, view.id, case, users)
        elif action == "attach":
            service.attach(
                ids[ci], {doc: Upload(_demo_pdf(doc), "application/pdf") for doc in DOCS}, at, actor
            )
        else:
            if action == "notify_tribunal":  # the tribunal is chosen from the register
                facts = {**TRIBUNALS[case.institution], **facts}
            service.fire(ids[ci], action, actor, at, facts=facts or None)
    return ids


def _after_open(db: Database, case_id: int, case: DemoCase, users: dict[str, UserRow]) -> None:
    with db.transaction() as s:
        row = s.get(CaseRow, case_id)
        assert row is not None
        salt = query_code_salt(row.case_number, row.receipt_number)
        row.query_code_hash = hash_query_code(salt, demo_query_code(salt))
        s.add(row)
        if case.parties:
            for username, role in (("applicant_demo", "applicant"), ("respondent_demo", "respondent")):
                uid = users[username].id
                assert uid is not None
                s.add(PartyRow(case_id=case_id, user_id=uid, role=role))


def _demo_pdf(doc: str) -> bytes:
    return f"%PDF-1.4\n% zhongcai demo {doc}\n%%EOF\n".encode()


def _roster(db: Database, report: SeedReport) -> None:
    labels = {(c.institution, c.opened): c.label for c in demo_cases()}
    with db.read() as s:
        for u in s.exec(select(UserRow).order_by(col(UserRow.id))).all():
            report.users.append((u.username, u.role, u.institution_id, demo_token(u.username)))
        for c in s.exec(select(CaseRow).order_by(col(CaseRow.id))).all():
            assert c.id is not None
            label = labels.get((c.institution_id, c.opened_on), "")
            code = demo_query_code(query_code_salt(c.case_number, c.receipt_number))
            report.cases.append((c.id, c.case_number, c.stage, label, code))
