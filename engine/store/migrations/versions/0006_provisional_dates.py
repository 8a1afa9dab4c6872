"""Provisional due dates and calendar updates (issue 14, docs/law.md P5).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 00:00:00

- `deadline.provisional`: the due date was counted through a year without its State Council notice;
- `breach.provisional`, `breach.confirmed_on`, `breach.withdrawn_on` and `deadline_warning.provisional`,
  `deadline_warning.withdrawn_on`: a breach or warning on a provisional date, confirmed or withdrawn
  when the year's notice is added (`zhongcai calendar apply`);
- `case_event.calendar_change`: what a `calendar_update` event did to the case's due dates (NULL for
  every other event, so existing hashes are unchanged);
- a partial index on the calendar version of open deadlines: `calendar apply` finds the rows computed
  on an older calendar without reading the others.
Existing rows get `provisional = false` (before this revision a year without its notice gave no date).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "status IN ('running', 'paused')"


def upgrade() -> None:
    false = sa.false()
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional", sa.Boolean(), nullable=False, server_default=false))
    with op.batch_alter_table("breach", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional", sa.Boolean(), nullable=False, server_default=false))
        batch_op.add_column(sa.Column("confirmed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))
    with op.batch_alter_table("deadline_warning", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional", sa.Boolean(), nullable=False, server_default=false))
        batch_op.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "calendar_change",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
    op.create_index(
        "ix_deadline_open_calendar",
        "deadline",
        ["calendar_version", "case_id"],
        unique=False,
        sqlite_where=sa.text(_OPEN),
        postgresql_where=sa.text(_OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_deadline_open_calendar", table_name="deadline")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_column("calendar_change")
    with op.batch_alter_table("deadline_warning", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_on")
        batch_op.drop_column("provisional")
    with op.batch_alter_table("breach", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_on")
        batch_op.drop_column("confirmed_on")
        batch_op.drop_column("provisional")
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_column("provisional")
