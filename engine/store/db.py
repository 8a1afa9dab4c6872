"""Database URL, engine, sessions and transactions; schema set-up through Alembic.

Owns: `database_url()`, `Database` (one SQLAlchemy engine plus session and transaction helpers) and
`init_db()`. SQLite is the default (a file under var/, WAL journal, foreign keys on, a busy timeout,
and `BEGIN IMMEDIATE` for write transactions so two writers queue instead of deadlocking);
PostgreSQL works unchanged through `ZHONGCAI_DATABASE_URL=postgresql+psycopg://...`.
Stage in the flow: 6-7 (every stored transition goes through `Database.transaction()`).
May import: engine.errors, engine.store.tables, sqlalchemy, sqlmodel, alembic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from engine.errors import BadInput

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_SQLITE = ROOT / "var" / "zhongcai.db"


def database_url() -> str:
    """`ZHONGCAI_DATABASE_URL`, or the SQLite file var/zhongcai.db."""
    url = os.environ.get("ZHONGCAI_DATABASE_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_SQLITE}"


def _sqlite_setup(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own BEGIN handling is disabled so that we choose DEFERRED or IMMEDIATE ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # IMMEDIATE takes the write lock at BEGIN: a writer that only read first cannot later fail to
        # upgrade its lock (SQLITE_BUSY without waiting). Reads use DEFERRED.
        mode = "IMMEDIATE" if conn.get_execution_options().get("zc_write", True) else "DEFERRED"
        sql = f"BEGIN {mode}"
        try:
            conn.connection.driver_connection.execute(sql)  # type: ignore[union-attr]
        except conn.dialect.loaded_dbapi.Error as exc:
            # sent on the DBAPI connection (no per-statement overhead), so raise what SQLAlchemy would:
            # its exception class (e.g. OperationalError `database is locked` after the busy timeout)
            raise sa.exc.DBAPIError.instance(
                sql, (), exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
            ) from exc


class Database:
    """One engine per URL; `transaction()` for writes, `read()` for reads."""

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = url or database_url()
        try:
            parsed = sa.make_url(self.url)
        except sa.exc.ArgumentError as exc:
            raise BadInput(
                f"数据库地址无效 (invalid database URL {self.url!r}): use e.g. sqlite:///var/zhongcai.db or "
                "postgresql+psycopg://user@host:5432/db",
                field="ZHONGCAI_DATABASE_URL",
            ) from exc
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if parsed.database in (None, "", ":memory:"):
                kwargs["poolclass"] = StaticPool
            else:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = sa.create_engine(parsed, **kwargs)
        if self.dialect == "sqlite":
            _sqlite_setup(self.engine)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one write transaction: committed on success, rolled back on any exception."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(zc_write=True)
            with conn.begin():
                with Session(bind=conn, expire_on_commit=False, autoflush=True) as session:
                    yield session
                    session.flush()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (a deferred transaction, rolled back at the end)."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(zc_write=False)
            with conn.begin() as txn:
                with Session(bind=conn, expire_on_commit=False) as session:
                    yield session
                txn.rollback()

    def init_db(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision (idempotent)."""
        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: sa.Engine | None = None) -> Any:
    """An Alembic `Config` for engine/store/migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Run the migrations up to `revision` on `engine`."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def init_db(url: str | None = None) -> Database:
    """Open the database at `url` (default `database_url()`) and migrate it to the newest schema."""
    db = Database(url)
    db.init_db()
    return db
