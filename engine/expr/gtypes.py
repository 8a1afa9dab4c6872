"""The vocabulary of guard types (kept apart from the checker so the function registry can use it).

Owns: `GType`, the type constants, `list_of`, `parse_gtype`, `assignable`, `FACT_TYPES` (the DSL's
fact types of engine.procedures.dsl mapped to guard types) and `CLAIM_ITEM`, the record of one claim (请求事项).
Type variables (`T` any, `N` a number, `O` orderable) let registry functions such as
`max(list[O]) -> O` be generic.
May import: the standard library only.

>>> str(parse_gtype("list[money]")), str(FACT_TYPES["claims"])
('list[money]', 'list[claim]')
>>> assignable(INT, MONEY), assignable(MONEY, INT)
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GType:
    """A guard type: a scalar kind, `list` (with `item`), `record` (with `fields`) or a type `var`."""

    kind: str
    item: GType | None = None
    fields: tuple[tuple[str, GType], ...] = ()
    name: str = ""

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list[{self.item}]"
        if self.kind in ("record", "var"):
            return self.name
        return self.kind

    def has_var(self) -> bool:
        return self.kind == "var" or (self.item is not None and self.item.has_var())

    def resolve(self, binding: dict[str, GType]) -> GType:
        """This type with its type variables replaced by what they were bound to."""
        if self.kind == "var":
            return binding.get(self.name, ANY)
        if self.kind == "list" and self.item is not None:
            return list_of(self.item.resolve(binding))
        return self

    def match(self, got: GType, binding: dict[str, GType]) -> bool:
        """Whether an argument of type `got` fits this parameter type (binding type variables)."""
        if got == ANY:
            return True
        if self.kind == "var":
            if not _VAR_OK[self.name](got):
                return False
            bound = binding.get(self.name)
            if bound is None:
                binding[self.name] = got
                return True
            joined = _widen(bound, got)
            if joined is None:
                return False
            binding[self.name] = joined
            return True
        if self.kind == "list":
            return (
                got.kind == "list"
                and self.item is not None
                and got.item is not None
                and self.item.match(got.item, binding)
            )
        return got != NULL and assignable(got, self)


def list_of(item: GType) -> GType:
    return GType("list", item=item)


BOOL = GType("bool")
INT = GType("int")
DECIMAL = GType("decimal")
MONEY = GType("money")
DATE = GType("date")
TEXT = GType("text")
CODE = GType("code")
DURATION = GType("duration")
NULL = GType("null")
#: The type of an expression that already has an error (stops one mistake from causing many).
ANY = GType("any")

#: One claim (请求事项) of an application: what is claimed, how much, its code, and whether the award
#: on it is final (终局, R 50).
CLAIM_ITEM = GType(
    "record", name="claim", fields=(("item", TEXT), ("amount", MONEY), ("category", CODE), ("final", BOOL))
)

#: engine.procedures.dsl FactType -> guard type.
FACT_TYPES: dict[str, GType] = {
    "money": MONEY,
    "int": INT,
    "decimal": DECIMAL,
    "bool": BOOL,
    "date": DATE,
    "text": TEXT,
    "code": CODE,
    "claims": list_of(CLAIM_ITEM),
    "texts": list_of(TEXT),
}

_NUMERIC = ("int", "decimal", "money")
_SCALARS = {t.kind: t for t in (BOOL, INT, DECIMAL, MONEY, DATE, TEXT, CODE, DURATION, NULL, ANY)}
_VAR_OK: dict[str, Callable[[GType], bool]] = {
    "T": lambda t: t != NULL,
    "N": lambda t: t.kind in _NUMERIC,
    "O": lambda t: t.kind in _NUMERIC or t.kind in ("date", "duration"),
}


def _widen(a: GType, b: GType) -> GType | None:
    if a == b:
        return a
    if a.kind in _NUMERIC and b.kind in _NUMERIC:
        return MONEY if "money" in (a.kind, b.kind) else DECIMAL
    if {a.kind, b.kind} == {"text", "code"}:
        return TEXT
    return None


def parse_gtype(text: str) -> GType:
    """`money`, `list[date]`, `claim`, `claims` (= list[claim]), or a type variable `T`, `N`, `O`."""
    s = text.strip()
    if s.startswith("list[") and s.endswith("]"):
        return list_of(parse_gtype(s[5:-1]))
    if s in _SCALARS:
        return _SCALARS[s]
    if s == "claim":
        return CLAIM_ITEM
    if s in FACT_TYPES:
        return FACT_TYPES[s]
    if s in _VAR_OK:
        return GType("var", name=s)
    raise ValueError(
        f"unknown guard type '{text}' (known: {', '.join([*_SCALARS, 'claim', 'claims'])}, list[...])"
    )


def assignable(got: GType, want: GType) -> bool:
    """Whether a value of type `got` may stand where `want` is needed (numbers widen to money)."""
    if ANY in (got, want) or got == NULL:
        return True
    if want == MONEY:
        return got.kind in _NUMERIC
    if want == DECIMAL:
        return got.kind in ("int", "decimal")
    if want.kind in ("text", "code"):
        return got.kind in ("text", "code")
    if want.kind == "list" and got.kind == "list" and want.item is not None and got.item is not None:
        return assignable(got.item, want.item)
    return got == want
