"""Text as people send it, made safe to store, hash and print: one normal form and a length budget.

Owns: `clean_text` (NFC normal form, CRLF to LF, and a refusal naming the field for a NUL byte, a lone
surrogate, any other control character but newline and tab, or text over its length budget),
`DEFAULT_TEXT_LENGTH`, `STORABLE_TEXT_PATTERN` (what it accepts, as a JSON Schema pattern), and
`plain_digits` (full-width and other Unicode digits and letters of an identifier folded to ASCII, NFKC).
Stage in the flow: 6 (run), at the facts boundary (engine.cases.facts).
May import: engine.errors.
"""

from __future__ import annotations

import re
import unicodedata

from engine.errors import BadInput

#: the longest text fact, in characters, unless the procedure says `max_length:` for the fact
DEFAULT_TEXT_LENGTH = 2_000
#: what a text may not hold: C0 and C1 control characters but newline and tab, and lone surrogates
_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
#: the same rule as a JSON Schema `pattern` (ECMA 262 and Python alike), for the OpenAPI schema: no control
#: character but tab, newline and carriage return (CR becomes LF). Lone surrogates are not in it: they are
#: not Unicode scalar values, so no schema-valid string holds one (and regex engines such as Rust's refuse
#: them in a pattern); `clean_text` refuses them all the same
STORABLE_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def first_unstorable(text: str) -> tuple[int, str] | None:
    """The first character of `text` that cannot be stored (its index, and what it is), or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        return found.start(), f"孤立的代理码位 U+{code:04X} (a lone surrogate U+{code:04X}: not a character)"
    if code == 0:
        return found.start(), "空字符 NUL (a NUL byte)"
    return found.start(), f"控制字符 U+{code:04X} (the control character U+{code:04X})"


def clean_text(value: str, *, field: str, title: str | None = None, limit: int = DEFAULT_TEXT_LENGTH) -> str:
    """`value` in NFC with CRLF as LF; BadInput naming `field` when it holds a character that cannot be
    stored or is longer than `limit` characters.

    >>> clean_text("Cafe\\u0301\\r\\n一楼", field="address")
    'Café\\n一楼'
    >>> clean_text("a\\x00b", field="name")
    Traceback (most recent call last):
    engine.errors.BadInput: 'name' 第2个字符是空字符 NUL，不能保存；请删去后重新提交 (field 'name': character 2 is a NUL byte, which cannot be stored; remove it and send again)
    """
    named = f"'{field}'（{title}）" if title else f"'{field}'"
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    found = first_unstorable(value)
    if found is not None:
        at, what = found
        zh, _, en = what.partition(" (")
        raise BadInput(
            f"{named} 第{at + 1}个字符是{zh}，不能保存；请删去后重新提交 "
            f"(field '{field}': character {at + 1} is {en.rstrip(')')}, which cannot be stored; "
            "remove it and send again)",
            field=field,
        )
    text = unicodedata.normalize("NFC", value)
    if len(text) > limit:
        raise BadInput(
            f"{named} 过长：{len(text):,} 个字符，最多 {limit:,} 个 "
            f"(field '{field}' is too long: {len(text):,} characters, at most {limit:,})",
            field=field,
        )
    return text


def plain_digits(value: str) -> str:
    """An identifier with full-width (and other compatibility) digits and letters folded to ASCII.

    >>> plain_digits("1101051949123100２X")
    '11010519491231002X'
    """
    return unicodedata.normalize("NFKC", value)
