"""Number series of their own for procedures with their own number format.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 00:00:00

- `series_number_counter`: the last number per institution, year and series (the procedure's own
  `case_number:` format). The register's verification cases (procedure `register_verification`) are
  numbered here, so they never take a 案号 from `case_number_counter` and the arbitration numbers stay
  without gaps. Existing counters are unchanged (no procedure declared its own format before).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "series_number_counter",
        sa.Column("institution_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("series", sqltypes.AutoString(length=200), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.PrimaryKeyConstraint("institution_id", "year", "series"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("series_number_counter")
