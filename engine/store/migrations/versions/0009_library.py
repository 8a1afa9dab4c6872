"""The law and case library (法律法规库、案例库).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 00:00:00

- `law`: one row per law, regulation, rule or judicial interpretation (by its corpus key, e.g. ldrmal).
- `law_article`: one row per version of an article, [effective_from, effective_to); effective_to NULL =
  the current version.
- `library_case`: the case library (typical cases; later this system's published awards), replaced on a
  changed record.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlmodel.sql import sqltypes

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _s(n: int) -> sqltypes.AutoString:
    return sqltypes.AutoString(length=n)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "law",
        sa.Column("law_key", _s(64), nullable=False),
        sa.Column("title", _s(200), nullable=False),
        sa.Column("level", _s(40), nullable=False),
        sa.Column("issuer", _s(200), nullable=False),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("law_key"),
    )
    op.create_table(
        "law_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", _s(80), nullable=False),
        sa.Column("law_key", _s(64), nullable=False),
        sa.Column("article", sa.Integer(), nullable=False),
        sa.Column("label", _s(40), nullable=False),
        sa.Column("chapter", _s(200), nullable=False),
        sa.Column("section", _s(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", _s(64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("doc_number", _s(200), nullable=False),
        sa.Column("note", _s(1000), nullable=False),
        sa.Column("source", _s(500), nullable=False),
        sa.Column("official_url", _s(500), nullable=False),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["law_key"], ["law.law_key"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "effective_from", name="uq_law_article_version"),
    )
    op.create_index("ix_law_article_article_id", "law_article", ["article_id"])
    op.create_index("ix_law_article_law_key", "law_article", ["law_key"])
    op.create_index("ix_law_article_current", "law_article", ["article_id", "effective_to"])
    op.create_table(
        "library_case",
        sa.Column("id", _s(100), nullable=False),
        sa.Column("kind", _s(20), nullable=False),
        sa.Column("title", _s(300), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("claims", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("reasoning", sa.Text(), nullable=False),
        sa.Column("articles_cited", _JSON, nullable=False),
        sa.Column("dispute_types", _JSON, nullable=False),
        sa.Column("claim_categories", _JSON, nullable=False),
        sa.Column("proceeding", _s(20), nullable=False),
        sa.Column("authority", _s(300), nullable=False),
        sa.Column("region", _s(100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("source", _s(500), nullable=False),
        sa.Column("official_url", _s(500), nullable=False),
        sa.Column("content_sha256", _s(64), nullable=False),
        sa.Column("recorded_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_library_case_kind", "library_case", ["kind"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_library_case_kind", table_name="library_case")
    op.drop_table("library_case")
    op.drop_index("ix_law_article_current", table_name="law_article")
    op.drop_index("ix_law_article_law_key", table_name="law_article")
    op.drop_index("ix_law_article_article_id", table_name="law_article")
    op.drop_table("law_article")
    op.drop_table("law")
