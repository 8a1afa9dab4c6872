"""Build codes/regions.yaml (GB/T 2260 administrative divisions) from python-stdnum's cn/loc.dat.

Run: `.venv/bin/python codes/tools/build_regions.py` (rewrites codes/regions.yaml).

loc.dat is scraped from zh.wikipedia's 中华人民共和国行政区划代码 pages and marks each name with the
years it was in use (`[1983-1990]东城区`). A year range becomes valid_from = 1 January of the first
year and valid_to = 31 December of the last year: the data carries years only, so a code abolished
in mid-year stays valid until the year's end. An institution holding the official MCA list replaces
this file with its own (same format); nothing else depends on where the data came from.
"""

from __future__ import annotations

import re
from pathlib import Path

import stdnum

OUT = Path(__file__).resolve().parent.parent / "regions.yaml"
SRC = Path(stdnum.__file__).parent / "cn" / "loc.dat"
_PART = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?(.+)$")
# loc.dat writes these two in traditional characters; GB/T 2260 uses simplified ones.
_SIMPLIFIED = {"香港特別行政區": "香港特别行政区", "澳門特別行政區": "澳门特别行政区"}


def _periods(value: str) -> list[tuple[str | None, str | None, str]]:
    out = []
    for part in value.split(","):
        m = _PART.match(part.strip())
        if not m:
            continue
        start, end, name = m.groups()
        if start and end and int(end) < int(start):  # an empty range in the source ([1983-1982]郊区)
            continue
        out.append((f"{start}-01-01" if start else None, f"{end}-12-31" if end else None, name.strip()))
    return out


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build() -> str:
    entries: list[tuple[str, list[tuple[str | None, str | None, str]]]] = []
    province = ""
    for raw in SRC.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        if not raw.startswith(" "):
            province = raw.split()[0]
            name = raw.split('"')[1]
            entries.append((province + "0000", [(None, None, _SIMPLIFIED.get(name, name))]))
            continue
        code = province + raw.split()[0]
        value = raw.split('county="', 1)[1].rstrip('"')
        periods = _periods(value)
        if code.endswith("0000"):  # the province's own line carries its validity ([1997-]重庆市)
            entries[-1] = (code, [(a, b, _SIMPLIFIED.get(n, n)) for a, b, n in periods])
            continue
        entries.append((code, periods))
    known = {c for c, _ in entries}
    lines = [
        "table: regions",
        "title: 中华人民共和国行政区划代码 (GB/T 2260 administrative divisions)",
        "source: >-",
        "  GB/T 2260 codes as compiled in python-stdnum 2.2, stdnum/cn/loc.dat (scraped from zh.wikipedia",
        "  中华人民共和国行政区划代码 1–8区), built by codes/tools/build_regions.py. Every province,",
        "  prefecture and county code with the years each name was in use: valid_from is 1 January of",
        "  the first year, valid_to 31 December of the last (the source has years only). Not the MCA's",
        "  authoritative list: an institution may replace this file with the official one, same format.",
        "codes:",
    ]
    for code, periods in entries:
        if not periods:
            continue
        parent = None
        if not code.endswith("0000"):
            pref = code[:4] + "00"
            parent = pref if (not code.endswith("00") and pref in known) else code[:2] + "0000"
        starts = [a for a, _, _ in periods]
        ends = [b for _, b, _ in periods]
        first = None if None in starts else min(s for s in starts if s)
        last = None if None in ends else max(e for e in ends if e)
        fields = [f"code: {_quote(code)}", f"name: {_quote(periods[-1][2])}"]
        if first:
            fields.append(f"valid_from: {first}")
        if last:
            fields.append(f"valid_to: {last}")
        if parent:
            fields.append(f"parent: {_quote(parent)}")
        if len(periods) > 1:
            names = []
            for a, b, n in periods:
                sub = [f"name: {_quote(n)}"]
                if a:
                    sub.append(f"valid_from: {a}")
                if b:
                    sub.append(f"valid_to: {b}")
                names.append("{" + ", ".join(sub) + "}")
            fields.append("names: [" + ", ".join(names) + "]")
        lines.append("  - {" + ", ".join(fields) + "}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUT.write_text(build(), encoding="utf-8")
    print(f"wrote {OUT}")
