"""A case service working inside someone else's transaction: several engine writes (a register
submission row and the case events it fires, for one) committed or rolled back together.

Owns: `JoinedDatabase` (a `Database` whose transactions are savepoints of an open connection's
transaction) and `joined_service(service, session)` (a copy of the service on it: same library, clock and
caches; the procedure snapshots it stores are remembered only once the outer transaction commits).
May import: engine.store.db, engine.cases.runtime (types), sqlalchemy, sqlmodel.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session

from engine.store.db import Database

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService


class JoinedDatabase(Database):
    """A `Database` whose transactions are savepoints of an open connection's transaction: the case
    runtime run on it writes into the caller's transaction (committed or rolled back with it)."""

    def __init__(self, db: Database, conn: sa.Connection) -> None:  # no engine of its own
        self.url = db.url
        self.dialect = db.dialect
        self.engine = db.engine
        self._conn = conn

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with Session(
            bind=self._conn, expire_on_commit=False, autoflush=True, join_transaction_mode="create_savepoint"
        ) as session:
            yield session
            session.commit()  # releases the savepoint; the caller's transaction commits it

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(
            bind=self._conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        ) as session:
            yield session
            session.rollback()


def joined_service(service: CaseService, s: Session) -> CaseService:
    """A copy of `service` working inside the transaction of `s` (same library, clock, caches)."""
    joined = copy.copy(service)
    joined.db = JoinedDatabase(service.db, s.connection())
    # snapshots stored in this transaction are not stored until it commits: remember none of them
    joined.versions = service.versions.inside(joined.db)
    return joined
