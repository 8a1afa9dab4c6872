"""Guard types and the type checker: every name, field, call and operator checked before a case runs.

Owns: `TypeEnv`, `check_guard` (returns E250-E279 diagnostics, never raises for an author's
mistake), `infer_type`. The type vocabulary (`GType`: bool, int, decimal, money, date, text, code,
duration, list[T], the `claim` record) is engine.expr.gtypes; the catalogue of type errors and their
wording, engine.expr.type_errors.
Stage in the flow: 4 (compile), called by engine.procedures.compiler after parse_guard.
May import: engine.errors, engine.expr (nodes, gtypes, functions).

>>> from engine.expr.parse import parse_guard
>>> env = TypeEnv.build({"workers": "int", "claims": "claims"}, {"monthly_min_wage": "money"})
>>> check_guard(parse_guard("workers >= 10 and max(claims.amount) <= 12 * monthly_min_wage"), env)
[]
>>> [d.hint for d in check_guard(parse_guard("worker >= 10"), env)]
["did you mean 'workers'?"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.errors import Diagnostic
from engine.expr import nodes as n
from engine.expr.functions import REGISTRY, FunctionRegistry
from engine.expr.gtypes import (
    ANY,
    BOOL,
    DATE,
    DECIMAL,
    DURATION,
    FACT_TYPES,
    INT,
    MONEY,
    NULL,
    TEXT,
    GType,
    assignable,
    list_of,
    parse_gtype,
)
from engine.expr.type_errors import article, cannot_order, compare_hint, did_you_mean

__all__ = ["TypeEnv", "check_guard", "infer_type"]

_NUMERIC = ("int", "decimal", "money")
_TEXTUAL = ("text", "code")


@dataclass(frozen=True)
class TypeEnv:
    """The names a guard may read, with their types, and the functions it may call."""

    names: Mapping[str, GType]
    functions: FunctionRegistry = field(default=REGISTRY)

    @classmethod
    def build(
        cls,
        facts: Mapping[str, str],
        params: Mapping[str, str],
        extra: Mapping[str, GType] | None = None,
        functions: FunctionRegistry | None = None,
    ) -> TypeEnv:
        """From a procedure's fact types (DSL names: money, claims, ...) and param types.

        `at` (the effective date), `stage` (the current stage id), `opened_on` (the day the
        application was received: the effective date of opening the case) and `role` (the role doing
        the action) are always in scope.
        """
        names: dict[str, GType] = {"at": DATE, "stage": TEXT, "opened_on": DATE, "role": TEXT}
        for fid, ftype in facts.items():
            names[fid] = FACT_TYPES[ftype] if ftype in FACT_TYPES else parse_gtype(ftype)
        for pid, ptype in params.items():
            names[pid] = FACT_TYPES[ptype] if ptype in FACT_TYPES else parse_gtype(ptype)
        names.update(extra or {})
        return cls(names, functions or REGISTRY)


def check_guard(expr: n.Expr, env: TypeEnv, expect: str | GType | None = "bool") -> list[Diagnostic]:
    """Type-check `expr`; `expect` is the type the whole expression must have (None: any).

    Guards (`when`, `check`, invariants) expect "bool"; a `sets:` expression expects its fact's type.
    """
    checker = _Checker(env)
    got = checker.infer(expr, {})
    want = parse_gtype(expect) if isinstance(expect, str) else expect
    if want is not None and (not assignable(got, want) or (want == BOOL and got == NULL)):
        if want == BOOL:
            msg = f"a guard must be true or false, but this is {article(got)}"
            hint = "compare it, e.g. 'x >= 1' or 'x == true'" if got != ANY else None
        else:
            msg = f"this expression is {article(got)}, but {article(want)} is needed here"
            hint = None
        checker.error("E256", msg, expr, expected=f"{article(want)}", hint=hint)
    return sorted(checker.diags, key=Diagnostic.sort_key)


def infer_type(expr: n.Expr, env: TypeEnv) -> GType:
    """The type of `expr` (ANY where it has errors); for generators and tools."""
    return _Checker(env).infer(expr, {})


def _numeric_result(a: GType, b: GType) -> GType:
    kinds = {a.kind, b.kind}
    if "money" in kinds:
        return MONEY
    if "decimal" in kinds:
        return DECIMAL
    return INT


def _equatable(a: GType, b: GType) -> bool:
    if ANY in (a, b) or NULL in (a, b):
        return True
    if a.kind in _NUMERIC and b.kind in _NUMERIC:
        return True
    if a.kind in _TEXTUAL and b.kind in _TEXTUAL:
        return True
    if a.kind == "list" and b.kind == "list" and a.item is not None and b.item is not None:
        return _equatable(a.item, b.item)
    return a == b


def _ordered(a: GType, b: GType) -> bool:
    if ANY in (a, b):
        return True
    return (a.kind in _NUMERIC and b.kind in _NUMERIC) or (a == b and a.kind in ("date", "duration"))


def _join(a: GType, b: GType) -> GType | None:
    """The common type of two list items, or None."""
    if a == ANY or b == NULL:
        return b if a == ANY else a
    if b == ANY or a == NULL:
        return a if b == ANY else b
    if a.kind in _NUMERIC and b.kind in _NUMERIC:
        return _numeric_result(a, b)
    if a.kind in _TEXTUAL and b.kind in _TEXTUAL:
        return a if a == b else TEXT
    return a if a == b else None


class _Checker:
    def __init__(self, env: TypeEnv) -> None:
        self.env = env
        self.diags: list[Diagnostic] = []

    def error(
        self, code: str, message: str, at: n.Expr, expected: str | None = None, hint: str | None = None
    ) -> None:
        self.diags.append(Diagnostic(code, message, at.span, expected=expected, hint=hint))

    def infer(self, e: n.Expr, local: dict[str, GType]) -> GType:
        if isinstance(e, n.Literal):
            return {"int": INT, "decimal": DECIMAL, "text": TEXT, "bool": BOOL, "date": DATE, "null": NULL}[
                e.kind
            ]
        if isinstance(e, n.Duration):
            return DURATION
        if isinstance(e, n.Name):
            return self._name(e, local)
        if isinstance(e, n.Attr):
            return self._attr(e, local)
        if isinstance(e, n.ListLit):
            return self._list(e, local)
        if isinstance(e, n.Unary):
            t = self.infer(e.operand, local)
            if t == ANY or t.kind in _NUMERIC or t == DURATION:
                return t
            self.error("E254", f"'-' needs a number or a duration, not {article(t)}", e)
            return ANY
        if isinstance(e, n.Arith):
            return self._arith(e, local)
        if isinstance(e, n.Compare):
            return self._compare(e, local)
        if isinstance(e, n.In):
            return self._in(e, local)
        if isinstance(e, n.Not):
            self._bool(e.operand, local, "'not'")
            return BOOL
        if isinstance(e, (n.And, n.Or)):
            word = "'and'" if isinstance(e, n.And) else "'or'"
            for item in e.items:
                self._bool(item, local, word)
            return BOOL
        if isinstance(e, n.Implies):
            self._bool(e.left, local, "'implies'")
            self._bool(e.right, local, "'implies'")
            return BOOL
        if isinstance(e, n.Quantifier):
            return self._quantifier(e, local)
        return self._call(e, local)

    def _bool(self, e: n.Expr, local: dict[str, GType], word: str) -> None:
        t = self.infer(e, local)
        if t not in (BOOL, ANY):
            self.error("E259", f"{word} joins conditions, but this is {article(t)}", e, expected="a condition (true or false)",
                       hint="compare it, e.g. 'x >= 1'")  # fmt: skip

    def _name(self, e: n.Name, local: dict[str, GType]) -> GType:
        if e.id in local:
            return local[e.id]
        t = self.env.names.get(e.id)
        if t is not None:
            return t
        in_scope = sorted(set(self.env.names) | set(local))
        hint = did_you_mean(e.id, in_scope)
        if hint is None and e.id in self.env.functions.names():
            hint = f"'{e.id}' is a function: call it, e.g. {e.id}(...)"
        self.error(
            "E250", f"unknown name '{e.id}'", e, expected="a fact, a param, 'at' or 'stage'", hint=hint
        )
        return ANY

    def _attr(self, e: n.Attr, local: dict[str, GType]) -> GType:
        t = self.infer(e.value, local)
        if t == ANY:
            return ANY
        record = t.item if t.kind == "list" else t
        if record is None or record.kind != "record":
            self.error(
                "E257", f"{article(t)} has no field '{e.attr}'", e, hint="only claim items have fields"
            )
            return ANY
        fields = dict(record.fields)
        if e.attr not in fields:
            self.error("E257", f"a {record} has no field '{e.attr}'", e, expected=", ".join(fields),
                       hint=did_you_mean(e.attr, list(fields)))  # fmt: skip
            return ANY
        return list_of(fields[e.attr]) if t.kind == "list" else fields[e.attr]

    def _list(self, e: n.ListLit, local: dict[str, GType]) -> GType:
        item: GType = ANY
        for x in e.items:
            t = self.infer(x, local)
            joined = _join(item, t)
            if joined is None:
                self.error(
                    "E260",
                    f"a list mixes {article(item)} and {article(t)}",
                    x,
                    hint="write every item of one type",
                )
                return list_of(ANY)
            item = joined
        return list_of(item)

    def _arith(self, e: n.Arith, local: dict[str, GType]) -> GType:
        a, b = self.infer(e.left, local), self.infer(e.right, local)
        if ANY in (a, b):
            return ANY
        op = e.op
        if a.kind in _NUMERIC and b.kind in _NUMERIC:
            if op == "*" and a == MONEY and b == MONEY:
                return self._bad_arith(e, a, b, "multiply an amount by a number, not by another amount")
            if op == "/":
                if b == MONEY:
                    if a == MONEY:
                        return DECIMAL
                    return self._bad_arith(e, a, b, "divide an amount by a number")
                return MONEY if a == MONEY else DECIMAL
            return _numeric_result(a, b)
        if a == DATE and b == DURATION and op in ("+", "-"):
            return DATE
        if a == DURATION and b == DATE and op == "+":
            return DATE
        if a == DATE and b == DATE and op == "-":
            return INT
        if a == DATE and b.kind in ("int", "decimal") and op in ("+", "-"):
            return self._bad_arith(
                e, a, b, "add a duration with its unit, e.g. 'at + 5 workdays' or 'at + 45 days'"
            )
        return self._bad_arith(e, a, b, None)

    def _bad_arith(self, e: n.Arith, a: GType, b: GType, hint: str | None) -> GType:
        self.error("E254", f"cannot compute {article(a)} {e.op} {article(b)}", e,
                   expected="numbers (int, decimal, money), or a date plus or minus a duration", hint=hint)  # fmt: skip
        return ANY

    def _compare(self, e: n.Compare, local: dict[str, GType]) -> GType:
        a, b = self.infer(e.left, local), self.infer(e.right, local)
        if e.op in ("==", "!="):
            if not _equatable(a, b):
                self.error("E255", f"cannot compare {article(a)} with {article(b)}", e, expected=f"{article(a)} on both sides",
                           hint=compare_hint(a, b))  # fmt: skip
        elif not _ordered(a, b):
            what = "'null' can only be compared with == or !=" if NULL in (a, b) else cannot_order(a, b)
            self.error("E261", f"{what} with '{e.op}'", e, expected="two numbers, two dates or two durations",
                       hint=compare_hint(a, b))  # fmt: skip
        return BOOL

    def _in(self, e: n.In, local: dict[str, GType]) -> GType:
        item, container = self.infer(e.item, local), self.infer(e.container, local)
        if container == ANY:
            return BOOL
        if container.kind != "list" or container.item is None:
            self.error("E258", f"'in' needs a list on its right, not {article(container)}", e.container,
                       expected="a list such as ['wages', 'overtime'] or claims.category")  # fmt: skip
        elif not _equatable(item, container.item):
            self.error("E258", f"{article(item)} is never in a list of {container.item} values", e,
                       expected=f"{article(container.item)} on the left of 'in'")  # fmt: skip
        return BOOL

    def _quantifier(self, e: n.Quantifier, local: dict[str, GType]) -> GType:
        src = self.infer(e.source, local)
        if src != ANY and (src.kind != "list" or src.item is None):
            self.error("E263", f"'{e.kind} {e.var} in ...' needs a list, not {article(src)}", e.source,
                       expected="a list fact such as claims")  # fmt: skip
            src = list_of(ANY)
        inner = dict(local)
        inner[e.var] = src.item if src.item is not None else ANY
        self._bool(e.body, inner, f"'{e.kind} ... :'")
        return BOOL

    def _call(self, e: n.Call, local: dict[str, GType]) -> GType:
        fn = self.env.functions.get(e.func)
        arg_types = [self.infer(a, local) for a in e.args]
        if fn is None:
            self.error("E251", f"unknown function '{e.func}'", e, expected="a registered function (docs/guards.md)",
                       hint=did_you_mean(e.func, self.env.functions.names()))  # fmt: skip
            return ANY
        if len(e.args) != len(fn.params):
            self.error("E252", f"{e.func}() takes {len(fn.params)} argument(s), {len(e.args)} given", e,
                       expected=fn.signature())  # fmt: skip
            return fn.returns if not fn.returns.has_var() else ANY
        binding: dict[str, GType] = {}
        for i, (arg, got, want) in enumerate(zip(e.args, arg_types, fn.params, strict=True), start=1):
            if not want.match(got, binding):
                self.error("E253", f"argument {i} of {e.func}() must be {article(want.resolve(binding))}, not {article(got)}",
                           arg, expected=fn.signature())  # fmt: skip
                return fn.returns.resolve(binding) if not fn.returns.has_var() else ANY
        return fn.returns.resolve(binding)
