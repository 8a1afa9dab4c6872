"""The fact values the checker's steps give: of the declared types, within `min`/`max`, near the literals guards compare with.

Owns: `FactValues`, the part of engine.proving.strategies' `Explorer` that draws fact values: money,
int, decimal, bool, date, text, code (from codes/, valid on the day), texts and claims lists, with
the literals the procedure's guards compare each text fact and claim field with (`fact_value`,
`facts`). Split out of engine.proving.strategies.
Stage in the flow: rule authors' checks (engine.proving.checker).
May import: engine.procedures.model, engine.proving.step_dates (the covered years), hypothesis.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from engine.procedures.model import Fact, Procedure
from engine.proving.step_dates import FIRST_DAY, LAST_DAY

_MONEY = (0, 1, 500, 2520, 12000, 30240, 50000, 200000)


class FactValues:
    """The value draws of `Explorer` (engine.proving.strategies), which sets the attributes below."""

    #: the procedure, its code tables (None: no codes), the literals its guards compare each fact and
    #: each claim field with
    procedure: Procedure
    codes: Any | None
    literals: dict[str, list[Any]]
    claim_fields: dict[str, list[Any]]

    # ------------------------------------------------------------------ values

    def fact_value(self, data: st.DataObject, fact: Fact, day: dt.date) -> Any:
        literals = [v for v in self.literals.get(fact.id, []) if v is not None]
        t = fact.type
        if t == "money":
            lo = Decimal(str(fact.min)) if fact.min is not None else Decimal(0)
            hi = Decimal(str(fact.max)) if fact.max is not None else Decimal(1_000_000)
            lo = max(lo, Decimal(0))
            pool = [Decimal(v) for v in _MONEY if lo <= v <= hi]
            got = data.draw(
                st.one_of(st.sampled_from(pool or [lo]), st.decimals(lo, hi, places=2)), label=fact.id
            )
            return got
        if t == "int":
            ilo = int(fact.min) if fact.min is not None else -1
            ihi = int(fact.max) if fact.max is not None else max(40, ilo + 1)
            ints: list[int] = [
                v for v in literals if isinstance(v, int) and not isinstance(v, bool) and ilo <= v <= ihi
            ]
            edges = sorted({ilo, min(ihi, ilo + 1), *ints, *[v + 1 for v in ints if v + 1 <= ihi]})
            return data.draw(st.one_of(st.sampled_from(edges), st.integers(ilo, ihi)), label=fact.id)
        if t == "decimal":
            dlo = Decimal(str(fact.min)) if fact.min is not None else Decimal(-10)
            dhi = Decimal(str(fact.max)) if fact.max is not None else Decimal(1000)
            return data.draw(
                st.one_of(
                    st.sampled_from([dlo, Decimal(0) if dlo <= 0 <= dhi else dlo]),
                    st.decimals(dlo, dhi, places=2),
                ),
                label=fact.id,
            )
        if t == "bool":
            return data.draw(st.booleans(), label=fact.id)
        if t == "date":
            offset = data.draw(st.integers(-20, 60), label=fact.id)
            return min(max(day + dt.timedelta(days=offset), FIRST_DAY), LAST_DAY)
        if t == "text":
            texts = list(dict.fromkeys([*(str(v) for v in literals), "", "其他"]))
            if "" in literals and data.draw(st.integers(0, 99), label=f"{fact.id} given") < 75:
                return "其他"  # a guard asks for the text to be given (`!= ''`): mostly it is
            return data.draw(st.sampled_from(texts), label=fact.id)
        if t == "code":
            codes = self._codes(fact, day)
            return data.draw(st.sampled_from(codes), label=fact.id) if codes else None
        if t == "texts":
            # mostly two names (a tribunal of three: the presiding arbitrator and two others), else 0-3
            n = 2 if data.draw(st.integers(0, 99), label=f"{fact.id} usual") < 70 else 0
            n = n or data.draw(st.integers(0, 3), label=f"{fact.id} count")
            return [f"{fact.title or fact.id}{i + 1}" for i in range(n)]
        if t == "claims":
            n = data.draw(st.integers(0, 3), label=f"{fact.id} count")
            return [self._claim(data, day) for _ in range(n)]
        return None

    def _codes(self, fact: Fact, day: dt.date) -> list[str]:
        if self.codes is None or fact.table is None or not self.codes.has(fact.table):
            return []
        return sorted(e.code for e in self.codes.table(fact.table) if e.valid_on(day))

    def _claim(self, data: st.DataObject, day: dt.date) -> dict[str, Any]:
        claim: dict[str, Any] = {"item": "请求事项"}
        for name, values in sorted(self.claim_fields.items()):
            strings = sorted({str(v) for v in values if isinstance(v, str)})
            if strings:
                claim[name] = data.draw(st.sampled_from([*strings, "other"]), label=f"claim {name}")
            elif name in ("final",) or any(isinstance(v, bool) for v in values):
                claim[name] = data.draw(st.booleans(), label=f"claim {name}")
            else:
                claim[name] = int(data.draw(st.sampled_from(_MONEY), label=f"claim {name}"))
        return claim

    def facts(self, data: st.DataObject, ids: list[str], day: dt.date) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for fid in ids:
            value = self.fact_value(data, self.procedure.facts[fid], day)
            if value is not None:
                out[fid] = value
        return out
