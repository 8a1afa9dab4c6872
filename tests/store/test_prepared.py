"""engine.store.prepared: a prepared statement writes and reads exactly what SQLAlchemy's own execution
writes and reads (dates, aware datetimes, JSON/JSONB, booleans, decimals, scalar defaults), on SQLite
and PostgreSQL; its errors are SQLAlchemy's exception classes; a rollback undoes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import JSONB

from engine.store.db import Database
from engine.store.prepared import Prepared, prepared_insert, prepared_update

META = sa.MetaData()
JSON = sa.JSON().with_variant(JSONB(), "postgresql")
ROWS = sa.Table(
    "prep_row",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("label", sa.String(40), nullable=False, default="无"),
    sa.Column("on", sa.Date),
    sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("data", JSON),
    sa.Column("flag", sa.Boolean, nullable=False, default=False),
    sa.Column("amount", sa.Numeric(16, 2)),
)
COLUMNS = ("label", "on", "at", "data", "flag", "amount")
SELECT = Prepared(
    sa.select(*(ROWS.c[c] for c in ("id", "version", *COLUMNS)))
    .where(ROWS.c.id >= sa.bindparam("from_id"))
    .order_by(ROWS.c.id)
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'p.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    database = Database(url)
    META.create_all(database.engine)
    yield database
    database.dispose()


#: PostgreSQL's JSONB and text hold no NUL character (for SQLAlchemy's execution just the same)
TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(TEXT, max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(TEXT, max_size=5), inner, max_size=3),
    max_leaves=8,
)
rows = st.fixed_dictionaries(
    {
        "label": st.text(TEXT, max_size=20),
        "on": st.none() | st.dates(dt.date(1950, 1, 1), dt.date(2099, 12, 31)),
        "at": st.none()
        | st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2090, 1, 1)).map(
            lambda d: d.replace(tzinfo=dt.UTC)
        ),
        "data": json_values,
        "flag": st.booleans(),
        "amount": st.none()
        | st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    }
)


def _core_rows(conn: sa.Connection, from_id: int) -> list[tuple[Any, ...]]:
    cols = [ROWS.c[c] for c in ("id", "version", *COLUMNS)]
    return [tuple(r) for r in conn.execute(sa.select(*cols).where(ROWS.c.id >= from_id).order_by(ROWS.c.id))]


def _normal(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # SQLite returns naive UTC datetimes for DateTime(timezone=True); compare in UTC either way
    return tuple(
        v.replace(tzinfo=None) if isinstance(v, dt.datetime) and v.utcoffset() == dt.timedelta(0) else v
        for v in row
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(rows, min_size=1, max_size=4))
def test_prepared_writes_and_reads_what_sqlalchemy_does(db: Database, batch: list[dict[str, Any]]) -> None:
    with db.engine.begin() as conn:
        conn.execute(ROWS.delete())
        conn.execute(sa.insert(ROWS), batch)  # SQLAlchemy's own execution
        prepared_insert(ROWS, COLUMNS).run_many(conn, batch)  # the same rows, prepared
        via_core = [_normal(r) for r in _core_rows(conn, 0)]
        via_prepared = [_normal(r) for r in SELECT.all(conn, {"from_id": 0})]
        # SQL NULL versus JSON null, as stored (Python None reads back the same from both)
        nulls = [bool(n) for (n,) in conn.execute(sa.text("select data is null from prep_row order by id"))]
    assert via_prepared == via_core  # reading: the same Python values
    n = len(batch)
    assert [r[1:] for r in via_core[:n]] == [r[1:] for r in via_core[n:]]  # writing: the same stored values
    assert nulls[:n] == nulls[n:]
    for given_row, row in zip(batch, via_prepared[n:], strict=True):
        assert row[1] == 1  # the scalar default of `version`
        assert row[2] == given_row["label"] and row[3] == given_row["on"] and row[5] == given_row["data"]
        assert row[7] is None or isinstance(row[7], Decimal)


def test_optimistic_update_counts_rows(db: Database) -> None:
    with db.engine.begin() as conn:
        prepared_insert(ROWS, ("label",)).run(conn, {"label": "甲"})
        row_id = conn.execute(sa.select(ROWS.c.id)).scalar_one()
        update = prepared_update(ROWS, ("label", "version"))
        assert update.run(conn, {"row_id": row_id, "read_version": 1, "label": "乙", "version": 2}) == 1
        assert update.run(conn, {"row_id": row_id, "read_version": 1, "label": "丙", "version": 2}) == 0
        assert conn.execute(sa.select(ROWS.c.label, ROWS.c.version)).one() == ("乙", 2)


def test_errors_are_sqlalchemy_errors_and_rollback_undoes(db: Database) -> None:
    insert = prepared_insert(ROWS, ("id", "label"))
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            insert.run(conn, {"id": 7, "label": "甲"})
            insert.run(conn, {"id": 7, "label": "乙"})
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ROWS)).scalar_one() == 0


def test_missing_parameter_is_named() -> None:
    engine = sa.create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as conn, pytest.raises(ValueError, match="from_id"):
        SELECT.all(conn, {})


def test_expanding_parameters_are_refused_when_compiled() -> None:
    engine = sa.create_engine("sqlite://")
    META.create_all(engine)
    expanding = Prepared(sa.select(ROWS.c.id).where(ROWS.c.label.in_(sa.bindparam("labels", expanding=True))))
    with engine.begin() as conn, pytest.raises(ValueError, match="expanding"):
        expanding.all(conn, {"labels": ["a"]})


def test_insert_returning_gives_the_new_key(db: Database) -> None:
    insert = prepared_insert(ROWS, ("label", "on"), returning=("id", "on"))
    with db.engine.begin() as conn:
        first = insert.first(conn, {"label": "甲", "on": dt.date(2026, 10, 8)})
        second = insert.first(conn, {"label": "乙", "on": None})
        stored = conn.execute(sa.select(ROWS.c.id, ROWS.c.label).order_by(ROWS.c.id)).all()
    assert first is not None and second is not None
    assert first[1] == dt.date(2026, 10, 8) and second[1] is None
    assert [tuple(r) for r in stored] == [(first[0], "甲"), (second[0], "乙")]


@pytest.mark.pg
def test_a_lost_connection_is_reported_and_invalidated_as_sqlalchemy_does(pg_url: str) -> None:
    """The raw cursor bypasses SQLAlchemy's disconnect detection, so Prepared does it: the caller gets
    the error that happened (not the failed rollback's), marked connection_invalidated, and the pool
    hands out a live connection next time."""
    from tests.conftest import pg_url_or_fail

    database = Database(pg_url)
    admin = sa.create_engine(pg_url_or_fail())
    read = Prepared(sa.select(sa.literal_column("1")))
    try:
        with pytest.raises(sa.exc.OperationalError) as raised:
            with database.engine.begin() as conn:
                pid = conn.exec_driver_sql("select pg_backend_pid()").scalar()
                with admin.begin() as a:
                    a.execute(sa.text("select pg_terminate_backend(:p)"), {"p": pid})
                read.all(conn)
        assert raised.value.connection_invalidated
        assert "administrator command" in str(raised.value.orig)
        with pytest.raises(sa.exc.OperationalError) as again:  # a closed connection: still SQLAlchemy's
            with database.engine.begin() as conn:
                conn.connection.driver_connection.close()  # type: ignore[union-attr]
                read.all(conn)
        assert again.value.connection_invalidated
        with database.engine.begin() as conn:
            assert conn.exec_driver_sql("select pg_backend_pid()").scalar() != pid
            assert read.all(conn) == [(1,)]
    finally:
        admin.dispose()
        database.dispose()
