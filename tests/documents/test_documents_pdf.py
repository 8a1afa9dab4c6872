"""Look at it: every national document of the demo case becomes a PDF, each PDF becomes PNG pages
(pdftoppm), and text extraction (pdftotext) gives the Chinese text back. One module-scoped
rendering keeps it fast (about 0.1-0.2 s per PDF with libharfbuzz-subset0)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.documents.demo import demo_snapshot
from engine.documents.format import cn_date
from engine.documents.render import render_for_case, render_pdf
from engine.procedures.library import ProcedureLibrary
from tests.documents.test_documents import NATIONAL_DOCUMENTS
from tests.paths import ROOT

TOOLS = ("pdftoppm", "pdftotext", "pdffonts")


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:  # a finding, not a skip: `make sysdeps` installs poppler-utils
        pytest.fail(f"missing {', '.join(missing)}: run `make sysdeps` (Debian poppler-utils)")
    arbitration = ProcedureLibrary.load(ROOT / "procedures").get("arbitration")
    out = tmp_path_factory.mktemp("pdf")
    result: dict[str, tuple[Path, str]] = {}
    for doc_id in NATIONAL_DOCUMENTS:
        snap = demo_snapshot(arbitration, doc_id)
        html = render_for_case(arbitration, doc_id, snap).content
        pdf = out / f"{doc_id}.pdf"
        pdf.write_bytes(render_pdf(html))
        result[doc_id] = (pdf, cn_date(snap.at))
    return result


def test_every_document_is_a_pdf_whose_text_reads_back(pdfs: dict[str, tuple[Path, str]]) -> None:
    arbitration = ProcedureLibrary.load(ROOT / "procedures").get("arbitration")
    for doc_id, (pdf, date_text) in pdfs.items():
        assert pdf.read_bytes().startswith(b"%PDF-"), doc_id
        text = re.sub(r"\s+", "", _run("pdftotext", "-enc", "UTF-8", str(pdf), "-"))
        title = arbitration.documents[doc_id].title
        for expected in (
            title,
            "杭州市西湖区劳动人事争议仲裁委员会",
            "浙杭西劳人仲案字〔2026〕第12号",
            date_text,
            "—1—",
        ):
            assert expected in text, f"{doc_id}: {expected!r} not in the extracted text"
        assert "杭州云栖数据科技有限公司" in text, doc_id
        if doc_id in ("award_document", "final_award_document", "mediation_document"):
            # rare characters (CJK Ext-A 䶮, 堃) come back: their glyphs were found and embedded
            assert "王䶮" in text and "赵堃" in text, doc_id


def test_pages_are_a4_and_become_pngs(pdfs: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    for doc_id, (pdf, _) in pdfs.items():
        info = _run("pdfinfo", str(pdf)) if shutil.which("pdfinfo") else ""
        if info:
            size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
            assert (
                size is not None
                and abs(float(size.group(1)) - 595.3) < 1
                and abs(float(size.group(2)) - 841.9) < 1
            )
        prefix = tmp_path / doc_id
        _run("pdftoppm", "-r", "50", "-png", str(pdf), str(prefix))
        pages = sorted(tmp_path.glob(f"{doc_id}-*.png"))
        assert pages, doc_id
        assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 2000 for p in pages), doc_id


def test_cjk_fonts_are_embedded(pdfs: dict[str, tuple[Path, str]]) -> None:
    pdf, _ = pdfs["award_document"]
    fonts = _run("pdffonts", str(pdf))
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk), fonts  # embedded (subset), so every reader shows it


def _pages(pdf: Path) -> int:
    info = _run("pdfinfo", str(pdf))
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert found is not None
    return int(found.group(1))


def test_no_page_holds_only_the_signature_and_the_receipt_is_one_page(
    pdfs: dict[str, tuple[Path, str]],
) -> None:
    """The 送达回证 fits one page, and no document ends on a page that holds only the
    signature, the date and the seal (the last lines of the body go with them)."""
    assert _pages(pdfs["service_receipt"][0]) == 1
    arbitration = ProcedureLibrary.load(ROOT / "procedures").get("arbitration")
    for doc_id, (pdf, date_text) in pdfs.items():
        n = _pages(pdf)
        last = re.sub(
            r"\s+", "", _run("pdftotext", "-f", str(n), "-l", str(n), "-enc", "UTF-8", str(pdf), "-")
        )
        rest = re.sub(r"—\d+—", "", last)
        for part in ("杭州市西湖区劳动人事争议仲裁委员会", date_text, "（印章）", "印章", "首席仲裁员", "仲裁员",
                     "书记员", "钱晓东", "孙立群", "李明华", "周倩", "（", "）"):  # fmt: skip
            rest = rest.replace(part, "")
        assert len(rest) >= 4, (
            f"{doc_id} ({arbitration.documents[doc_id].title}): page {n} holds only {last!r}"
        )
