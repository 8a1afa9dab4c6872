"""The calendar overlay file (procedures/calendars/<id>.yaml): reading and validating it.

Owns: `Overlay`, `YearBlock`, `RegionBlock`, `read_overlay(path)`. The overlay adds State Council
schedules newer than the `chinesecalendar` package and regional rest days (docs/law.md P4), in the
format of ECOSYSTEM.md section 1:

    national:
      2027:
        source: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）
        holidays: {元旦: [2027-01-01], 春节: [2027-02-05..2027-02-12]}   # or a plain list
        workdays: [2027-02-20]                                            # 调休上班
    regions:
      "45":                        # GB/T 2260 prefix (2, 4 or 6 digits)
        name: 广西壮族自治区
        since: 2024                # from this year on every year needs a block (else P5 error)
        2024: {source: ..., holidays: {三月三: [2024-04-11..2024-04-12]}}

Every problem becomes a located `Diagnostic` (codes C0xx) and all of them are raised together in one
`ProcedureInvalid`; nothing here raises a bare traceback for a mistake in the file.
Stage in the flow: read by engine.dates.calendar when a calendar is built.
May import: engine.errors (and PyYAML).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from engine.errors import Diagnostic, ProcedureInvalid, Severity, Span

_WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TOP_KEYS = ("calendar", "title", "national", "regions")
_YEAR_KEYS = ("source", "holidays", "workdays")
_REGION_KEYS = ("name", "since")


@dataclass(frozen=True, slots=True)
class YearBlock:
    """One year of one layer: its days off (date -> name, "" when unnamed) and make-up working days."""

    year: int
    source: str
    holidays: dict[dt.date, str]
    workdays: dict[dt.date, str]
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class RegionBlock:
    """Regional rest days for one GB/T 2260 prefix; `since` = first year that must be declared."""

    prefix: str
    name: str
    since: int | None
    years: dict[int, YearBlock]

    @property
    def strict_from(self) -> int | None:
        """From this year on a missing year block is an error (P5); None: the region declares nothing."""
        if self.since is not None:
            return self.since
        return min(self.years) if self.years else None


@dataclass(frozen=True, slots=True)
class Overlay:
    path: str
    sha256: str
    national: dict[int, YearBlock] = field(default_factory=dict)
    regions: dict[str, RegionBlock] = field(default_factory=dict)


def empty_overlay(path: str) -> Overlay:
    """The overlay of a calendar without a file (the library alone)."""
    return Overlay(path=path, sha256="none")


def read_overlay(path: str | Path) -> Overlay:
    """Read and validate an overlay file. Raises `ProcedureInvalid` with every C0xx diagnostic."""
    p = Path(path)
    raw = p.read_bytes()
    reader = _Reader(str(path))
    overlay = reader.read(raw.decode("utf-8", errors="replace"), hashlib.sha256(raw).hexdigest())
    if any(d.severity == "error" for d in reader.diags):
        raise ProcedureInvalid(reader.diags)
    return overlay


def check_overlay(path: str | Path) -> list[Diagnostic]:
    """All diagnostics of an overlay file (errors and warnings), without raising."""
    p = Path(path)
    raw = p.read_bytes()
    reader = _Reader(str(path))
    reader.read(raw.decode("utf-8", errors="replace"), hashlib.sha256(raw).hexdigest())
    return sorted(reader.diags, key=Diagnostic.sort_key)


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.diags: list[Diagnostic] = []

    # -- helpers ------------------------------------------------------------------------------
    def span(self, node: yaml.Node) -> Span:
        s, e = node.start_mark, node.end_mark
        end_col = e.column + 1 if e.line == s.line else None
        return Span(self.path, s.line + 1, s.column + 1, e.line + 1 if end_col else None, end_col)

    def err(
        self,
        code: str,
        node: yaml.Node | None,
        msg: str,
        expected: str | None = None,
        hint: str | None = None,
        severity: str = "error",
    ) -> None:
        sev: Severity = "warning" if severity == "warning" else "error"
        span = self.span(node) if node is not None else Span(self.path, 1, 1)
        self.diags.append(Diagnostic(code, msg, span, expected, hint, sev))

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[yaml.ScalarNode, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.err("C004", node, f"{what} must be a mapping", expected="key: value lines")
            return None
        seen: dict[str, yaml.Node] = {}
        out: list[tuple[yaml.ScalarNode, yaml.Node]] = []
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                self.err("C004", k, f"a key in {what} must be plain text")
                continue
            if k.value in seen:
                first = seen[k.value].start_mark.line + 1
                self.err(
                    "C002",
                    k,
                    f"duplicate key '{k.value}' in {what} (first on line {first})",
                    hint="merge the two entries",
                )
                continue
            seen[k.value] = k
            out.append((k, v))
        return out

    def text(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            self.err("C004", node, f"{what} must be non-empty text")
            return None
        return str(node.value).strip()

    def unknown(self, key: yaml.ScalarNode, allowed: tuple[str, ...], where: str) -> None:
        close = difflib.get_close_matches(key.value, allowed, n=1)
        self.err(
            "C003",
            key,
            f"unknown key '{key.value}' in {where}",
            expected=", ".join(allowed) + " or a year (e.g. 2027)"
            if where != "the file"
            else ", ".join(allowed),
            hint=f"did you mean '{close[0]}'?" if close else None,
        )

    # -- the file -------------------------------------------------------------------------------
    def read(self, text: str, sha: str) -> Overlay:
        overlay = Overlay(path=self.path, sha256=sha)
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            self.diags.append(
                Diagnostic("C001", f"YAML syntax: {exc.problem or exc}", Span(self.path, line, col))
            )
            return overlay
        if root is None:
            return overlay
        items = self.mapping(root, "the file")
        for key, value in items or []:
            if key.value == "national":
                for yk, yv in self.mapping(value, "'national'") or []:
                    year = self.year_key(yk)
                    if year is not None:
                        block = self.year_block(yv, year, regional=False)
                        if block is not None:
                            overlay.national[year] = block
            elif key.value == "regions":
                for rk, rv in self.mapping(value, "'regions'") or []:
                    region = self.region(rk, rv)
                    if region is not None:
                        overlay.regions[region.prefix] = region
            elif key.value in ("calendar", "title"):
                self.text(value, f"'{key.value}'")
            else:
                self.unknown(key, _TOP_KEYS, "the file")
        return overlay

    def year_key(self, key: yaml.ScalarNode) -> int | None:
        if not re.fullmatch(r"\d{4}", str(key.value)) or not 1990 <= int(key.value) <= 2100:
            self.err("C005", key, f"'{key.value}' is not a year", expected="a year such as 2027")
            return None
        return int(key.value)

    def region(self, key: yaml.ScalarNode, node: yaml.Node) -> RegionBlock | None:
        prefix = str(key.value)
        if not re.fullmatch(r"\d{2}(\d{2}){0,2}", prefix):
            self.err(
                "C006",
                key,
                f"'{prefix}' is not a region code prefix",
                expected='2, 4 or 6 digits of GB/T 2260, quoted (e.g. "45" for 广西)',
            )
            return None
        name, since, years = prefix, None, {}
        for k, v in self.mapping(node, f"region '{prefix}'") or []:
            if k.value == "name":
                name = self.text(v, "'name'") or prefix
            elif k.value == "since":
                since = self.year_key(v) if isinstance(v, yaml.ScalarNode) else None
                if not isinstance(v, yaml.ScalarNode):
                    self.err("C005", v, "'since' must be a year")
            elif re.fullmatch(r"\d{4}", str(k.value)):
                year = self.year_key(k)
                if year is not None:
                    block = self.year_block(v, year, regional=True)
                    if block is not None:
                        years[year] = block
            else:
                self.unknown(k, _REGION_KEYS, f"region '{prefix}'")
        return RegionBlock(prefix, name, since, years)

    def year_block(self, node: yaml.Node, year: int, regional: bool) -> YearBlock | None:
        items = self.mapping(node, f"year {year}")
        if items is None:
            return None
        source: str | None = None
        holidays: dict[dt.date, str] = {}
        workdays: dict[dt.date, str] = {}
        where: dict[dt.date, yaml.Node] = {}
        for k, v in items:
            if k.value == "source":
                source = self.text(v, "'source'")
            elif k.value in ("holidays", "workdays"):
                target = holidays if k.value == "holidays" else workdays
                for day, name, at in self.day_list(v, year, k.value):
                    if day in holidays or day in workdays:
                        self.err(
                            "C015" if day in target else "C014",
                            at,
                            f"{day} is listed twice"
                            if day in target
                            else f"{day} is listed both as a holiday and as a make-up working day",
                            hint=f"first listed on line {where[day].start_mark.line + 1}",
                            severity="warning" if day in target else "error",
                        )
                        continue
                    if k.value == "workdays" and day.weekday() < 5:
                        self.err(
                            "C013",
                            at,
                            f"{day} is a {_WEEKDAY_ZH[day.weekday()]} (weekday {day:%A}): "
                            "a make-up working day (调休上班) must be a Saturday or Sunday",
                            hint="check the notice; weekdays are working days already",
                        )
                        continue
                    target[day] = name
                    where[day] = at
            else:
                self.unknown(k, _YEAR_KEYS, f"year {year}")
        if source is None:
            self.err(
                "C007",
                node,
                f"year {year} has no 'source:'",
                expected="the title of the notice the dates come from"
                + (" (the regional government's notice)" if regional else " (the State Council notice)"),
            )
            return None
        return YearBlock(year, source, holidays, workdays, self.span(node))

    def day_list(self, node: yaml.Node, year: int, what: str) -> list[tuple[dt.date, str, yaml.Node]]:
        """Items of `holidays:`/`workdays:`: a list of dates and `a..b` ranges, or name -> list."""
        out: list[tuple[dt.date, str, yaml.Node]] = []
        if isinstance(node, yaml.MappingNode):
            for name_node, items in self.mapping(node, f"'{what}'") or []:
                seq = items if isinstance(items, yaml.SequenceNode) else yaml.SequenceNode("", [items])
                out += self._items(seq, year, str(name_node.value).strip())
            return out
        if isinstance(node, yaml.SequenceNode):
            return self._items(node, year, "")
        self.err(
            "C004",
            node,
            f"'{what}' must be a list of dates or a mapping name -> dates",
            expected="e.g. [2027-01-01, 2027-02-05..2027-02-12] or {春节: [2027-02-05..2027-02-12]}",
        )
        return out

    def _items(self, seq: yaml.SequenceNode, year: int, name: str) -> list[tuple[dt.date, str, yaml.Node]]:
        out: list[tuple[dt.date, str, yaml.Node]] = []
        for item in seq.value:
            if not isinstance(item, yaml.ScalarNode):
                self.err("C004", item, "expected a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)")
                continue
            text = str(item.value).strip()
            parts = text.split("..")
            if len(parts) > 2:
                self.err(
                    "C010", item, f"'{text}' is not a date or a range", expected="YYYY-MM-DD..YYYY-MM-DD"
                )
                continue
            days = [self.date(x.strip(), item) for x in parts]
            first, last = days[0], days[-1]
            if first is None or last is None:
                continue
            if last < first:
                self.err("C011", item, f"range '{text}' ends before it starts", hint=f"write {last}..{first}")
                continue
            if first.year != year or last.year != year:
                self.err(
                    "C012",
                    item,
                    f"'{text}' is not in {year}, the year of this block",
                    hint="put each day under the block of its own year",
                )
                continue
            for i in range((last - first).days + 1):
                out.append((first + dt.timedelta(days=i), name, item))
        return out

    def date(self, text: str, node: yaml.Node) -> dt.date | None:
        m = _DATE.match(text)
        if m is None:
            self.err("C010", node, f"'{text}' is not a date", expected="YYYY-MM-DD, e.g. 2027-02-05")
            return None
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            self.err("C010", node, f"'{text}' does not exist ({exc})", expected="a real calendar date")
            return None
