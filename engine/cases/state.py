"""A case as the runtime reads it inside a transaction: its rows and what the checks need of it.

Owns: the plain rows a case is read into (`LoadedCase`, `LoadedDeadline`, `LoadedInstitution`) with the prepared
reads behind them (engine.store.prepared), `read_case`, `CaseState` (row, procedure, clocks, documents on
file and their versions, how often each action fired, the last effective date, facts decoded once) and
`load_state`. Split out of engine.cases.firing, which re-exports these names.
Stage in the flow: 6 (run). Used by engine.cases.firing, engine.cases.writes and engine.cases.runtime.
May import: engine.errors, engine.procedures.model, engine.cases.facts, engine.cases.guards, engine.cases.clockwork,
engine.store.tables, engine.store.prepared, sqlalchemy, sqlmodel.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

from engine.cases.clockwork import clocks_from_rows
from engine.cases.facts import decode_facts
from engine.cases.guards import CaseGuardContext, guard_names, holds
from engine.cases.tribunal import on_register
from engine.errors import (
    BadInput,
    CaseConflict,
    CaseNotFound,
)
from engine.procedures.model import Check, Procedure
from engine.store.prepared import Prepared, prepared_select
from engine.store.tables import CaseRow, DeadlineRow, EventRow, InstitutionRow

if TYPE_CHECKING:
    from engine.cases.runtime import CaseService


@dataclass(slots=True)
class LoadedCase:
    """The case_file row as a firing reads and updates it (a plain object: no ORM session behind it).
    `facts` is the stored (encoded) JSON; commit_plan sets the columns it writes."""

    id: int
    case_number: str
    institution_id: str
    region_code: str
    procedure_id: str
    procedure_version: str
    procedure_hash: str
    stage: str
    returns_to: str | None
    facts: dict[str, Any]
    version: int
    opened_on: dt.date
    accepted_on: dt.date | None
    closed_on: dt.date | None
    closure: str | None
    channel: str
    #: the receipt number (收件登记号); None when the case got its 案号 on receipt
    receipt_number: str | None = None
    updated_at: dt.datetime | None = None


#: the case_file columns a firing reads: LoadedCase's fields but `updated_at`, which only writes set
_CASE_COLUMNS = tuple(f.name for f in fields(LoadedCase) if f.name != "updated_at")


@dataclass(frozen=True, slots=True)
class LoadedDeadline:
    """A stored deadline row as a firing needs it (its clock, status and due date; who answers for it)."""

    id: int
    case_id: int
    deadline_id: str
    status: str
    due_on: dt.date | None
    clock: dict[str, Any]
    institution_id: str
    responsible: str | None
    steps: list[Any]
    due_note: str | None
    calendar_version: str | None
    provisional: bool = False


@dataclass(frozen=True, slots=True)
class LoadedInstitution:
    """What rendered documents show of the case's institution."""

    name: str
    case_number_prefix: str | None


_CF: sa.Table = CaseRow.__table__  # type: ignore[attr-defined]
_EV: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_INST: sa.Table = InstitutionRow.__table__  # type: ignore[attr-defined]
_DL: sa.Table = DeadlineRow.__table__  # type: ignore[attr-defined]
#: the case, the date and hash of its last event (seq = version), its institution's name and prefix
_LOAD_CASE = Prepared(
    sa.select(
        *(_CF.c[name] for name in _CASE_COLUMNS),
        _EV.c.effective_on,
        _EV.c.hash,
        _INST.c.name,
        _INST.c.case_number_prefix,
    )
    .select_from(_CF)
    .outerjoin(_EV, (_EV.c.case_id == _CF.c.id) & (_EV.c.seq == _CF.c.version))
    .outerjoin(_INST, _INST.c.id == _CF.c.institution_id)
    .where(_CF.c.id == sa.bindparam("case_id"))
)
_READ_CASE = Prepared(
    sa.select(*(_CF.c[name] for name in _CASE_COLUMNS)).where(_CF.c.id == sa.bindparam("case_id"))
)
_LOAD_DEADLINES = prepared_select(_DL, [f.name for f in fields(LoadedDeadline)])
#: every event's action, date and documents, in order: the history, how often each action fired and,
#: counting the documents each event filed, every document's highest version (engine.oversight.verify checks that
#: the documents on file are exactly the events' lists; uq_case_document refuses a wrong number)
_LOAD_EVENTS = prepared_select(_EV, ["action", "effective_on", "documents"], order_by="seq")


def read_case(conn: sa.Connection, case_id: int) -> LoadedCase | None:
    """The case row, or None when there is no such case."""
    found = _READ_CASE.first(conn, {"case_id": case_id})
    return None if found is None else LoadedCase(*found)


class CaseState:
    """A case as read inside the firing transaction. The documents on file and the action counts are
    read only when a check needs them (a guard calling has_document or times_fired, `requires:`)."""

    def __init__(
        self,
        case: LoadedCase,
        procedure: Procedure,
        clocks: dict[str, Any],
        *,
        connection: sa.Connection | None = None,
        last_on: dt.date | None = None,
        last_hash: str | None = None,
        rows: dict[str, LoadedDeadline] | None = None,
        institution: LoadedInstitution | None = None,
    ) -> None:
        self.case = case
        self.procedure = procedure
        self.clocks = clocks
        self.last_on = last_on
        self.last_hash = last_hash
        self.rows = rows or {}
        #: the case's institution when read with the case (what rendered documents show), else None
        self.institution = institution
        self.deadlines = {k: (r.status, r.due_on) for k, r in self.rows.items()}
        #: the deadlines whose due date is provisional (P5: counted through a year without its notice)
        self.provisional = frozenset(
            k for k, r in self.rows.items() if r.provisional and r.due_on is not None
        )
        self._conn = connection
        self._versions: dict[str, int] | None = None if connection is not None else {}
        self._documents: set[str] | None = None
        self._history: tuple[tuple[str, dt.date], ...] | None = None if connection is not None else ()
        self._fired: dict[str, int] | None = None
        self._facts: dict[str, Any] | None = None

    @property
    def facts(self) -> dict[str, Any]:
        """The case's facts as typed values (decoded once per action; do not change the dict)."""
        if self._facts is None:
            self._facts = decode_facts(self.procedure, self.case.facts)
        return self._facts

    @property
    def case_id(self) -> int:
        assert self.case.id is not None
        return self.case.id

    @property
    def documents(self) -> set[str]:
        if self._documents is None:
            self._documents = set(self.versions)
        return self._documents

    @property
    def versions(self) -> dict[str, int]:
        """{document id: its highest stored version} for the documents on file (shared by the guards'
        has_document and the version numbers of the documents written)."""
        if self._versions is None:
            self._read_events()
            assert self._versions is not None
        return self._versions

    @property
    def history(self) -> tuple[tuple[str, dt.date], ...]:
        """(action, effective date) of every event so far, in order (shared by the guards' times_fired
        and the rendered documents' history)."""
        if self._history is None:
            self._read_events()
            assert self._history is not None
        return self._history

    def _read_events(self) -> None:
        """One read of the case's events gives both the history and the document versions."""
        assert self._conn is not None
        rows = _LOAD_EVENTS.all(self._conn, {"case_id": self.case_id})
        self._history = tuple((a, d) for a, d, _ in rows)
        self._versions = dict(Counter(str(doc) for _, _, docs in rows for doc in docs or ()))

    @property
    def fired(self) -> dict[str, int]:
        if self._fired is None:
            self._fired = dict(Counter(a for a, _ in self.history))
        return self._fired

    def context(self, at: dt.date, calendar: Any, extra_documents: Iterable[str] = ()) -> CaseGuardContext:
        extra = set(extra_documents)
        return CaseGuardContext(
            self.procedure,
            at=at,
            documents=lambda: self.documents | extra,
            deadlines=self.deadlines,
            provisional=self.provisional,
            fired=lambda: self.fired,
            calendar=calendar,
            register=lambda name, post: self.on_register(name, post, at),
        )

    def on_register(self, name: str, post: str, at: dt.date) -> bool | None:
        """Whether `name` holds `post` at the case's institution on `at` (engine.cases.tribunal)."""
        assert self._conn is not None
        return on_register(self._conn, self.case.institution_id, name, post, at)

    def holds(self, check: Check, facts: Mapping[str, Any], at: dt.date, calendar: Any) -> bool:
        names = guard_names(self.procedure, facts, at, self.case.stage, self.case.opened_on)
        return holds(check, names, self.context(at, calendar))


def load_state(
    session: Session, service: CaseService, case_id: int, expected_version: int | None
) -> CaseState:
    """Two reads (prepared statements, engine.store.prepared): the case with its last event (whose date is
    the latest, since dates never go backwards, and whose hash the next event chains to) and its
    institution (what rendered documents show); and its deadline rows."""
    conn = session.connection()
    found = _LOAD_CASE.first(conn, {"case_id": case_id})
    if found is None:
        raise CaseNotFound(f"案件 {case_id} 不存在 (no case with id {case_id})")
    n = len(_CASE_COLUMNS)
    case = LoadedCase(*found[:n])
    last_on, last_hash, inst_name, inst_prefix = found[n:]
    institution = None if inst_name is None else LoadedInstitution(inst_name, inst_prefix)
    if expected_version is not None and (
        isinstance(expected_version, bool) or not isinstance(expected_version, int)
    ):
        raise BadInput(
            f"版本号应为整数 (expected_version must be the case's version number; got {expected_version!r})",
            field="expected_version",
        )
    if expected_version is not None and case.version != expected_version:
        raise CaseConflict(case_id, expected_version, case.version)
    procedure = service.versions.by_hash(session, case.procedure_id, case.procedure_hash)
    rows = {r[2]: LoadedDeadline(*r) for r in _LOAD_DEADLINES.all(conn, {"case_id": case_id})}
    return CaseState(
        case,
        procedure,
        clocks_from_rows({k: r.clock for k, r in rows.items()}),
        connection=conn,
        last_on=last_on,
        last_hash=last_hash,
        rows=rows,
        institution=institution,
    )
