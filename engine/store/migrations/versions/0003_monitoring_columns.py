"""monitoring_record: coded columns and the milestone index (issue 7, engine.monitoring.record).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 23:00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("milestone", sqltypes.AutoString(length=20)),
    ("accepted_on", sa.Date()),
    ("industry", sqltypes.AutoString(length=10)),
    ("case_source", sqltypes.AutoString(length=40)),
    ("outcome", sqltypes.AutoString(length=40)),
    ("on_time", sa.Boolean()),
    ("risk_flags", sqltypes.AutoString(length=200)),
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("monitoring_record", schema=None) as batch_op:
        for name, type_ in _COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_index(
            "ix_monitoring_milestone",
            ["milestone", "effective_on", "region_code", "institution_id", "channel"],
            unique=False,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("monitoring_record", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_milestone")
        for name, _ in reversed(_COLUMNS):
            batch_op.drop_column(name)
