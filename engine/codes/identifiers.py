"""Identifier checks: resident ID numbers (GB 11643) and unified social credit codes (GB 32100).

Owns: `check_resident_id` and `check_uscc`, which return what the number says (birth date, sex,
birthplace; registering authority, organisation type, region) or raise `IdentifierError`, a
`BadInput` whose message a clerk understands (Chinese first, English after), e.g.
"身份证号码校验位错误，应为X".

Built on python-stdnum (`stdnum.cn.ric`, `stdnum.cn.uscc`) with its two known false negatives handled
(ECOSYSTEM.md §2):
- stdnum refuses a resident ID whose county code was created after the birth year (510107 武侯区
  dates from 1990, yet people born before carry it). We check checksum and birth date strictly and
  report an unknown or anachronistic birthplace only as a warning.
- stdnum requires positions 1–8 of a USCC to be digits, which rejects the registering-authority
  letters A (军队), N (农业: rural collective economic organisations) and Y (其他). We use our own
  check of the GB 32100 structure and the mod-31 check character; it agrees with stdnum wherever
  stdnum accepts the format.

Place in the flow: called by the runtime and the API when a party's identity is entered, and by the
data checks. May import: engine.errors and the standard library (plus python-stdnum).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from engine.errors import BadInput

IdentifierKind = Literal["resident_id", "uscc"]

_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

#: GB 32100-2015 table 1: registering authority (登记管理部门) -> organisation types (机构类别).
USCC_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}


class IdentifierError(BadInput):
    """An identifier that cannot be right. `reason` is stable: length, format, checksum, date, component."""

    def __init__(self, message: str, kind: IdentifierKind, reason: str, field: str | None = None) -> None:
        self.kind = kind
        self.reason = reason
        super().__init__(message, field=field)


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A resident ID number that passed the checks, with what it says."""

    number: str
    birth_date: date
    sex: Literal["male", "female"]
    region_code: str
    birthplace: str | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Uscc:
    """A unified social credit code that passed the checks, with what it says."""

    number: str
    authority: str
    organisation_type: str
    region_code: str
    warnings: tuple[str, ...] = ()


def _clean(number: object) -> str:
    return "".join(str(number).split()).replace("-", "").upper()


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits.

    >>> resident_id_check_digit("11010519491231002")
    'X'
    """
    total = sum(int(c) * w for c, w in zip(first17, _RIC_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character (mod 31) of the first 17 characters.

    >>> uscc_check_char("91110000600037341")
    'L'
    """
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def check_resident_id(number: object, on: date | None = None, field: str | None = None) -> ResidentId:
    """Check an 18-digit resident ID number (GB 11643-1999).

    Checksum and birth date are strict (a birth date after `on` is refused when `on` is given); an
    unknown birthplace, or a county code created after the birth year, is only a warning.

    >>> check_resident_id("510107198504120564").warnings[0][:10]
    '出生地代码 5101'
    >>> check_resident_id("11010519491231002x").birth_date
    datetime.date(1949, 12, 31)
    """
    n = _clean(number)

    def fail(zh: str, en: str, reason: str) -> IdentifierError:
        return IdentifierError(f"身份证号码 {n or '（空）'} {zh} ({en})", "resident_id", reason, field)

    if len(n) == 15 and n.isdigit():
        raise fail(
            "是15位旧号码，请填写18位公民身份号码", "old 15-digit number: enter the 18-digit one", "length"
        )
    if len(n) != 18:
        raise fail(f"应为18位，实际为{len(n)}位", f"must have 18 characters, has {len(n)}", "length")
    if not n[:17].isdigit() or not (n[17].isdigit() or n[17] == "X"):
        raise fail("前17位应为数字，末位应为数字或X", "17 digits then a digit or X", "format")
    expected = resident_id_check_digit(n[:17])
    if n[17] != expected:
        raise fail(f"校验位错误，应为{expected}", f"wrong check digit, expected {expected}", "checksum")
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        raise fail(f"中的出生日期 {n[6:14]} 不存在", f"birth date {n[6:14]} does not exist", "date") from None
    if born.year < 1880 or (on is not None and born > on):
        raise fail(f"中的出生日期 {born.isoformat()} 不合理", f"implausible birth date {born}", "date")
    warnings: list[str] = []
    place = _birthplace(n, born, warnings)
    sex: Literal["male", "female"] = "male" if int(n[16]) % 2 else "female"
    return ResidentId(n, born, sex, n[:6], place, tuple(warnings))


def _birthplace(n: str, born: date, warnings: list[str]) -> str | None:
    """stdnum's birthplace lookup; a failure is a warning only (the county may postdate the birth)."""
    try:
        info = ric.get_birth_place(n)
        province, county = info.get("province", ""), info.get("county", "")
        return province + (county if county != province else "")
    except (ValidationError, KeyError, ValueError):  # stdnum's InvalidComponent: only a warning here
        warnings.append(
            f"出生地代码 {n[:6]} 在 {born.year} 年的行政区划代码中未找到，请核对（号码本身校验无误） "
            f"(birthplace code {n[:6]} not found for {born.year}; the number itself is valid)"
        )
        return None


def check_uscc(number: object, field: str | None = None) -> Uscc:
    """Check an 18-character unified social credit code (GB 32100-2015), including the registering
    authorities A, N and Y that stdnum rejects.

    >>> check_uscc("91110000600037341L").organisation_type
    '企业'
    >>> check_uscc("N2440300MA5DA1B2CU").authority
    '农业'
    """
    n = _clean(number)

    def fail(zh: str, en: str, reason: str) -> IdentifierError:
        return IdentifierError(f"统一社会信用代码 {n or '（空）'} {zh} ({en})", "uscc", reason, field)

    if len(n) != 18:
        raise fail(f"应为18位，实际为{len(n)}位", f"must have 18 characters, has {len(n)}", "length")
    bad = [c for c in n if c not in _USCC_ALPHABET]
    if bad:
        raise fail(
            f"含有不允许的字符 {bad[0]}（不使用 I、O、Z、S、V）",
            f"character {bad[0]!r} is not allowed (I, O, Z, S, V are never used)",
            "format",
        )
    authority = USCC_AUTHORITIES.get(n[0])
    if authority is None:
        raise fail(
            f"第1位登记管理部门代码 {n[0]} 无效", f"registering authority {n[0]!r} unknown", "component"
        )
    if not n[2:8].isdigit():
        raise fail(
            f"第3–8位应为行政区划代码（数字），实际为 {n[2:8]}",
            "positions 3-8 must be the region code (digits)",
            "format",
        )
    expected = uscc_check_char(n[:17])
    if n[17] != expected:
        raise fail(f"校验位错误，应为{expected}", f"wrong check character, expected {expected}", "checksum")
    warnings: list[str] = []
    kind = authority[1].get(n[1])
    if kind is None:
        warnings.append(
            f"第2位机构类别代码 {n[1]} 不在登记管理部门“{authority[0]}”的类别中，请核对 "
            f"(organisation type {n[1]} is not listed for authority {n[0]})"
        )
    return Uscc(n, authority[0], kind or "未知", n[2:8], tuple(warnings))


def check_identifier(kind: IdentifierKind, number: object, on: date | None = None) -> str:
    """The cleaned number when valid; raises `IdentifierError` otherwise."""
    if kind == "resident_id":
        return check_resident_id(number, on=on).number
    return check_uscc(number).number
