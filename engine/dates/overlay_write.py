"""Adding one State Council year to a calendar overlay file, as text, keeping its comments.

Owns: `add_year(path, notice, calendar_id="cn") -> Written`, `block_text(notice)`, `Written`,
`OverlayWriteError`. The block goes under the top-level `national:` key (created at the end of the
file when absent) in the format engine.dates.overlay reads:

    national:
      2027:
        source: "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号，2026-11-04）"
        holidays:
          元旦: [2027-01-01..2027-01-03]
        workdays: [2027-02-20]

Only days of the notice's year are written. A day of another year (12月31日 of a 元旦 range that starts
the year before, or a make-up day there) must already be a holiday (a make-up day) in the calendar for
that year, else `OverlayWriteError`. A year the overlay already has is refused (edit or delete that
block by hand first). The new text is validated with engine.dates.overlay (and the calendar built
from it) BEFORE the file is replaced, atomically: a temporary file in the same directory, then
os.replace. The file is never left half-written.
Stage in the flow: 2 (calendar), after engine.dates.holiday_notice has read and checked a notice.
May import: engine.errors, engine.dates.calendar, engine.dates.overlay, engine.dates.holiday_notice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine.dates.calendar import load_calendar
from engine.dates.holiday_notice import Notice
from engine.dates.overlay import read_overlay
from engine.errors import CalendarError, ProcedureInvalid

_NATIONAL = re.compile(r"^national\s*:\s*(?P<rest>[^#]*?)\s*(?P<comment>#.*)?$")


class OverlayWriteError(CalendarError):
    """The year cannot be added to the overlay file (nothing was written)."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh} ({en})")


@dataclass(frozen=True, slots=True)
class Written:
    """What `add_year` added: the block's text, where it starts, and the days it declares."""

    path: Path
    year: int
    text: str
    line: int
    holidays: dict[dt.date, str]
    workdays: list[dt.date]


def _runs(days: list[dt.date]) -> list[str]:
    """Sorted days -> ["2027-01-01..2027-01-03", "2027-02-20"] (consecutive days as one range)."""
    out: list[list[dt.date]] = []
    for d in sorted(days):
        if out and (d - out[-1][1]).days == 1:
            out[-1][1] = d
        else:
            out.append([d, d])
    return [f"{a}" if a == b else f"{a}..{b}" for a, b in out]


def block_text(notice: Notice, indent: str = "  ") -> str:
    """The year block for `notice` (only days of its year), indented under `national:`."""
    year = notice.year
    by_name: dict[str, list[dt.date]] = {}
    for d, name in sorted(notice.holidays.items()):
        if d.year == year:
            by_name.setdefault(name, []).append(d)
    inner, deeper = indent * 2, indent * 3
    lines = [f"{indent}{year}:", f"{inner}source: {json.dumps(notice.source, ensure_ascii=False)}"]
    lines.append(f"{inner}holidays:")
    lines += [f"{deeper}{name}: [{', '.join(_runs(days))}]" for name, days in by_name.items()]
    workdays = [d for d in notice.workdays if d.year == year]
    lines.append(f"{inner}workdays: [{', '.join(d.isoformat() for d in sorted(workdays))}]")
    return "\n".join(lines) + "\n"


def _insert(text: str, notice: Notice) -> tuple[str, str, int]:
    """The file's text with the year's block at the end of `national:` (created if absent), the block
    (indented like the years already there) and the line it starts on."""
    block = block_text(notice)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, ln in enumerate(lines) if _NATIONAL.match(ln.rstrip("\r\n"))), None)
    if start is None:
        prefix = lines + (["\n"] if lines and lines[-1].strip() else [])
        return "".join([*prefix, "national:\n", block]), block, len(prefix) + 2
    m = _NATIONAL.match(lines[start].rstrip("\r\n"))
    assert m is not None
    rest = m.group("rest")
    if rest in ("{}", "null", "~"):
        lines[start] = "national:" + (f"  {m.group('comment')}" if m.group("comment") else "") + "\n"
    elif rest:
        raise OverlayWriteError(
            f"覆盖文件的 national: 写在同一行（{rest[:40]}），无法自动添加；请改为逐行缩进的写法后再导入",
            f"'national:' is written on one line ({rest[:40]}): rewrite it as an indented block, then import again",
        )
    end = len(lines)
    for j in range(start + 1, len(lines)):
        ln = lines[j]
        if ln.strip() and not ln.lstrip().startswith("#") and not ln[0].isspace():
            end = j
            break
    content = [j for j in range(start + 1, end) if lines[j].strip() and not lines[j].lstrip().startswith("#")]
    indent = re.match(r"\s*", lines[content[0]]).group(0) if content else "  "  # type: ignore[union-attr]
    at = content[-1] + 1 if content else start + 1
    if indent != "  ":
        block = block_text(notice, indent)
    return "".join([*lines[:at], block, *lines[at:]]), block, at + 1


def add_year(path: Path, notice: Notice, calendar_id: str = "cn") -> Written:
    """Add the notice's year to the overlay at `path`. Raises `OverlayWriteError`; writes nothing then."""
    year = notice.year
    if not notice.ok:
        raise OverlayWriteError(
            f"{year}年通知未通过检查，不写入", f"the {year} notice fails its checks: nothing written"
        )
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OverlayWriteError(
            f"无法读取覆盖文件 {path}：{exc}", f"cannot read the overlay {path}: {exc}"
        ) from None
    try:
        overlay = read_overlay(path)
    except ProcedureInvalid as exc:
        raise OverlayWriteError(
            f"覆盖文件 {path} 本身有错误，请先修正（zhongcai calendar check --overlay {path}）",
            f"the overlay {path} has errors ({exc}): fix them first",
        ) from None
    if year in overlay.national:
        span = overlay.national[year].span
        where = f"第{span.line}行" if span else ""
        raise OverlayWriteError(
            f"{path} 的 national: 中已有 {year} 年{where}；如需替换，请先手工删除该年的块再导入，或直接在文件中修改",
            f"{year} is already in 'national:' of {path}{f' (line {span.line})' if span else ''}: to replace it, "
            "delete that year's block by hand and import again, or edit it in the file",
        )
    _check_other_years(path, notice, calendar_id)
    holidays = {d: n for d, n in notice.holidays.items() if d.year == year}
    workdays = sorted(d for d in notice.workdays if d.year == year)
    new_text, block, line = _insert(text, notice)
    _replace(path, new_text, year, holidays, workdays, calendar_id)
    return Written(path, year, block, line, holidays, workdays)


def _check_other_years(path: Path, notice: Notice, calendar_id: str) -> None:
    """Days of another year must already be what the notice says in that year's calendar."""
    others = [(d, False) for d in notice.holidays if d.year != notice.year]
    others += [(d, True) for d in notice.workdays if d.year != notice.year]
    if not others:
        return
    try:
        cal = load_calendar(calendar_id, overlay_path=path)
    except (CalendarError, ProcedureInvalid) as exc:
        raise OverlayWriteError(f"无法建立日历：{exc}", f"cannot build the calendar: {exc}") from None
    for d, work in sorted(others):
        try:
            # a provisional year (no notice yet, P5) does not count: its days are not yet known
            info = None if cal.provisional_years(d, d) else cal.day_info(d)
        except CalendarError:
            info = None
        if info is None or info.workday != work:
            kind = ("调休上班日", "a make-up working day") if work else ("假日", "a holiday")
            raise OverlayWriteError(
                f"{d} 属于 {d.year} 年，只写入 {notice.year} 年的日期；但日历中 {d} 不是{kind[0]}"
                f"（{'该年未覆盖' if info is None else '与通知不符'}），请先补充 {d.year} 年的安排",
                f"{d} is in {d.year}, and only days of {notice.year} are written; but the calendar does not "
                f"have it as {kind[1]} ({'year not covered' if info is None else 'it differs'}): "
                f"add the {d.year} schedule first",
            )


def _replace(
    path: Path, text: str, year: int, holidays: dict[dt.date, str], workdays: list[dt.date], calendar_id: str
) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            block = read_overlay(tmp).national.get(year)
            load_calendar(calendar_id, overlay_path=tmp)
        except (ProcedureInvalid, CalendarError) as exc:
            raise OverlayWriteError(
                f"写入后的覆盖文件无法通过校验，未写入：{exc}",
                f"the new overlay text does not validate ({exc}): nothing written",
            ) from None
        if block is None or block.holidays != holidays or sorted(block.workdays) != workdays:
            raise OverlayWriteError(
                "写入后的覆盖文件读出的日期与通知不一致，未写入",
                "the new overlay text reads back different days than the notice: nothing written",
            )
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
