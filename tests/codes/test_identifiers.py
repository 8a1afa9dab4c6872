"""Resident ID (GB 11643) and USCC (GB 32100) checks: properties over generated numbers, the two
stdnum false negatives, and the messages a clerk sees."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from engine.codes.identifiers import (
    USCC_AUTHORITIES,
    IdentifierError,
    check_resident_id,
    check_uscc,
    resident_id_check_digit,
    uscc_check_char,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGIONS = ["110105", "310104", "440305", "510107", "330106", "650102"]


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
    seq = draw(st.integers(0, 999))
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_digit(first17)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    auth = draw(st.sampled_from(sorted(USCC_AUTHORITIES)))
    kind = draw(st.sampled_from(sorted(USCC_AUTHORITIES[auth][1])))
    region = draw(st.sampled_from(REGIONS))
    org = "".join(draw(st.lists(st.sampled_from(USCC_ALPHABET), min_size=9, max_size=9)))
    first17 = auth + kind + region + org
    return first17 + uscc_check_char(first17)


def _single_changes(number: str, alphabet: str) -> st.SearchStrategy[str]:
    return (
        st.tuples(st.integers(0, len(number) - 1), st.sampled_from(alphabet))
        .filter(lambda t: number[t[0]] != t[1])
        .map(lambda t: number[: t[0]] + t[1] + number[t[0] + 1 :])
    )


@given(resident_ids())
def test_generated_resident_ids_pass_and_agree_with_stdnum_checksum(number: str) -> None:
    got = check_resident_id(number)
    assert got.number == number
    assert ric.calc_check_digit(number) == number[-1]
    assert got.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert got.sex == ("male" if int(number[16]) % 2 else "female")


@given(resident_ids().flatmap(lambda n: st.tuples(st.just(n), _single_changes(n, "0123456789X"))))
def test_any_single_character_change_of_a_resident_id_fails(pair: tuple[str, str]) -> None:
    _, changed = pair
    with pytest.raises(IdentifierError):
        check_resident_id(changed)


@given(usccs())
def test_generated_usccs_pass(number: str) -> None:
    got = check_uscc(number)
    assert got.number == number
    assert got.authority == USCC_AUTHORITIES[number[0]][0]
    if number[:8].isdigit():  # where stdnum accepts the format, both checks agree
        assert uscc.is_valid(number)


@given(usccs().flatmap(lambda n: st.tuples(st.just(n), _single_changes(n, USCC_ALPHABET + "IOZSV"))))
def test_any_single_character_change_of_a_uscc_fails(pair: tuple[str, str]) -> None:
    _, changed = pair
    with pytest.raises(IdentifierError):
        check_uscc(changed)


def test_county_created_after_birth_year_is_a_warning_not_an_error() -> None:
    # 武侯区 (510107) dates from 1990; stdnum refuses someone born there in 1985 (ECOSYSTEM.md §2).
    assert not ric.is_valid("510107198504120564")
    got = check_resident_id("510107198504120564")
    assert got.birth_date == date(1985, 4, 12)
    assert got.birthplace is None
    assert len(got.warnings) == 1 and "510107" in got.warnings[0]


def test_known_birthplace_is_named_without_warning() -> None:
    got = check_resident_id("11010519491231002x")
    assert got.number.endswith("X")
    assert got.birthplace == "北京市朝阳区"
    assert got.warnings == ()


@pytest.mark.parametrize("number", ["N2440300MA5DA1B2CU", "Y1440300MA5DA1B2CN", "A1110000600037341"])
def test_registering_authority_letters_rejected_by_stdnum(number: str) -> None:
    if len(number) == 17:
        number += uscc_check_char(number)
    assert not uscc.is_valid(number)  # the stdnum false negative this module works around
    assert check_uscc(number).region_code == number[2:8]


@pytest.mark.parametrize(
    ("number", "reason", "fragment"),
    [
        ("110105194912310021", "checksum", "校验位错误，应为X"),
        ("11010519491231002", "length", "应为18位，实际为17位"),
        ("110105491231002", "length", "15位旧号码"),
        ("11010519490231002X", "checksum", "校验位错误"),
        ("1101051949023100A1", "format", "前17位应为数字"),
    ],
)
def test_resident_id_errors_speak_to_a_clerk(number: str, reason: str, fragment: str) -> None:
    with pytest.raises(IdentifierError) as err:
        check_resident_id(number)
    assert err.value.reason == reason
    assert fragment in str(err.value)


def test_impossible_and_future_birth_dates_are_refused() -> None:
    first = "110105" + "19490230" + "002"  # 30 February
    with pytest.raises(IdentifierError, match="不存在"):
        check_resident_id(first + resident_id_check_digit(first))
    today = date(2026, 11, 28)
    tomorrow = today + timedelta(days=1)
    first = f"110105{tomorrow:%Y%m%d}002"
    with pytest.raises(IdentifierError, match="不合理"):
        check_resident_id(first + resident_id_check_digit(first), on=today)


@pytest.mark.parametrize(
    ("number", "reason", "fragment"),
    [
        ("91110000600037341M", "checksum", "校验位错误，应为L"),
        ("9111000060003734IL", "format", "不允许的字符 I"),
        ("B1110000600037341L", "component", "登记管理部门代码 B"),
        ("9111000060003734", "length", "应为18位"),
        ("91A10000600037341L", "format", "行政区划代码"),
    ],
)
def test_uscc_errors_speak_to_a_clerk(number: str, reason: str, fragment: str) -> None:
    with pytest.raises(IdentifierError) as err:
        check_uscc(number)
    assert err.value.reason == reason
    assert fragment in str(err.value)


def test_unknown_organisation_type_is_a_warning() -> None:
    first = "9811000060003734"[:16] + "1"
    number = first + uscc_check_char(first)
    assert check_uscc(number).warnings
