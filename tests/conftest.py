"""Shared pytest set-up: hypothesis profiles and the PostgreSQL rule.

Fixtures that belong to one area live in that area's test modules (or tests/fixtures_*.py, loaded
below); only what every area needs is here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("ZHONGCAI_HYPOTHESIS_PROFILE", "dev"))

pytest_plugins = [f"tests.{p.stem}" for p in sorted((ROOT / "tests").glob("fixtures_*.py"))]


def pg_url_or_fail() -> str:
    """The test PostgreSQL URL. Skips locally when absent; fails under CI=true (never hides a failure)."""
    url = os.environ.get("ZHONGCAI_TEST_PG_URL")
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if not url:
        if in_ci:
            pytest.fail("CI=true but ZHONGCAI_TEST_PG_URL is not set")
        pytest.skip("ZHONGCAI_TEST_PG_URL not set (PostgreSQL tests run in CI)")
    try:
        import sqlalchemy as sa

        eng = sa.create_engine(url)
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
    except Exception as exc:  # any connection failure
        if in_ci:
            pytest.fail(f"PostgreSQL at {url} is unreachable under CI=true: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose `search_path` is a fresh schema, dropped after the test."""
    import sqlalchemy as sa

    base = pg_url_or_fail()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = sa.create_engine(base)
    with eng.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with eng.begin() as conn:
        conn.execute(sa.text(f'drop schema "{schema}" cascade'))
    eng.dispose()
