"""The sandboxed Jinja2 environment the unified documents are rendered in.

Owns: `DocumentSandbox` (an `ImmutableSandboxedEnvironment` with StrictUndefined and HTML
autoescape), the curated filters and globals a template author may use, and the per-render budget
that turns resource exhaustion into a clear error. Template authors are regional staff writing
override files under documents/regions/; they must not reach Python internals (the sandbox blocks
`__class__`, `__globals__`, `|attr('__class__')`, mutation of lists and dicts) nor stall a server:
- `str.format`/`format_map` and `%` on strings are refused (format-string attacks);
- methods of built-in values are limited to reading ones (engine.documents.limits: no zfill, ljust,
  expandtabs, join, replace, fromkeys, to_bytes ...);
- every value a filter, a call, `~`, `+`, `*` or `{{ }}` builds or prints is weighed first
  (engine.documents.limits.MAX_WEIGHT), `**` is bounded, numbers passed to filters and calls are bounded;
- every `{% for %}` loop and every call counts against MAX_STEPS per render; `range` is capped;
- the output stops at MAX_OUTPUT characters; deep macro recursion is an error, not a crash.
Filters that can allocate without bound (center, indent, wordwrap, slice, format, tojson) or that
break re-rendering to the same hash (random) or the escaping (safe) are not offered.
May import: engine.errors, engine.documents.format, engine.documents.limits, engine.documents.masking.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from engine.documents import format as doc_format
from engine.documents import masking
from engine.documents.limits import (
    MAX_OUTPUT,
    MAX_POWER,
    MAX_RANGE,
    MAX_STEPS,
    MAX_WEIGHT,
    TemplateLimitError,
    check_product_bits,
    check_weight,
    guard_filter,
    method_allowed,
    weight,
)

__all__ = ["DocumentSandbox", "TemplateLimitError", "fill", "render_limited"]


def fill(value: Any, width: int = 6) -> Any:
    """The value, or an underlined blank to write on by hand when the case does not have it yet."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Markup('<span class="blank">' + "\u3000" * max(1, min(int(width), 40)) + "</span>")
    return value


@dataclass
class _Budget:
    steps: int = 0

    def spend(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > MAX_STEPS:
            raise TemplateLimitError(
                f"模板运算过多 (the template did more than {MAX_STEPS} loop steps and calls): "
                "a document template must not loop without bound"
            )


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("doc_budget", default=None)


def _spend(n: int = 1) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.spend(n)


def _budgeted(iterable: Any) -> Iterator[Any]:
    """Injected around the iterable of every `{% for %}`: each iteration costs one step."""
    if isinstance(iterable, StrictUndefined):
        iterable._fail_with_undefined_error()
    for item in iterable:
        _spend()
        yield item


def _safe_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimitError(
            f"range() 过大 (range of {len(rng)} items; at most {MAX_RANGE} in a document)"
        )
    _spend(len(rng))
    return rng


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 0


def _weighed(value: Any) -> Any:
    """Injected around every operand of `~` and used as `finalize` for `{{ }}`."""
    return check_weight(value, "输出的内容")


def _safe_replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    text = str(value)
    hits = text.count(old) if old else len(text) + 1
    if count is not None:
        hits = min(hits, max(count, 0))
    if len(text) + hits * (len(new) - len(old)) > MAX_WEIGHT:
        raise TemplateLimitError("replace() 结果过长 (replace would build a text that is too long)")
    return text.replace(old, new, -1 if count is None else count)


_REMOVED_FILTERS = (
    "center",
    "indent",
    "wordwrap",
    "slice",
    "format",
    "random",
    "safe",
    "pprint",
    "xmlattr",
    "urlize",
    "filesizeformat",
    "tojson",
    "urlencode",
)


class DocumentSandbox(ImmutableSandboxedEnvironment):
    """The one environment class for documents; instances are cached per template search path."""

    intercepted_binops = frozenset({"*", "**", "%", "//", "+"})

    def __init__(self, loader: BaseLoader, extra_filters: Mapping[str, Any] | None = None) -> None:
        super().__init__(
            loader=loader,
            undefined=StrictUndefined,
            autoescape=True,
            auto_reload=False,
            cache_size=1000,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=_weighed,
        )
        for name in _REMOVED_FILTERS:
            self.filters.pop(name, None)
        self.filters["replace"] = _safe_replace
        self.filters["_budgeted"] = _budgeted
        self.filters.update(
            cn_date=doc_format.cn_date,
            cn_money=doc_format.cn_money,
            cn_upper_money=doc_format.cn_upper_money,
            cn_count=doc_format.cn_count,
            cn_gender=doc_format.cn_gender,
            fill=fill,
            mask_id=masking.mask_id,
            mask_name=masking.mask_name,
            mask_address=masking.mask_address,
        )
        if extra_filters:
            self.filters.update(extra_filters)
        for name, func in list(self.filters.items()):
            if name != "_budgeted":
                self.filters[name] = guard_filter(name, func)
        self.filters["_weighed"] = _weighed
        for name in ("lipsum", "namespace"):
            self.globals.pop(name, None)
        self.globals["range"] = _safe_range

    # -- compile time: every for-loop iterable goes through the budget filter -------------------
    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "_budgeted", [], [], None, None, lineno=loop.lineno)
        for concat in tree.find_all(nodes.Concat):
            concat.nodes = [
                nodes.Filter(n, "_weighed", [], [], None, None, lineno=n.lineno) for n in concat.nodes
            ]
        return tree

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return super().is_safe_attribute(obj, attr, value) and method_allowed(obj, attr, value)

    # -- run time ---------------------------------------------------------------------------------
    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend()
        # No bound on numbers here: the methods that turn a number into a big value (zfill, ljust,
        # to_bytes ...) are not reachable (engine.documents.limits.method_allowed) and range() has its own.
        for value in (*args, *kwargs.values()):
            check_weight(value, "调用的参数")
        return check_weight(super().call(__context, __obj, *args, **kwargs), "调用的结果")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError(
                "模板中不能用 % 格式化文本 (string formatting with % is not allowed; use filters)"
            )
        if operator == "**":
            if not isinstance(right, int) or abs(right) > MAX_POWER or abs(left) > 10**6:
                raise TemplateLimitError(
                    f"乘方过大 (power {left!r} ** {right!r} is too large for a document)"
                )
            check_product_bits(left, right, operator)
            return left**right
        if operator == "*":
            check_product_bits(left, right, operator)
            seq, times = (left, right) if _sized(left) else (right, left)
            if _sized(seq) and isinstance(times, int) and weight(seq) * times > MAX_WEIGHT:
                raise TemplateLimitError(
                    f"重复的内容过长 (repeating a value {times} times exceeds {MAX_WEIGHT} characters)"
                )
            return left * right
        if operator == "+":
            return check_weight(left + right, "相加的结果")
        if operator == "%":
            return left % right
        return left // right

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # Fail at once (the default returns an Undefined that only fails when printed, and a chain
        # such as |attr('__class__')|attr('__base__') would then report a plain missing attribute).
        raise SecurityError(
            f"不能访问 {type(obj).__name__} 对象的属性 {attribute!r} "
            f"(access to attribute {attribute!r} of a {type(obj).__name__!r} object is unsafe)"
        )

    def wrap_str_format(self, value: Any) -> Any:
        if super().wrap_str_format(value) is None:
            return None

        def refused(*_args: Any, **_kwargs: Any) -> str:
            raise SecurityError(
                "模板中不能调用 str.format/format_map (str.format is not allowed in documents; use filters)"
            )

        return refused


def render_limited(template: Template, context: Mapping[str, Any]) -> str:
    """Render with a fresh step budget and the output cap; RecursionError becomes a limit error."""
    token = _budget.set(_Budget())
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(dict(context)):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimitError(f"文书过长 (the document exceeds {MAX_OUTPUT} characters)")
            parts.append(chunk)
        return "".join(parts)
    except RecursionError:
        raise TemplateLimitError("模板递归过深 (a macro calls itself too deeply)") from None
    finally:
        _budget.reset(token)


def known_filters(env: DocumentSandbox) -> Iterable[str]:
    """Filter names an author may use (for did-you-mean hints)."""
    return sorted(n for n in env.filters if not n.startswith("_"))
