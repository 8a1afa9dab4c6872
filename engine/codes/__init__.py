"""Code tables under codes/ (code_tables, code_table) and identifier checks (GB 11643, GB 32100, GB/T 2260).

May import: engine.errors, engine.text_input.
"""

__all__ = [
    "code_table",
    "code_tables",
    "identifiers",
]
