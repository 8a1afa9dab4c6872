"""Chinese numerals (中文数字) for article numbers: `parse_cn` (三十五 → 35, 一百零七 → 107, 一百一十 → 110)
and `to_cn` (the label the statutes use: 10 → 十, 110 → 一百一十). Both cover 1..9999.

Owns: `parse_cn`, `to_cn`. Pure; our own 40 lines rather than a dependency (cn2an pulls in more than it
gives for article numbers; tests/library/test_numerals.py checks both directions for 1..9999).
May import: nothing.
"""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NAMES = "零一二三四五六七八九"


def parse_cn(text: str) -> int | None:
    """The value of a Chinese numeral (or ASCII digits); None if `text` is not one."""
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(c not in _DIGITS and c not in _UNITS for c in text):
        return None
    total, digit, last_unit = 0, None, 10_000
    for c in text:
        if c in _DIGITS:
            if digit is not None and _DIGITS[c] != 0:
                return None  # two digits in a row (一二)
            digit = _DIGITS[c] if _DIGITS[c] != 0 else None
            continue
        unit = _UNITS[c]
        if unit >= last_unit:
            return None  # 十百, 百百
        total += (1 if digit is None else digit) * unit
        digit, last_unit = None, unit
    return total + (digit or 0) or None


def to_cn(n: int) -> str:
    """The statutes' label of `n` (1..9999): 十, 十五, 二十, 一百零七, 一百一十, 一千零一."""
    if not 0 < n < 10_000:
        raise ValueError(f"article number out of range: {n}")
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            out += (
                ("零" if zero and out else "")
                + ("" if (name == "十" and d == 1 and not out) else _NAMES[d])
                + name
            )
            zero = False
        elif out:
            zero = True
    return out
