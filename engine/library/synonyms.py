"""The table of everyday words → statutory terms (日常用语 → 法定术语) used to expand a query.

engine/library/data/synonyms.tsv: one entry a line, `everyday<TAB>term|term`, `#` for notes. It is
read and checked once per process: a line with no tab, an empty side, a term equal to its everyday word
or an everyday word listed twice is a `SynonymError` naming the file and line, so a bad edit fails the
first search (and the test suite), not silently drops an entry.

May import: engine.errors and the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from engine.errors import ZhongcaiError

__all__ = [
    "DATA",
    "SYNONYMS_FILE",
    "data_text",
    "SynonymError",
    "SynonymTable",
    "parse_synonyms",
    "synonym_table",
]

SYNONYMS_FILE = "synonyms.tsv"
DATA = "engine.library.data"


def data_text(name: str) -> str:
    """A data file of engine/library/data/ (shipped as package data)."""
    return resources.files(DATA).joinpath(name).read_text(encoding="utf-8")


class SynonymError(ZhongcaiError, ValueError):
    """A bad line in the synonym table (file and line in the message)."""

    def __init__(self, path: str, line: int, detail: str) -> None:
        self.path, self.line, self.detail = path, line, detail
        super().__init__(f"{path}:{line}: {detail}")


@dataclass(frozen=True)
class SynonymTable:
    """everyday word → statutory terms, in file order."""

    entries: dict[str, tuple[str, ...]]

    def expand(self, query: str) -> list[tuple[str, str]]:
        """(everyday word, statutory term) for each everyday word that occurs in `query` (longest
        words first, a word inside a longer matched one is not counted again).

        >>> t = SynonymTable({"欠薪": ("拖欠劳动报酬",), "薪": ("工资",)})
        >>> t.expand("老板欠薪跑了")
        [('欠薪', '拖欠劳动报酬')]
        """
        q = query.lower()
        taken: list[tuple[int, int]] = []
        out: list[tuple[str, str]] = []
        for word in sorted(self.entries, key=len, reverse=True):
            start = q.find(word.lower())
            while start >= 0:
                end = start + len(word)
                if not any(a <= start and end <= b for a, b in taken):
                    taken.append((start, end))
                    out.extend((word, term) for term in self.entries[word])
                    break
                start = q.find(word.lower(), start + 1)
        return out


def parse_synonyms(text: str, path: str = SYNONYMS_FILE) -> SynonymTable:
    """Parse and check the table (`SynonymError` on the first bad line)."""
    entries: dict[str, tuple[str, ...]] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise SynonymError(path, n, "no tab between the everyday word and its statutory terms")
        word, _, right = line.partition("\t")
        word = word.strip()
        terms = tuple(t.strip() for t in right.split("|"))
        if not word:
            raise SynonymError(path, n, "empty everyday word")
        if not terms or any(not t for t in terms) or "\t" in right:
            raise SynonymError(path, n, f"{word}: an empty statutory term or a second tab")
        if word in entries:
            raise SynonymError(path, n, f"{word}: listed twice")
        kept = tuple(dict.fromkeys(t for t in terms if t != word))
        if not kept:
            raise SynonymError(path, n, f"{word}: maps only to itself")
        entries[word] = kept
    return SynonymTable(entries)


@cache
def synonym_table() -> SynonymTable:
    """The shipped table (cached)."""
    return parse_synonyms(data_text(SYNONYMS_FILE), f"engine/library/data/{SYNONYMS_FILE}")
