"""`record_values` is `build_record`'s row as a dict (what a Core insert writes), for any case data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.monitoring.record import build_record, record_values
from engine.store.tables import CaseRow, EventRow, MonitoringRow

_FACT_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 50),
    st.text(max_size=8),
    st.sampled_from(["1,200.50", "800000"]),
)


@settings(max_examples=40)
@given(
    facts=st.dictionaries(
        st.sampled_from(
            ["workers", "claim_amount", "awarded_amount", "collective", "dispute_type", "industry"]
        ),
        _FACT_VALUES,
    ),
    stages=st.sampled_from(
        [(None, "received"), ("received", "accepted"), ("hearing", "awarded"), ("a", "a")]
    ),
    changed=st.sampled_from([{}, {"workers": 12}, {"claim_amount": "1"}]),
)
def test_record_values_equal_the_built_record(
    facts: dict[str, Any], stages: tuple[str | None, str], changed: dict[str, Any]
) -> None:
    case = CaseRow(
        id=7,
        institution_id="inst",
        region_code="110105",
        procedure_id="arbitration",
        procedure_version="1",
        stage=stages[1],
        facts=facts,
        channel="online",
        accepted_on=dt.date(2026, 3, 2) if stages[0] else None,
    )
    event = EventRow(
        case_id=7,
        seq=3,
        action="open" if stages[0] is None else "act",
        role="clerk",
        stage_before=stages[0],
        stage_after=stages[1],
        effective_on=dt.date(2026, 3, 5),
        recorded_at=dt.datetime(2026, 3, 5, 2, tzinfo=dt.UTC),
        backdated=False,
        facts_changed=changed,
        documents=["award_document"],
    )
    values = record_values(case, event)
    assert set(values) == set(MonitoringRow.model_fields) - {"id"}
    assert values == build_record(case, event).model_dump(exclude={"id"})
