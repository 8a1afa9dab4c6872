"""Receipt numbers (收件登记号) and the 案号 on acceptance (issue 22 point 10).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 00:00:00

- `case_file.receipt_number` (unique per institution, indexed) and an index on `case_number`: a case
  is found by either number;
- `institution.receipt_number_format`: an institution's own format of receipt numbers;
- `receipt_number_counter`: the counter of receipt numbers per institution and year, separate from
  `case_number_counter` (which now counts 案号 allotted on acceptance);
- `case_event.allotted`: what an event allotted (a receipt number, a 案号, a new query code; never
  the code). NULL for every existing event, so their hashes are unchanged.

Cases opened before this revision keep their number (a 案号 allotted on receipt under the old rule)
and get no receipt number; accepting such a case keeps its 案号.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlmodel.sql import sqltypes

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "receipt_number_counter",
        sa.Column("institution_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.PrimaryKeyConstraint("institution_id", "year"),
    )
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("receipt_number_format", sqltypes.AutoString(length=200), nullable=True)
        )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_number", sqltypes.AutoString(length=100), nullable=True))
        batch_op.create_unique_constraint("uq_receipt_number", ["institution_id", "receipt_number"])
        batch_op.create_index(batch_op.f("ix_case_file_receipt_number"), ["receipt_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_case_number"), ["case_number"], unique=False)
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "allotted",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_column("allotted")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_case_number"))
        batch_op.drop_index(batch_op.f("ix_case_file_receipt_number"))
        batch_op.drop_constraint("uq_receipt_number", type_="unique")
        batch_op.drop_column("receipt_number")
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.drop_column("receipt_number_format")
    op.drop_table("receipt_number_counter")
