"""How the unified documents write dates, money and numbers (the template filters).

Owns: `cn_date` (二〇二六年十月十二日), `cn_money` (人民币20,000.00元, optionally with the amount in
capital figures, 大写), `cn_upper_money` (贰万元整), `cn_count` (十五) and `cn_year_date`.
Pure functions, registered as Jinja filters by engine.documents.render; no I/O.
May import: engine.errors, engine.dates.statutory_days (the provisional mark).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from engine.dates.statutory_days import PROVISIONAL_MARK
from engine.errors import BadInput


class ProvisionalDate(dt.date):
    """A due date counted through a year whose holiday notice is not yet published (docs/law.md P5).

    Templates compare and format it like any date; `cn_date` prints it with its mark, so a document
    cannot state a provisional date as if it were certain.

    >>> cn_date(ProvisionalDate(2027, 1, 18))
    '二〇二七年一月十八日（暂定，以国务院公布的节假日安排为准）'
    """

    provisional = True

    @classmethod
    def of(cls, day: dt.date) -> ProvisionalDate:
        return cls(day.year, day.month, day.day)


_YEAR_DIGITS = "〇一二三四五六七八九"
_SMALL = "零一二三四五六七八九"
_UPPER = "零壹贰叁肆伍陆柒捌玖"
_UPPER_UNITS = ("", "拾", "佰", "仟")
_UPPER_GROUPS = ("", "万", "亿", "万亿")
_CENT = Decimal("0.01")


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise BadInput(f"'{value}' 不是日期 (not a date): write it as YYYY-MM-DD, e.g. 2026-10-12")


def cn_count(n: int) -> str:
    """A whole number from 0 to 99 in Chinese numerals, as in dates and article numbers.

    >>> [cn_count(n) for n in (0, 5, 10, 12, 20, 31, 45)]
    ['零', '五', '十', '十二', '二十', '三十一', '四十五']
    """
    if not 0 <= n <= 99:
        raise BadInput(f"{n} is outside 0..99 (cn_count writes day and month numbers)")
    if n < 10:
        return _SMALL[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _SMALL[tens]
    return head + "十" + ("" if ones == 0 else _SMALL[ones])


#: What a date the case does not have yet prints as: a blank to fill in by hand, as on a paper form.
BLANK_DATE = "\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日"


def cn_date(value: Any) -> str:
    """A date the way official documents write it (a blank form date when there is none).

    >>> cn_date(dt.date(2026, 10, 12))
    '二〇二六年十月十二日'
    >>> cn_date("2025-01-31")
    '二〇二五年一月三十一日'
    >>> cn_date(dt.date(2030, 12, 20))
    '二〇三〇年十二月二十日'
    >>> cn_date(None) == BLANK_DATE
    True
    """
    if value is None or value == "":
        return BLANK_DATE
    day = _as_date(value)
    year = "".join(_YEAR_DIGITS[int(c)] for c in f"{day.year:04d}")
    mark = PROVISIONAL_MARK if isinstance(value, ProvisionalDate) else ""
    return f"{year}年{cn_count(day.month)}月{cn_count(day.day)}日{mark}"


def as_money(value: Any) -> Decimal:
    """An amount of money to the cent, or BadInput saying it is none (documents print amounts with it)."""
    if isinstance(value, bool):
        raise BadInput(f"'{value}' 不是金额 (not an amount of money)")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise BadInput(f"'{value}' 不是金额 (not an amount of money): write digits, e.g. 20000.00") from None
    if not amount.is_finite():
        raise BadInput(f"'{value}' 不是金额 (not an amount of money)")
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def _upper_group(group: int) -> str:
    out: list[str] = []
    zero = False
    for pos in (3, 2, 1, 0):
        digit = group // 10**pos % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_UPPER[digit] + _UPPER_UNITS[pos])
    return "".join(out)


def _upper_int(n: int) -> str:
    if n == 0:
        return ""
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(_UPPER_GROUPS):
        raise BadInput("amount too large to write in capital figures")
    out = ""
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or group < 1000):
            out += "零"
        pending_zero = False
        out += _upper_group(group) + _UPPER_GROUPS[index]
    return out


def cn_upper_money(value: Any) -> str:
    """An amount in capital figures (大写), as on a receipt or in an award.

    >>> [cn_upper_money(v) for v in ("20000", "10500", "1010.5", "0.05", "100010000.06", "0")]
    ['贰万元整', '壹万零伍佰元整', '壹仟零壹拾元伍角', '伍分', '壹亿零壹万元零陆分', '零元整']
    """
    amount = as_money(value)
    if amount < 0:
        raise BadInput(f"'{value}': 金额不能为负 (an amount cannot be negative)")
    cents = int(amount * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    head = _upper_int(yuan)
    if not head and not rest:
        return "零元整"
    out = head + "元" if head else ""
    if not rest:
        return out + "整"
    if jiao:
        out += _UPPER[jiao] + "角"
    elif head:
        out += "零"
    if fen:
        out += _UPPER[fen] + "分"
    return out


def cn_money(value: Any, upper: bool = False) -> str:
    """An amount in yuan with thousands separators, optionally followed by its capital figures.

    >>> cn_money(20000)
    '人民币20,000.00元'
    >>> cn_money("1234.5", upper=True)
    '人民币1,234.50元（大写：壹仟贰佰叁拾肆元伍角）'
    """
    amount = as_money(value)
    text = f"人民币{amount:,.2f}元"
    if upper:
        text += f"（大写：{cn_upper_money(amount)}）"
    return text


def cn_gender(value: Any) -> str:
    """The gender as written in a party's particulars.

    >>> cn_gender("male"), cn_gender("女"), cn_gender("")
    ('男', '女', '')
    """
    if value is None or str(value).strip() == "":
        return ""
    table = {"male": "男", "m": "男", "男": "男", "female": "女", "f": "女", "女": "女"}
    key = str(value).strip().lower()
    if key not in table:
        raise BadInput(f"'{value}' 不是性别 (not a gender): write 男/女 or male/female")
    return table[key]
