"""deadline: partial index on the warning date of running deadlines (the deadline scan's warning query).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 00:00:00

Without it the scan's warning query (`status = 'running' AND warn_on <= :as_of AND due_on >= :as_of`)
walks every running deadline due from today on (nearly all of them: ~1 s per million on SQLite);
with it, only the deadlines whose warning date has come (bench/run_all.py, issue 9).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = "status = 'running' AND warn_on IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_deadline_open_warn",
        "deadline",
        ["warn_on"],
        unique=False,
        sqlite_where=sa.text(_WHERE),
        postgresql_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_deadline_open_warn", table_name="deadline")
