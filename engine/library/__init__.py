"""The law and case library (法律法规库、案例库): Chinese numerals (numerals), citations in `basis:` strings
resolved to article ids (citations), the shipped corpus read and validated (corpus), and the corpus loaded
into the database with article versions (loader); search over articles and cases (documents, tokens,
synonyms, search).

May import: engine.errors, engine.codes, engine.store.
"""

__all__ = [
    "citations",
    "corpus",
    "documents",
    "loader",
    "numerals",
    "search",
    "synonyms",
    "tokens",
]
