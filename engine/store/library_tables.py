"""The library's tables (法律法规库、案例库): laws, the versions of their articles, and cases.

Owns: `LawRow`, `LawArticleRow`, `LibraryCaseRow`, `LIBRARY_TABLES`. An article's versions are periods
[effective_from, effective_to): effective_to is the day the next version took effect, NULL for the
current one. Every version stays, so a case decided under an old text can still show it. Cases are not
versioned: a published case is a fixed record of a past decision; a changed record is a correction of its
transcription, which replaces it (content_sha256 says whether it changed).
Stage in the flow: beside the cases (written by engine.library.loader, read by the library commands).
May import: engine.store.columns, sqlmodel, sqlalchemy.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.store.columns import json_field, utc_now


class LawRow(SQLModel, table=True):
    """One law, regulation, rule or judicial interpretation (法律法规), by its corpus key (e.g. ldrmal)."""

    __tablename__ = "law"
    law_key: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=200)
    #: 法律 / 行政法规 / 部门规章 / 部门规范性文件 / 司法解释
    level: str = Field(default="", max_length=40)
    issuer: str = Field(default="", max_length=200)
    recorded_at: dt.datetime = Field(default_factory=utc_now)


class LawArticleRow(SQLModel, table=True):
    """One version of one article (条文): its text over [effective_from, effective_to)."""

    __tablename__ = "law_article"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "effective_from", name="uq_law_article_version"),
        sa.Index("ix_law_article_current", "article_id", "effective_to"),
    )
    id: int | None = Field(default=None, primary_key=True)
    #: the corpus id, e.g. ldrmal-47 (stable over versions)
    article_id: str = Field(max_length=80, index=True)
    law_key: str = Field(foreign_key="law.law_key", max_length=64, index=True)
    article: int
    label: str = Field(max_length=40)
    chapter: str = Field(default="", max_length=200)
    section: str = Field(default="", max_length=200)
    text: str = Field(sa_type=sa.Text)
    text_sha256: str = Field(max_length=64)
    effective_from: dt.date
    effective_to: dt.date | None = None
    doc_number: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=1000)
    source: str = Field(default="", max_length=500)
    official_url: str = Field(default="", max_length=500)
    recorded_at: dt.datetime = Field(default_factory=utc_now)


class LibraryCaseRow(SQLModel, table=True):
    """A case of the case library (案例库): a published typical case, or (later) an award of this system."""

    __tablename__ = "library_case"
    id: str = Field(primary_key=True, max_length=100)
    #: typical (典型案例、指导性案例) | award (this system's published awards)
    kind: str = Field(default="typical", max_length=20, index=True)
    title: str = Field(max_length=300)
    facts: str = Field(default="", sa_type=sa.Text)
    claims: str = Field(default="", sa_type=sa.Text)
    outcome: str = Field(default="", sa_type=sa.Text)
    reasoning: str = Field(default="", sa_type=sa.Text)
    #: article ids (law_article.article_id) the case cites
    articles_cited: list[Any] = json_field()
    dispute_types: list[Any] = json_field()
    #: claim categories (请求类别) derived from the claims and dispute types
    claim_categories: list[Any] = json_field()
    #: 仲裁 / 诉讼 / 执行
    proceeding: str = Field(default="", max_length=20)
    authority: str = Field(default="", max_length=300)
    #: the jurisdiction as published (全国性, 北京市, ...)
    region: str = Field(default="", max_length=100)
    #: the largest amount claimed, in yuan, where the claims state one
    amount: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    published_on: dt.date | None = None
    source: str = Field(default="", max_length=500)
    official_url: str = Field(default="", max_length=500)
    content_sha256: str = Field(max_length=64)
    recorded_at: dt.datetime = Field(default_factory=utc_now)
    updated_at: dt.datetime = Field(default_factory=utc_now)


LIBRARY_TABLES = (LawRow, LawArticleRow, LibraryCaseRow)
