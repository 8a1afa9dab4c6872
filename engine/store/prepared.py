"""Prepared statements: SQLAlchemy Core statements compiled once per dialect and run on the DBAPI
cursor of the caller's transaction.

Owns: `Prepared` (one statement, its compiled SQL per dialect, its bind and result processors and the
scalar column defaults of an INSERT), `prepared_select` (the rows of one key, e.g. a case's deadline
rows), `prepared_insert` (the INSERT of a table for a set of columns, cached) and `prepared_update`
(the optimistic UPDATE of a table for a set of columns, cached).

Why this exists: profiling a completed case showed half of the CPU time of an action inside
SQLAlchemy's per-call statement handling (building the statement, its cache key, the execution
context, ORM result loading), against 3% in SQLite itself. The firing path runs the same dozen
statements for every action, so they are compiled once and executed with exactly the SQL, bind
processing (dates, JSON, booleans, decimals), result processing and column defaults SQLAlchemy would
use, without the per-call work. Everything still runs inside the connection and transaction
`engine.store.db.Database.transaction()` opened: a rollback undoes these statements like any other, and a
DBAPI error is raised as SQLAlchemy's exception class (IntegrityError, OperationalError, ...), so
callers catch what they always caught; a lost connection is detected and invalidated as SQLAlchemy
does (the pool replaces it). Statements here are never built from author text.

Limits, checked when a statement is compiled: no expanding IN parameters, no callable column
defaults (give the value). An INSERT prepared for a set of columns has no implicit RETURNING; an
explicit `.returning(...)` is read with `all`/`first`. Anything else uses SQLAlchemy as usual.
May import: sqlalchemy only.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

__all__ = ["Prepared", "prepared_insert", "prepared_select", "prepared_update"]

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One statement compiled for one dialect."""

    sql: str
    #: bind names in the order of the SQL's placeholders (positional paramstyles), else None
    order: tuple[str, ...] | None
    binds: dict[str, Processor]
    #: scalar column defaults of an INSERT for the columns a caller did not give
    defaults: dict[str, Any]
    result_types: tuple[Any, ...]
    #: (bind name, its processor or None) in placeholder order (positional paramstyles)
    plan: tuple[tuple[str, Processor | None], ...] = ()


class Prepared:
    """A Core statement run with its compiled SQL, without SQLAlchemy's per-call handling.

    >>> import sqlalchemy as sa
    >>> t = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
    ...              sa.Column("on", sa.Date), sa.Column("data", sa.JSON))
    >>> engine = sa.create_engine("sqlite://")
    >>> t.metadata.create_all(engine)
    >>> import datetime as dt
    >>> add = prepared_insert(t, ("on", "data"))
    >>> get = Prepared(sa.select(t.c.on, t.c.data).where(t.c.id == sa.bindparam("id")))
    >>> with engine.begin() as conn:
    ...     add.run_many(conn, [{"on": dt.date(2026, 10, 8), "data": {"a": [1]}}])
    ...     get.all(conn, {"id": 1})
    [(datetime.date(2026, 10, 8), {'a': [1]})]
    """

    def __init__(self, statement: sa.sql.ClauseElement, columns: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.columns = tuple(columns) if columns is not None else None
        self._compiled: dict[tuple[str, str, str], _Compiled] = {}
        self._result_procs: dict[tuple[str, str, str], list[Processor | None]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ compiling

    def _for(self, dialect: sa.Dialect) -> _Compiled:
        key = (dialect.name, str(dialect.driver), str(dialect.paramstyle))
        got = self._compiled.get(key)
        if got is None:
            with self._lock:
                got = self._compiled.get(key) or self._compile(dialect)
                self._compiled[key] = got
        return got

    def _compile(self, dialect: sa.Dialect) -> _Compiled:
        kwargs: dict[str, Any] = {"dialect": dialect}
        if self.columns is not None:
            kwargs["column_keys"] = list(self.columns)
            kwargs["for_executemany"] = True  # no implicit RETURNING of the primary key
        compiled: Any = self.statement.compile(**kwargs)
        for name, bind in compiled.binds.items():
            if bind.expanding:
                raise ValueError(f"Prepared statements do not support expanding IN parameters ({name})")
        defaults: dict[str, Any] = {}
        for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
            default = column.default if column in compiled.insert_prefetch else column.onupdate
            if default is None or not getattr(default, "is_scalar", False):
                raise ValueError(f"Prepared statements need a value for column {column.key!r}")
            defaults[column.key] = default.arg
        order = tuple(compiled.positiontup) if compiled.positional else None
        binds = dict(compiled._bind_processors)
        return _Compiled(
            sql=compiled.string,
            order=order,
            binds=binds,
            defaults=defaults,
            result_types=tuple(entry.type for entry in compiled._result_columns),
            plan=tuple((name, binds.get(name)) for name in order or ()),
        )

    # ------------------------------------------------------------------ running

    def _params(self, c: _Compiled, given: Mapping[str, Any] | None) -> Any:
        # as SQLAlchemy, processors see None too (a JSON column's None is stored as JSON null)
        g: Mapping[str, Any] = given if given is not None else {}
        if c.order is None:
            values = {**c.defaults, **g}
            for name, process in c.binds.items():
                if name in values:
                    values[name] = process(values[name])
            return values
        defaults = c.defaults
        out = []
        try:
            for name, step in c.plan:
                value = g[name] if name in g else defaults[name]
                out.append(value if step is None else step(value))
        except KeyError as exc:
            raise ValueError(f"missing parameter {exc.args[0]!r} for: {c.sql}") from None
        return tuple(out)

    def _cursor(self, conn: sa.Connection) -> Any:
        return conn.connection.cursor()

    def _wrap(
        self, conn: sa.Connection, c: _Compiled, params: Any, exc: Exception, cursor: Any = None
    ) -> Exception:
        """A DBAPI error as SQLAlchemy raises it. The cursor is the DBAPI's own, so SQLAlchemy's
        disconnect detection does not see the error: do it here as it does (invalidate the connection,
        so its transaction ends without a rollback on a dead socket and the pool replaces it)."""
        dialect = conn.dialect
        dbapi = dialect.loaded_dbapi
        if not isinstance(exc, dbapi.Error):
            return exc
        invalidated = False
        if not conn.invalidated:
            try:
                raw = conn.connection.dbapi_connection
                invalidated = bool(dialect.is_disconnect(exc, raw, cursor))
            except Exception:  # detection must never hide the error itself
                invalidated = False
            if invalidated:
                conn.invalidate(exc)
        return sa.exc.DBAPIError.instance(
            c.sql, params, exc, dbapi.Error, connection_invalidated=invalidated, dialect=dialect
        )

    def run(self, conn: sa.Connection, params: Mapping[str, Any] | None = None) -> int:
        """Execute once; the number of rows it changed (rowcount)."""
        c = self._for(conn.dialect)
        bound = self._params(c, params)
        cursor = None
        try:
            cursor = self._cursor(conn)
            cursor.execute(c.sql, bound)
            return int(cursor.rowcount)
        except Exception as exc:
            raise self._wrap(conn, c, bound, exc, cursor) from exc
        finally:
            _close(cursor)

    def run_many(self, conn: sa.Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Execute once per row of parameters (DBAPI executemany)."""
        c = self._for(conn.dialect)
        bound = [self._params(c, row) for row in rows]
        if not bound:
            return
        cursor = None
        try:
            cursor = self._cursor(conn)
            cursor.executemany(c.sql, bound)
        except Exception as exc:
            raise self._wrap(conn, c, bound, exc, cursor) from exc
        finally:
            _close(cursor)

    def all(self, conn: sa.Connection, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Execute a SELECT; its rows as tuples of Python values (dates, dicts, ...), in column order."""
        c = self._for(conn.dialect)
        bound = self._params(c, params)
        cursor = None
        try:
            cursor = self._cursor(conn)
            cursor.execute(c.sql, bound)
            raw = cursor.fetchall()
            procs = self._processors(conn.dialect, c, cursor.description)
        except Exception as exc:
            raise self._wrap(conn, c, bound, exc, cursor) from exc
        finally:
            _close(cursor)
        active = [(i, p) for i, p in enumerate(procs) if p is not None]
        if not active:
            return [tuple(r) for r in raw]
        rows = []
        for r in raw:
            row = list(r)
            for i, p in active:
                if row[i] is not None:
                    row[i] = p(row[i])
            rows.append(tuple(row))
        return rows

    def first(self, conn: sa.Connection, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        rows = self.all(conn, params)
        return rows[0] if rows else None

    def _processors(self, dialect: sa.Dialect, c: _Compiled, description: Any) -> list[Processor | None]:
        key = (dialect.name, str(dialect.driver), str(dialect.paramstyle))
        procs = self._result_procs.get(key)
        if procs is None:
            procs = [
                type_._cached_result_processor(dialect, col[1])
                for type_, col in zip(c.result_types, description, strict=True)
            ]
            self._result_procs[key] = procs
        return procs


def _close(cursor: Any) -> None:
    """Close a DBAPI cursor; closing one on a lost connection must not replace the error being raised."""
    if cursor is None:
        return
    try:
        cursor.close()
    except Exception:  # the statement's own error (if any) is what matters
        pass


@functools.cache
def prepared_insert(table: sa.Table, columns: tuple[str, ...], returning: tuple[str, ...] = ()) -> Prepared:
    """The INSERT of `columns` into `table` (columns with scalar defaults may be left out), returning
    the columns named in `returning` (read them with `first`)."""
    statement = sa.insert(table)
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    return Prepared(statement, columns)


@functools.cache
def prepared_update(table: sa.Table, columns: tuple[str, ...]) -> Prepared:
    """UPDATE `columns` of the row whose primary key `id` is the parameter `row_id` and whose `version`
    is the parameter `read_version` (the optimistic check; rowcount 0 means someone else changed it).
    A table without a `version` column is matched on `row_id` alone."""
    where = table.c.id == sa.bindparam("row_id")
    if "version" in table.c and "read_version" not in columns:
        where = where & (table.c.version == sa.bindparam("read_version"))
    return Prepared(sa.update(table).where(where).values({c: sa.bindparam(c) for c in columns}))


def prepared_select(
    table: sa.Table,
    columns: Sequence[str],
    *,
    key: str = "case_id",
    order_by: str | None = "id",
    distinct: bool = False,
) -> Prepared:
    """SELECT `columns` of the rows of `table` whose `key` column equals the parameter of that name,
    in `order_by` order (e.g. a case's deadline rows: `prepared_select(deadline, [...])` run with
    `{"case_id": 7}`)."""
    statement = sa.select(*(table.c[name] for name in columns)).where(table.c[key] == sa.bindparam(key))
    if distinct:
        statement = statement.distinct()
    if order_by is not None:
        statement = statement.order_by(table.c[order_by])
    return Prepared(statement)
