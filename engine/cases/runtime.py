"""The case runtime: open a case, attach documents, fire actions, all in one transaction each.

Owns: `CaseService` (open_case, attach, fire, available_actions, get, history, list_cases) and
`shanghai_now`; the bodies of open_case and reissue_query_code are engine.cases.opening and
engine.cases.reissue. `fire` checks, in this order and with these stable codes: stage (`stage`), role
(`role`), effective date (`date`, P11), facts (`facts`), required documents (`document`), guards
(`guard` or the check's own code, through the shared transitions Machine of engine.procedures.machines) and
deadline operations (`deadline`); then it changes the stage, operates the clocks (engine.cases.clockwork),
renders the produced documents, appends the hash-chained event and its monitoring record, and bumps
the case version with an optimistic check (`CaseConflict`). Everything happens in ONE database
transaction: a refusal or any error rolls all of it back. The checking half (`engine.cases.firing.plan_fire`)
is shared with `available_actions`; the writing half lives in engine.cases.writes.
A case keeps the procedure snapshot it was opened under (stored by content hash, recompiled when the
library's current version differs).
Stage in the flow: 6 (run). Watching time is engine.oversight: the scan is given this service
(engine.oversight.scan.scan(service, as_of)); the service never calls it.
May import: everything in engine/ below it (model, library, clocks, calendar, expr, documents,
monitoring, tables, db). Never FastAPI or Typer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from engine.cases import access, opening, reissue
from engine.cases import writes as w
from engine.cases.casefile import SYSTEM, ActionAvailability, Actor, CaseView, EventView, TransitionRecord
from engine.cases.firing import ATTACH, as_refusal, plan_fire
from engine.cases.numbers import known_by
from engine.cases.papers import submitted
from engine.cases.state import load_state, read_case
from engine.cases.versions import ProcedureSource, ProcedureVersions
from engine.cases.views import case_view, event_view
from engine.errors import (
    CaseNotFound,
    DocumentFailed,
    EventNotAllowed,
    GuardRuntimeError,
)
from engine.procedures.model import Procedure
from engine.store.db import Database
from engine.store.tables import CaseRow, EventRow, InstitutionRow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_now() -> dt.datetime:
    """The current time in Asia/Shanghai (legal dates are local dates, P10)."""
    return dt.datetime.now(SHANGHAI)


class CaseService:
    """Opens and advances cases. Thread-safe: share one per process (it holds only caches)."""

    def __init__(
        self,
        db: Database,
        library: ProcedureSource,
        now: Callable[[], dt.datetime] = shanghai_now,
        *,
        compile_snapshot: Callable[[Mapping[str, Any]], Procedure] | None = None,
        query_codes: Callable[[str], str] | None = None,
    ) -> None:
        """`query_codes(salt)`: the new query code of a case (acceptance, reissue); random by default
        (engine.cases.access.new_query_code); the demo seed gives fixed ones."""
        self.db = db
        self.query_codes: Callable[[str], str] = query_codes or (lambda _salt: access.new_query_code())
        self.library = library
        self.now = now
        #: the procedure versions cases run under (the library's, or their stored snapshots)
        self.versions = ProcedureVersions(db, library, compile_snapshot)

    # ------------------------------------------------------------------ clock

    def today(self) -> dt.date:
        """Today's local date (Asia/Shanghai) according to `now`."""
        now = self.now()
        if now.tzinfo is not None:
            now = now.astimezone(SHANGHAI)
        return now.date()

    def recorded_at(self) -> dt.datetime:
        """Now, in UTC, as every event records it (a naive clock reads as Asia/Shanghai)."""
        now = self.now()
        if now.tzinfo is None:
            now = now.replace(tzinfo=SHANGHAI)
        return now.astimezone(dt.UTC)

    # ------------------------------------------------------------------ opening

    def open_case(
        self,
        procedure_id: str | None,
        at: dt.date,
        facts: Mapping[str, Any] | None,
        institution_id: str,
        actor: Actor = SYSTEM,
        channel: str = "offline",
        query_code: str | None = None,
    ) -> CaseView:
        """Open a case (收件), all in one transaction: engine.cases.opening.open_case."""
        return opening.open_case(self, procedure_id, at, facts, institution_id, actor, channel, query_code)

    # ------------------------------------------------------------------ firing

    def fire(
        self,
        case_id: int,
        action: str,
        actor: Actor,
        at: dt.date,
        facts: Mapping[str, Any] | None = None,
        documents: Sequence[str] | Mapping[str, bytes] | None = None,
        expected_version: int | None = None,
    ) -> TransitionRecord:
        """Fire `action` on the case (all or nothing). Raises EventNotAllowed (with its code), CaseConflict,
        CaseNotFound or BadInput; nothing is changed unless it returns."""
        return self._fire(case_id, action, actor, at, facts, documents, expected_version, expired=None)

    def _fire(
        self,
        case_id: int,
        action: str,
        actor: Actor,
        at: dt.date,
        facts: Mapping[str, Any] | None,
        documents: Sequence[str] | Mapping[str, bytes] | None,
        expected_version: int | None,
        expired: str | None,
    ) -> TransitionRecord:
        # the deadline scan (expired set) keeps seeing YearNotCovered itself (engine.oversight.scan)
        refusing: contextlib.AbstractContextManager[dict[str, str]] = (
            as_refusal(action, None, case_id) if expired is None else contextlib.nullcontext({})
        )
        with self.db.transaction() as s, refusing as where:
            state = load_state(s, self, case_id, expected_version)
            where["stage"] = state.case.stage
            plan = plan_fire(
                state,
                action,
                actor,
                at,
                facts,
                submitted(state.procedure, documents, at),
                today=self.today(),
                expired=expired,
            )
            return w.commit_plan(s, plan, self.recorded_at(), query_codes=self.query_codes)

    def attach(
        self,
        case_id: int,
        documents: Sequence[str] | Mapping[str, bytes],
        at: dt.date,
        actor: Actor,
        expected_version: int | None = None,
    ) -> TransitionRecord:
        """File submitted documents (stored with their sha256); an `attach` event records it."""
        return self._fire(case_id, ATTACH, actor, at, None, documents, expected_version, expired=None)

    def fire_on_expiry(self, case_id: int, action: str, deadline_id: str, at: dt.date) -> TransitionRecord:
        """Fire a deadline's `on_expiry` action as the system (the deadline scan calls this once).

        A defective template of a document the action produces is refused with code `document` (the
        scan reports it and goes on with the other cases, and tries again next time) instead of
        stopping the whole scan: one broken template must not hold back every other case."""
        try:
            return self._fire(case_id, action, SYSTEM, at, None, None, None, expired=deadline_id)
        except DocumentFailed as exc:
            raise EventNotAllowed(
                "document",
                str(exc),
                case_id=case_id,
                action=action,
                details={"document": exc.document_id, "template": exc.template, "template_error": True},
            ) from exc

    def available_actions(self, case_id: int, role: str, at: dt.date) -> list[ActionAvailability]:
        """Every action of the case's procedure with whether `role` could fire it now, and if not, why.
        Facts an action `needs` are not required here (they are supplied when firing)."""
        out: list[ActionAvailability] = []
        with self.db.read() as s:
            state = load_state(s, self, case_id, None)
            actor = Actor(f"role:{role}", role)
            for action in state.procedure.actions.values():
                try:
                    with as_refusal(action.id, state.case.stage, case_id):
                        plan_fire(
                            state, action.id, actor, at, None, {}, today=self.today(), check_needs=False
                        )
                except EventNotAllowed as refusal:
                    out.append(ActionAvailability(action.id, action.title, False, refusal))
                except GuardRuntimeError as exc:  # a `sets:` that cannot be computed: firing would fail
                    defect = EventNotAllowed(
                        "guard",
                        f"程序规则无法计算，不能办理 (a rule of the procedure cannot be evaluated on this case; "
                        f"report it to the procedure's author): {exc}",
                        case_id=case_id,
                        action=action.id,
                        stage=state.case.stage,
                    )
                    out.append(ActionAvailability(action.id, action.title, False, defect))
                else:
                    out.append(ActionAvailability(action.id, action.title, True))
        return out

    # ------------------------------------------------------------------ query codes

    def reissue_query_code(
        self, case_id: int, actor: Actor, expected_version: int | None = None
    ) -> TransitionRecord:
        """A new query code for the public lookup: engine.cases.reissue.reissue_query_code."""
        return reissue.reissue_query_code(self, case_id, actor, expected_version)

    # ------------------------------------------------------------------ reading

    def get(self, case_id: int) -> CaseView:
        with self.db.read() as s:
            case = read_case(s.connection(), case_id)
            if case is None:
                raise CaseNotFound(f"案件 {case_id} 不存在 (no case with id {case_id})")
            procedure = self.versions.by_hash(s, case.procedure_id, case.procedure_hash)
            return case_view(s, case, procedure)

    def find(self, case_number: str) -> CaseView:
        """The case known by `case_number`: its 案号 or its receipt number (a 案号 wins)."""
        with self.db.read() as s:
            rows = s.exec(select(CaseRow).where(known_by(case_number)).order_by(col(CaseRow.id))).all()
            case = next((r for r in rows if r.case_number == case_number), rows[0] if rows else None)
            if case is None or case.id is None:
                raise CaseNotFound(f"案号 {case_number} 不存在 (no case numbered {case_number})")
            return case_view(s, case, self.versions.by_hash(s, case.procedure_id, case.procedure_hash))

    def history(self, case_id: int) -> list[EventView]:
        with self.db.read() as s:
            if s.get(CaseRow, case_id) is None:
                raise CaseNotFound(f"案件 {case_id} 不存在 (no case with id {case_id})")
            rows = s.exec(
                select(EventRow).where(EventRow.case_id == case_id).order_by(col(EventRow.seq))
            ).all()
            return [event_view(e) for e in rows]

    def list_cases(
        self, institution_id: str | None = None, stage: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseRow]:
        with self.db.read() as s:
            stmt = select(CaseRow).order_by(col(CaseRow.id)).limit(limit).offset(offset)
            if institution_id is not None:
                stmt = stmt.where(CaseRow.institution_id == institution_id)
            if stage is not None:
                stmt = stmt.where(CaseRow.stage == stage)
            return list(s.exec(stmt).all())


def ensure_institution(
    db: Database, institution_id: str, name: str, region_code: str, *, abbr: str | None = None
) -> None:
    """Create the institution row if it does not exist (demo, scenarios, CLI set-up)."""
    with db.transaction() as s:
        if s.get(InstitutionRow, institution_id) is None:
            s.add(
                InstitutionRow(id=institution_id, name=name, region_code=region_code, case_number_prefix=abbr)
            )
