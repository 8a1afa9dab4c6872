"""The law and case library (法律法规库、案例库): search over articles and cases (documents, tokens,
synonyms, search).

May import: engine.errors, engine.codes, engine.store.
"""

__all__ = [
    "documents",
    "search",
    "synonyms",
    "tokens",
]
