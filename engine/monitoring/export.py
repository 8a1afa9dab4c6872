"""The export of monitoring records for the national collection (JSON lines or CSV), resumable.

Owns: `EXPORT_FIELDS` (the exported columns, in order), `export_records` (records with id > cursor,
in id order, in batches, flushed after each batch) and `resume_cursor` (the last id completely
written to an export file; a half-written last line from an interrupted run is cut off first).
So a run that is killed and started again loses nothing and writes nothing twice: the cursor is the
`id` of the last complete line, and the next run starts after it.

PostgreSQL assigns ids at insert, so a long transaction may commit id 10 after id 11 was exported;
`settle` leaves the newest records (recorded within that many seconds) for the next run.
May import: engine.store.tables, sqlalchemy and the standard library.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TextIO

import sqlalchemy as sa

from engine.store.tables import MonitoringRow

Format = Literal["jsonl", "csv"]
EXPORT_FIELDS: tuple[str, ...] = tuple(MonitoringRow.__table__.c.keys())  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ExportResult:
    count: int
    last_id: int


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v.quantize(Decimal("0.01")))
    if isinstance(v, dt.datetime):
        return (v if v.tzinfo else v.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _line(row: dict[str, Any], fmt: Format) -> str:
    if fmt == "jsonl":
        return json.dumps({k: _plain(row[k]) for k in EXPORT_FIELDS}, ensure_ascii=False) + "\n"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["" if row[k] is None else _plain(row[k]) for k in EXPORT_FIELDS])
    return buf.getvalue()


def csv_header() -> str:
    return ",".join(EXPORT_FIELDS) + "\n"


def export_records(
    conn: sa.Connection,
    out: TextIO,
    since: int = 0,
    fmt: Format = "jsonl",
    batch: int = 5000,
    settle: float = 0.0,
    limit: int | None = None,
    on_batch: Callable[[ExportResult], None] | None = None,
) -> ExportResult:
    """Write the records with `id > since` to `out`, oldest first. Returns how many and the new cursor."""
    t = MonitoringRow.__table__  # type: ignore[attr-defined]
    cursor, count = since, 0
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=settle) if settle > 0 else None
    while limit is None or count < limit:
        size = batch if limit is None else min(batch, limit - count)
        stmt = sa.select(t).where(t.c.id > cursor).order_by(t.c.id).limit(size)
        if cutoff is not None:
            stmt = stmt.where(t.c.recorded_at < cutoff)
        rows = list(conn.execute(stmt).mappings())
        if not rows:
            break
        out.write("".join(_line(dict(r), fmt) for r in rows))
        out.flush()
        cursor, count = int(rows[-1]["id"]), count + len(rows)
        if on_batch is not None:
            on_batch(ExportResult(count, cursor))
        if len(rows) < size:
            break
    return ExportResult(count, cursor)


def resume_cursor(path: Path, fmt: Format) -> int:
    """The id of the last complete line of an export file (0 when empty or absent). A trailing
    half-written line is removed, so appending continues cleanly."""
    if not path.exists():
        return 0
    with path.open("rb+") as f:
        data = f.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):  # an interrupted run left part of a line: cut it off
            f.truncate(end)
            f.flush()
            os.fsync(f.fileno())
    lines = data[:end].decode("utf-8").splitlines()
    while lines:
        last = lines.pop()
        if not last.strip():
            continue
        if fmt == "jsonl":
            return int(json.loads(last)["id"])
        first = next(csv.reader([last]))[0]
        return 0 if first == EXPORT_FIELDS[0] else int(first)
    return 0
