"""Chinese word segmentation for the library search: jieba with the legal-terms user dictionary.

jieba's own dictionary ships in its wheel (nothing is downloaded); its first load takes about a second,
so the tokenizer is built on first use and cached for the process, never at import time (`zhongcai
--help` does not pay for it). Indexing and queries use `lcut_for_search` (a compound such as 解除劳动合同
also yields 劳动合同, 解除, 合同), then drop stop words, punctuation and single characters that are not
Chinese ideographs (digits inside 996 and N+1 survive as one token).

Data: engine/library/data/legal_terms.txt (user dictionary) and stopwords.txt; the statutory terms of
synonyms.tsv are added to the dictionary too, so an expansion term is one token in the index.

May import: engine.library.synonyms and the standard library (jieba, lazily).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import cache
from typing import Any

from engine.library.synonyms import data_text, synonym_table

__all__ = ["Tokenizer", "tokenizer"]

#: a token: one Chinese ideograph, or two or more word characters (996, n+1, 工资)
_TOKEN = re.compile(r"[\u4e00-\u9fff]|[\w+]{2,}")
_LOCK = threading.Lock()


def _entries(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


class Tokenizer:
    """A private jieba `Tokenizer` (not jieba's global one, which other code could change)."""

    def __init__(self, extra_terms: tuple[str, ...] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba: Any = jieba.Tokenizer()
        self._jieba.initialize()
        self.terms: set[str] = set()
        for line in _entries(data_text("legal_terms.txt")):
            word, _, freq = line.partition(" ")
            self._jieba.add_word(word, int(freq) if freq.strip().isdigit() else None)
            self.terms.add(word)
        for word in extra_terms:
            if word not in self.terms and len(word) > 1:
                self._jieba.add_word(word, 1000)
                self.terms.add(word)
        self.stop = frozenset(_entries(data_text("stopwords.txt")))

    def words(self, text: str) -> list[str]:
        """jieba's plain cut (`lcut`), for matching everyday phrases against the synonym table."""
        return [w for w in self._jieba.lcut(text) if w.strip()]

    def tokens(self, text: str) -> list[str]:
        """Index/query tokens: `lcut_for_search` (dictionary only, no HMM guesses for unknown words:
        faster, and a guessed word would not match the same text cut elsewhere), lower-cased, without
        stop words, punctuation and single non-Chinese characters."""
        stop, keep = self.stop, _TOKEN.fullmatch
        words = (w.strip().lower() for w in self._jieba.lcut_for_search(text, HMM=False))
        return [w for w in words if w and w not in stop and keep(w)]


@cache
def _build() -> Tokenizer:
    table = synonym_table()
    extra = tuple(sorted({t for terms in table.entries.values() for t in terms} | set(table.entries)))
    return Tokenizer(extra)


def tokenizer() -> Tokenizer:
    """The process's tokenizer (built once, thread-safe)."""
    with _LOCK:
        return _build()
