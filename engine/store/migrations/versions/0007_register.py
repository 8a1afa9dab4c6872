"""The register of institutions and staff (机构人员系统).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 00:00:00

- `institution` gains the register's current values: `kind` (commission | office | mediation),
  `parent_id`, `address`, `phone` (the institution's public contact), `handles_cases` (uses this system)
  and `procedure_id` (the procedure its cases open under by default). Existing institutions are
  commissions that handle their cases here (they already do).
- `institution_version`: every dated state of an institution; each existing institution gets one
  version from the day it was created.
- `hearing_room`, `staff` (with the personal data only its institution sees), `appointment` (聘任, with
  term, post, 专职/兼职, qualification ground and specialties), `training`, and `register_submission`
  (the quarterly data an institution submits for verification; its review is a case).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlmodel.sql import sqltypes

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _s(n: int) -> sqltypes.AutoString:
    return sqltypes.AutoString(length=n)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", _s(20), nullable=False, server_default="commission"))
        batch_op.add_column(sa.Column("parent_id", _s(64), nullable=True))
        batch_op.add_column(sa.Column("address", _s(300), nullable=True))
        batch_op.add_column(sa.Column("phone", _s(40), nullable=True))
        batch_op.add_column(
            sa.Column("handles_cases", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("procedure_id", _s(64), nullable=True))
    op.create_table(
        "register_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", _s(64), nullable=False),
        sa.Column("period", _s(7), nullable=False),
        sa.Column("kind", _s(20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("content", _JSON, nullable=False),
        sa.Column("content_sha256", _s(64), nullable=False),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )
    op.create_index("ix_register_submission_institution_id", "register_submission", ["institution_id"])
    op.create_table(
        "institution_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", _s(64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("name", _s(200), nullable=False),
        sa.Column("kind", _s(20), nullable=False),
        sa.Column("parent_id", _s(64), nullable=True),
        sa.Column("level", _s(20), nullable=False),
        sa.Column("region_code", _s(12), nullable=False),
        sa.Column("address", _s(300), nullable=True),
        sa.Column("phone", _s(40), nullable=True),
        sa.Column("handles_cases", sa.Boolean(), nullable=False),
        sa.Column("procedure_id", _s(64), nullable=True),
        sa.Column("case_number_prefix", _s(100), nullable=True),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", _s(64), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["register_submission.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "valid_from", name="uq_institution_version"),
    )
    op.create_index("ix_institution_version_institution_id", "institution_version", ["institution_id"])
    op.create_table(
        "hearing_room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", _s(64), nullable=False),
        sa.Column("name", _s(100), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution_id", "name", "valid_from", name="uq_hearing_room"),
    )
    op.create_index("ix_hearing_room_institution_id", "hearing_room", ["institution_id"])
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", _s(64), nullable=False),
        sa.Column("name", _s(100), nullable=False),
        sa.Column("gender", _s(4), nullable=True),
        sa.Column("id_number", _s(18), nullable=True),
        sa.Column("phone", _s(40), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("id_number"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_index("ix_staff_institution_id", "staff", ["institution_id"])
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", _s(64), nullable=False),
        sa.Column("post", _s(20), nullable=False),
        sa.Column("full_time", sa.Boolean(), nullable=False),
        sa.Column("qualification", _s(40), nullable=True),
        sa.Column("title", _s(100), nullable=True),
        sa.Column("specialties", _JSON, nullable=False),
        sa.Column("term_from", sa.Date(), nullable=False),
        sa.Column("term_to", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["register_submission.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_appointment_institution_post", "appointment", ["institution_id", "post"])
    op.create_index("ix_appointment_staff_id", "appointment", ["staff_id"])
    op.create_table(
        "training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("subject", _s(200), nullable=False),
        sa.Column("provider", _s(200), nullable=True),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_training_staff_id", "training", ["staff_id"])
    # every existing institution: one version, from the day it was created
    day = "date(created_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(created_at AS DATE)"
    op.execute(
        sa.text(
            "INSERT INTO institution_version (institution_id, valid_from, valid_to, name, kind, parent_id,"
            " level, region_code, address, phone, handles_cases, procedure_id, case_number_prefix,"
            " recorded_at, recorded_by, submission_id)"
            f" SELECT id, {day}, NULL, name, kind, parent_id, level, region_code, address,"
            " phone, handles_cases, procedure_id, case_number_prefix, created_at, NULL, NULL FROM institution"
        )
    )


def downgrade() -> None:
    """Downgrade schema."""
    for table in (
        "training",
        "appointment",
        "staff",
        "hearing_room",
        "institution_version",
        "register_submission",
    ):
        op.drop_table(table)
    with op.batch_alter_table("institution", schema=None) as batch_op:
        for column in ("procedure_id", "handles_cases", "phone", "address", "parent_id", "kind"):
            batch_op.drop_column(column)
