"""The guard language of procedures: grammar, AST, parser, printer, types, evaluator, functions.

Owns nothing itself; it is the facade other modules import from (docs/internals.md, "Guards"):

    expr = parse_guard(text, at=span)              # ProcedureInvalid([E1xx]) on a syntax error
    print_guard(expr)                              # parse_guard(print_guard(e)) == e
    check_guard(expr, TypeEnv.build(facts, params))  # [Diagnostic E25x..E26x]
    evaluate(expr, Scope(values, context)).explain()

docs/guards.md is the author's reference of the language and of every registered function.
May import: engine.errors, engine.dates.periods (and, through GuardContext, a calendar it is given).
"""

from __future__ import annotations

from engine.expr.evaluate import MissingValue, Scope, evaluate
from engine.expr.functions import (
    REGISTRY,
    CalendarLike,
    FunctionRegistry,
    GuardContext,
    GuardFunction,
    guard_function,
)
from engine.expr.gtypes import FACT_TYPES, GType, parse_gtype
from engine.expr.nodes import Expr, walk
from engine.expr.outcome import Failure, Outcome, format_value
from engine.expr.parse import parse_guard
from engine.expr.printer import print_guard
from engine.expr.syntax import GUARD_SYNTAX_ERRORS
from engine.expr.type_errors import TYPE_ERRORS
from engine.expr.types import TypeEnv, check_guard, infer_type

__all__ = [
    "FACT_TYPES",
    "GUARD_SYNTAX_ERRORS",
    "REGISTRY",
    "TYPE_ERRORS",
    "CalendarLike",
    "Expr",
    "Failure",
    "FunctionRegistry",
    "GType",
    "GuardContext",
    "GuardFunction",
    "MissingValue",
    "Outcome",
    "Scope",
    "TypeEnv",
    "check_guard",
    "evaluate",
    "format_value",
    "guard_function",
    "infer_type",
    "parse_guard",
    "parse_gtype",
    "print_guard",
    "walk",
]
