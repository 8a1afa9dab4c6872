"""Column conventions shared by every table module: recorded times in UTC, JSON as JSONB on PostgreSQL.

Owns: `utc_now`, `JSONType`, `json_field`.
May import: sqlmodel, sqlalchemy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utc_now() -> dt.datetime:
    """The current time in UTC (how every recorded time is stored)."""
    return dt.datetime.now(dt.UTC)


def json_field(nullable: bool = False) -> Any:
    """A JSON column (JSONB on PostgreSQL)."""
    return Field(default=None, sa_type=JSONType, nullable=nullable)
