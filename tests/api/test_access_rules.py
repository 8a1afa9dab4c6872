"""The access rules of engine.cases.access as properties over all principals and cases (hypothesis)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from engine.cases.access import (
    ALL_ROLES,
    AccessDenied,
    CaseRef,
    Principal,
    RateLimiter,
    can_act_on_case,
    can_open_case,
    can_read_case,
    hash_query_code,
    hash_token,
    in_region,
    issue_token,
    new_query_code,
    principal_for_token,
    query_code_matches,
    region_prefix,
    sees_internal_file,
)
from engine.cases.listing import list_scope
from engine.store.db import Database
from engine.store.tables import InstitutionRow, TokenRow, UserRow

INSTITUTIONS = ["gx-nn", "gd-sz", "zj-hz"]
REGIONS = ["450100", "450103", "440300", "330100", "450000", "440000", "000000"]

principals = st.builds(
    Principal,
    user_id=st.integers(1, 50),
    name=st.just("u"),
    role=st.sampled_from(ALL_ROLES + ("admin", "")),
    institution_id=st.none() | st.sampled_from(INSTITUTIONS),
    region_code=st.none() | st.sampled_from(REGIONS),
    case_ids=st.frozensets(st.integers(1, 20), max_size=3),
)
cases = st.builds(
    CaseRef,
    case_id=st.integers(1, 20),
    institution_id=st.sampled_from(INSTITUTIONS),
    region_code=st.sampled_from(REGIONS[:4]),
)


@given(principals, cases)
def test_acting_implies_reading_and_supervisors_never_act(p: Principal, c: CaseRef) -> None:
    if can_act_on_case(p, c):
        assert can_read_case(p, c)
        assert p.role in ("clerk", "arbitrator", "director", "applicant", "respondent")
    if p.role == "supervisor":
        assert not can_act_on_case(p, c)


@given(principals, cases)
def test_staff_stay_in_their_institution_and_parties_in_their_cases(p: Principal, c: CaseRef) -> None:
    readable = can_read_case(p, c)
    if p.role in ("clerk", "arbitrator", "director"):
        assert readable == (p.institution_id == c.institution_id)
    elif p.role in ("applicant", "respondent"):
        assert readable == (c.case_id in p.case_ids)
        assert not sees_internal_file(p)
    elif p.role == "supervisor":
        assert readable == (
            p.region_code is not None and c.region_code.startswith(region_prefix(p.region_code))
        )
    else:
        assert not readable  # unknown roles see nothing


@given(principals, cases)
def test_list_scope_agrees_with_can_read(p: Principal, c: CaseRef) -> None:
    scope = list_scope(p)
    in_scope = (
        (scope.institution_id is None or scope.institution_id == c.institution_id)
        and (not scope.region_prefix or c.region_code.startswith(scope.region_prefix))
        and (scope.case_ids is None or c.case_id in scope.case_ids)
    )
    assert in_scope == can_read_case(p, c)


@given(principals, st.sampled_from(INSTITUTIONS))
def test_only_clerks_and_directors_open_and_only_at_home(p: Principal, inst: str) -> None:
    assert can_open_case(p, inst) == (p.role in ("clerk", "director") and p.institution_id == inst)


@given(st.sampled_from(REGIONS), st.sampled_from(REGIONS))
def test_region_containment_is_a_prefix_order(a: str, b: str) -> None:
    if in_region(a, b) and in_region(b, a):
        assert region_prefix(a) == region_prefix(b)
    assert in_region(a, "000000")


@given(st.text(min_size=1, max_size=30), st.sampled_from(["", "-", " "]))
def test_query_codes_match_only_themselves(case_number: str, sep: str) -> None:
    code = new_query_code()
    stored = hash_query_code(case_number, code)
    assert query_code_matches(case_number, code[:4] + sep + code[4:].lower(), stored)
    assert not query_code_matches(case_number + "x", code, stored)
    assert not query_code_matches(case_number, code[::-1] if code[::-1] != code else "2" * 8, stored)
    assert not query_code_matches(case_number, code, None)


@given(st.lists(st.floats(0, 100, allow_nan=False), max_size=60), st.integers(1, 5))
def test_rate_limiter_never_admits_more_than_the_limit_in_a_window(times: list[float], limit: int) -> None:
    now = [0.0]
    rl = RateLimiter(limit, 10.0, clock=lambda: now[0])
    admitted: list[float] = []
    for t in sorted(times):
        now[0] = t
        if rl.hit("k") is None:
            admitted.append(t)
    for t in admitted:
        assert sum(1 for u in admitted if t - 10.0 < u <= t) <= limit


def test_tokens_are_stored_hashed_and_revocation_and_expiry_refuse(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 't.db'}")
    db.init_db()
    with db.transaction() as s:
        s.add(InstitutionRow(id="gx-nn", name="南宁", region_code="450100"))
        s.flush()
        user = UserRow(username="c", role="clerk", institution_id="gx-nn")
        s.add(user)
        s.flush()
        assert user.id is not None
        token = issue_token(s, user.id)
    with db.read() as s:
        stored = s.exec(select(TokenRow.token_sha256)).all()
        assert stored == [hash_token(token)] and token not in stored
        p = principal_for_token(s, token)
        assert (p.role, p.institution_id) == ("clerk", "gx-nn")
    for change in ("revoked_at", "expires_at"):
        with db.transaction() as s:
            row = s.exec(select(TokenRow)).one()
            setattr(row, change, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
            s.add(row)
        with db.read() as s:
            try:
                principal_for_token(s, token, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
            except AccessDenied as exc:
                assert exc.code == "unauthenticated" and exc.message
            else:
                raise AssertionError(f"a token with {change} set was accepted")
        with db.transaction() as s:
            row = s.exec(select(TokenRow)).one()
            setattr(row, change, None)
            s.add(row)
    with db.read() as s:
        for bad in ("", "x" * 600, token + "x"):
            try:
                principal_for_token(s, bad)
            except AccessDenied as exc:
                assert exc.code == "unauthenticated"
            else:
                raise AssertionError("a bad token was accepted")


@given(
    st.sampled_from(["applicant", "respondent"]),
    st.dictionaries(st.integers(1, 9), st.sampled_from(["applicant", "respondent"]), max_size=4),
    st.integers(1, 9),
)
def test_a_party_acts_in_their_role_on_each_case(role: str, links: dict[int, str], case_id: int) -> None:
    p = Principal(
        1,
        "p",
        role,
        case_ids=frozenset(links),
        case_roles=tuple(sorted((c, r) for c, r in links.items() if r != role)),
    )
    assert p.role_on(case_id) == links.get(case_id, role)
