"""One numbered item of a holiday notice: the lark grammar, and the tree turned into dates.

Owns: `read_item(year, line, text, fail) -> (Ref, Item | None)`, `Item`, `Check`, `Ref`, `FESTIVALS`,
`lunar_text(date)`, `zh_number(n)`. The grammar is engine/dates/holiday_notice.lark (LALR, contextual lexer,
full-width and half-width punctuation alike), built once per process. A finding about one item (an
unreadable item, a date that does not exist, a weekday or lunar date in brackets that does not match,
a range backwards or over 31 days, a stated 共N天 that is not the range's length, an unknown festival)
is handed to `fail(check_name, ref, zh, en)`; the checks across items are engine.dates.holiday_notice's.
Stage in the flow: 2 (calendar), called by engine.dates.holiday_notice for each item line.
May import: lark, lunardate, engine.errors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lunardate import LunarDate

_GRAMMAR = Path(__file__).with_name("holiday_notice.lark")

_NUM = "一二三四五六七八九十"
ITEM = re.compile(rf"^\s*([{_NUM}]+)\s*[、,，.．]\s*([^：:]*)")
UNNUMBERED = re.compile(r"^\s*([^\W\d_]+(?:\s*[、,，]\s*[^\W\d_]+)*)\s*[：:]\s*(\d{4}\s*年\s*)?\d{1,2}\s*月")
#: festival names as written -> the statutory name (engine.dates.statutory_days)
FESTIVALS = {"元旦": "元旦", "春节": "春节", "清明节": "清明", "清明": "清明", "劳动节": "劳动节",
             "五一劳动节": "劳动节", "端午节": "端午", "端午": "端午", "中秋节": "中秋", "中秋": "中秋",
             "国庆节": "国庆", "国庆": "国庆"}  # fmt: skip
WEEKDAYS = "一二三四五六日"
EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LUNAR_MONTHS = {"正": 1, "冬": 11, "腊": 12, "十一": 11, "十二": 12} | {c: i + 1 for i, c in enumerate(_NUM)}
_LUNAR_DAYS = ["初" + c for c in _NUM] + ["十" + c for c in _NUM[:9]] + ["二十"]
_LUNAR_DAYS += ["廿" + c for c in _NUM[:9]] + ["三十"]
_SHOW = {"INDEX": "编号 (number)", "NAME": "节日名称 (festival name)", "INT": "数字 (a number)",
         "_ISEP": "、", "_COMMA": "、/，", "_COLON": "：", "_DOT": "。", "_LP": "（", "_RP": "）",
         "_ZHI": "至", "_NIAN": "年", "_YUE": "月", "_RI": "日", "_TIAN": "天", "_GONG": "共",
         "_FANGJIA": "放假", "TIAOXIU": "调休", "BUTIAOXIU": "不调休", "LIANXIU": "与周末连休",
         "_SHANGBAN": "上班", "WEEKDAY": "周一…周日", "_NONGLI": "农历", "CHUXI": "除夕",
         "LMONTH": "农历月份 (lunar month)", "LDAY": "农历日 (lunar day)", "$END": "行尾 (end of line)"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    item: int | None  # the item's number (一 = 1); None for the whole notice or an unnumbered item
    zh: str
    en: str
    line: int | None = None

    @property
    def message(self) -> str:
        return f"{self.zh} ({self.en})"

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ok": self.ok,
            "item": self.item,
            "line": self.line,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Item:
    """One numbered item as read: its festival names, days off, stated total and make-up days."""

    number: int | None
    names: tuple[str, ...]
    first: dt.date
    last: dt.date
    total: int | None  # 共N天 or 放假N天; None when the item states no number
    workdays: tuple[dt.date, ...]
    line: int
    source: str

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def lunar_text(d: dt.date) -> str:
    """The lunar date as a notice writes it: 农历除夕, 农历正月初七, 农历八月十五."""
    if _is_eve(d):
        return "农历除夕"
    month, day, leap = _lunar(d)
    name = {1: "正", 11: "冬", 12: "腊"}.get(month) or _NUM[month - 1]
    return f"农历{'闰' if leap else ''}{name}月{_LUNAR_DAYS[day - 1].replace('廿', '二十')}"


def _lunar(d: dt.date) -> tuple[int, int, bool]:
    ld = LunarDate.fromSolarDate(d.year, d.month, d.day)
    return ld.month, ld.day, bool(ld.isLeapMonth)


def _is_eve(d: dt.date) -> bool:
    """除夕: the last day of the twelfth lunar month (the next day is 正月初一)."""
    return _lunar(d + dt.timedelta(days=1)) == (1, 1, False)


def zh_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一 (item numbers)."""
    tens = (_NUM[n // 10 - 1] if n >= 20 else "") + "十" if n >= 10 else ""
    return tens + (_NUM[n % 10 - 1] if n % 10 else "")


NUMERALS = {zh_number(n): n for n in range(1, 100)}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual", start="item",
                maybe_placeholders=True, cache=True)  # fmt: skip


@dataclass(slots=True)
class Ref:
    """Who an item is in messages: 第二项（春节） / item 2 (春节)."""

    number: int | None
    name: str
    line: int

    @property
    def zh(self) -> str:
        head = f"第{zh_number(self.number)}项" if self.number else f"第{self.line}行未编号的一项"
        return f"{head}（{self.name}）" if self.name else head

    @property
    def en(self) -> str:
        head = f"item {self.number}" if self.number else f"the unnumbered item on line {self.line}"
        return f"{head} ({self.name})" if self.name else head


Fail = Callable[[str, "Ref | None", str, str], None]


def read_item(year: int, line: int, text: str, fail: Fail) -> tuple[Ref, Item | None]:
    """Read one item (its text from `line` of the notice); None when it cannot become dates."""
    head = ITEM.match(text)
    if head:
        number, name = NUMERALS.get(head.group(1), 0), re.split(r"[：:]", head.group(2))[0].strip()
    else:
        unnumbered = UNNUMBERED.match(text)
        number, name = None, unnumbered.group(1) if unnumbered else ""
    ref = Ref(number or None, name, line)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        fail("syntax", ref, *_syntax(exc, text, line))
        return ref, None
    except LarkError as exc:  # pragma: no cover - lark's other errors (none expected for one line)
        fail("syntax", ref, f"第{line}行无法解析：{exc}", f"line {line} cannot be read: {exc}")
        return ref, None
    return ref, _Builder(year, fail, ref, line, text).build(tree)


def _syntax(exc: UnexpectedInput, text: str, line: int) -> tuple[str, str]:
    col = exc.column if isinstance(exc.column, int) and exc.column > 0 else len(text) + 1
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        col = len(text) + 1
    expected: set[str] = set()
    if isinstance(exc, UnexpectedToken):
        expected = set(exc.expected)
    elif isinstance(exc, UnexpectedCharacters):
        expected = set(exc.allowed or ())
    shown = sorted({_SHOW.get(t, t) for t in expected})[:6]
    at = text[col - 1 : col + 7] or "行尾"
    want = "、".join(f"“{s}”" for s in shown) or "其他内容"
    return (f"第{line}行第{col}字“{at}”处无法解析，此处应为 {want}",
            f"line {line}, column {col}: cannot read '{at}', expected {' or '.join(shown) or 'something else'}")  # fmt: skip


class _Builder:
    """Tree of one item -> `Item`, recording weekday, lunar, date, range and total findings."""

    def __init__(self, year: int, fail: Fail, ref: Ref, line: int, text: str) -> None:
        self.year, self._fail, self.ref, self.line, self.text = year, fail, ref, line, text

    def fail(self, name: str, zh: str, en: str) -> None:
        self._fail(name, self.ref, zh, en)

    def build(self, tree: Tree[Token]) -> Item | None:
        _index, names_t, off, work = tree.children
        assert isinstance(names_t, Tree) and isinstance(off, Tree)
        names = tuple(str(t) for t in names_t.children)
        self.ref.name = "、".join(names)
        unknown = [n for n in names if n not in FESTIVALS]
        if unknown:
            self.fail("festival", f"“{'、'.join(unknown)}”不是已知节日（应为元旦、春节、清明节、劳动节、端午节、中秋节、国庆节）",
                      f"'{'、'.join(unknown)}' is not a known festival")  # fmt: skip
        self.new_year = "元旦" in names
        rng, _swap, count, *extras = off.children
        assert isinstance(rng, Tree)
        dates = [c for c in rng.children if isinstance(c, Tree)]
        first = self.date(dates[0], None)
        last = self.date(dates[1], first) if len(dates) > 1 and first is not None else first
        totals = [
            int(str(c.children[0]))
            for c in [count, *extras]
            if isinstance(c, Tree) and c.data in ("count", "total")
        ]
        workdays: list[dt.date] = []
        if isinstance(work, Tree):
            for d in work.children:
                assert isinstance(d, Tree)
                day = self.date(d, None)
                if day is not None:
                    workdays.append(day)
        if first is None or last is None:
            return None
        length = (last - first).days + 1
        if not 1 <= length <= 31:
            self.fail("range", f"假期{first}至{last}" + ("结束早于开始" if length < 1 else f"长达{length}天"),
                      f"the range {first}..{last} " + ("ends before it starts" if length < 1 else f"is {length} days long"))  # fmt: skip
            return None
        for n in totals:
            if n != length:
                self.fail("total", f"写明共{n}天，但{first.month}月{first.day}日至{last.month}月{last.day}日是{length}天",
                          f"states {n} days, but {first}..{last} is {length} days")  # fmt: skip
        stated = totals[0] if totals else None
        return Item(self.ref.number, names, first, last, stated, tuple(workdays), self.line, self.text)

    def date(self, node: Tree[Token], start: dt.date | None) -> dt.date | None:
        year_t, month_t, day_t, note = node.children
        written = "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))
        if start is None and month_t is None:
            self.fail("syntax", f"“{written}”缺少月份", f"'{written}' has no month")
            return None
        month = int(str(month_t.children[0])) if isinstance(month_t, Tree) else start.month if start else 1
        day = int(str(day_t))
        if isinstance(year_t, Tree):
            year = int(str(year_t.children[0]))
        elif start is not None:
            year = start.year + (month < start.month)
        else:
            year = self.year - (self.new_year and month == 12)
        try:
            d = dt.date(year, month, day)
        except ValueError:
            self.fail("date", f"{month}月{day}日不存在", f"{year}-{month:02d}-{day:02d} does not exist")
            return None
        if isinstance(note, Tree):
            for part in note.children:
                if isinstance(part, Token) and part.type == "WEEKDAY":
                    self.weekday(d, str(part))
                elif isinstance(part, Tree):
                    self.lunar(d, part)
        return d

    def weekday(self, d: dt.date, written: str) -> None:
        want = "日" if written[-1] == "天" else written[-1]
        if WEEKDAYS.index(want) != d.weekday():
            self.fail("weekday", f"{d.month}月{d.day}日标为{written}，实为周{WEEKDAYS[d.weekday()]}",
                      f"{d} is a {EN_DAYS[d.weekday()]}, not a {EN_DAYS[WEEKDAYS.index(want)]}")  # fmt: skip

    def lunar(self, d: dt.date, node: Tree[Token]) -> None:
        parts = [str(t) for t in node.children if isinstance(t, Token)]
        written = "农历" + "".join(parts)
        month, day, leap = _lunar(d)
        if parts == ["除夕"]:
            ok = _is_eve(d)
        else:
            lm = parts[0].removeprefix("闰").removesuffix("月")
            ok = (_LUNAR_MONTHS[lm], _LUNAR_DAYS.index(parts[1].replace("二十", "廿") if len(parts[1]) == 3
                  else parts[1]) + 1, parts[0].startswith("闰")) == (month, day, leap)  # fmt: skip
        if not ok:
            self.fail("lunar", f"{d.month}月{d.day}日标为{written}，实为{lunar_text(d)}",
                      f"{d} is {lunar_text(d)} in the lunar calendar, not {written}")  # fmt: skip
