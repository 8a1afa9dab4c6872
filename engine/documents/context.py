"""What a document template sees: the case snapshot and the context built from it.

Owns: `CaseSnapshot` (the frozen input the runtime hands to engine.documents.render when an action
`produces` a document), `InstitutionInfo`, `DeadlineView` and `build_context`. Every right and time
limit a document states comes from here, computed from the procedure's deadlines (their `Period`)
and the case's clocks (their due dates), never typed into a template.

Names a template may use (the linter in engine.documents.render checks templates against them):
- the facts of the procedure, each under its own id (`applicant_name`, `claims`, ...);
- SNAPSHOT_NAMES below: `case_number`, `institution`, `doc_date`, `deadline`, ...
May import: engine.errors, engine.procedures.model, engine.dates.periods, engine.documents.masking, engine.documents.format (and clocks' Due
by shape).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from engine.documents.format import ProvisionalDate, as_money
from engine.documents.masking import Masker
from engine.errors import BadInput
from engine.procedures.model import Document, Procedure


class DueLike(Protocol):
    """The shape of engine.dates.clocks.Due: a due date (None while paused or stopped), status, steps."""

    @property
    def date(self) -> dt.date | None: ...

    @property
    def status(self) -> str: ...


@dataclass(frozen=True, slots=True)
class InstitutionInfo:
    """The arbitration commission (仲裁委员会) issuing the document."""

    id: str
    name: str
    region_code: str
    abbr: str = ""
    address: str | None = None
    phone: str | None = None
    #: the intermediate court where a final award may be set aside (L 49), if known
    court: str | None = None


@dataclass(frozen=True)
class CaseSnapshot:
    """A case as of the action that produces a document. Built by engine.cases.runtime; never mutated."""

    case_id: int
    case_number: str
    institution: InstitutionInfo
    procedure: Procedure
    stage: str
    facts: Mapping[str, Any]
    #: the effective date of the producing action: the date the document bears
    at: dt.date
    #: deadline id -> engine.dates.clocks.Due (date, status, steps)
    deadlines: Mapping[str, DueLike] = field(default_factory=dict)
    #: (action id, effective date), oldest first; the producing action last
    history: tuple[tuple[str, dt.date], ...] = ()
    #: ids of the documents on file
    documents: tuple[str, ...] = ()
    #: the day the application was received (the case was opened)
    opened_on: dt.date | None = None
    #: the receipt number (收件登记号) of the case, if it has one (`case_number` is the 案号 once accepted)
    receipt_number: str | None = None
    #: the query code issued by the producing action (acceptance), in plain: printed on the notice
    query_code: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document on file as a template lists it (e.g. in a 送达回证 or a 移送函)."""

    id: str
    title: str
    generated: bool
    internal: bool


@dataclass(frozen=True, slots=True)
class DeadlineView:
    """A deadline as a template reads it: `deadline.award.limit` is '45日'."""

    id: str
    title: str
    limit: str
    basis: str
    due: dt.date | None  # a doc_format.ProvisionalDate when provisional (P5): cn_date prints the mark
    status: str
    extension_limit: str | None
    provisional: bool = False


#: Names every document context provides besides the procedure's facts.
SNAPSHOT_NAMES = frozenset(
    {
        "case_number",
        "receipt_number",
        "query_code",
        "case_id",
        "institution",
        "procedure_title",
        "document_id",
        "document_title",
        "doc_date",
        "stage",
        "stage_title",
        "deadline",
        "history",
        "fired_on",
        "documents_on_file",
        "received_on",
        "opened_on",
        "producing_action",
        "code_name",
        "claims_final",
        "claims_nonfinal",
        "claims_total",
        "award_orders",
        "masked",
        "param",
    }
)


@dataclass(frozen=True, slots=True)
class AwardOrders:
    """The 主文 of an award over some claim items (R 49): the items granted with their sums, the total,
    and whether the rest of the claims is dismissed (an item granted nothing, or less in all than the
    sum claimed)."""

    granted: tuple[tuple[str, Decimal], ...]
    total: Decimal
    dismiss_rest: bool


def _money(value: Any) -> Decimal:
    """An amount of an award; nothing (None, "") is 0, anything else that is no amount is refused."""
    return Decimal("0") if value is None or value == "" else as_money(value)


def award_orders(items: Any, awarded_amount: Any = None, claim_amount: Any = None) -> AwardOrders:
    """The orders of an award over `items`: each item's sum awarded is its `awarded` when every item
    carries one beside the sum claimed, else its `amount` (as the `award` action records it). Without
    items, the award's `awarded_amount` stands alone."""
    claims = _claims(items)
    field_name = "awarded" if claims and all("awarded" in c for c in claims) else "amount"
    granted = tuple(
        (str(c.get("item") or ""), _money(c.get(field_name))) for c in claims if _money(c.get(field_name)) > 0
    )
    if not claims and _money(awarded_amount) > 0:
        granted = (("", _money(awarded_amount)),)
    total = sum((amount for _, amount in granted), Decimal("0"))
    claimed = _money(claim_amount)
    short = field_name == "awarded" and any(
        _money(c.get("awarded")) < _money(c.get("amount")) for c in claims
    )
    dismiss_rest = bool(granted) and (
        len(granted) < len(claims) or short or (claimed > 0 and total < claimed)
    )
    return AwardOrders(granted, total, dismiss_rest)


def deadline_views(procedure: Procedure, clocks: Mapping[str, DueLike]) -> dict[str, DeadlineView]:
    """Every deadline of the procedure with its Chinese period and, where a clock runs, its due date."""
    views: dict[str, DeadlineView] = {}
    for id_, title, limit, basis, extension_limit in _deadline_parts(procedure):
        due = clocks.get(id_)
        due_date = getattr(due, "date", getattr(due, "due_on", None)) if due is not None else None
        provisional = bool(getattr(due, "provisional", False)) and isinstance(due_date, dt.date)
        if provisional and isinstance(due_date, dt.date):
            due_date = ProvisionalDate.of(due_date)
        views[id_] = DeadlineView(
            id=id_,
            title=title,
            limit=limit,
            basis=basis,
            due=due_date if isinstance(due_date, dt.date) else None,
            status=due.status if due is not None else "not_started",
            extension_limit=extension_limit,
            provisional=provisional,
        )
    return views


_DeadlinePart = tuple[str, str, str, str, str | None]  # id, title, limit (zh), basis, extension (zh)
#: id(procedure) -> (the procedure, its deadline parts); the procedure is kept so its id stays its own
_PARTS: dict[int, tuple[Procedure, tuple[_DeadlinePart, ...]]] = {}
_PARTS_MAX = 64


def _deadline_parts(procedure: Procedure) -> tuple[_DeadlinePart, ...]:
    """What a deadline view takes from the procedure alone, computed once per Procedure object
    (a Procedure is frozen; one object serves every event of every case on that version)."""
    hit = _PARTS.get(id(procedure))
    if hit is not None and hit[0] is procedure:
        return hit[1]
    parts = tuple(
        (
            d.id,
            d.title,
            d.limit.zh(),
            d.basis,
            d.extension.up_to.zh() if d.extension is not None else None,
        )
        for d in procedure.deadlines.values()
    )
    if len(_PARTS) >= _PARTS_MAX:
        _PARTS.clear()
    _PARTS[id(procedure)] = (procedure, parts)
    return parts


def coerce_snapshot(snapshot: Any, procedure: Procedure) -> CaseSnapshot:
    """Our `CaseSnapshot`, or one built from the runtime's snapshot of the same meaning.

    engine.cases.casefile.CaseSnapshot names the institution by flat fields (institution_id,
    institution_name, region_code) and its deadlines carry `due_on`; both shapes are accepted.
    """
    if isinstance(snapshot, CaseSnapshot):
        return snapshot
    inst = getattr(snapshot, "institution", None)
    if not isinstance(inst, InstitutionInfo):
        inst = InstitutionInfo(
            id=str(getattr(snapshot, "institution_id", "")),
            name=str(getattr(snapshot, "institution_name", "")),
            region_code=str(getattr(snapshot, "region_code", "")),
            abbr=str(getattr(snapshot, "institution_abbr", "") or ""),
            address=getattr(snapshot, "institution_address", None),
            phone=getattr(snapshot, "institution_phone", None),
            court=getattr(snapshot, "court", None),
        )
    history = tuple(getattr(snapshot, "history", ()) or ())
    action = getattr(snapshot, "action", None)
    if not history and action:
        history = ((str(action), snapshot.at),)
    return CaseSnapshot(
        case_id=int(snapshot.case_id),
        case_number=str(snapshot.case_number),
        institution=inst,
        procedure=procedure,
        stage=str(snapshot.stage),
        facts=dict(snapshot.facts),
        at=snapshot.at,
        deadlines=dict(getattr(snapshot, "deadlines", {}) or {}),
        history=history,
        documents=tuple(getattr(snapshot, "documents", ()) or ()),
        opened_on=getattr(snapshot, "opened_on", None),
        receipt_number=getattr(snapshot, "receipt_number", None),
        query_code=getattr(snapshot, "query_code", None),
    )


def fact_values(procedure: Procedure, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The case's facts over the procedure's defaults; facts with neither are left out."""
    out: dict[str, Any] = {}
    for f in procedure.facts.values():
        if f.id in facts:
            out[f.id] = facts[f.id]
        elif f.has_default:
            out[f.id] = f.default
    for key, value in facts.items():  # facts the runtime holds beyond the declared ones
        out.setdefault(key, value)
    return out


def _claims(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, (list, tuple)):
        return []
    return [c for c in value if isinstance(c, Mapping)]


def build_context(
    procedure: Procedure, document: Document, snapshot: CaseSnapshot, *, masked: bool = False
) -> dict[str, Any]:
    """The variables of one document rendering. Deterministic: the same snapshot, the same context."""
    facts = fact_values(procedure, snapshot.facts)
    if masked:
        facts = Masker.from_facts(facts).mask_facts(facts)
    claims = _claims(facts.get("claims"))
    final = [c for c in claims if c.get("final")]
    nonfinal = [c for c in claims if not c.get("final")]
    history = tuple(snapshot.history)
    last_fired: dict[str, dt.date] = {}
    for action, day in history:
        last_fired[action] = day

    def fired_on(action: str) -> dt.date | None:
        """The effective date an action was last taken on this case, or None."""
        return last_fired.get(action)

    def param(param_id: str) -> Any:
        """A procedure parameter as in force on the document's date."""
        if param_id not in procedure.params:
            raise KeyError(f"procedure '{procedure.id}' has no param '{param_id}'")
        return procedure.params[param_id].at(snapshot.at)

    opened = snapshot.opened_on or next((day for action, day in history if action == "open"), None)
    received_on = last_fired.get("complete_materials", opened)

    def code_name(table: str, code: Any) -> str:
        """The name of a code (e.g. a dispute type) as in force on the document's date."""
        return _code_name(table, code, snapshot.at)

    on_file = tuple(_document_ref(procedure, d) for d in snapshot.documents)
    stage = procedure.stages.get(snapshot.stage)
    context: dict[str, Any] = dict(facts)
    context.update(
        case_number=snapshot.case_number,
        receipt_number=snapshot.receipt_number,
        query_code=snapshot.query_code,
        case_id=snapshot.case_id,
        institution=snapshot.institution,
        procedure_title=procedure.title,
        document_id=document.id,
        document_title=document.title,
        doc_date=snapshot.at,
        stage=snapshot.stage,
        stage_title=stage.title if stage is not None else snapshot.stage,
        deadline=deadline_views(procedure, snapshot.deadlines),
        history=history,
        fired_on=fired_on,
        documents_on_file=on_file,
        received_on=received_on,
        opened_on=opened,
        producing_action=history[-1][0] if history else "",
        code_name=code_name,
        claims_final=final,
        claims_nonfinal=nonfinal,
        claims_total=sum((Decimal(str(c.get("amount") or 0)) for c in claims), Decimal("0")),
        # the sum claimed counts only for the whole award (not for the final or the non-final part, R 50(4))
        award_orders=lambda items: award_orders(
            items,
            facts.get("awarded_amount"),
            facts.get("claim_amount") if len(_claims(items)) == len(claims) else None,
        ),
        masked=masked,
        param=param,
    )
    return context


def _document_ref(procedure: Procedure, document_id: str) -> DocumentRef:
    doc = procedure.documents.get(document_id)
    if doc is None:
        return DocumentRef(document_id, document_id, False, False)
    return DocumentRef(doc.id, doc.title, doc.kind == "generated", doc.internal)


_CODES_DIR = Path(__file__).resolve().parents[2] / "codes"


@lru_cache(maxsize=32)
def _code_table(table: str) -> dict[str, dict[str, Any]]:
    """code -> entry of one table under codes/, read as plain strings (BaseLoader: no YAML 1.1
    booleans or octal numbers). Only this table's file is read, so a broken unrelated file cannot
    stop a document; engine.codes.code_tables validates the tables when procedures are compiled."""
    path = _CODES_DIR / f"{table}.yaml"
    if not path.is_file():
        raise BadInput(f"没有代码表 {table} (no code table '{table}' under codes/)")
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    entries = data.get("codes", []) if isinstance(data, dict) else []
    return {str(e["code"]): e for e in entries if isinstance(e, dict) and "code" in e}


def _code_name(table: str, code: Any, on: dt.date) -> str:
    entry = _code_table(table).get(str(code))
    if entry is None:
        raise BadInput(f"代码表 {table} 中没有代码 '{code}' (no code '{code}' in table '{table}')")
    for period in entry.get("names") or []:
        start = period.get("valid_from")
        end = period.get("valid_to")
        if (not start or dt.date.fromisoformat(start) <= on) and (
            not end or on <= dt.date.fromisoformat(end)
        ):
            return str(period.get("name", entry.get("name", code)))
    return str(entry.get("name", code))
