"""Size limits for document templates: how big a value a template may build, and which methods of
built-in values it may call.

Owns: `weight` (the characters and items a value would print as, counted through nested containers
and stopping early), `check_weight`, `guard_filter` (wraps a Jinja filter so its inputs and result
are checked), `method_allowed` (the methods of str, numbers, containers and dates a template may
call) and the limits. Building many references to one big string is cheap; turning it into text is
not. So every place where a template turns values into text or new values (filters, calls,
`~`, `*`, `+`, the `{{ }}` output) checks the weight first. Used by engine.documents.sandbox.
May import: engine.errors.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from engine.errors import ZhongcaiError

MAX_STEPS = 200_000  # loop iterations plus calls, per render
MAX_WEIGHT = 1_000_000  # characters plus items of any one value a template builds or prints
MAX_RANGE = 10_000
MAX_OUTPUT = 2_000_000  # characters of HTML per document
MAX_POWER = 64
#: the largest whole number arithmetic in a template may build, in bits (about 10**40: far beyond any
#: amount, count or date a document prints; bigger products cost time that grows with their digits)
MAX_NUMBER_BITS = 133
MAX_INT_ARG = 100_000  # largest whole number passed to a filter or a call

#: Methods of built-in values a template may call: reading ones whose result is no bigger than the
#: value (no zfill/ljust/center/expandtabs/join/replace/format/translate/encode/fromkeys/to_bytes).
_STR_METHODS = frozenset(
    "strip lstrip rstrip startswith endswith split rsplit splitlines partition rpartition upper lower "
    "title capitalize casefold swapcase find rfind index rindex count removeprefix removesuffix isdigit "
    "isdecimal isnumeric isalpha isalnum isspace isupper islower istitle".split()
)
_SAFE_METHODS: tuple[tuple[type, frozenset[str]], ...] = (
    (str, _STR_METHODS),
    (Mapping, frozenset({"get", "keys", "values", "items"})),
    (list, frozenset({"index", "count"})),
    (tuple, frozenset({"index", "count"})),
    (dt.date, frozenset({"isoformat", "weekday", "isoweekday", "toordinal"})),
    (Decimal, frozenset({"is_zero", "is_signed"})),
    (bool, frozenset()),
    (int, frozenset({"is_integer"})),
    (float, frozenset({"is_integer"})),
    (bytes, frozenset()),
    (set, frozenset()),
    (frozenset, frozenset()),
)


#: Filters whose whole-number parameters are sizes of what they build (batch(n, fill_with) fills
#: up to n items; the others are bounded in case a region adds them back).
_SIZE_PARAMETERS = frozenset({"batch", "truncate", "round", "center", "indent", "wordwrap", "slice"})


class TemplateLimitError(ZhongcaiError):
    """A template tried to use more time or memory than a document may take."""


def method_allowed(obj: Any, attr: str, value: Any) -> bool:
    """False for a callable attribute of a built-in value that is not on its allow-list."""
    if not callable(value):
        return True
    for kind, allowed in _SAFE_METHODS:
        if isinstance(obj, kind):
            return attr in allowed
    return True  # our own objects (context functions, cyclers, loop helpers)


def weight(value: Any, limit: int = MAX_WEIGHT) -> int:
    """Characters plus items of a value, through nested containers; stops once over `limit`.

    >>> weight("abc"), weight(["ab", ["c"]]), weight({"k": "vv"})
    (3, 6, 4)
    >>> big = ["x" * 1000] * 5000
    >>> weight(big, limit=10_000) > 10_000
    True
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            stack.extend(item)
        elif isinstance(item, dict) or (
            not isinstance(item, (int, Decimal, dt.date)) and isinstance(item, Mapping)
        ):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            total += 1
        if total > limit:
            return total
    return total


def check_product_bits(left: Any, right: Any, operator: str) -> None:
    """Refuse `left * right` or `left ** right` on whole numbers whose result would exceed
    MAX_NUMBER_BITS, before computing it."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (left, right)):
        return
    if operator == "**":
        bits = abs(right) * max(1, abs(left).bit_length()) if right > 0 and abs(left) > 1 else 0
    else:
        bits = abs(left).bit_length() + abs(right).bit_length()
    if bits > MAX_NUMBER_BITS:
        raise TemplateLimitError(
            f"模板中的数值过大（超过 2**{MAX_NUMBER_BITS}）(whole-number arithmetic in a document template "
            f"would exceed 2**{MAX_NUMBER_BITS}: {operator} refused)"
        )


def check_weight(value: Any, what: str) -> Any:
    """The value, or TemplateLimitError when it would print as more than MAX_WEIGHT characters."""
    if isinstance(value, str):  # the common case, Markup included
        too_big = len(value) > MAX_WEIGHT
    else:
        too_big = isinstance(value, (list, tuple, set, frozenset, dict)) and weight(value) > MAX_WEIGHT
    if too_big:
        raise TemplateLimitError(
            f"{what}过大 (a value of more than {MAX_WEIGHT} characters or items; a document does not need it)"
        )
    return value


def check_int_args(args: tuple[Any, ...], kwargs: Mapping[str, Any], what: str) -> None:
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_INT_ARG:
            raise TemplateLimitError(
                f"{what}的参数 {arg} 过大 (a number passed here may be at most {MAX_INT_ARG})"
            )


def guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter with its inputs and its result checked (pass_context and friends are kept)."""

    # The value a filter works on comes first (after the context or environment that pass_context
    # filters receive). Only parameters that are sizes (a batch length, a width) are bounded: an
    # amount of money or a default value may be any number.
    first = 1 if hasattr(func, "jinja_pass_arg") else 0
    sized = name in _SIZE_PARAMETERS

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if sized:
            check_int_args(args[first + 1 :], kwargs, f"过滤器 {name}")
        for arg in (*args, *kwargs.values()):
            check_weight(arg, f"过滤器 {name} 的输入")
        return check_weight(func(*args, **kwargs), f"过滤器 {name} 的结果")

    return guarded
