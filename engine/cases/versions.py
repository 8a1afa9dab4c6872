"""The procedure versions cases run under: a case is pinned to the content hash of the procedure it
opened under, and keeps those rules after the files change (DESIGN.md §5).

Owns: `ProcedureSource` (what is needed of engine.procedures.library.ProcedureLibrary), `ProcedureVersions`
(`by_hash` in a session, `for_hash` without one, `store` a snapshot in the opening's transaction,
`lookup(session)` for the audit, `inside(db)` for a service joined to a caller's transaction). Thread-safe;
it holds only caches. Every module that needs the rules of a case takes this, not the case service.
May import: engine.errors, engine.procedures, engine.store, engine.cases.writes.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session

from engine.cases import writes as w
from engine.errors import CaseNotFound, UnknownProcedure
from engine.procedures.model import Procedure
from engine.store.db import Database
from engine.store.tables import SnapshotRow


class ProcedureSource(Protocol):
    """What the runtime needs from engine.procedures.library.ProcedureLibrary."""

    def get(self, procedure_id: str) -> Procedure: ...


def _compile_snapshot(spec: Mapping[str, Any]) -> Procedure:
    # the compiler loads lark and transitions: imported when a snapshot has to be compiled
    from engine.procedures.compiler import compile_snapshot

    procedure: Procedure = compile_snapshot(dict(spec))
    return procedure


class ProcedureVersions:
    """The library's procedures and the stored snapshots, by content hash (compiled once each)."""

    def __init__(
        self,
        db: Database,
        library: ProcedureSource,
        compile_snapshot: Callable[[Mapping[str, Any]], Procedure] | None = None,
    ) -> None:
        self.db = db
        self.library = library
        self._compile_snapshot = compile_snapshot or _compile_snapshot
        self._by_hash: dict[str, Procedure] = {}
        self._stored_hashes: set[str] = set()
        self._lock = threading.Lock()

    def by_hash(self, session: Session, procedure_id: str, content_hash: str) -> Procedure:
        """The procedure version a case runs under: the library's if unchanged, else its stored snapshot."""
        got = self._by_hash.get(content_hash)
        if got is not None:
            return got
        try:
            current: Procedure | None = self.library.get(procedure_id)
        except Exception:
            current = None
        if current is not None and current.content_hash == content_hash:
            procedure = current
        else:
            row = session.get(SnapshotRow, content_hash)
            if row is None:
                raise CaseNotFound(
                    f"procedure snapshot {content_hash[:12]} of '{procedure_id}' is missing from the store"
                )
            procedure = self._compile_snapshot(row.spec)
        with self._lock:
            self._by_hash[content_hash] = procedure
        return procedure

    def for_hash(self, content_hash: str) -> Procedure:
        """The procedure version stored under `content_hash` (for callers without a session)."""
        got = self._by_hash.get(content_hash)
        if got is not None:
            return got
        with self.db.read() as s:
            row = s.get(SnapshotRow, content_hash)
            if row is None:
                raise UnknownProcedure(f"no procedure snapshot with hash {content_hash[:12]} in the store")
            return self.by_hash(s, row.procedure_id, content_hash)

    def store(self, session: Session, procedure: Procedure) -> None:
        """Store the procedure's snapshot under its content hash once (engine.cases.opening), in the
        opening's transaction. Remembered as stored only once it is seen in the store: a snapshot
        inserted by an opening that then rolls back is inserted again by the next one."""
        if procedure.content_hash in self._stored_hashes:
            return
        stored = session.get(SnapshotRow, procedure.content_hash) is not None
        if not stored:
            try:
                with session.begin_nested():
                    session.add(
                        SnapshotRow(
                            content_hash=procedure.content_hash,
                            procedure_id=procedure.id,
                            version=procedure.version,
                            spec=w.jsonable(procedure.snapshot),
                        )
                    )
                    session.flush()
            except sa.exc.IntegrityError:
                stored = True  # stored by a concurrent opening
        with self._lock:
            self._by_hash.setdefault(procedure.content_hash, procedure)
            if stored:
                self._stored_hashes.add(procedure.content_hash)

    def lookup(self, session: Session) -> Callable[[str, str], Procedure]:
        """`(procedure_id, content_hash) -> Procedure` in `session` (what the breach audit takes)."""
        return lambda procedure_id, content_hash: self.by_hash(session, procedure_id, content_hash)

    def inside(self, db: Database) -> ProcedureVersions:
        """These versions for a service joined to another transaction (engine.cases.joined): the same
        compiled procedures; the snapshots it stores are remembered only by the outer service once
        they are committed, so none is remembered here."""
        joined = copy.copy(self)
        joined.db = db
        joined._stored_hashes = set()
        return joined
