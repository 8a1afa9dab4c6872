"""Reading a 《国务院办公厅关于YYYY年部分节假日安排的通知》 and checking it against the framework.

Owns: `parse_notice(text, year=None) -> Notice`, `Notice`, `Item`, `Check`, `NoticeError`,
`CHECKS` (the check names, in report order) and `lunar_text(date)`. The numbered items
(一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。) are read by the lark grammar
holiday_notice.lark, one item at a time (engine.dates.notice_items); the title, preamble and closing lines are prose and skipped
(the title gives the year, the document number 国办发明电〔YYYY〕N号 and the closing date go into
`Notice.source`). Full-width and half-width punctuation read the same.

Nothing is trusted before it is checked: every statutory day of the year (engine.dates.statutory_days) must
lie inside a range of an item naming its festival; make-up days (上班) must be Saturdays or Sundays
outside every range; 共N天 / 放假N天 must equal the range; the bracketed weekday and lunar date must
match the date; ranges must not overlap; items run 一、二、三… in order and each names a known festival.
Every finding is a `Check` naming the item (第二项（春节）/ item 2 (春节)); an unreadable item is a
`syntax` check naming the item and the line. Only input that cannot be read at all (over 64 KB, over
40 items, no year) raises `NoticeError`; nothing here raises a traceback for a mistake in the text.

Day names: each day of a range is named by the item's first festival, except a day that is the
statutory day of another festival the item names (国庆节、中秋节: 2025-10-06 is 中秋节).
Years: dates without a year are in the notice's year; in a 元旦 item a December date is in the year
before (12月30日至1月1日), in any other item a range whose end month is before its start month ends in
the year after.

Stage in the flow: 2 (calendar), before engine.dates.overlay_write adds the year to the overlay file.
May import: engine.errors, engine.dates.notice_items, engine.dates.statutory_days.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from engine.dates.notice_items import (
    EN_DAYS,
    FESTIVALS,
    ITEM,
    UNNUMBERED,
    WEEKDAYS,
    Check,
    Item,
    Ref,
    read_item,
    zh_number,
)
from engine.dates.notice_items import lunar_text as lunar_text  # re-exported
from engine.dates.statutory_days import YearOutsideFramework, statutory_days
from engine.errors import ZhongcaiError

__all__ = [
    "CHECKS",
    "MAX_BYTES",
    "MAX_ITEMS",
    "Check",
    "Item",
    "Notice",
    "NoticeError",
    "lunar_text",
    "parse_notice",
]
MAX_BYTES = 64 * 1024
MAX_ITEMS = 40
_CONTINUED = re.compile(r"^\s*(\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号].*(上班|放假)")
_TITLE = re.compile(r"关于\s*(\d{4})\s*年\s*部分节假日安排")
_DOCNO = re.compile(r"国办发明电\s*[〔\[［(（]\s*(\d{4})\s*[〕\]］)）]\s*(\d+)\s*号")
_DATE_LINE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
#: check name -> (zh, en) when it passes; the report lists them in this order
CHECKS = {
    "syntax": ("每一项均可读", "every item can be read"),
    "numbering": ("项目编号依次为一、二、三……", "items are numbered 一、二、三… in order"),
    "festival": ("每一项均为已知节日", "every item names a known festival"),
    "date": ("所有日期均存在", "every date exists"),
    "range": ("每段假期起止有序且不超过31天", "every range ends after it starts, within 31 days"),
    "weekday": ("括注的星期与日期相符", "the weekdays in brackets match the dates"),
    "lunar": ("括注的农历日期与日期相符", "the lunar dates in brackets match the dates"),
    "total": ("写明的天数与假期相符", "the stated numbers of days match the ranges"),
    "overlap": ("各段假期互不重叠", "no two ranges overlap"),
    "statutory": ("每个法定节假日均在其节日的假期内", "every statutory day lies in its festival's range"),
    "workday_weekend": ("调休上班日均为周六或周日", "every make-up working day is a Saturday or Sunday"),
    "workday_outside": ("调休上班日均不在假期内", "no make-up working day lies inside a range"),
}


class NoticeError(ZhongcaiError, ValueError):
    """The text cannot be read as a notice at all (too large, too many items, no year)."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh} ({en})")

    @classmethod
    def too_large(cls, size: int) -> NoticeError:
        return cls(
            f"通知文本过大：{size:,} 字节，上限 {MAX_BYTES:,} 字节",
            f"the notice is {size:,} bytes, at most {MAX_BYTES:,}",
        )


@dataclass(frozen=True, slots=True)
class Notice:
    year: int
    title: str | None
    document: str | None  # 国办发明电〔2025〕7号
    issued: dt.date | None
    holidays: dict[dt.date, str]
    workdays: list[dt.date]
    items: list[Item]
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def source(self) -> str:
        """The `source:` line of the overlay block: title（document number，date）."""
        title = (
            self.title or f"国务院办公厅关于{self.year}年部分节假日安排的通知（所导入文本无标题 (no title)）"
        )
        extra = "，".join(x for x in (self.document, self.issued.isoformat() if self.issued else None) if x)
        return f"{title}（{extra}）" if extra else title

    def to_json(self) -> dict[str, object]:
        return {
            "year": self.year,
            "holidays": {d.isoformat(): n for d, n in sorted(self.holidays.items())},
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
            "checks": [c.to_json() for c in self.checks],
        }


def parse_notice(text: str, year: int | None = None) -> Notice:
    """Read a notice and check it. Raises `NoticeError` only when the text cannot be read at all."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise NoticeError.too_large(size)
    titled = _TITLE.search(text)
    if titled and year is not None and int(titled.group(1)) != year:
        raise NoticeError(f"标题为{titled.group(1)}年，但指定的年份为{year}年",
                          f"the title says {titled.group(1)} but the year given is {year}")  # fmt: skip
    if titled is None and year is None:
        raise NoticeError("标题中没有年份（“关于YYYY年部分节假日安排”），请用 --year 指定年份",
                          "no year in the title ('关于YYYY年部分节假日安排'): give the year with --year")  # fmt: skip
    the_year = int(titled.group(1)) if titled else int(year or 0)
    lines = text.splitlines()
    chunks: list[tuple[int, str]] = []  # (line number, item text)
    for no, line in enumerate(lines, 1):
        if ITEM.match(line) or UNNUMBERED.match(line):
            chunks.append((no, line.strip()))
        elif chunks and _CONTINUED.match(line) and lines[no - 2].strip():  # an item broken over lines
            chunks[-1] = (chunks[-1][0], chunks[-1][1] + line.strip())
    if len(chunks) > MAX_ITEMS:
        raise NoticeError(f"通知有 {len(chunks)} 项，上限 {MAX_ITEMS} 项",
                          f"the notice has {len(chunks)} items, at most {MAX_ITEMS}")  # fmt: skip
    if not chunks:
        raise NoticeError("没有找到编号的项目（如“一、元旦：1月1日放假1天。”）",
                          "no numbered items found (e.g. '一、元旦：1月1日放假1天。')")  # fmt: skip
    reader = _Reader(the_year)
    for no, chunk in chunks:
        ref, item = read_item(the_year, no, chunk, reader.fail)
        reader.refs.append(ref)
        if item is not None:
            reader.items.append((ref, item))
    title = next((ln.strip() for ln in lines if _TITLE.search(ln)), None)
    docno = _DOCNO.search(text)
    issued = None
    for ln in lines:
        m = _DATE_LINE.match(ln)
        if m:
            try:
                issued = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
    document = f"国办发明电〔{docno.group(1)}〕{docno.group(2)}号" if docno else None
    return reader.finish(title, document, issued)


class _Reader:
    def __init__(self, year: int) -> None:
        self.year = year
        self.items: list[tuple[Ref, Item]] = []
        self.fails: list[Check] = []
        self.refs: list[Ref] = []

    def fail(self, name: str, ref: Ref | None, zh: str, en: str) -> None:
        if ref is None:
            self.fails.append(Check(name, False, None, zh, en))
        else:
            self.fails.append(Check(name, False, ref.number, f"{ref.zh}：{zh}", f"{ref.en}: {en}", ref.line))

    def finish(self, title: str | None, document: str | None, issued: dt.date | None) -> Notice:
        items = [it for _, it in self.items]
        self._numbering()
        self._coverage()
        holidays: dict[dt.date, str] = {}
        for it in items:
            for day in it.days:
                holidays.setdefault(day, _day_name(it.names, day))
        workdays = sorted({d for it in items for d in it.workdays})
        failed = {c.name for c in self.fails}
        oks = [Check(name, True, None, zh, en) for name, (zh, en) in CHECKS.items() if name not in failed]
        order = list(CHECKS)
        checks = sorted(self.fails + oks, key=lambda c: (order.index(c.name), c.line or 0))
        return Notice(self.year, title, document, issued, holidays, workdays, items, checks)

    def _numbering(self) -> None:
        for want, ref in enumerate(self.refs, 1):
            if ref.number is None:
                self.fail("numbering", ref, f"缺少编号，应为“{zh_number(want)}、”",
                          f"has no number, expected '{zh_number(want)}、'")  # fmt: skip
            elif ref.number != want:
                self.fail("numbering", ref, f"编号应为“{zh_number(want)}”（项目须依次编号）",
                          f"should be number {want} (items run 一、二、三… in order)")  # fmt: skip

    def _coverage(self) -> None:
        try:
            law = statutory_days(self.year)
        except YearOutsideFramework as exc:
            self.fail("statutory", None, str(exc), f"{self.year} is outside the framework's years")
            return
        ranges = sorted(self.items, key=lambda ri: ri[1].first)
        for (ra, a), (rb, b) in zip(ranges, ranges[1:], strict=False):
            if b.first <= a.last:
                self.fail("overlap", rb, f"假期{_span(b)}与{ra.zh}的假期{_span(a)}重叠",
                          f"{b.first}..{b.last} overlaps {ra.en}'s {a.first}..{a.last}")  # fmt: skip
        for day, festival in law.items():
            inside = [(r, it) for r, it in self.items if it.first <= day <= it.last]
            if any(festival in {FESTIVALS.get(n) for n in it.names} for _, it in inside):
                continue
            owner = next(
                (r for r, it in self.items if festival in {FESTIVALS.get(n) for n in it.names}), None
            )
            where = f"在{inside[0][0].zh}的假期内" if inside else "不在任何假期内"
            where_en = f"inside {inside[0][0].en}" if inside else "in no range"
            self.fail("statutory", owner, f"法定节假日{day.month}月{day.day}日（{festival}）{where}",
                      f"the statutory day {day} ({festival}) is {where_en}")  # fmt: skip
        for ref, it in self.items:
            for day in it.workdays:
                if day.weekday() < 5:
                    self.fail("workday_weekend", ref, f"调休上班日{day.month}月{day.day}日是周{WEEKDAYS[day.weekday()]}，"
                              "调休上班只能在周六或周日", f"the make-up day {day} is a {EN_DAYS[day.weekday()]}, "
                              "not a Saturday or Sunday")  # fmt: skip
                hit = next((r for r, other in self.items if other.first <= day <= other.last), None)
                if hit is not None:
                    self.fail("workday_outside", ref, f"调休上班日{day.month}月{day.day}日在{hit.zh}的假期内",
                              f"the make-up day {day} lies inside {hit.en}'s range")  # fmt: skip


def _span(it: Item) -> str:
    return f"{it.first.month}月{it.first.day}日至{it.last.month}月{it.last.day}日"


def _day_name(names: tuple[str, ...], day: dt.date) -> str:
    try:
        statutory = statutory_days(day.year).get(day)
    except YearOutsideFramework:
        statutory = None
    return next((n for n in names if statutory and FESTIVALS.get(n) == statutory), names[0])
