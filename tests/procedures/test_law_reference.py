"""docs/law.md is kept in step with the procedures: every deadline of every rule set under procedures/
has a row in its time-limit table stating the deadline's length and unit (and extension) as the procedure
does and citing every article of its `basis:`; every row names deadlines that exist; the counting policy
P1-P14 has a section each; and no user-facing page points at a file outside the project.

Reads only the project's own files (a user's copy has nothing beside it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from engine.procedures.library import ProcedureLibrary
from engine.procedures.model import Deadline, Procedure
from tests.paths import ROOT

LAW = ROOT / "docs" / "law.md"

#: Deadlines being renamed (old id -> successors): while a procedure still has the old id, the rows of its
#: successors stand for it (the same length and articles are required of them), and the successors may be
#: named in the table before they exist. Empty: the award-stage rename (`challenge`) has landed.
RENAMED: dict[str, tuple[str, ...]] = {}

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def cn_number(text: str) -> int:
    """A Chinese article number (一 .. 九百九十九, with 零) as an int.

    >>> [cn_number(t) for t in ("八", "十", "十四", "四十六", "一百零五", "二百零五", "一千二百五十九")]
    [8, 10, 14, 46, 105, 205, 1259]
    """
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            place = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (digit or 1) * place
            digit = 0
    return total + digit


def law_text() -> str:
    return LAW.read_text(encoding="utf-8")


def section(text: str, number: int) -> str:
    """The body of `## N. ...` up to the next second-level heading."""
    m = re.search(rf"^## {number}\. .*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"docs/law.md has no section '## {number}.'"
    return m.group(1)


def table_rows(body: str) -> list[list[str]]:
    """The cells of every table row of a section (header and separator rows left out)."""
    rows = []
    for line in body.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:] if rows else rows


def abbreviations(text: str) -> dict[str, str]:
    """{name as written in `basis:` -> abbreviation} from the sources table (section 1)."""
    out = {}
    for cells in table_rows(section(text, 1)):
        for name in re.findall(r"`([^`]+)`", cells[2]):
            out[name] = cells[0]
    return out


def basis_articles(basis: str, abbr: dict[str, str]) -> set[tuple[str, int]]:
    """(abbreviation, article) for every article a `basis:` cites, e.g. 调解仲裁法第二十九条 -> ("L", 29).
    A part that says `本系统规则` (this system's own rule, where no instrument fixes the limit) cites none."""
    out: set[tuple[str, int]] = set()
    for part in re.split(r"[；;]", basis):
        part = part.strip()
        if not part or part.startswith("本系统规则"):
            continue
        m = re.match(r"(.+?)(?=第[零一二三四五六七八九十百千]+条)", part)
        assert m, f"basis part '{part}' cites no article"
        name = m.group(1)
        assert name in abbr, f"basis names '{name}', which the sources table of docs/law.md does not list"
        for num in re.findall(r"第([零一二三四五六七八九十百千]+)条", part):
            out.add((abbr[name], cn_number(num)))
    return out


def row_articles(cell: str) -> set[tuple[str, int]]:
    """(abbreviation, article) in an articles cell: `L 29; R 30, 31, 46(2), 75–79; ZJ 35 [U]`; `—` for a
    time limit no instrument fixes (this system's own rule, e.g. the register's quarterly submission)."""
    out: set[tuple[str, int]] = set()
    if cell.strip() == "—":
        return out
    for part in cell.split(";"):
        part = re.sub(r"\[[A-Z]\]", "", part).strip()
        m = re.fullmatch(r"([A-Z][A-Z0-9]*) (.+)", part)
        assert m, f"articles cell part '{part}' is not 'ABBR n, n(x), n–m'"
        for item in m.group(2).split(","):
            item = re.sub(r"\([^)]*\)", "", item).strip()
            r = re.fullmatch(r"(\d+)(?:[–-](\d+))?", item)
            assert r, f"article '{item}' in '{cell}' is not a number or a range"
            first, last = int(r.group(1)), int(r.group(2) or r.group(1))
            out |= {(m.group(1), n) for n in range(first, last + 1)}
    return out


@dataclass(frozen=True)
class Row:
    number: str
    deadlines: frozenset[str]  # "procedure.deadline"
    limit: str
    articles: frozenset[tuple[str, int]]


def limit_rows(text: str) -> list[Row]:
    rows = []
    for cells in table_rows(section(text, 2)):
        assert len(cells) == 9, f"time-limit row '{cells[0]}' has {len(cells)} cells, not 9"
        named = frozenset(re.findall(r"`([a-z_]+\.[a-z_]+)`", cells[1]))
        rows.append(Row(cells[0], named, cells[4], frozenset(row_articles(cells[8]))))
    return rows


@pytest.fixture(scope="module")
def library() -> ProcedureLibrary:
    return ProcedureLibrary.load(ROOT / "procedures")


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return limit_rows(law_text())


def same_deadline(a: Deadline, b: Deadline) -> bool:
    return (a.limit, a.basis, a.statutory, a.extension) == (b.limit, b.basis, b.statutory, b.extension)


def documented_as(proc: Procedure, deadline_id: str, library: ProcedureLibrary) -> list[str]:
    """The names under which the table must document a deadline: its own (`procedure.deadline`), or, for a
    deadline a region inherits unchanged, the base's; a deadline being renamed under its successors'."""
    d = proc.deadlines[deadline_id]
    owner = proc
    while owner.extends is not None:
        base = library.get(owner.extends)
        if deadline_id not in base.deadlines or not same_deadline(base.deadlines[deadline_id], d):
            break
        owner = base
    ids = RENAMED.get(deadline_id, (deadline_id,))
    return [f"{owner.id}.{i}" for i in ids]


def all_deadlines(library: ProcedureLibrary) -> list[tuple[str, str]]:
    return [(pid, did) for pid in library.ids() for did in library.get(pid).deadlines]


def test_there_are_deadlines_and_rows(library: ProcedureLibrary, rows: list[Row]) -> None:
    assert all_deadlines(library)
    assert len(rows) >= 43 and any(r.deadlines for r in rows)


def test_every_deadline_has_a_row_with_its_limit_and_articles(
    library: ProcedureLibrary, rows: list[Row]
) -> None:
    abbr = abbreviations(law_text())
    problems = []
    for pid, did in all_deadlines(library):
        proc = library.get(pid)
        d = proc.deadlines[did]
        names = documented_as(proc, did, library)
        mine = [r for r in rows if r.deadlines & set(names)]
        if not mine:
            problems.append(f"{pid}.{did}: no row of docs/law.md section 2 names {' or '.join(names)}")
            continue
        wanted = [str(d.limit)] + ([str(d.extension.up_to)] if d.extension else [])
        for r in mine:
            for w in wanted:
                if not re.search(rf"(?<![\d.]){re.escape(w)}\b", r.limit):
                    problems.append(f"{pid}.{did}: row {r.number} states '{r.limit}', not {w}")
        cited: set[tuple[str, int]] = set().union(*(r.articles for r in mine))
        missing = basis_articles(d.basis, abbr) - cited
        if missing:
            listed = ", ".join(f"{a} {n}" for a, n in sorted(missing))
            problems.append(
                f"{pid}.{did}: basis cites {listed}, which its rows ({', '.join(r.number for r in mine)}) do not"
            )
    assert problems == [], "\n".join(problems)


def test_every_named_deadline_exists(library: ProcedureLibrary, rows: list[Row]) -> None:
    """A row naming a deadline no procedure has is stale (renamed or removed). The successors of a deadline
    being renamed may be named while a procedure still has the old id."""
    pending = {
        f"{pid}.{new}"
        for pid, did in all_deadlines(library)
        for new in RENAMED.get(did, ())
        if new not in library.get(pid).deadlines
    }
    stale = []
    for r in rows:
        for name in sorted(r.deadlines):
            pid, did = name.split(".")
            if name in pending:
                continue
            if pid not in library or did not in library.get(pid).deadlines:
                stale.append(f"row {r.number} names {name}, which procedures/ does not have")
    assert stale == [], "\n".join(stale)


def test_renamed_deadlines_are_not_documented_under_the_old_id(rows: list[Row]) -> None:
    for r in rows:
        assert not {n.split(".")[1] for n in r.deadlines} & set(RENAMED), f"row {r.number} names an old id"


def test_every_policy_rule_has_a_section() -> None:
    found = {int(n) for n in re.findall(r"^### P(\d+) ", law_text(), re.M)}
    assert found == set(range(1, 15)), f"P-rule sections: {sorted(found)}"


def test_parsers_see_what_the_table_says() -> None:
    """The helpers the checks above rely on: a basis and a cell citing the same articles agree."""
    abbr = abbreviations(law_text())
    basis = "调解仲裁法第二十九条；办案规则第三十条、第四十六条第（二）项；民事诉讼法第二百零五条"
    assert basis_articles(basis, abbr) == {("L", 29), ("R", 30), ("R", 46), ("CPL", 205)}
    assert row_articles("L 29; R 30, 46(2), 75–77; CPL 205 [U]") == {
        ("L", 29),
        ("R", 30),
        ("R", 46),
        ("R", 75),
        ("R", 76),
        ("R", 77),
        ("CPL", 205),
    }
    with pytest.raises(AssertionError):
        basis_articles("某某条例第三条", abbr)


def test_no_page_points_outside_the_project() -> None:
    """README, docs/, the code, the procedures, the codes and the documents cite docs/law.md, never a
    DOMAIN.md beside the checkout (a user's copy of the project does not have it)."""
    files = [
        ROOT / "README.md",
        ROOT / "cli.py",
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "engine").rglob("*.py")),
        *sorted((ROOT / "api").rglob("*.py")),
        *sorted((ROOT / "procedures").rglob("*.yaml")),
        *sorted((ROOT / "codes").glob("*.*")),
        *sorted((ROOT / "documents").rglob("*.j2")),
    ]
    hits = [
        f"{p.relative_to(ROOT)}:{i}: {line.strip()}"
        for p in files
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "DOMAIN.md" in line or "../shared/DOMAIN" in line
    ]
    assert hits == [], "\n".join(hits)
