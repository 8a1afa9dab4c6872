"""`zhongcai calendar apply` over 100,000 running deadlines on SQLite, against the bare UPDATE floor.

Run: .venv/bin/python bench/calendar_apply.py [--deadlines N] [--batch B] [--keep DIR]

Set-up: one real arbitration case accepted on 2026-12-28 through the runtime (its service, tribunal
notice and award periods run into 2027, a year without its notice: provisional, P5) is the template;
`clone_cases` copies it directly into the tables (case row, events re-hashed for their new case id,
monitoring records, documents, deadline rows) until N running deadlines are on file. Then the calendar
gains a MADE-UP 2027 year (a temporary calendar directory; procedures/calendars/cn.yaml is never
touched) and `apply_calendar_update` runs: every case gets one calendar_update event (its award moves
from 2027-02-11 to 2027-02-15, the other dates lose their provisional mark), one transaction per batch
of cases. Figures: zhongcai's seconds, and the floor measured in the same run on the same rows: a bare
executemany UPDATE of every recomputed row's columns, one transaction per batch (no recomputation, no
event, no hash, no monitoring record). A sample of cases is verified (engine.oversight.verify) afterwards.
Target (issue 14): under 30 s for 100,000 deadlines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from engine import Database  # noqa: E402
from engine.store.hashchain import GENESIS, event_hash, event_payload  # noqa: E402
from engine.store.tables import CaseRow, DeadlineRow, DocumentRow, EventRow, MonitoringRow  # noqa: E402

#: a made-up 2027 schedule (for benchmarks and tests only; never in procedures/calendars/cn.yaml)
FAKE_2027 = """
national:
  2027:
    source: 国务院办公厅关于2027年部分节假日安排的通知（测试用，虚构）
    holidays:
      元旦: [2027-01-01..2027-01-03]
      测试假日: [2027-01-18]
      春节: [2027-02-05..2027-02-12]
    workdays: [2027-02-20]
"""

_T = {
    "case": CaseRow.__table__,  # type: ignore[attr-defined]
    "event": EventRow.__table__,  # type: ignore[attr-defined]
    "monitoring": MonitoringRow.__table__,  # type: ignore[attr-defined]
    "document": DocumentRow.__table__,  # type: ignore[attr-defined]
    "deadline": DeadlineRow.__table__,  # type: ignore[attr-defined]
}


def fake_calendar_dir(into: Path) -> Path:
    """A calendar directory: a copy of procedures/calendars plus the made-up 2027 block in cn.yaml."""
    target = into / "calendars"
    shutil.copytree(ROOT / "procedures" / "calendars", target, dirs_exist_ok=True)
    cn = target / "cn.yaml"
    cn.write_text(cn.read_text(encoding="utf-8") + FAKE_2027, encoding="utf-8")
    return target


def clone_cases(db: Database, case_id: int, n: int, chunk: int = 2000) -> list[int]:
    """`n` copies of case `case_id` written directly into the tables (valid hash chains, monitoring
    records, documents and deadline rows): the new case ids."""
    t = _T
    with db.engine.connect() as conn:
        case = dict(conn.execute(sa.select(t["case"]).where(t["case"].c.id == case_id)).mappings().one())
        rows = {
            k: [
                dict(r)
                for r in conn.execute(
                    sa.select(t[k]).where(t[k].c.case_id == case_id).order_by(t[k].c.id)
                ).mappings()
            ]
            for k in ("event", "monitoring", "document", "deadline")
        }
        first = int(conn.execute(sa.select(sa.func.max(t["case"].c.id))).scalar() or 0) + 1
        conn.rollback()
    ids = list(range(first, first + n))
    for start in range(0, n, chunk):
        part = ids[start : start + chunk]
        out: dict[str, list[dict[str, Any]]] = {k: [] for k in ("case", *rows)}
        for new_id in part:
            out["case"].append(
                {
                    **case,
                    "id": new_id,
                    "case_number": f"{case['case_number']}-{new_id}",
                    "receipt_number": f"{case['receipt_number']}-{new_id}"
                    if case["receipt_number"]
                    else None,
                }
            )
            prev = GENESIS
            for e in rows["event"]:
                payload = event_payload(
                    **{
                        k: e[k]
                        for k in (
                            "seq",
                            "action",
                            "actor_id",
                            "role",
                            "effective_on",
                            "recorded_at",
                            "stage_before",
                            "stage_after",
                            "facts_changed",
                            "clock_ops",
                            "documents",
                            "backdated",
                            "allotted",
                            "calendar_change",
                        )
                    },
                    case_id=new_id,
                )
                h = event_hash(payload, prev)
                out["event"].append({**e, "id": None, "case_id": new_id, "prev_hash": prev, "hash": h})
                prev = h
            for k in ("monitoring", "document", "deadline"):
                out[k] += [{**r, "id": None, "case_id": new_id} for r in rows[k]]
        with db.engine.begin() as conn:
            for k, values in out.items():
                if values:
                    cols = [c for c in values[0] if c != "id" or k == "case"]
                    conn.execute(sa.insert(t[k]), [{c: v[c] for c in cols} for v in values])
    return ids


def template_case(db: Database) -> tuple[Any, int]:
    """(service, case id): a case accepted on 2026-12-28 through the runtime (provisional dates)."""
    from engine import Actor, CaseService, ProcedureLibrary
    from engine.cases.runtime import ensure_institution
    from tests.fixtures_runtime import MovableNow

    ensure_institution(db, "inst", "测试劳动人事争议仲裁委员会", "110105", abbr="京朝")
    day = dt.date(2026, 12, 28)
    svc = CaseService(db, ProcedureLibrary.load(ROOT / "procedures"), now=MovableNow(day))
    clerk = Actor("bench", "clerk")
    facts = {"claim_amount": 20000, "applicant_name": "张三", "respondent_name": "某公司"}
    case_id = svc.open_case("arbitration", day, facts, "inst", clerk).id
    svc.attach(case_id, ["application", "applicant_identity"], day, clerk)
    svc.fire(case_id, "accept", clerk, day)
    return svc, case_id


def bare_floor(db: Database, batch: int) -> float:
    """The same rows rewritten by a bare executemany UPDATE, one transaction per batch of cases."""
    d = _T["deadline"]
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                d.c.id, d.c.case_id, d.c.due_on, d.c.warn_on, d.c.steps, d.c.provisional, d.c.calendar_version
            )
            .where(sa.text("deadline.status IN ('running', 'paused')"))
            .order_by(d.c.case_id)
        ).all()
        conn.rollback()
    stmt = (
        sa.update(d)
        .where(d.c.id == sa.bindparam("row_id"))
        .values(
            due_on=sa.bindparam("due"),
            warn_on=sa.bindparam("warn"),
            steps=sa.bindparam("st"),
            provisional=sa.bindparam("prov"),
            calendar_version=sa.bindparam("cv"),
        )
    )
    params = [
        {"row_id": r[0], "due": r[2], "warn": r[3], "st": r[4], "prov": r[5], "cv": r[6], "case": r[1]}
        for r in rows
    ]
    chunks: list[list[dict[str, Any]]] = [[]]
    seen, last = 0, None
    for p in params:
        case = p.pop("case")
        if case != last:
            if seen == batch:
                chunks.append([])
                seen = 0
            seen += 1
            last = case
        chunks[-1].append(p)
    t0 = time.perf_counter()
    for part in chunks:
        with db.engine.begin() as conn:
            conn.execute(stmt, part)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=int, default=100_000, help="running deadlines on file")
    parser.add_argument("--batch", type=int, default=500, help="cases per transaction")
    parser.add_argument("--keep", type=Path, default=None, help="keep the database in this directory")
    args = parser.parse_args()

    import engine.dates.calendar as calendar
    from engine import apply_calendar_update, init_db
    from engine.oversight.verify import verify_case

    tmp = Path(tempfile.mkdtemp(prefix="zc-calapply-")) if args.keep is None else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    db = init_db(f"sqlite:///{tmp / 'calapply.db'}")
    svc, case_id = template_case(db)
    with db.engine.connect() as conn:
        per_case = int(
            conn.execute(
                sa.text("select count(*) from deadline where case_id = :c and status = 'running'"),
                {"c": case_id},
            ).scalar()
            or 1
        )
    n_cases = max(args.deadlines // per_case - 1, 1)
    t0 = time.perf_counter()
    ids = clone_cases(db, case_id, n_cases)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        running = int(
            conn.execute(sa.text("select count(*) from deadline where status = 'running'")).scalar() or 0
        )
    print(
        f"{running:,} running deadlines on {n_cases + 1:,} cases loaded in {time.perf_counter() - t0:.1f} s"
    )

    calendar.CALENDAR_DIR = fake_calendar_dir(tmp)
    t0 = time.perf_counter()
    report = apply_calendar_update(svc, batch=args.batch, today=dt.date(2026, 12, 28))
    took = time.perf_counter() - t0
    if report.events_written != n_cases + 1 or report.problems:
        raise SystemExit(
            f"MISMATCH: {report.events_written} events for {n_cases + 1} cases; {report.problems[:3]}"
        )
    again = apply_calendar_update(svc, batch=args.batch, today=dt.date(2026, 12, 28))
    if not again.nothing:
        raise SystemExit("MISMATCH: a second apply found work")
    floor = bare_floor(db, args.batch)
    with db.read() as s:
        sample = [case_id, *ids[:: max(len(ids) // 20, 1)]]
        for cid in sample:
            case = s.get(CaseRow, cid)
            assert case is not None
            problems = verify_case(svc, s, case)
            if problems:
                raise SystemExit(f"verify case {cid}: {problems}")
    print(
        f"calendar apply over {running:,} running deadlines ({report.events_written:,} events, "
        f"{report.batches} transactions): zhongcai {took:.1f} s, bare UPDATE floor {floor:.1f} s "
        f"(x{took / floor:.1f}); target < 30 s: {'OK' if took < 30 else 'MISSED'}; "
        f"{len(sample)} sampled cases verify"
    )
    db.dispose()
    if args.keep is None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
