"""Who may see and do what: users, roles, hashed tokens, institution and region scoping.

Owns: `Principal` (the authenticated caller), token and query-code hashing, the scoping rules as
pure functions (`can_read_case`, `can_act_on_case`, `sees_internal_file` ...; a list's scope is
engine.cases.listing), the
`AccessDenied` error with its stable codes, and `RateLimiter` (the public progress lookup).
Place in the flow: the API authenticates a bearer token into a `Principal` (see
`principal_for_token`), then asks these functions before it calls the runtime. The procedure's own
role checks (`EventNotAllowed(code="role")`) still apply after these: access decides *which cases*
a user may touch, the procedure decides *which actions* their role may take.
May import: engine.errors, engine.store.tables (token lookup only). Never FastAPI.

Rules (DESIGN.md section 4):
- clerks, arbitrators and directors read and act on their own institution's cases only;
- parties (applicant/respondent users linked to a case) read their own cases, without the internal
  file (副卷), and act on them in their party role;
- supervisors read every case whose region code starts with theirs, and write nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from sqlmodel import Session, col, select

from engine.errors import ZhongcaiError
from engine.store.tables import PartyRow, TokenRow, UserRow

STAFF_ROLES: tuple[str, ...] = ("clerk", "arbitrator", "director")
PARTY_ROLES: tuple[str, ...] = ("applicant", "respondent")
SUPERVISOR_ROLES: tuple[str, ...] = ("supervisor",)
ALL_ROLES: tuple[str, ...] = STAFF_ROLES + PARTY_ROLES + SUPERVISOR_ROLES
#: staff roles that may open a case at their institution (立案)
OPENING_ROLES: tuple[str, ...] = ("clerk", "director")

AccessCode = Literal["unauthenticated", "forbidden", "not_found", "rate_limited"]

#: the query-code alphabet: no 0/O, 1/I/L, so a code read over the phone is not misheard
_QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 12  # 31**12: 59 bits (docs/api.md: the arithmetic of guessing)


class AccessDenied(ZhongcaiError):
    """The caller may not do this. `code` is stable; the message says what to do."""

    def __init__(self, code: AccessCode, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    user_id: int
    name: str
    role: str
    institution_id: str | None = None
    region_code: str | None = None
    #: for parties: the cases they are linked to
    case_ids: frozenset[int] = field(default_factory=frozenset)
    #: for parties: their role on each linked case when it differs from `role` (case id, role)
    case_roles: tuple[tuple[int, str], ...] = ()

    def role_on(self, case_id: int) -> str:
        """The role this user acts in on a case: a party's role there (申请人/被申请人), else `role`."""
        return next((r for c, r in self.case_roles if c == case_id), self.role)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_party(self) -> bool:
        return self.role in PARTY_ROLES

    @property
    def is_supervisor(self) -> bool:
        return self.role in SUPERVISOR_ROLES


@dataclass(frozen=True, slots=True)
class CaseRef:
    """What the access rules need to know about a case."""

    case_id: int
    institution_id: str
    region_code: str


# ------------------------------------------------------------------------------------- secrets


def hash_token(token: str) -> str:
    """The stored form of a bearer token: sha256 hex (tokens are long random strings, no salt needed).

    >>> hash_token("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh bearer token (shown once; only its hash is stored)."""
    return "zc_" + secrets.token_urlsafe(32)


def new_query_code() -> str:
    """A fresh 12-character query code given to the parties for the public progress lookup."""
    return "".join(secrets.choice(_QUERY_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def normalize_query_code(code: str) -> str:
    """Upper-case and drop spaces and dashes, so '3k7m-x9pq' and '3K7MX9PQ' are the same code."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def query_code_salt(case_number: str, receipt_number: str | None) -> str:
    """What a case's query code is hashed with: its receipt number, which does not change when the
    case gets its 案号 on acceptance; the case number for a case without one (a 案号 from receipt).

    >>> query_code_salt("桂仲案〔2026〕1号", "桂仲收〔2025〕9号"), query_code_salt("桂仲案〔2026〕1号", None)
    ('桂仲收〔2025〕9号', '桂仲案〔2026〕1号')
    """
    return receipt_number or case_number


def hash_query_code(case_number: str, code: str) -> str:
    """The stored form of a case's query code, salted with `case_number` (pass `query_code_salt`).

    >>> hash_query_code("桂仲案〔2026〕1号", "ab-cd") == hash_query_code("桂仲案〔2026〕1号", "ABCD")
    True
    """
    data = f"{case_number}\x00{normalize_query_code(code)}".encode()
    return hashlib.sha256(data).hexdigest()


def query_code_matches(case_number: str, code: str, stored_hash: str | None) -> bool:
    """Constant-time check of a query code against the stored hash (False when none is stored)."""
    if not stored_hash:
        return False
    return hmac.compare_digest(hash_query_code(case_number, code), stored_hash)


# ------------------------------------------------------------------------------------- regions


def region_prefix(region_code: str | None) -> str:
    """The prefix of GB/T 2260 codes a region covers: '450000' -> '45', '450100' -> '4501'.

    '000000' (or '') is the whole country.

    >>> region_prefix("450000"), region_prefix("450100"), region_prefix("450103"), region_prefix("000000")
    ('45', '4501', '450103', '')
    """
    code = (region_code or "").strip()
    while code.endswith("00"):
        code = code[:-2]
    return code


def in_region(case_region: str, supervisor_region: str | None) -> bool:
    """True when a case's region lies inside the supervisor's region.

    >>> in_region("450103", "450000"), in_region("440300", "450000"), in_region("440300", "000000")
    (True, False, True)
    """
    if supervisor_region is None:
        return False
    return (case_region or "").startswith(region_prefix(supervisor_region))


# ------------------------------------------------------------------------------------- rules


def can_read_case(p: Principal, case: CaseRef) -> bool:
    """May `p` see this case at all (parties: through the progress view only)?"""
    if p.is_staff:
        return p.institution_id is not None and p.institution_id == case.institution_id
    if p.is_party:
        return case.case_id in p.case_ids
    if p.is_supervisor:
        return in_region(case.region_code, p.region_code)
    return False


def can_act_on_case(p: Principal, case: CaseRef) -> bool:
    """May `p` fire actions on or attach documents to this case? Supervisors never write."""
    if p.is_supervisor:
        return False
    return can_read_case(p, case)


def sees_internal_file(p: Principal) -> bool:
    """Staff and supervisors see the internal file (副卷); parties never do (办案规则第二十三条)."""
    return p.is_staff or p.is_supervisor


def can_reissue_query_code(p: Principal, case: CaseRef) -> bool:
    """A new query code (the old one stops working) is issued by a clerk of the case's institution."""
    return p.role == "clerk" and p.institution_id is not None and p.institution_id == case.institution_id


def can_open_case(p: Principal, institution_id: str) -> bool:
    """Cases are opened (立案登记) by a clerk or the director of that institution."""
    return p.role in OPENING_ROLES and p.institution_id == institution_id


def can_read_institution(p: Principal, institution_id: str, institution_region: str) -> bool:
    """Breaches and monitoring of an institution: its own staff, or a supervisor of its region."""
    if p.is_staff:
        return p.institution_id == institution_id
    if p.is_supervisor:
        return in_region(institution_region, p.region_code)
    return False


def require(allowed: bool, message: str) -> None:
    """Raise `AccessDenied("forbidden", message)` unless `allowed`."""
    if not allowed:
        raise AccessDenied("forbidden", message)


def forbidden_case(p: Principal, case_id: int) -> AccessDenied:
    """The error for a case the caller may not see. Said as 'not found' so ids cannot be probed."""
    return AccessDenied(
        "not_found",
        f"案件 {case_id} 不存在或您无权查看 (case {case_id} does not exist or is not visible to "
        f"{p.role} '{p.name}'); check the case id",
    )


def staff_only(p: Principal, what: str) -> None:
    """Refuse parties and unknown roles: `what` is for staff and supervisors."""
    if not (p.is_staff or p.is_supervisor):
        raise AccessDenied(
            "forbidden",
            f"{what} 仅限仲裁机构工作人员和监督人员 (only institution staff and supervisors may see {what}); "
            f"parties can follow their own case under /v1/cases/{{id}}",
        )


def write_refused(p: Principal) -> AccessDenied:
    """The error for a write attempt the caller may not make."""
    if p.is_supervisor:
        return AccessDenied(
            "forbidden",
            "监督人员只能查看，不能办理案件 (supervisors read only; they cannot act on cases)",
        )
    return AccessDenied(
        "forbidden",
        f"您无权办理该案件 ({p.role} '{p.name}' may act only on cases of their own institution "
        "or, for parties, on their own case)",
    )


# ------------------------------------------------------------------------------------- rate limit


class RateLimiter:
    """A sliding-window limiter: at most `limit` hits per `window` seconds per key (thread-safe).

    In-process: the embedded default runs one API process. Behind several workers each one counts
    on its own, so the effective limit is multiplied by the number of workers.

    >>> t = [0.0]
    >>> rl = RateLimiter(2, 60, clock=lambda: t[0])
    >>> rl.hit("ip:1"), rl.hit("ip:1"), rl.hit("ip:1")
    (None, None, 60)
    >>> t[0] = 61.0
    >>> rl.hit("ip:1")
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count a hit; None when allowed, else the seconds until the next hit is allowed."""
        now = self._clock()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                return max(1, int(q[0] + self.window - now + 0.999))
            q.append(now)
            if len(self._hits) > 100_000:  # bound memory under a spray of keys
                self._prune(now)
            return None

    def waiting(self, key: str) -> int | None:
        """The seconds until `key` may be hit again when it is at its limit, else None (counts nothing)."""
        now = self._clock()
        with self._lock:
            q = self._hits.get(key)
            while q and q[0] <= now - self.window:
                q.popleft()
            if q is not None and len(q) >= self.limit:
                return max(1, int(q[0] + self.window - now + 0.999))
            return None

    def hit_all(self, keys: Iterable[str]) -> int | None:
        """Count a hit on every key; the largest wait if any is over its limit."""
        waits = [w for w in (self.hit(k) for k in keys) if w is not None]
        return max(waits) if waits else None

    def _prune(self, now: float) -> None:
        for key in [k for k, q in self._hits.items() if not q or q[-1] <= now - self.window]:
            del self._hits[key]


# ------------------------------------------------------------------------------------- store


def principal_for_token(session: Session, token: str, now: dt.datetime | None = None) -> Principal:
    """The active user behind a bearer token; `AccessDenied("unauthenticated")` otherwise."""
    if not token or len(token) > 512:
        raise AccessDenied("unauthenticated", _BAD_TOKEN)
    row = session.exec(
        select(TokenRow, UserRow)
        .join(UserRow, col(UserRow.id) == col(TokenRow.user_id))
        .where(TokenRow.token_sha256 == hash_token(token))
    ).first()
    if row is None:
        raise AccessDenied("unauthenticated", _BAD_TOKEN)
    tok, user = row
    moment = _aware_utc(now or dt.datetime.now(dt.UTC))
    if tok.revoked_at is not None or not user.active:
        raise AccessDenied("unauthenticated", "令牌已吊销或账户已停用 (token revoked or account disabled)")
    if tok.expires_at is not None and _aware_utc(tok.expires_at) <= moment:
        raise AccessDenied(
            "unauthenticated", "令牌已过期 (token expired); ask the administrator for a new one"
        )
    assert user.id is not None
    links: list[tuple[int, str]] = []
    if user.role in PARTY_ROLES:
        links = [
            (c, r)
            for c, r in session.exec(
                select(PartyRow.case_id, PartyRow.role).where(PartyRow.user_id == user.id)
            ).all()
        ]
    return Principal(
        user_id=user.id,
        name=user.display_name or user.username,
        role=user.role,
        institution_id=user.institution_id,
        region_code=user.region_code,
        case_ids=frozenset(c for c, _ in links),
        case_roles=tuple(sorted((c, r) for c, r in links if r != user.role and r in PARTY_ROLES)),
    )


def issue_token(session: Session, user_id: int, name: str = "", token: str | None = None) -> str:
    """Store the hash of a (new or given) token for `user_id` and return the token itself."""
    token = token or new_token()
    session.add(TokenRow(user_id=user_id, token_sha256=hash_token(token), name=name))
    return token


def _aware_utc(t: dt.datetime) -> dt.datetime:
    """Stored times come back aware UTC; a naive one is read as UTC."""
    return t.astimezone(dt.UTC) if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


_BAD_TOKEN = (
    "缺少或无效的访问令牌 (missing or invalid bearer token): send the header "
    "'Authorization: Bearer <token>' with a token issued to you"
)
