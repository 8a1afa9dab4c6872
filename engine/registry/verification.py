"""The verification (核准) of the register: an institution submits its data each quarter (季度报送) and
corrections at any time (更正报送); the level above approves it (核准) or returns it with reasons (退回);
the institution resubmits. The flow is the procedure `register_verification` (procedures/), run by the
case runtime, so it gets the clocks (the submission is due 10 working days after the quarter's end), the
breach audit, the scan and the checker as every procedure does.

Owns: `open_period` (the quarter's case, opened as the system on the quarter's last day so the
submission deadline runs even if the institution never submits) and `open_due_periods` (that, for every
institution, after a quarter's end), `submit`, `resubmit`, `approve`,
`return_` and `may_review` (who is the level above).
Every submission is a `SubmissionRow` (its content and the content's sha256); every content is also
attached to the case as a version of the document `register_data`, so the case file and its hash-chained
event log are the history of submissions, returns and approvals. A submission row and the case's events
are written in ONE database transaction: the runtime's service is run on the connection of this
module's transaction (engine.cases.joined: each of its own transactions becomes a savepoint of ours), so a
failure anywhere leaves neither a row without its case nor a case event without its row.
Who may do what: the institution's own clerks and directors submit; a director of the level above
reviews (the parent institution, or an institution whose region contains the institution's region and is
not the same institution). Refusals say why in Chinese with a stable code and change nothing.
Stage in the flow: the register, beside the cases.
May import: engine.errors, engine.store, engine.cases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from engine.cases.access import AccessDenied, Principal
from engine.cases.casefile import SYSTEM, Actor
from engine.cases.joined import joined_service
from engine.cases.runtime import CaseService
from engine.errors import BadInput, CaseNotFound
from engine.store.register_tables import SubmissionRow
from engine.store.tables import CaseRow, InstitutionRow, UserRow

PROCEDURE = "register_verification"
KINDS = ("quarterly", "correction")
#: the institution's own staff who submit (procedure roles of the same name)
SUBMITTER_ROLES = ("clerk", "director")
#: the user role of the level above who reviews; acts in the procedure role `reviewer`
REVIEWER_USER_ROLE = "director"
REVIEWER_ROLE = "reviewer"
_PERIOD = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, slots=True)
class Submitted:
    """What `submit` and `resubmit` did: the stored row and the case."""

    submission_id: int
    case_id: int
    case_number: str
    stage: str
    content_sha256: str


# ------------------------------------------------------------------------------- periods, content


def quarter_end(period: str) -> dt.date:
    """The last day of the quarter `period` ('2026Q3' -> 2026-09-30).

    >>> quarter_end("2026Q3"), quarter_end("2026Q4")
    (datetime.date(2026, 9, 30), datetime.date(2026, 12, 31))
    """
    m = _PERIOD.match(period or "")
    if m is None:
        raise BadInput(
            f"报送期间“{period}”格式不对，应为年份加季度，如 2026Q3 (period must look like 2026Q3)",
            field="period",
        )
    year, q = int(m.group(1)), int(m.group(2))
    first_of_next = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def content_bytes(content: Mapping[str, Any]) -> bytes:
    """The canonical JSON of a content (sorted keys, UTF-8): what is hashed and attached."""
    if not isinstance(content, Mapping):
        raise BadInput("报送内容应为一个对象 (content must be a JSON object)", field="content")
    try:
        text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise BadInput(f"报送内容不能转为 JSON (content is not JSON: {exc})", field="content") from exc
    return text.encode("utf-8")


def _region_trunk(code: str | None) -> str:
    """A GB/T 2260 code without its trailing zero pairs: 450000 -> 45, 450100 -> 4501, 450102 -> 450102."""
    code = (code or "").strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


# ------------------------------------------------------------------------------- who may do what


def _user(s: Session, actor: Principal) -> UserRow:
    user = s.get(UserRow, actor.user_id)
    if user is None or not user.active:
        raise AccessDenied(
            "forbidden", f"用户 {actor.user_id} 不存在或已停用 (no active user {actor.user_id})"
        )
    return user


def _check_submitter(s: Session, actor: Principal, institution: InstitutionRow) -> None:
    user = _user(s, actor)
    if user.role not in SUBMITTER_ROLES or user.institution_id != institution.id:
        raise AccessDenied(
            "forbidden",
            f"只有{institution.name}的报送人员或负责人可以报送本机构信息 (only a clerk or director of "
            f"'{institution.id}' submits its register data; user {user.username} is {user.role} of "
            f"'{user.institution_id}')",
        )


def may_review(reviewer_institution: InstitutionRow, institution: InstitutionRow) -> bool:
    """True when `reviewer_institution` is the level above `institution`: its parent, or an institution
    whose region strictly contains the institution's region (a city's commission over its counties', a
    province's over its cities'). Never the institution itself.

    >>> city = InstitutionRow(id="nn", name="南宁", region_code="450100", level="city")
    >>> county = InstitutionRow(id="xx", name="兴宁", region_code="450102", level="county")
    >>> may_review(city, county), may_review(county, city), may_review(county, county)
    (True, False, False)
    """
    if reviewer_institution.id == institution.id:
        return False
    if institution.parent_id is not None and institution.parent_id == reviewer_institution.id:
        return True
    above, below = _region_trunk(reviewer_institution.region_code), _region_trunk(institution.region_code)
    return len(above) < len(below) and below.startswith(above)


def _check_reviewer(s: Session, actor: Principal, institution: InstitutionRow) -> None:
    user = _user(s, actor)
    reviewer_institution = s.get(InstitutionRow, user.institution_id) if user.institution_id else None
    if (
        user.role != REVIEWER_USER_ROLE
        or reviewer_institution is None
        or not may_review(reviewer_institution, institution)
    ):
        raise AccessDenied(
            "forbidden",
            f"只有{institution.name}的上级机构负责人可以核准或退回其报送 (only a director of the level above "
            f"'{institution.id}' reviews its submissions: its parent institution or one whose region contains "
            f"{institution.region_code}; user {user.username} is {user.role} of '{user.institution_id}')",
        )


# ------------------------------------------------------------------------------- the flow


def _institution(s: Session, institution_id: str, *, lock: bool = False) -> InstitutionRow:
    """The institution; with `lock`, its row locked for the transaction (PostgreSQL `FOR UPDATE`; SQLite's
    write transactions are serial already), so two submissions of one institution at once cannot both
    open the period's case."""
    stmt = select(InstitutionRow).where(InstitutionRow.id == institution_id)
    inst = s.exec(stmt.with_for_update() if lock else stmt).first()
    if inst is None:
        raise BadInput(
            f"机构“{institution_id}”不存在 (unknown institution '{institution_id}')", field="institution_id"
        )
    return inst


def _period_case(s: Session, institution_id: str, period: str) -> CaseRow | None:
    """The institution's quarterly verification case of `period`, if opened."""
    rows = s.exec(
        select(CaseRow)
        .where(CaseRow.institution_id == institution_id, CaseRow.procedure_id == PROCEDURE)
        .order_by(col(CaseRow.id))
    ).all()
    for row in rows:
        facts = row.facts or {}
        if facts.get("period") == period and facts.get("kind", "quarterly") == "quarterly":
            return row
    return None


def open_period(service: CaseService, institution_id: str, period: str) -> int:
    """Open the institution's quarterly case of `period` as the system, on the quarter's last day (its
    submission deadline runs from then); returns its id. Idempotent: an opened case is returned."""
    end = quarter_end(period)
    with service.db.transaction() as s:
        _institution(s, institution_id, lock=True)
        case = _period_case(s, institution_id, period)
        if case is not None and case.id is not None:
            return case.id
        view = joined_service(service, s).open_case(
            PROCEDURE,
            min(end, service.today()),
            {"period": period, "kind": "quarterly"},
            institution_id,
            SYSTEM,
        )
        return view.id


def last_ended_period(as_of: dt.date) -> str:
    """The last quarter that ended before `as_of`.

    >>> last_ended_period(dt.date(2026, 10, 1)), last_ended_period(dt.date(2026, 9, 30))
    ('2026Q3', '2026Q2')
    >>> last_ended_period(dt.date(2027, 1, 5))
    '2026Q4'
    """
    q = (as_of.month - 1) // 3  # the current quarter's index 0..3: the previous one ended
    return f"{as_of.year - 1}Q4" if q == 0 else f"{as_of.year}Q{q}"


def open_due_periods(service: CaseService, as_of: dt.date) -> list[int]:
    """Open the quarterly case of the last ended quarter for every institution that has none yet (each in
    its own transaction; idempotent): what a periodic job runs after each quarter's end, so the submission
    deadline runs, and is breached, for an institution that never submits. Returns the cases opened."""
    period = last_ended_period(as_of)
    with service.db.read() as s:
        # an office (仲裁院) submits with its commission
        rows = s.exec(
            select(InstitutionRow).where(InstitutionRow.kind != "office").order_by(col(InstitutionRow.id))
        )
        ids = [i.id for i in rows.all()]
        have = {i for i in ids if _period_case(s, i, period) is not None}
    return [open_period(service, i, period) for i in ids if i not in have]


def submit(
    service: CaseService,
    institution_id: str,
    period: str,
    kind: str,
    content: Mapping[str, Any],
    actor: Principal,
    at: dt.date,
) -> Submitted:
    """Submit the institution's data for `period`: a quarterly return (the period's case, opened now on
    the quarter's last day if nobody opened it yet) or a correction (a case of its own, opened on `at`).
    Stores the `SubmissionRow` and fires `submit` in one transaction. Raises BadInput, AccessDenied or
    EventNotAllowed (e.g. [stage] when the period's data was already submitted); nothing is changed then."""
    if kind not in KINDS:
        raise BadInput(
            f"报送类型“{kind}”不对，应为 quarterly（季度报送）或 correction（更正报送）", field="kind"
        )
    end = quarter_end(period)
    data = content_bytes(content)
    sha = hashlib.sha256(data).hexdigest()
    with service.db.transaction() as s:
        institution = _institution(s, institution_id, lock=True)
        _check_submitter(s, actor, institution)
        joined = joined_service(service, s)
        case = _period_case(s, institution_id, period) if kind == "quarterly" else None
        if case is None:
            opened_on = min(end, at) if kind == "quarterly" else at
            view = joined.open_case(
                PROCEDURE, opened_on, {"period": period, "kind": kind}, institution_id, SYSTEM
            )
            case_id = view.id
        else:
            assert case.id is not None
            case_id = case.id
        record = joined.fire(
            case_id,
            "submit",
            _as(actor),
            at,
            facts={"content_sha256": sha},
            documents={"register_data": data},
        )
        row = SubmissionRow(
            institution_id=institution_id,
            period=period,
            kind=kind,
            case_id=case_id,
            content=dict(content),
            content_sha256=sha,
        )
        s.add(row)
        s.flush()
        assert row.id is not None
        return Submitted(row.id, case_id, _number(s, case_id), record.stage_after, sha)


def resubmit(
    service: CaseService, case_id: int, content: Mapping[str, Any], actor: Principal, at: dt.date
) -> Submitted:
    """Submit corrected data after a return: the case's submission row takes the new content (every
    earlier content stays on file as a version of `register_data`, its sha256 in the event log)."""
    data = content_bytes(content)
    sha = hashlib.sha256(data).hexdigest()
    with service.db.transaction() as s:
        case, row = _case_and_row(s, case_id)
        institution = _institution(s, case.institution_id)
        _check_submitter(s, actor, institution)
        record = joined_service(service, s).fire(
            case_id,
            "resubmit",
            _as(actor),
            at,
            facts={"content_sha256": sha},
            documents={"register_data": data},
        )
        row.content = dict(content)
        row.content_sha256 = sha
        s.add(row)
        s.flush()
        assert row.id is not None
        return Submitted(row.id, case_id, case.case_number, record.stage_after, sha)


def approve(service: CaseService, case_id: int, actor: Principal, at: dt.date) -> str:
    """Approve (核准) the submission; only the level above. Returns the case's new stage."""
    with service.db.transaction() as s:
        case, _row = _case_and_row(s, case_id)
        _check_reviewer(s, actor, _institution(s, case.institution_id))
        return joined_service(service, s).fire(case_id, "approve", _as(actor, REVIEWER_ROLE), at).stage_after


def return_(service: CaseService, case_id: int, reasons: str, actor: Principal, at: dt.date) -> str:
    """Return the submission with `reasons` (退回, required text); only the level above."""
    if not isinstance(reasons, str) or not reasons.strip():
        raise BadInput("退回应当写明理由 (give the reasons for the return)", field="reasons")
    with service.db.transaction() as s:
        case, _row = _case_and_row(s, case_id)
        _check_reviewer(s, actor, _institution(s, case.institution_id))
        record = joined_service(service, s).fire(
            case_id,
            "return_submission",
            _as(actor, REVIEWER_ROLE),
            at,
            facts={"return_reasons": reasons.strip()},
        )
        return record.stage_after


def submissions(service: CaseService, institution_id: str) -> list[SubmissionRow]:
    """The institution's submissions, oldest first."""
    with service.db.read() as s:
        return list(
            s.exec(
                select(SubmissionRow)
                .where(SubmissionRow.institution_id == institution_id)
                .order_by(col(SubmissionRow.id))
            ).all()
        )


def _case_and_row(s: Session, case_id: int) -> tuple[CaseRow, SubmissionRow]:
    case = s.get(CaseRow, case_id)
    if case is None or case.procedure_id != PROCEDURE:
        raise CaseNotFound(f"核准案件 {case_id} 不存在 (no verification case with id {case_id})")
    row = s.exec(select(SubmissionRow).where(SubmissionRow.case_id == case_id)).first()
    if row is None:
        raise CaseNotFound(f"核准案件 {case_id} 尚无报送 (verification case {case_id} has no submission yet)")
    return case, row


def _number(s: Session, case_id: int) -> str:
    case = s.get(CaseRow, case_id)
    return case.case_number if case is not None else ""


def _as(actor: Principal, role: str | None = None) -> Actor:
    return Actor(str(actor.user_id), role or actor.role)
