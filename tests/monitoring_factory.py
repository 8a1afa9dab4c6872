"""Synthetic case histories for the monitoring tests: cases, events and monitoring records written
through the real `engine.monitoring.record.build_record`, plus the plain-Python truth to compare with.

Each `SimCase` is a case's life in dates; `store_cases` writes its rows event by event (the case row
updated before each event, as the runtime does) so build_record sees exactly what it sees in
production. Not a fixture plugin: tests import it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from engine.monitoring.record import build_record
from engine.store.db import Database
from engine.store.tables import BreachRow, CaseRow, EventRow, InstitutionRow, SnapshotRow

HASH = "0" * 64
INSTITUTIONS = {"bj-cy": "110105", "bj-hd": "110108", "sz-ns": "440305", "cd-wh": "510107"}


@dataclass
class SimCase:
    """A case's life: the stats closure date is `closed` (the award date for awards)."""

    institution: str
    region: str
    opened: dt.date
    channel: str = "offline"
    workers: int = 1
    claim: Decimal = Decimal("10000.00")
    awarded: Decimal = Decimal("0.00")
    dispute_type: str = "labour_pay"
    industry: str | None = "39"
    accepted: dt.date | None = None
    ended: dt.date | None = None  # closed without acceptance (rejected / withdrawn before acceptance)
    ended_closure: str | None = None
    heard: dt.date | None = None
    closed: dt.date | None = None
    closure: str | None = None  # mediation, award_final, award_nonfinal, withdrawal
    effective: dt.date | None = None  # an award becoming final later: no new milestone
    breached: bool = False
    id: int | None = field(default=None)


def random_cases(rng: random.Random, n: int, first: dt.date, last: dt.date) -> list[SimCase]:
    """`n` cases opened between `first` and `last` with every kind of ending."""
    out = []
    span = (last - first).days
    for _ in range(n):
        inst = rng.choice(sorted(INSTITUTIONS))
        opened = first + dt.timedelta(days=rng.randrange(span + 1))
        workers = rng.choice([1, 1, 1, 2, 3, 10, 12, 30])
        c = SimCase(
            inst,
            INSTITUTIONS[inst],
            opened,
            channel=rng.choice(["online", "online_platform", "offline", "offline"]),
            workers=workers,
            claim=Decimal(rng.randrange(1000, 900000)).quantize(Decimal("0.01")),
            dispute_type=rng.choice(["labour_pay", "social_insurance", "contract_termination"]),
            industry=rng.choice(["13", "39", "47", "52", "62", None]),
        )
        fate = rng.random()
        if fate < 0.1:
            c.ended, c.ended_closure = opened + dt.timedelta(days=rng.randrange(1, 6)), "not_accepted"
        elif fate < 0.15:
            c.ended, c.ended_closure = opened + dt.timedelta(days=rng.randrange(1, 4)), "withdrawal"
        else:
            c.accepted = opened + dt.timedelta(days=rng.randrange(0, 6))
            kind = rng.random()
            if kind < 0.3:
                c.closed, c.closure = c.accepted + dt.timedelta(days=rng.randrange(5, 40)), "mediation"
            elif kind < 0.7:
                c.heard = c.accepted + dt.timedelta(days=rng.randrange(10, 30))
                c.closed = c.heard + dt.timedelta(days=rng.randrange(1, 40))
                c.closure = rng.choice(["award_final", "award_nonfinal"])
                c.awarded = (c.claim * Decimal(rng.randrange(0, 101)) / 100).quantize(Decimal("0.01"))
                c.effective = c.closed + dt.timedelta(days=rng.randrange(16, 30))
            elif kind < 0.8:
                c.closed, c.closure = c.accepted + dt.timedelta(days=rng.randrange(3, 30)), "withdrawal"
            # else: still pending
            c.breached = c.closed is not None and (c.closed - c.accepted).days > 45
        out.append(c)
    return out


def _events(c: SimCase) -> list[tuple[dt.date, str, str | None, str, list[str]]]:
    """(effective_on, action, stage_before, stage_after, documents) in order."""
    ev: list[tuple[dt.date, str, str | None, str, list[str]]] = [(c.opened, "open", None, "received", [])]
    if c.ended is not None:
        stage = "rejected" if c.ended_closure == "not_accepted" else "withdrawn"
        ev.append((c.ended, "reject" if stage == "rejected" else "withdraw", "received", stage, []))
        return ev
    if c.accepted is None:
        return ev
    ev.append((c.accepted, "accept", "received", "accepted", ["acceptance_notice"]))
    stage = "accepted"
    if c.heard is not None:
        ev.append((c.heard, "hold_hearing", "accepted", "heard", []))
        stage = "heard"
    if c.closed is None:
        return ev
    if c.closure == "mediation":
        ev.append((c.closed, "mediate", stage, "mediated", ["mediation_document"]))
    elif c.closure == "withdrawal":
        ev.append((c.closed, "withdraw", stage, "withdrawn", []))
    else:
        doc = "final_award_document" if c.closure == "award_final" else "award_document"
        ev.append((c.closed, "award", stage, "awarded", [doc]))
        ev.append((c.closed, "deliver_award", "awarded", "awarded", []))
        if c.effective is not None:
            ev.append((c.effective, "challenge_expired", "awarded", "effective", []))
    return ev


_FINAL = {
    "rejected": "not_accepted",
    "withdrawn": "withdrawal",
    "mediated": "mediation",
    "effective": "award",
}


def store_cases(db: Database, cases: list[SimCase]) -> None:
    """Write institutions, cases, events, breaches and monitoring records (build_record) to `db`."""
    with db.transaction() as s:
        for inst, region in INSTITUTIONS.items():
            if s.get(InstitutionRow, inst) is None:
                s.add(InstitutionRow(id=inst, name=inst, region_code=region))
        if s.get(SnapshotRow, HASH) is None:
            s.add(SnapshotRow(content_hash=HASH, procedure_id="arbitration", version="t", spec={}))
        s.flush()
        for n, c in enumerate(cases):
            row = CaseRow(
                case_number=f"T-{n}-{c.opened}",
                institution_id=c.institution,
                region_code=c.region,
                procedure_id="arbitration",
                procedure_version="t",
                procedure_hash=HASH,
                stage="received",
                facts={
                    "workers": c.workers,
                    "claim_amount": str(c.claim),
                    "dispute_type": c.dispute_type,
                    "industry": c.industry,
                    "awarded_amount": "0",
                },
                opened_on=c.opened,
                channel=c.channel,
            )
            s.add(row)
            s.flush()
            assert row.id is not None
            c.id = row.id
            if c.breached and c.accepted is not None:
                due = c.accepted + dt.timedelta(days=45)
                s.add(
                    BreachRow(
                        case_id=row.id,
                        deadline_id="award",
                        due_on=due,
                        detected_on=due,
                        institution_id=c.institution,
                    )
                )
            for seq, (on, action, before, after, docs) in enumerate(_events(c), start=1):
                row.stage = after
                if action == "accept":
                    row.accepted_on = on
                if action == "award":
                    row.facts = {**row.facts, "awarded_amount": str(c.awarded)}
                if after in _FINAL:
                    row.closed_on, row.closure = on, _FINAL[after]
                ev = EventRow(
                    case_id=row.id,
                    seq=seq,
                    action=action,
                    actor_id="t",
                    role="clerk",
                    effective_on=on,
                    recorded_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                    stage_before=before,
                    stage_after=after,
                    facts_changed={},
                    clock_ops=[],
                    documents=docs,
                    prev_hash=HASH,
                    hash=HASH,
                )
                s.add(ev)
                s.flush()
                s.add(build_record(row, ev, session=s))
            s.flush()
