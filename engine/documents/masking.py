"""Masking for publication (裁决书网上公开): hide what identifies a natural person.

Owns: `Masker` (built from the party facts a case holds) and `mask_name`, `mask_address`,
`mask_id`. Two layers, because the facts we hold are not the only place a secret can appear:
1. every secret we know (names, ID numbers, phone numbers, addresses from the facts) is replaced
   wherever it appears, also when written with spaces, hyphens or full-width digits;
2. patterns found in free text (award_summary, claims, mediation terms): resident ID numbers,
   mobile and fixed-line phone numbers, bank account numbers, any long run of digits.
Names become surname + 某 (张某, 欧阳某); addresses keep the part down to the district (区/县).
Used by engine.documents.render for `render_for_case(..., masked=True)`; pure, no I/O.
May import: the standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Facts that hold a natural person's name. Organisation names (respondent_name) stay readable.
PERSON_NAME_FACTS = ("applicant_name", "respondent_representative", "agent_name", "third_party_name")
ID_FACTS = ("applicant_id_number", "respondent_id_number", "agent_id_number")
PHONE_FACTS = ("applicant_phone", "respondent_phone", "agent_phone")
ADDRESS_FACTS = ("applicant_address", "respondent_address")
ACCOUNT_FACTS = ("applicant_bank_account",)
#: party_types codes of organisations: an applicant of these types is not a natural person.
ORGANISATION_TYPES = frozenset({"employer", "dispatch_agency", "user_unit", "investor", "contracting_org"})
#: party_types codes of a respondent who is a natural person (an employer applies against a worker; an
#: individual contractor, L 22): respondent_name is then masked as a person's name.
PERSON_RESPONDENT_TYPES = frozenset({"worker", "individual_contractor"})
#: Public identifiers of organisations: published as they are.
KEEP_FACTS = ("respondent_uscc",)

_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 南宫 "
    "西门 独孤 呼延 澹台 公冶 宗政 濮阳 太史 申屠 闻人 万俟 赫连 百里 东郭 拓跋 完颜".split()
)
#: Full-width digits and letters (and the ideographic space) to ASCII: same length, so positions hold.
_HALF = str.maketrans(
    {
        **{0xFF10 + i: 0x30 + i for i in range(10)},
        **{0xFF21 + i: 0x41 + i for i in range(26)},
        **{0xFF41 + i: 0x61 + i for i in range(26)},
        0x3000: 0x20,
        0xFF0D: 0x2D,
    }
)
_SEP = r"[\s\-\u00a0\u3000\uff0d]*"
_MASK_DIGITS = "＊"

# Free-text patterns, matched on the half-width copy of the text (same positions as the original).
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{6}[ -]?\d{8}[ -]?\d{3}[0-9Xx](?![0-9A-Za-z])")
_PHONE_RE = re.compile(
    r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])"  # mobile
    r"|(?<![0-9])0\d{2,3}[ -]?\d{7,8}(?![0-9])"  # fixed line with area code
)
#: Any run of 7 or more digits, possibly grouped by single spaces (bank accounts, phone
#: numbers without area code, card numbers), unless it is an amount (followed by 元 or a decimal).
_DIGITS_RE = re.compile(r"(?<![0-9.,])\d(?: ?\d){6,}(?![0-9]|\s*(?:元|\.\d))")
_NAME_PART = r"[^\d\s号路街道巷弄村组室栋楼幢单元层]{1,12}?"
#: Digits grouped by hyphens in groups of 3 or more (1000-0000-0000-0000); dates (2026-10-12) are not.
_HYPHEN_DIGITS_RE = re.compile(r"(?<![0-9.,-])\d{3,}(?:-\d{3,})+(?:-\d+)?(?![0-9]|-\d)")
_ADDRESS_HEAD = re.compile(
    rf"^(?:{_NAME_PART}(?:省|自治区|特别行政区))?"
    rf"(?:{_NAME_PART}(?:市|自治州|盟|地区))?"
    rf"(?:{_NAME_PART}(?:区|县|旗|市))?"
)


def mask_name(name: str) -> str:
    """Surname + 某; compound surnames keep both characters.

    >>> mask_name("张三"), mask_name("欧阳小红"), mask_name("王䶮"), mask_name("𠈌堃")
    ('张某', '欧阳某', '王某', '𠈌某')
    """
    text = "".join(name.split())
    if not text:
        return text
    keep = 2 if text[:2] in _COMPOUND_SURNAMES and len(text) > 2 else 1
    return text[:keep] + "某"


def mask_id(number: str) -> str:
    """Keep the first 6 (region) and the last character hidden too; the rest becomes ＊.

    >>> mask_id("11010519491231002X")
    '110105************'
    """
    text = "".join(str(number).split())
    return text[:6] + "*" * max(len(text) - 6, 0)


def mask_address(address: str) -> str:
    """The address down to the district (区/县), then ××.

    >>> mask_address("浙江省杭州市西湖区文三路90号东部软件园3号楼")
    '浙江省杭州市西湖区××'
    >>> mask_address("北京市朝阳区建国路88号")
    '北京市朝阳区××'
    >>> mask_address("某某路1号")
    '××'
    """
    text = address.strip()
    head = _ADDRESS_HEAD.match(text)
    kept = head.group(0) if head else ""
    if kept == text:  # nothing after the district: still hide the last level
        kept = ""
    return kept + "××"


def _loose_pattern(secret: str) -> re.Pattern[str]:
    """A pattern for `secret` that also matches it written with separators between characters."""
    chars = [c for c in secret.translate(_HALF) if not c.isspace() and c != "-"]
    parts = []
    for c in chars:
        if c in "Xx":
            parts.append("[Xx]")
        else:
            parts.append(re.escape(c))
    return re.compile(_SEP.join(parts))


@dataclass
class Masker:
    """Masks the secrets of one case. Build it with `Masker.from_facts(facts)`."""

    #: (pattern over the half-width text, replacement), longest secrets first
    rules: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    #: public identifiers the digit patterns must not touch (an employer's credit code, KEEP_FACTS)
    keep: tuple[str, ...] = ()

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any], extra_names: Iterable[str] = ()) -> Masker:
        secrets: list[tuple[str, str]] = []
        person_facts = _person_name_facts(facts)
        names = [str(facts[k]) for k in person_facts if facts.get(k)] + [n for n in extra_names if n]
        for name in names:
            clean = "".join(name.split())
            secrets.append((clean, mask_name(clean)))
            surname_len = len(mask_name(clean)) - 1
            given = clean[surname_len:]
            if len(given) >= 2:  # the given name alone also identifies the person
                secrets.append((given, "某"))
        for key in ID_FACTS:
            if facts.get(key):
                secrets.append((str(facts[key]), mask_id(str(facts[key]))))
        for key in (*PHONE_FACTS, *ACCOUNT_FACTS):
            if facts.get(key):
                secrets.append((str(facts[key]), "*" * 7))
        for key in ADDRESS_FACTS:
            if facts.get(key):
                address = str(facts[key]).strip()
                masked = mask_address(address)
                secrets.append((address, masked))
                head = masked[:-2]
                detail = address[len(head) :]
                if len(detail) >= 2:
                    secrets.append((detail, "××"))
        unique = {s: r for s, r in secrets if len("".join(s.split())) >= 2}
        ordered = sorted(unique.items(), key=lambda item: -len(item[0]))
        rules = [(_loose_pattern(s), r) for s, r in ordered]
        keep = tuple(
            value
            for value in (str(facts.get(k) or "").strip() for k in KEEP_FACTS)
            if len(value) >= 6 and not any(pattern.search(value.translate(_HALF)) for pattern, _ in rules)
        )
        return cls(rules, keep)

    def mask_text(self, text: str) -> str:
        """Known secrets first, then the free-text patterns."""
        # Public identifiers are set aside as private-use characters (not digits) and put back after.
        tokens = [(chr(0xE000 + i), value) for i, value in enumerate(self.keep) if value in text]
        for token, value in tokens:
            text = text.replace(value, token)
        pair = (text, text.translate(_HALF))
        for pattern, replacement in self.rules:
            pair = _sub_on_half(pair, pattern, lambda _m, r=replacement: r)
        pair = _sub_on_half(pair, _ID_RE, lambda m: mask_id(m.group(0)))
        pair = _sub_on_half(pair, _PHONE_RE, lambda _m: "*" * 7)
        pair = _sub_on_half(pair, _DIGITS_RE, lambda _m: "*" * 7)
        pair = _sub_on_half(
            pair,
            _HYPHEN_DIGITS_RE,
            lambda m: "*" * 7 if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0),
        )
        text = pair[0]
        for token, value in tokens:
            text = text.replace(token, value)
        return text

    def mask_value(self, value: Any) -> Any:
        """Mask strings inside plain data (str, list, tuple, dict); other values pass through."""
        if isinstance(value, str):
            return self.mask_text(value)
        if isinstance(value, Mapping):
            return {k: self.mask_value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.mask_value(v) for v in value)
        return value

    def mask_facts(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The facts as they may be published: names, IDs, phones, addresses replaced."""
        out: dict[str, Any] = {}
        person_facts = _person_name_facts(facts)
        for key, value in facts.items():
            if key in person_facts and isinstance(value, str):
                out[key] = mask_name(value)
            elif key in ID_FACTS and isinstance(value, str):
                out[key] = mask_id(value)
            elif key in (*PHONE_FACTS, *ACCOUNT_FACTS) and value:
                out[key] = "*" * 7
            elif key in ADDRESS_FACTS and isinstance(value, str):
                out[key] = mask_address(value)
            else:
                out[key] = self.mask_value(value)
        return out


def _person_name_facts(facts: Mapping[str, Any]) -> tuple[str, ...]:
    """The name facts that hold a natural person's name in this case (an employer may apply; the
    respondent may be a natural person, `respondent_type`)."""
    names: tuple[str, ...] = PERSON_NAME_FACTS
    if facts.get("applicant_type") in ORGANISATION_TYPES:
        names = tuple(k for k in names if k != "applicant_name")
    if facts.get("respondent_type") in PERSON_RESPONDENT_TYPES:
        names = (*names, "respondent_name")
    return names


def _sub_on_half(pair: tuple[str, str], pattern: re.Pattern[str], repl: Any) -> tuple[str, str]:
    """Substitute matches found in the half-width copy into the text and into the copy.

    `pair` is (text, text translated to half width); both stay in step because the replacements
    (＊, 某, ×× and half-width digits) are the same in either width, so the text is translated once.
    """
    text, half = pair
    pieces: list[str] = []
    half_pieces: list[str] = []
    last = 0
    for m in pattern.finditer(half):
        replacement = repl(m)
        pieces += (text[last : m.start()], replacement)
        half_pieces += (half[last : m.start()], replacement)
        last = m.end()
    if not pieces:
        return pair
    pieces.append(text[last:])
    half_pieces.append(half[last:])
    return "".join(pieces), "".join(half_pieces)
