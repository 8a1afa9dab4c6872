"""Initial schema: exactly the tables of engine/store/tables.py (institution ... case_number_counter).

Revision ID: 0001
Revises:
Create Date: 2026-11-28 22:43:57.112589

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlmodel.sql import sqltypes

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "institution",
        sa.Column("id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqltypes.AutoString(length=200), nullable=False),
        sa.Column("region_code", sqltypes.AutoString(length=12), nullable=False),
        sa.Column("level", sqltypes.AutoString(length=20), nullable=False),
        sa.Column("case_number_format", sqltypes.AutoString(length=200), nullable=True),
        sa.Column("case_number_prefix", sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "procedure_snapshot",
        sa.Column("content_hash", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("procedure_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("version", sqltypes.AutoString(length=40), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
    )
    with op.batch_alter_table("procedure_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedure_snapshot_procedure_id"), ["procedure_id"], unique=False
        )

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqltypes.AutoString(length=100), nullable=False),
        sa.Column("display_name", sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqltypes.AutoString(length=40), nullable=False),
        sa.Column("institution_id", sqltypes.AutoString(), nullable=True),
        sa.Column("region_code", sqltypes.AutoString(length=12), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "case_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sqltypes.AutoString(length=100), nullable=False),
        sa.Column("institution_id", sqltypes.AutoString(), nullable=False),
        sa.Column("region_code", sqltypes.AutoString(length=12), nullable=False),
        sa.Column("procedure_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("procedure_version", sqltypes.AutoString(length=40), nullable=False),
        sa.Column("procedure_hash", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stage", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("returns_to", sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "facts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure", sqltypes.AutoString(length=40), nullable=True),
        sa.Column("channel", sqltypes.AutoString(length=20), nullable=False),
        sa.Column("query_code_hash", sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.ForeignKeyConstraint(
            ["procedure_hash"],
            ["procedure_snapshot.content_hash"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "case_number", name="uq_case_number"),
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_file_institution_id"), ["institution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_stage"), ["stage"], unique=False)

    op.create_table(
        "case_number_counter",
        sa.Column("institution_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("institution_id", "year"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "breach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("detected_on", sa.Date(), nullable=False),
        sa.Column("institution_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("responsible", sqltypes.AutoString(length=40), nullable=True),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "deadline_id", "due_on", name="uq_breach"),
    )
    with op.batch_alter_table("breach", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_breach_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_breach_institution_id"), ["institution_id"], unique=False)

    op.create_table(
        "case_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("title", sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqltypes.AutoString(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("media_type", sqltypes.AutoString(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "document_id", "version", name="uq_case_document"),
    )
    with op.batch_alter_table("case_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_document_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("actor_id", sqltypes.AutoString(length=100), nullable=False),
        sa.Column("role", sqltypes.AutoString(length=40), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("backdated", sa.Boolean(), nullable=False),
        sa.Column("stage_before", sqltypes.AutoString(length=64), nullable=True),
        sa.Column("stage_after", sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "facts_changed",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "clock_ops",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "documents",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prev_hash", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hash", sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_event_seq"),
    )
    op.create_table(
        "deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("title", sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqltypes.AutoString(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("warn_on", sa.Date(), nullable=True),
        sa.Column(
            "steps",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("due_note", sqltypes.AutoString(length=500), nullable=True),
        sa.Column(
            "clock",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("institution_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("statutory", sa.Boolean(), nullable=False),
        sa.Column("basis", sqltypes.AutoString(length=500), nullable=False),
        sa.Column("on_expiry", sqltypes.AutoString(length=64), nullable=True),
        sa.Column("responsible", sqltypes.AutoString(length=40), nullable=True),
        sa.Column("calendar_version", sqltypes.AutoString(length=100), nullable=True),
        sa.Column("updated_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "deadline_id", name="uq_deadline_case"),
    )
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_institution_id"), ["institution_id"], unique=False)
        batch_op.create_index(
            "ix_deadline_open_due",
            ["due_on"],
            unique=False,
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )
        batch_op.create_index("ix_deadline_status_due", ["status", "due_on"], unique=False)

    op.create_table(
        "deadline_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("warn_on", sa.Date(), nullable=False),
        sa.Column("institution_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "deadline_id", "due_on", name="uq_deadline_warning"),
    )
    with op.batch_alter_table("deadline_warning", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_warning_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deadline_warning_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "monitoring_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("institution_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("region_code", sqltypes.AutoString(length=12), nullable=False),
        sa.Column("procedure_id", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("procedure_version", sqltypes.AutoString(length=40), nullable=False),
        sa.Column("action", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqltypes.AutoString(length=40), nullable=False),
        sa.Column("stage_before", sqltypes.AutoString(length=64), nullable=True),
        sa.Column("stage_after", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("closure", sqltypes.AutoString(length=40), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("backdated", sa.Boolean(), nullable=False),
        sa.Column("dispute_type", sqltypes.AutoString(length=40), nullable=True),
        sa.Column("collective", sa.Boolean(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("claim_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("awarded_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("channel", sqltypes.AutoString(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "event_seq", name="uq_monitoring_event"),
    )
    with op.batch_alter_table("monitoring_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_record_effective_on"), ["effective_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_monitoring_record_institution_id"), ["institution_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("monitoring_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_record_institution_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_record_effective_on"))

    op.drop_table("monitoring_record")
    with op.batch_alter_table("deadline_warning", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_warning_institution_id"))
        batch_op.drop_index(batch_op.f("ix_deadline_warning_case_id"))

    op.drop_table("deadline_warning")
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_status_due")
        batch_op.drop_index(
            "ix_deadline_open_due",
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )
        batch_op.drop_index(batch_op.f("ix_deadline_institution_id"))

    op.drop_table("deadline")
    op.drop_table("case_event")
    with op.batch_alter_table("case_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_document_case_id"))

    op.drop_table("case_document")
    with op.batch_alter_table("breach", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_breach_institution_id"))
        batch_op.drop_index(batch_op.f("ix_breach_case_id"))

    op.drop_table("breach")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    op.drop_table("case_number_counter")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_stage"))
        batch_op.drop_index(batch_op.f("ix_case_file_institution_id"))

    op.drop_table("case_file")
    op.drop_table("app_user")
    with op.batch_alter_table("procedure_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_snapshot_procedure_id"))

    op.drop_table("procedure_snapshot")
    op.drop_table("institution")
