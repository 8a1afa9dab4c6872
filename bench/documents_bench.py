"""Documents rendered per second, HTML and PDF, for the 21 national documents of the demo case.

Compared in the same run:
- cached:   the sandboxed environment and compiled templates are reused (what the runtime does);
- baseline: a fresh environment per render (every template, its base layout and macros compiled
            again each time).
PDF figures include the HTML rendering. Run: `.venv/bin/python bench/documents_bench.py [--rounds N]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import ProcedureLibrary  # noqa: E402
from engine.documents.demo import demo_snapshot  # noqa: E402
from engine.documents.render import clear_template_cache, render_for_case, render_pdf  # noqa: E402

DOCUMENTS = (
    "acceptance_notice rejection_notice amendment_notice response_notice evidence_notice "
    "tribunal_composition_notice hearing_notice postponement_notice extension_notice suspension_decision "
    "resumption_notice withdrawal_decision deemed_withdrawal_decision revocation_decision termination_decision "
    "transfer_letter mediation_document award_document final_award_document interim_award service_receipt"
).split()


def _rate(label: str, count: int, work: Callable[[], None], repeats: int = 3) -> float:
    """Best-of-`repeats` documents per second."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    best = min(times)
    rate = count / best
    print(
        f"{label:<48} {rate:10.1f} docs/s   ({best * 1000 / count:7.2f} ms/doc, median run {statistics.median(times):.3f} s)"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="HTML rounds over the 21 documents")
    parser.add_argument("--pdf-rounds", type=int, default=1, help="PDF rounds over the 21 documents")
    args = parser.parse_args()

    procedure = ProcedureLibrary.load(ROOT / "procedures").get("arbitration")
    snaps = {d: demo_snapshot(procedure, d) for d in DOCUMENTS}
    n_html = args.rounds * len(DOCUMENTS)
    n_pdf = args.pdf_rounds * len(DOCUMENTS)

    def html_cached() -> None:
        for _ in range(args.rounds):
            for d in DOCUMENTS:
                render_for_case(procedure, d, snaps[d])

    def html_fresh() -> None:
        for _ in range(args.rounds):
            for d in DOCUMENTS:
                clear_template_cache()
                render_for_case(procedure, d, snaps[d])

    def html_masked() -> None:
        for _ in range(args.rounds):
            for d in DOCUMENTS:
                render_for_case(procedure, d, snaps[d], masked=True)

    def pdf_cached() -> None:
        for _ in range(args.pdf_rounds):
            for d in DOCUMENTS:
                render_pdf(render_for_case(procedure, d, snaps[d]).content)

    def pdf_fresh() -> None:
        for _ in range(args.pdf_rounds):
            for d in DOCUMENTS:
                clear_template_cache()
                render_pdf(render_for_case(procedure, d, snaps[d]).content)

    render_pdf(render_for_case(procedure, "award_document", snaps["award_document"]).content)  # fonts warm
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{len(DOCUMENTS)} national documents, demo case; best of 3 runs; load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    cached = _rate(f"HTML, templates compiled once ({n_html} renders)", n_html, html_cached)
    fresh = _rate(f"HTML, fresh environment per render ({n_html})", n_html, html_fresh)
    masked = _rate(f"HTML masked for publication ({n_html})", n_html, html_masked)
    pdf = _rate(f"PDF, templates compiled once ({n_pdf} renders)", n_pdf, pdf_cached, repeats=2)
    pdf_base = _rate(f"PDF, fresh environment per render ({n_pdf})", n_pdf, pdf_fresh, repeats=2)
    print(f"HTML: compiled once is {cached / fresh:.1f}x the fresh-environment baseline")
    print(f"HTML masked / HTML plain: {masked / cached:.2f}")
    print(f"PDF:  compiled once is {pdf / pdf_base:.2f}x the baseline (the PDF layout dominates)")


if __name__ == "__main__":
    main()
