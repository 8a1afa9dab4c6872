"""The national export: JSON lines and CSV, resumable; an interrupted export loses nothing and
writes nothing twice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.monitoring.export import EXPORT_FIELDS, csv_header, export_records, resume_cursor
from engine.store.db import Database
from engine.store.tables import MonitoringRow
from tests.monitoring_factory import random_cases, store_cases


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    d = Database(f"sqlite:///{tmp_path_factory.mktemp('exp') / 'e.db'}")
    d.init_db()
    store_cases(d, random_cases(random.Random(3), 60, dt.date(2026, 1, 1), dt.date(2026, 3, 31)))
    return d


def _all_ids(db: Database) -> list[int]:
    t = MonitoringRow.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        return [int(i) for (i,) in conn.execute(sa.select(t.c.id).order_by(t.c.id))]


class _Crash(Exception):
    pass


class _CrashingFile(io.StringIO):
    """Accepts `budget` characters, writes part of the next chunk, then fails (a killed process)."""

    def __init__(self, target: io.TextIOBase, budget: int) -> None:
        super().__init__()
        self.target, self.budget = target, budget

    def write(self, s: str) -> int:
        if len(s) > self.budget:
            self.target.write(s[: self.budget])
            self.target.flush()
            raise _Crash
        self.budget -= len(s)
        return self.target.write(s)


def _ids_in(path: Path, fmt: str) -> list[int]:
    text = path.read_text(encoding="utf-8")
    if fmt == "jsonl":
        return [int(json.loads(line)["id"]) for line in text.splitlines()]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(EXPORT_FIELDS)
    return [int(r[0]) for r in rows[1:]]


@settings(max_examples=15, deadline=None)
@given(
    fmt=st.sampled_from(["jsonl", "csv"]),
    cuts=st.lists(st.integers(1, 30000), min_size=1, max_size=3),
    batch=st.integers(1, 50),
)
def test_interrupted_exports_resume_without_loss_or_duplicates(
    db: Database, tmp_path_factory: pytest.TempPathFactory, fmt: str, cuts: list[int], batch: int
) -> None:
    path = tmp_path_factory.mktemp("out") / f"export.{fmt}"
    for budget in [*cuts, None]:
        since = resume_cursor(path, fmt)  # type: ignore[arg-type]
        with path.open("a", encoding="utf-8") as f:
            if fmt == "csv" and f.tell() == 0:
                f.write(csv_header())
            out = f if budget is None else _CrashingFile(f, budget)
            try:
                with db.engine.connect() as conn:
                    export_records(conn, out, since=since, fmt=fmt, batch=batch)  # type: ignore[arg-type]
            except _Crash:
                continue
    assert _ids_in(path, fmt) == _all_ids(db)


def test_jsonl_line_carries_every_field_as_plain_json(db: Database) -> None:
    buf = io.StringIO()
    with db.engine.connect() as conn:
        res = export_records(conn, buf, since=0, fmt="jsonl", limit=5)
    lines = buf.getvalue().splitlines()
    assert res.count == 5 and len(lines) == 5
    first = json.loads(lines[0])
    assert list(first) == list(EXPORT_FIELDS)
    assert first["milestone"] == "received" and first["effective_on"].count("-") == 2
    assert res.last_id == json.loads(lines[-1])["id"]


def test_since_skips_what_was_exported_and_new_records_follow(db: Database) -> None:
    ids = _all_ids(db)
    buf = io.StringIO()
    with db.engine.connect() as conn:
        res = export_records(conn, buf, since=ids[-3], fmt="jsonl")
    assert [json.loads(x)["id"] for x in buf.getvalue().splitlines()] == ids[-2:]
    assert res.last_id == ids[-1]
    with db.engine.connect() as conn:
        again = export_records(conn, io.StringIO(), since=res.last_id)
    assert again.count == 0 and again.last_id == res.last_id


def test_resume_cursor_cuts_a_half_written_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": 4}\n{"id": 7}\n{"id": 9, "acti', encoding="utf-8")
    assert resume_cursor(path, "jsonl") == 7
    assert path.read_text(encoding="utf-8") == '{"id": 4}\n{"id": 7}\n'
    assert resume_cursor(tmp_path / "absent.csv", "csv") == 0
    header_only = tmp_path / "h.csv"
    header_only.write_text(csv_header(), encoding="utf-8")
    assert resume_cursor(header_only, "csv") == 0


def test_settle_leaves_the_newest_records_for_the_next_run(tmp_path: Path) -> None:
    d = Database(f"sqlite:///{tmp_path / 's.db'}")
    d.init_db()
    store_cases(d, random_cases(random.Random(1), 3, dt.date(2026, 1, 1), dt.date(2026, 1, 31)))
    t = MonitoringRow.__table__  # type: ignore[attr-defined]
    with d.engine.begin() as conn:
        newest = conn.execute(sa.select(sa.func.max(t.c.id))).scalar_one()
        conn.execute(sa.update(t).where(t.c.id == newest).values(recorded_at=dt.datetime.now(dt.UTC)))
    with d.engine.connect() as conn:
        held = export_records(conn, io.StringIO(), since=0, settle=3600)
        later = export_records(conn, io.StringIO(), since=held.last_id)
    assert held.last_id == newest - 1
    assert (later.count, later.last_id) == (1, newest)
