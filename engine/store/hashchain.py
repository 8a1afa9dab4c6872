"""The hash chain of a case's event log: canonical JSON and sha256.

Owns: `canonical_json`, `event_payload`, `event_hash`, `GENESIS` and `check_chain`. Each event stores
the hash of the previous one (`prev_hash`; `GENESIS` for seq 1) and its own hash over the canonical JSON
of its fields including `prev_hash`, so any later edit of a stored event breaks the chain at that event.
Stage in the flow: 6 (an event is hashed inside the firing transaction) and `zhongcai verify`.
May import: the standard library only.

>>> canonical_json({"b": 1, "a": [2, "案"]})
'{"a":[2,"案"],"b":1}'
>>> len(event_hash({"seq": 1}, GENESIS))
64
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot hash a {type(value).__name__}")


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text; datetimes in UTC ISO form."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def event_payload(
    *,
    case_id: int,
    seq: int,
    action: str,
    actor_id: str,
    role: str,
    effective_on: dt.date,
    recorded_at: dt.datetime,
    stage_before: str | None,
    stage_after: str,
    facts_changed: Mapping[str, Any],
    clock_ops: Iterable[Any],
    documents: Iterable[Any],
    backdated: bool,
    allotted: Mapping[str, Any] | None = None,
    calendar_change: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The fields of an event that its hash covers. `allotted` (what the event allotted to the case: a
    receipt number, a 案号, a new query code) is covered only when set, so the hashes of events written
    before it existed are unchanged; `calendar_change` (a calendar_update event's record) likewise."""
    payload: dict[str, Any] = {
        "case_id": case_id,
        "seq": seq,
        "action": action,
        "actor_id": actor_id,
        "role": role,
        "effective_on": effective_on,
        "recorded_at": recorded_at,
        "stage_before": stage_before,
        "stage_after": stage_after,
        "facts_changed": dict(facts_changed),
        "clock_ops": list(clock_ops),
        "documents": list(documents),
        "backdated": backdated,
    }
    if allotted:
        payload["allotted"] = dict(allotted)
    if calendar_change:
        payload["calendar_change"] = dict(calendar_change)
    return payload


def event_hash(payload: Mapping[str, Any], prev_hash: str) -> str:
    """sha256 over the canonical JSON of the payload and the previous event's hash."""
    body = canonical_json({**payload, "prev_hash": prev_hash})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def check_chain(events: Iterable[tuple[Mapping[str, Any], str, str]]) -> list[str]:
    """Problems in a chain of (payload, prev_hash, hash) ordered by seq; empty when it verifies."""
    problems: list[str] = []
    expected_prev = GENESIS
    for payload, prev_hash, stored in events:
        seq = payload.get("seq")
        if prev_hash != expected_prev:
            problems.append(f"event {seq}: prev_hash does not match the hash of event {int(seq or 1) - 1}")
        if event_hash(payload, prev_hash) != stored:
            problems.append(f"event {seq}: stored hash does not match its content (edited after writing?)")
        expected_prev = stored
    return problems
