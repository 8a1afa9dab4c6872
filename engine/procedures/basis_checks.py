"""Static check of a procedure's legal bases: every `basis:` must name articles the library holds (W315).

Owns: `check_basis_citations`. A basis is resolved by engine.library.citations against the article ids of
the shipped corpus (engine.library.corpus.known_article_ids, `ZHONGCAI_LIBRARY_DIR`). When the corpus is
absent the check is silent: validation must give the same verdict in a checkout without the shared data,
and tests/library asserts the corpus is there. `本系统规则` (this system's own rule) and the instruments
engine.library.citations lists as outside the corpus (民事诉讼法, regional regulations) are not reported.
Stage in the flow: 5 (compile), called by engine.procedures.compiler.
May import: engine.errors, engine.library, engine.procedures.checks, engine.procedures.dsl.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import Diagnostic
from engine.library.citations import resolve_citation
from engine.library.corpus import known_article_ids
from engine.procedures.checks import Where, enabled_items
from engine.procedures.dsl import ProcedureSpec


def check_basis_citations(spec: ProcedureSpec, where: Where, library: Path | None = None) -> list[Diagnostic]:
    """W315 for a basis part naming no known instrument, or an article the corpus does not hold."""
    known = known_article_ids(library)
    if known is None:
        return []
    sites: list[tuple[tuple[str, ...], str]] = []
    if spec.basis:
        sites.append((("basis",), spec.basis))
    for pid, p in spec.params.items():
        if p.basis:
            sites.append((("params", pid, "basis"), p.basis))
    for did, d in enabled_items(spec.deadlines):
        if d.basis:
            sites.append((("deadlines", did, "basis"), d.basis))
    out: list[Diagnostic] = []
    for path, basis in sites:
        for problem in resolve_citation(basis, known).problems:
            out.append(
                Diagnostic(
                    "W315",
                    f"法律依据无法对应条文：{problem.message}",
                    where(path),
                    expected="an article of the library (e.g. 调解仲裁法第四十七条), or 本系统规则 for a rule of this system",
                    hint="check the instrument's name and the article number against ../shared/library/laws.jsonl",
                    severity="warning",
                )
            )
    return out
