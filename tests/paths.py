"""Where the tests find the repository's files (one definition instead of one per test module)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCEDURES = ROOT / "procedures"
CODES = ROOT / "codes"
TESTS = ROOT / "tests"
