"""PDF output of the unified documents: HTML (from engine.documents.render) to A4 PDF with WeasyPrint.

Owns: `render_pdf(html) -> bytes` and the one shared font configuration. The CJK fonts come from
Debian's fonts-noto-cjk (`make sysdeps`); HarfBuzz-subset (libharfbuzz-subset0) keeps a page at a
fraction of a second instead of seconds (ECOSYSTEM.md section 3). An installation may drop its
licensed 仿宋 / 方正小标宋 fonts into the system font folders: the CSS font stack picks them first.
May import: engine.errors. WeasyPrint is imported lazily so that importing the engine stays cheap.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Any

from engine.errors import ZhongcaiError


class PdfError(ZhongcaiError):
    """The PDF could not be produced (WeasyPrint or its system libraries are missing or failed)."""


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _font_config() -> Any:
    try:
        from weasyprint.text.fonts import FontConfiguration
    except (ImportError, OSError) as exc:  # OSError: pango/harfbuzz shared libraries missing
        raise PdfError(
            f"WeasyPrint cannot load ({exc}); run `make sysdeps` (Debian: fonts-noto-cjk "
            "libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0)"
        ) from exc
    # WeasyPrint logs every unsupported CSS property at WARNING; our CSS is fixed, keep logs quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return FontConfiguration()


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render one document's HTML as a PDF (A4 pages as the document's CSS says).

    Raises:
        PdfError: WeasyPrint or its system libraries are unavailable, or rendering failed.
    """
    font_config = _font_config()
    from weasyprint import HTML

    try:
        # FontConfiguration is not thread-safe; a server renders PDFs one at a time per process.
        with _lock:
            data = HTML(string=html, base_url=base_url).write_pdf(font_config=font_config)
    except Exception as exc:  # WeasyPrint raises many kinds; report them as one
        raise PdfError(f"PDF 生成失败 (PDF rendering failed): {exc}") from exc
    if not isinstance(data, bytes):
        raise PdfError("PDF 生成失败 (WeasyPrint returned no data)")
    return data
