"""The unified documents: the sandboxed Jinja environment (sandbox), the template context (context), formats (format), size limits (limits), the linter (lint), rendering (render), PDF (pdf), masking for publication (masking) and the demo case (demo).

May import: engine.errors, engine.text_input, engine.expr, engine.dates, engine.codes, engine.procedures.
"""

__all__ = [
    "context",
    "demo",
    "format",
    "limits",
    "lint",
    "masking",
    "pdf",
    "render",
    "sandbox",
]
