"""engine.dates.holiday_notice, engine.dates.overlay_write and `zhongcai calendar import`: a State Council holiday
notice read by its grammar, checked against the statutory days, and added to an overlay file."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import chinese_calendar as cc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from engine.dates.calendar import load_calendar, overlay_path_for
from engine.dates.holiday_notice import MAX_BYTES, Notice, NoticeError, lunar_text, parse_notice
from engine.dates.overlay_write import OverlayWriteError, add_year
from engine.dates.statutory_days import statutory_days
from tests.paths import ROOT

D = dt.date.fromisoformat
NOTICES = ROOT / "tests" / "data" / "notices"
TEXT_2026 = (NOTICES / "2026.txt").read_text(encoding="utf-8")
runner = CliRunner()
_HALF = str.maketrans({"：": ":", "（": "(", "）": ")", "、": ",", "，": ",", "。": "."})


def read(name: str, year: int | None = None) -> Notice:
    return parse_notice((NOTICES / name).read_text(encoding="utf-8"), year)


def failures(notice: Notice) -> list[str]:
    return [c.message for c in notice.checks if not c.ok]


# ---------------------------------------------------------------- the published notices


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_published_notice_equals_chinesecalendar(year: int) -> None:
    notice = read(f"{year}.txt")
    assert notice.year == year and notice.ok, failures(notice)
    lib_off = {d for d in cc.holidays if d.year == year}
    lib_work = sorted(d for d in cc.workdays if d.year == year)
    assert set(notice.holidays) == lib_off
    assert all(not cc.is_workday(d) for d in notice.holidays)
    assert notice.workdays == lib_work
    assert notice.document == {2025: "国办发明电〔2024〕12号", 2026: "国办发明电〔2025〕7号"}[year]
    assert notice.source.startswith(f"国务院办公厅关于{year}年部分节假日安排的通知（国办发明电")


def test_combined_item_names_the_statutory_day_by_its_own_festival() -> None:
    notice = read("2025.txt")
    assert notice.holidays[D("2025-10-06")] == "中秋节"  # 农历八月十五 in the 国庆节、中秋节 item
    assert notice.holidays[D("2025-10-05")] == "国庆节"
    assert notice.holidays[D("2025-01-28")] == "春节"  # 农历除夕
    assert [(it.number, it.names, it.total) for it in notice.items][5] == (6, ("国庆节", "中秋节"), 8)


def test_made_up_2027_notice_passes_every_check() -> None:
    text = (NOTICES / "2027_madeup.txt").read_text(encoding="utf-8")
    assert "made up for tests" in text.splitlines()[0] and "NOT the official schedule" in text.splitlines()[0]
    notice = parse_notice(text)
    assert notice.ok, failures(notice)
    assert set(statutory_days(2027)) <= set(notice.holidays)


def test_the_repository_overlay_has_no_2027_schedule() -> None:
    overlay = overlay_path_for("cn").read_text(encoding="utf-8")
    assert not any(line.startswith("national:") for line in overlay.splitlines())


def test_half_width_punctuation_reads_the_same() -> None:
    full = parse_notice(TEXT_2026)
    half = parse_notice(TEXT_2026.translate(_HALF).replace(".", ". ").replace(",", " , "))
    assert half.ok, failures(half)
    assert (half.holidays, half.workdays) == (full.holidays, full.workdays)


def test_cross_month_range_weekday_forms_and_with_weekend() -> None:
    text = TEXT_2026.replace(
        "四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。",
        "四、劳动节：4月30日（星期四）至5月5日（礼拜二）放假调休，共6天。5月9日（周六）上班。",
    ).replace(
        "五、端午节：6月19日（周五）至21日（周日）放假，共3天。",
        "五、端午节：6月19日（周五）放假，与周末连休。",
    )
    notice = parse_notice(text)
    assert notice.ok, failures(notice)
    assert D("2026-04-30") in notice.holidays and D("2026-05-05") in notice.holidays
    assert D("2026-06-20") not in notice.holidays  # 与周末连休: the weekend is off anyway, not listed


CROSS_YEAR = (
    "国务院办公厅关于2029年部分节假日安排的通知\n一、元旦：12月30日（周六）至1月1日（周一）放假，共3天。\n"
)


def test_cross_year_range_starts_in_the_year_before() -> None:
    notice = parse_notice(CROSS_YEAR)
    assert notice.items[0].first == D("2028-12-30") and notice.items[0].last == D("2029-01-01")
    assert {D("2028-12-30"), D("2028-12-31"), D("2029-01-01")} <= set(notice.holidays)
    assert [c.name for c in notice.checks if not c.ok] == ["statutory"] * 12  # only 元旦 is given


def test_a_range_over_new_year_outside_a_new_year_item_ends_in_the_year_after() -> None:
    notice = parse_notice("关于2030年部分节假日安排\n一、国庆节：12月31日至1月2日放假，共3天。", None)
    assert (notice.items[0].first, notice.items[0].last) == (D("2030-12-31"), D("2031-01-02"))


# ---------------------------------------------------------------- refusals


def sub(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def swap_lines(a: str, b: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = text.splitlines()
        i = next(n for n, ln in enumerate(lines) if ln.startswith(a))
        j = next(n for n, ln in enumerate(lines) if ln.startswith(b))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)

    return edit


CORRUPT: list[tuple[str, Callable[[str], str], str]] = [
    ("wrong weekday", sub("2月14日（周六）", "2月14日（周五）"), "第二项（春节）：2月14日标为周五，实为周六"),
    ("wrong weekday 星期", sub("1月1日（周四）", "1月1日（星期五）"), "第一项（元旦）：1月1日标为星期五，实为周四"),
    ("make-up on a Wednesday", sub("5月9日（周六）上班", "5月6日（周三）上班"), "第四项（劳动节）：调休上班日5月6日是周三"),
    ("make-up on a weekday", sub("9月20日（周日）", "9月22日（周二）"), "第七项（国庆节）：调休上班日9月22日是周二"),
    ("共8天 for 7 days", sub("共7天", "共8天"), "第七项（国庆节）：写明共8天，但10月1日至10月7日是7天"),
    ("放假2天 for 1 day", sub("4月4日（周六）至6日（周一）放假，共3天", "4月4日（周六）放假2天"), "第三项（清明节）：写明共2天"),
    ("statutory day outside", sub("9月25日（周五）至27日（周日）放假，共3天", "9月26日（周六）至27日（周日）放假，共2天"),
     "第六项（中秋节）：法定节假日9月25日（中秋）不在任何假期内"),  # fmt: skip
    ("wrong lunar date", sub("农历正月初七", "农历正月初八"), "第二项（春节）：2月23日标为农历正月初八，实为农历正月初七"),
    ("wrong 除夕", sub("农历腊月二十八", "农历除夕"), "第二项（春节）：2月15日标为农历除夕，实为农历腊月二十八"),
    ("garbled bracket", sub("二十八、周日）至", "二十八、周日至"), "第二项（春节）：第7行第"),
    ("missing 至 date", sub("至23日（农历正月初七、周一）", "至（农历正月初七、周一）"), "第二项（春节）：第7行"),
    ("missing colon", sub("二、春节：", "二、春节 "), "第二项（春节"),
    ("missing item number", sub("二、春节：", "春节："), "第7行未编号的一项（春节）：缺少编号，应为“二、”"),
    ("items out of order", swap_lines("三、", "四、"), "第四项（劳动节）：编号应为“三”"),
    ("unknown festival", sub("五、端午节", "五、端五节"), "第五项（端五节）：“端五节”不是已知节日"),
    ("overlapping ranges", sub("9月25日（周五）至27日（周日）放假，共3天", "9月25日（周五）至10月1日（周四）放假，共7天"),
     "第七项（国庆节）：假期10月1日至10月7日与第六项（中秋节）的假期9月25日至10月1日重叠"),  # fmt: skip
    ("make-up inside a range", sub("5月9日（周六）上班", "5月2日（周六）上班"), "第四项（劳动节）：调休上班日5月2日在第四项（劳动节）的假期内"),
    ("2月30日", sub("2月28日（周六）上班", "2月30日（周六）上班"), "第二项（春节）：2月30日不存在"),
    ("range backwards", sub("10月1日（周四）至7日（周三）", "10月7日（周三）至1日（周四）"), "第七项（国庆节）：假期2026-10-07至2026-10-01结束早于开始"),
    ("item missing entirely", sub("五、端午节：6月19日（周五）至21日（周日）放假，共3天。\n", ""), "法定节假日6月19日（端午）不在任何假期内"),
]  # fmt: skip
REFUSED: list[tuple[str, Callable[[str], str], str]] = [
    ("oversized input", lambda t: t + "节假日期间，各地区要妥善安排好值班工作。\n" * 2000, "上限 65,536 字节"),
    ("no year in the title", lambda t: t.replace("关于2026年部分节假日安排", "关于部分节假日安排"), "--year"),
    ("too many items", lambda t: t + "".join(f"八、元旦：{m}月1日放假1天。\n" for m in range(1, 13)) * 3, "上限 40 项"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "fragment"), [c[1:] for c in CORRUPT], ids=[c[0] for c in CORRUPT])
def test_a_corrupted_notice_fails_a_check_naming_the_item(edit: Callable[[str], str], fragment: str) -> None:
    notice = parse_notice(edit(TEXT_2026))
    assert not notice.ok
    assert any(fragment in m for m in failures(notice)), failures(notice)


@pytest.mark.parametrize(("edit", "fragment"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_unreadable_input_raises_a_clear_notice_error(edit: Callable[[str], str], fragment: str) -> None:
    with pytest.raises(NoticeError, match=fragment.replace("-", r"\-")):
        parse_notice(edit(TEXT_2026))


@pytest.mark.parametrize(
    ("edit", "fragment"), [c[1:] for c in CORRUPT + REFUSED], ids=[c[0] for c in CORRUPT + REFUSED]
)
def test_cli_refuses_a_corrupted_notice_and_writes_nothing(
    tmp_path: Path, edit: Callable[[str], str], fragment: str
) -> None:
    overlay = tmp_path / "cn.yaml"
    shutil.copy(overlay_path_for("cn"), overlay)
    before = overlay.read_bytes()
    notice = tmp_path / "notice.txt"
    notice.write_text(edit(TEXT_2026), encoding="utf-8")
    res = runner.invoke(app, ["calendar", "import", str(notice), "--write", "--overlay", str(overlay)])
    assert res.exit_code == 1, res.output
    assert fragment in res.output and "Traceback" not in res.output
    assert overlay.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cn.yaml", "notice.txt"]  # no temp file left


def test_the_year_can_be_given_when_the_title_has_none() -> None:
    text = TEXT_2026.replace("关于2026年部分节假日安排", "关于部分节假日安排")
    assert parse_notice(text, year=2026).ok
    with pytest.raises(NoticeError, match="2027"):
        parse_notice(TEXT_2026, year=2027)


# ---------------------------------------------------------------- the CLI and the overlay file


def test_cli_json_is_the_contract() -> None:
    res = runner.invoke(app, ["calendar", "import", str(NOTICES / "2026.txt"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert list(out) == ["year", "holidays", "workdays", "checks"] and out["year"] == 2026
    assert list(out["holidays"]) == sorted(out["holidays"]) and out["holidays"]["2026-02-17"] == "春节"
    assert out["workdays"] == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]
    assert all(c["ok"] for c in out["checks"]) and {c["name"] for c in out["checks"]} >= {
        "statutory",
        "lunar",
    }
    assert "春节" in res.stdout  # ensure_ascii=False


def test_cli_text_summary_and_usage_errors(tmp_path: Path) -> None:
    res = runner.invoke(app, ["calendar", "import", str(NOTICES / "2025.txt")])
    assert res.exit_code == 0, res.output
    assert "2025年：放假" in res.stdout and "国庆节、中秋节" in res.stdout and "✓ statutory" in res.stdout
    res = runner.invoke(app, ["calendar", "import", str(tmp_path / "missing.txt")])
    assert res.exit_code == 2 and "cannot read" in res.stderr
    bad = tmp_path / "gbk.txt"
    bad.write_bytes(TEXT_2026.encode("gbk"))
    res = runner.invoke(app, ["calendar", "import", str(bad)])
    assert res.exit_code == 2 and "UTF-8" in res.stderr and "Traceback" not in res.output


def test_cli_write_adds_the_year_and_a_second_write_is_refused(tmp_path: Path) -> None:
    overlay = tmp_path / "cn.yaml"
    shutil.copy(overlay_path_for("cn"), overlay)
    original = overlay.read_text(encoding="utf-8")
    args = ["calendar", "import", str(NOTICES / "2027_madeup.txt"), "--write", "--overlay", str(overlay)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "zhongcai calendar apply" in res.stdout and "春节: [2027-02-05..2027-02-12]" in res.stdout
    text = overlay.read_text(encoding="utf-8")
    assert text.startswith(original)  # every comment kept
    cal = load_calendar("cn", overlay_path=overlay)
    assert not cal.is_workday(D("2027-02-05")) and cal.day_note(D("2027-02-05")) == "春节"
    assert cal.is_workday(D("2027-02-20")) and cal.day_note(D("2027-02-20")) == "调休上班"
    assert not cal.is_workday(D("2027-10-07")) and cal.is_workday(D("2027-10-08"))
    assert cal.is_workday(D("2026-02-14"))  # the library years are untouched
    res = runner.invoke(app, args)
    assert res.exit_code == 1 and "already in 'national:'" in res.stderr and "delete" in res.stderr
    assert overlay.read_text(encoding="utf-8") == text


def test_json_write_keeps_stdout_pure_json(tmp_path: Path) -> None:
    overlay = tmp_path / "o.yaml"
    overlay.write_text("# my overlay\nnational: {}  # State Council years\n# the end\n", encoding="utf-8")
    res = runner.invoke(
        app,
        [
            "calendar",
            "import",
            str(NOTICES / "2027_madeup.txt"),
            "--json",
            "--write",
            "--overlay",
            str(overlay),
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["year"] == 2027 and "calendar apply" in res.stderr
    text = overlay.read_text(encoding="utf-8")
    assert text.startswith("# my overlay\nnational:  # State Council years\n  2027:\n")


def test_write_inserts_inside_an_existing_national_block(tmp_path: Path) -> None:
    overlay = tmp_path / "o.yaml"
    head = "national:\n    2025:\n        source: x\n        holidays: [2025-01-01]\n# regions follow\nregions: {}\n"
    overlay.write_text(head, encoding="utf-8")
    written = add_year(overlay, read("2027_madeup.txt"))
    text = overlay.read_text(encoding="utf-8")
    assert text.endswith("# regions follow\nregions: {}\n") and written.line == 5
    assert text.splitlines()[4] == "    2027:" and "\n        workdays: [2027-02-20" in text
    assert load_calendar("cn", overlay_path=overlay).day_note(D("2027-06-09")) == "端午节"


def test_days_of_the_year_before_must_already_be_holidays_there(tmp_path: Path) -> None:
    text = render(2029, schedule(2029, new_year_from=D("2028-12-30")))
    notice = parse_notice(text)
    assert notice.ok, failures(notice)
    overlay = tmp_path / "o.yaml"
    overlay.write_text("national: {}\n", encoding="utf-8")
    with pytest.raises(OverlayWriteError, match="2028-12-30"):
        add_year(overlay, notice)
    assert overlay.read_text(encoding="utf-8") == "national: {}\n"
    overlay.write_text(
        "national:\n  2028:\n    source: 测试（虚构）\n    holidays: {元旦: [2028-12-30..2028-12-31]}\n",
        encoding="utf-8",
    )
    written = add_year(overlay, notice)
    assert D("2028-12-30") not in written.holidays and D("2029-01-01") in written.holidays
    assert "元旦: [2029-01-01]" in written.text


# ---------------------------------------------------------------- properties

_FESTIVAL_NAMES = {"元旦": "元旦", "春节": "春节", "清明": "清明节", "劳动节": "劳动节", "端午": "端午节",
                   "中秋": "中秋节", "国庆": "国庆节"}  # fmt: skip
_ZH = "一二三四五六七八九十"
_WD = "一二三四五六日"


def schedule(
    year: int, widen: dict[str, tuple[int, int]] | None = None, new_year_from: dt.date | None = None
) -> list[tuple[list[str], dt.date, dt.date]]:
    """Items (names, first, last) around the statutory days, widened; 中秋/国庆 merged when they touch."""
    by: dict[str, list[dt.date]] = {}
    for d, name in statutory_days(year).items():
        by.setdefault(name, []).append(d)
    items = []
    for name, days in by.items():
        a, b = (widen or {}).get(name, (0, 0))
        items.append(
            ([_FESTIVAL_NAMES[name]], min(days) - dt.timedelta(days=a), max(days) + dt.timedelta(days=b))
        )
    if new_year_from is not None:
        items[0] = (["元旦"], new_year_from, items[0][2])
    items.sort(key=lambda it: it[1])
    merged: list[tuple[list[str], dt.date, dt.date]] = []
    for names, first, last in items:
        if merged and first <= merged[-1][2] + dt.timedelta(days=1):
            prev = merged[-1]
            both = sorted(prev[0] + names, key=lambda n: n != "国庆节")
            merged[-1] = (both, prev[1], max(prev[2], last))
        else:
            merged.append((names, first, last))
    return merged


def render(
    year: int,
    items: list[tuple[list[str], dt.date, dt.date]],
    workdays: dict[int, list[dt.date]] | None = None,
    style: int = 0,
) -> str:
    """A notice for the schedule; `style` picks weekday words, lunar notes, totals and punctuation."""

    def day(d: dt.date, first: dt.date | None) -> str:
        text = (
            f"{d.day}日"
            if first and (d.year, d.month) == (first.year, first.month)
            else f"{d.month}月{d.day}日"
        )
        notes = [lunar_text(d)] if style & 1 and d.month < 3 else []
        if style & 2:
            notes.append(("周" if style & 4 else "星期") + _WD[d.weekday()])
        return text + (f"（{'、'.join(notes)}）" if notes else "")

    lines = [
        f"国务院办公厅关于{year}年部分节假日安排的通知",
        "各省、自治区、直辖市人民政府：",
        "现将安排通知如下。",
    ]
    for i, (names, first, last) in enumerate(items):
        n = (last - first).days + 1
        span = day(first, None) + ("" if first == last else "至" + day(last, first))
        if n == 1 and style & 8:
            rest = "放假1天，不调休。"
        else:
            rest = (
                ("放假调休" if (workdays or {}).get(i) else "放假")
                + ("" if style & 16 else f"，共{n}天")
                + "。"
            )
        made_up = "、".join(day(w, None) for w in (workdays or {}).get(i, []))
        lines.append(f"{_ZH[i]}、{'、'.join(names)}：{span}{rest}" + (f"{made_up}上班。" if made_up else ""))
    lines.append("国务院办公厅\n2099年1月1日")
    text = "\n".join(lines) + "\n"
    return text.translate(_HALF) if style & 32 else text


@st.composite
def schedules(
    draw: st.DrawFn,
) -> tuple[int, list[tuple[list[str], dt.date, dt.date]], dict[int, list[dt.date]], int]:
    year = draw(st.integers(2025, 2099))
    widen = {n: (draw(st.integers(0, 2)), draw(st.integers(0, 3))) for n in _FESTIVAL_NAMES}
    items = schedule(year, widen)
    off = {f + dt.timedelta(days=k) for _, f, last in items for k in range((last - f).days + 1)}
    taken: set[dt.date] = set()
    workdays: dict[int, list[dt.date]] = {}
    for i, (_, first, last) in enumerate(items):
        near = [
            d
            for k in range(1, 15)
            for d in (first - dt.timedelta(days=k), last + dt.timedelta(days=k))
            if d.weekday() >= 5 and d not in off and d not in taken and d.year == year
        ]
        chosen = draw(st.lists(st.sampled_from(near), max_size=2, unique=True)) if near else []
        taken.update(chosen)
        workdays[i] = sorted(chosen)
    return year, items, workdays, draw(st.integers(0, 63))


@settings(max_examples=60, deadline=None)
@given(schedules())
def test_any_rendered_valid_schedule_reads_back_the_same(
    case: tuple[int, list[tuple[list[str], dt.date, dt.date]], dict[int, list[dt.date]], int],
) -> None:
    year, items, workdays, style = case
    notice = parse_notice(render(year, items, workdays, style))
    assert notice.ok, failures(notice)
    want = {f + dt.timedelta(days=k) for _, f, last in items for k in range((last - f).days + 1)}
    assert set(notice.holidays) == want
    assert notice.workdays == sorted(d for ds in workdays.values() for d in ds)
    assert [it.names for it in notice.items] == [tuple(names) for names, _, _ in items]


_ALPHABET = "一二三四五六七八九十、，,：:（）()至月日年放假调休共天上班周星期农历腊正初除夕0123456789 \n。.元旦春节国庆"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=200), st.integers(2025, 2099))
def test_random_text_never_raises_anything_but_notice_error(text: str, year: int) -> None:
    try:
        notice = parse_notice("关于2026年部分节假日安排\n" + text)
        json.dumps(notice.to_json(), ensure_ascii=False)
        notice = parse_notice(text, year=year)
    except NoticeError:
        pass


def test_input_size_limit_is_64_kb() -> None:
    assert MAX_BYTES == 65536
