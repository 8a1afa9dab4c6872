"""The store: migrations create exactly the tables of engine/store/tables.py; SQLite settings; transactions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.errors import BadInput
from engine.store.db import Database, database_url, init_db
from engine.store.tables import ALL_TABLES, CaseNumberCounterRow, InstitutionRow, metadata


def _schema_diff(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def test_migrated_sqlite_schema_equals_metadata(tmp_path: Path) -> None:
    db = init_db(f"sqlite:///{tmp_path / 'z.db'}")
    assert _schema_diff(db) == []
    names = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert names == {t.__tablename__ for t in ALL_TABLES}
    db.init_db()  # idempotent
    assert _schema_diff(db) == []


@pytest.mark.pg
def test_migrated_postgres_schema_equals_metadata(pg_url: str) -> None:
    db = init_db(pg_url)
    assert _schema_diff(db) == []
    idx = {i["name"]: i for i in sa.inspect(db.engine).get_indexes("deadline")}
    assert "ix_deadline_open_due" in idx
    db.dispose()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_default_url_is_sqlite_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZHONGCAI_DATABASE_URL", raising=False)
    assert database_url().startswith("sqlite:///") and database_url().endswith("var/zhongcai.db")
    monkeypatch.setenv("ZHONGCAI_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"


def test_bad_url_is_bad_input() -> None:
    with pytest.raises(BadInput, match="invalid database URL"):
        Database("not a url at all")


def test_transaction_rolls_back_everything_on_error(tmp_path: Path) -> None:
    db = init_db(f"sqlite:///{tmp_path / 'r.db'}")
    with pytest.raises(RuntimeError):
        with db.transaction() as s:
            s.add(InstitutionRow(id="x", name="X", region_code="11"))
            s.flush()
            s.add(CaseNumberCounterRow(institution_id="x", year=2026, last=1))
            s.flush()
            raise RuntimeError("boom")
    with db.read() as s:
        assert s.get(InstitutionRow, "x") is None
        assert s.get(CaseNumberCounterRow, ("x", 2026)) is None


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = init_db(f"sqlite:///{tmp_path / 'f.db'}")
    with pytest.raises(sa.exc.IntegrityError):
        with db.transaction() as s:
            s.add(CaseNumberCounterRow(institution_id="missing", year=2026, last=1))


def test_recorded_times_come_back_aware_utc(tmp_path: Path) -> None:
    db = init_db(f"sqlite:///{tmp_path / 't.db'}")
    with db.transaction() as s:
        s.add(InstitutionRow(id="a", name="A", region_code="11"))
    with db.read() as s:
        got = s.get(InstitutionRow, "a")
        assert got is not None and got.created_at.tzinfo is not None
        assert got.created_at.utcoffset() == dt.timedelta(0)


def test_write_transactions_take_the_write_lock_at_begin_and_reads_do_not(tmp_path: Path) -> None:
    """engine.store.db: BEGIN IMMEDIATE for `transaction()` (a second writer waits at its BEGIN instead of
    failing later to upgrade a read lock), BEGIN DEFERRED for `read()`."""
    import sqlite3

    path = tmp_path / "locks.db"
    db = Database(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with db.transaction() as s:
            s.connection()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        with db.read() as s:
            s.connection()
            other.execute("BEGIN IMMEDIATE")  # a reader holds no write lock
            other.execute("ROLLBACK")
    finally:
        other.close()
        db.dispose()


def test_a_busy_begin_is_raised_as_sqlalchemys_operational_error(tmp_path: Path) -> None:
    """BEGIN is sent on the DBAPI connection (engine.store.db) but a failure there (here `database is locked`
    after the busy timeout) is still SQLAlchemy's OperationalError, as every other statement's is."""
    import sqlite3

    from sqlalchemy import event

    path = tmp_path / "busy.db"
    db = Database(f"sqlite:///{path}")

    @event.listens_for(db.engine, "connect")
    def _short_wait(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout = 50")  # after engine.store.db's 30 s: fail fast here

    with db.transaction() as s:  # connected (and in WAL mode) before the lock is taken
        s.connection()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sa.exc.OperationalError, match="locked") as raised:
            with db.transaction() as s:
                s.connection()
        assert isinstance(raised.value.orig, sqlite3.OperationalError)
        other.execute("ROLLBACK")
        with db.transaction() as s:  # the connection is usable again
            assert s.connection().exec_driver_sql("select 1").scalar() == 1
    finally:
        other.close()
        db.dispose()
