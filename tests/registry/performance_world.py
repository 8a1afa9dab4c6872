"""A generated quarter for the performance tests: institutions, staff, appointments, cases with their
monitoring records, breaches and training, inserted as rows; and every figure recomputed by hand in
plain Python from the same generated data (the definitions of codes/performance.yaml, read literally).
Not a fixture plugin: tests import it."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from engine.store.register_tables import AppointmentRow, StaffRow, TrainingRow
from engine.store.tables import BreachRow, CaseRow, InstitutionRow, MonitoringRow, SnapshotRow

HASH = "0" * 64
START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
INSTITUTIONS = {"nn-qx": "450103", "nn-xx": "450107", "bj-cy": "110105"}
NAMES = ["黄志远", "韦丽娟", "蒙国强", "刘建国", "陈静", "杨帆", "李明华", "孙立群"]
ONLINE = {"online", "online_platform", "online_local"}
MEDIATION = {"mediation"}


@dataclass
class World:
    staff: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    breaches: list[dict[str, Any]] = field(default_factory=list)
    training: list[dict[str, Any]] = field(default_factory=list)


def _day(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    return a + dt.timedelta(days=rng.randrange((b - a).days + 1))


def generate(seed: int = 7, cases_per_institution: int = 120) -> World:
    rng = random.Random(seed)
    w = World()
    sid = 0
    for inst in INSTITUTIONS:
        for k, name in enumerate(rng.sample(NAMES, 6)):
            sid += 1
            w.staff.append({"id": sid, "institution_id": inst, "name": name})
            post = "clerk" if k == 5 else "arbitrator"
            if k == 4:  # left before the quarter: not an appointee of the period
                w.appointments.append(_appt(sid, inst, post, dt.date(2020, 1, 1), None, dt.date(2025, 12, 1)))
            elif k == 3:  # renewed inside the quarter: two appointments, counted once
                w.appointments.append(_appt(sid, inst, post, dt.date(2023, 1, 1), dt.date(2026, 2, 14)))
                w.appointments.append(_appt(sid, inst, post, dt.date(2026, 2, 15), dt.date(2029, 2, 14)))
            else:
                w.appointments.append(_appt(sid, inst, post, dt.date(2024, 1, 1), None))
            for _ in range(rng.randrange(0, 4)):
                on = _day(rng, dt.date(2025, 11, 1), dt.date(2027, 1, 31))
                hours = Decimal(rng.choice(["0.1", "0.5", "4.0", "8.0", "12.5", "16.0", "20.0"]))
                w.training.append({"staff_id": sid, "on": on, "hours": hours, "subject": "办案规则"})
    # a part-time arbitrator of two institutions (the same person, one staff row)
    w.appointments.append(_appt(w.staff[0]["id"], "nn-xx", "arbitrator", dt.date(2025, 6, 1), None))
    cid = 0
    for inst, region in INSTITUTIONS.items():
        own = [s["name"] for s in w.staff if s["institution_id"] == inst]
        pool = [*own, *own, "无此人", "", w.staff[0]["name"]]
        for _ in range(cases_per_institution):
            cid += 1
            _case(rng, w, cid, inst, region, pool)
    return w


def _appt(
    sid: int, inst: str, post: str, start: dt.date, term_to: dt.date | None, ended: dt.date | None = None
) -> dict[str, Any]:
    return {
        "staff_id": sid,
        "institution_id": inst,
        "post": post,
        "full_time": True,
        "specialties": [],
        "term_from": start,
        "term_to": term_to,
        "ended_on": ended,
    }


def _case(rng: random.Random, w: World, cid: int, inst: str, region: str, pool: list[str]) -> None:
    opened = _day(rng, dt.date(2025, 9, 1), dt.date(2026, 4, 30))
    accepted = None if rng.random() < 0.08 else opened + dt.timedelta(days=rng.randrange(0, 6))
    facts: dict[str, Any] = {"presiding_arbitrator": rng.choice(pool)}
    shape = rng.random()
    if shape < 0.5:
        facts["arbitrators"] = rng.sample(pool, 2)
    elif shape < 0.6:
        facts["arbitrators"] = [
            facts["presiding_arbitrator"],
            5,
        ]  # the presiding named twice, a non-text item
    elif shape < 0.65:
        facts["arbitrators"] = "not a list"
    elif shape < 0.7:
        facts["presiding_arbitrator"] = 17
    channel = rng.choice(["online", "online_platform", "offline", "offline"])
    closed_rec = closed_on = None
    closure = on_time = None
    if accepted is not None and rng.random() < 0.8:
        closed_rec = accepted + dt.timedelta(days=rng.randrange(3, 75))
        closure = rng.choice(["mediation", "award_final", "award_nonfinal", "withdrawal"])
        # an award closes for the statistics on its date, the case row 20 days later
        closed_on = closed_rec + dt.timedelta(days=20 if closure.startswith("award") else 0)
        on_time = rng.choice([True, True, False, None])
    w.cases.append(
        {
            "id": cid,
            "case_number": f"C{cid}",
            "institution_id": inst,
            "region_code": region,
            "procedure_id": "arbitration",
            "procedure_version": "1",
            "procedure_hash": HASH,
            "stage": "closed" if closed_on else "accepted",
            "facts": facts,
            "opened_on": opened,
            "accepted_on": accepted,
            "closed_on": closed_on,
            "closure": closure,
            "channel": channel,
        }
    )
    seq = 1
    for milestone, on in (("received", opened), ("accepted", accepted), ("closed", closed_rec)):
        if on is None:
            continue
        w.records.append(
            {
                "case_id": cid,
                "event_seq": seq,
                "institution_id": inst,
                "region_code": region,
                "procedure_id": "arbitration",
                "action": milestone,
                "stage_after": milestone,
                "effective_on": on,
                "recorded_at": dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
                "channel": channel,
                "milestone": milestone,
                "accepted_on": accepted if milestone != "received" else None,
                "closure": closure if milestone == "closed" else None,
                "on_time": on_time if milestone == "closed" else None,
            }
        )
        seq += 1
    if accepted is not None:
        for k in range(rng.choice([0, 0, 1, 2])):
            w.breaches.append(
                {
                    "case_id": cid,
                    "deadline_id": f"d{k}",
                    "due_on": _day(rng, dt.date(2025, 12, 1), dt.date(2026, 4, 30)),
                    "detected_on": END,
                    "institution_id": inst,
                    "responsible": rng.choice(["arbitrator", "arbitrator", None, "clerk"]),
                    "withdrawn_on": END if rng.random() < 0.2 else None,
                }
            )


def store(engine: sa.Engine, w: World) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(SnapshotRow.__table__),  # type: ignore[attr-defined]
            [{"content_hash": HASH, "procedure_id": "arbitration", "version": "1", "spec": {}}],
        )
        conn.execute(
            sa.insert(InstitutionRow.__table__),  # type: ignore[attr-defined]
            [{"id": i, "name": f"{i} 仲裁委", "region_code": r} for i, r in INSTITUTIONS.items()],
        )
    store_rows(engine, w)


def store_rows(engine: sa.Engine, w: World) -> None:
    """`w`'s rows only (the institutions and the procedure snapshot already stored)."""
    with engine.begin() as conn:
        for table, rows in (
            (StaffRow, w.staff),
            (AppointmentRow, w.appointments),
            (CaseRow, w.cases),
            (MonitoringRow, w.records),
            (BreachRow, w.breaches),
            (TrainingRow, w.training),
        ):
            if rows:
                conn.execute(sa.insert(table.__table__), rows)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------- by hand


def appointees(
    w: World, start: dt.date = START, end: dt.date = END, post: str = "arbitrator"
) -> set[tuple[str, int]]:
    return {
        (a["institution_id"], a["staff_id"])
        for a in w.appointments
        if a["post"] == post
        and a["term_from"] <= end
        and (a["term_to"] is None or a["term_to"] >= start)
        and (a["ended_on"] is None or a["ended_on"] > start)
    }


def tribunal(w: World, case: dict[str, Any], start: dt.date = START, end: dt.date = END) -> set[int]:
    facts = case["facts"]
    names = set()
    if isinstance(facts.get("presiding_arbitrator"), str):
        names.add(facts["presiding_arbitrator"])
    if isinstance(facts.get("arbitrators"), list):
        names |= {n for n in facts["arbitrators"] if isinstance(n, str)}
    names.discard("")
    by_id = {s["id"]: s["name"] for s in w.staff}
    return {
        sid
        for inst, sid in appointees(w, start, end)
        if inst == case["institution_id"] and by_id[sid] in names
    }


def by_hand(
    w: World,
    start: dt.date = START,
    end: dt.date = END,
    institution_id: str | None = None,
    region_prefix: str | None = None,
) -> dict[tuple[str, int | None], dict[str, Any]]:
    """(institution, staff or None) -> every figure, computed case by case."""
    closed_rec = {r["case_id"]: r for r in w.records if r["milestone"] == "closed"}
    out: dict[tuple[str, int | None], dict[str, Any]] = {}

    def acc(key: tuple[str, int | None]) -> dict[str, Any]:
        return out.setdefault(
            key,
            {
                "handled": 0,
                "closed": 0,
                "closed_on_time": 0,
                "mediated": 0,
                "online": 0,
                "days": [],
                "breaches": 0,
            },
        )

    def in_scope(case: dict[str, Any]) -> bool:
        return (institution_id is None or case["institution_id"] == institution_id) and (
            region_prefix is None or case["region_code"].startswith(region_prefix)
        )

    for inst, sid in appointees(w, start, end):
        if institution_id is None or inst == institution_id:
            if region_prefix is None or INSTITUTIONS[inst].startswith(region_prefix):
                acc((inst, None))
                acc((inst, sid))
    cases = {c["id"]: c for c in w.cases}
    for c in w.cases:
        a = c["accepted_on"]
        rec = closed_rec.get(c["id"])
        if not in_scope(c) or a is None or a > end or (rec is not None and rec["effective_on"] < start):
            continue
        members = tribunal(w, c, start, end)
        keys = [(c["institution_id"], None)] + [(c["institution_id"], s) for s in members]
        acc(keys[0])["attributed"] = acc(keys[0]).get("attributed", 0) + bool(members)
        closed = rec is not None and start <= rec["effective_on"] <= end
        for key in keys:
            f = acc(key)
            f["handled"] += 1
            f["online"] += c["channel"] in ONLINE
            if closed:
                assert rec is not None
                f["closed"] += 1
                f["closed_on_time"] += rec["on_time"] is True
                f["mediated"] += rec["closure"] in MEDIATION
                f["days"].append((rec["effective_on"] - rec["accepted_on"]).days)
    for b in w.breaches:
        c = cases[b["case_id"]]
        if not in_scope(c) or not (start <= b["due_on"] <= end) or b["withdrawn_on"] is not None:
            continue
        if b["responsible"] not in ("arbitrator", None):
            continue
        for key in [(c["institution_id"], None)] + [
            (c["institution_id"], s) for s in tribunal(w, c, start, end)
        ]:
            acc(key)["breaches"] += 1
    for key, f in out.items():
        f["attributed"] = f.get("attributed", 0) if key[1] is None else None
        days = sorted(f.pop("days"))
        n = len(days)
        f["p90_days"] = days[math.ceil(0.9 * n) - 1] if n else None
        f["average_days"] = (
            (Decimal(sum(days)) / Decimal(n)).quantize(Decimal("0.01"), "ROUND_HALF_UP") if n else None
        )
        f["on_time_rate"] = f["closed_on_time"] / f["closed"] if f["closed"] else None
        f["mediation_rate"] = f["mediated"] / f["closed"] if f["closed"] else None
        f["online_rate"] = f["online"] / f["handled"] if f["handled"] else None
        f["court_changed"] = None
    return out


def training_by_hand(w: World, year: int, minimum: int = 40) -> list[tuple[str, int, Decimal]]:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    hours: dict[int, Decimal] = {}
    for t in w.training:
        if start <= t["on"] <= end:
            hours[t["staff_id"]] = hours.get(t["staff_id"], Decimal(0)) + t["hours"]
    return sorted(
        (inst, sid, hours.get(sid, Decimal(0)))
        for inst, sid in appointees(w, start, end)
        if hours.get(sid, Decimal(0)) < minimum
    )
