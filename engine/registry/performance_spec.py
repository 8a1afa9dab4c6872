"""The definitions of the performance figures (绩效考核指标): codes/performance.yaml, validated.

Owns: `PerformanceSpec` (attribution rules, the training minimum and one `FigureSpec` per figure: title,
what is counted, unit, the law behind it), `FIGURES` (the figures the engine computes, in order),
`performance_spec()` (the file, cached; `ProcedureInvalid` with located diagnostics when it is wrong)
and `check_performance_config(path)` (every problem as a `Diagnostic`, for `zhongcai codes validate`:
shape, unknown keys with a did-you-mean, a figure missing or unknown, a code not in its table).
Place in the flow: read by engine.registry.performance and engine.registry.training.
May import: engine.errors, engine.codes.code_tables, engine.monitoring.config, pydantic.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from pydantic import Field, field_validator

from engine.codes.code_tables import CodeTables
from engine.errors import Diagnostic, ProcedureInvalid, Span
from engine.monitoring.config import Strict, cached_model, codes_dir, config_file, load_model

#: the figures engine.registry.performance computes, in the order reports show them
FIGURES = (
    "handled",
    "closed",
    "closed_on_time",
    "on_time_rate",
    "average_days",
    "p90_days",
    "mediated",
    "mediation_rate",
    "breaches",
    "online",
    "online_rate",
    "court_changed",
)
_LAW_ID = re.compile(r"^(ldrmal|arb-rules|arb-org|enterprise-mediation|spc-1|spc-2)-\d+$")


def _law_ids(ids: tuple[str, ...]) -> tuple[str, ...]:
    for i in ids:
        if not _LAW_ID.match(i):
            raise ValueError(
                f"'{i}' is not a corpus article id such as ldrmal-43 or arb-org-28 (docs/law.md §1)"
            )
    return ids


class Attribution(Strict):
    """Whose a case is: its tribunal, named by facts, matched to appointees of the case's institution."""

    post: str = "arbitrator"
    name_facts: tuple[str, ...] = ("presiding_arbitrator",)
    name_list_facts: tuple[str, ...] = ("arbitrators",)
    breach_roles: tuple[str, ...] = Field(default=("arbitrator",), min_length=1)
    mediation_closure: str = "mediation"
    online_channel: str = "online"
    percentile: int = Field(default=90, ge=1, le=100)

    @field_validator("name_facts", "name_list_facts")
    @classmethod
    def _fact_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for n in names:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", n):
                raise ValueError(f"'{n}' is not a fact id (lower-case letters, digits and _)")
        return names


class Training(Strict):
    """The yearly training minimum (组织规则第二十八条: 脱产培训不少于四十学时)."""

    min_hours: int = Field(default=40, ge=0, le=1000)
    post: str = "arbitrator"
    law: tuple[str, ...] = ("arb-org-28",)

    @field_validator("law")
    @classmethod
    def _law(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        return _law_ids(ids)


class FigureSpec(Strict):
    title: str = Field(min_length=1)
    counts: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    law: tuple[str, ...] = ()

    @field_validator("law")
    @classmethod
    def _law(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        return _law_ids(ids)


class PerformanceSpec(Strict):
    title: str = "绩效考核指标"
    source: str = ""
    attribution: Attribution = Attribution()
    training: Training = Training()
    figures: dict[str, FigureSpec]

    @field_validator("figures")
    @classmethod
    def _every_figure(cls, figures: dict[str, FigureSpec]) -> dict[str, FigureSpec]:
        for key in figures:
            if key not in FIGURES:
                close = difflib.get_close_matches(key, FIGURES, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"unknown figure '{key}' (the engine computes {', '.join(FIGURES)}){hint}")
        missing = [k for k in FIGURES if k not in figures]
        if missing:
            raise ValueError(f"figure(s) without a definition: {', '.join(missing)}")
        return figures


def performance_spec(directory: Path | None = None) -> PerformanceSpec:
    """codes/performance.yaml, validated (cached; `ProcedureInvalid` with located diagnostics otherwise)."""
    path = config_file(directory, "performance.yaml")
    if not path.exists():
        raise ProcedureInvalid(
            [Diagnostic("E051", "codes/performance.yaml is missing", Span(str(path), 1, 1))]
        )
    return cached_model(path, PerformanceSpec)


def check_performance_config(path: Path | None = None, codes: CodeTables | None = None) -> list[Diagnostic]:
    """Every problem of a performance file (default codes/performance.yaml) as a located diagnostic;
    [] when it is sound. The codes it names must exist in closure_methods, channels and staff_posts."""
    path = path or codes_dir() / "performance.yaml"
    if not path.exists():
        return [Diagnostic("E051", f"{path.name}: file not found", Span(str(path), 1, 1))]
    try:
        spec = load_model(path, PerformanceSpec)
    except ProcedureInvalid as exc:
        return list(exc.diagnostics)
    codes = codes or CodeTables.load(
        path.parent if (path.parent / "closure_methods.yaml").exists() else codes_dir()
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Diagnostic] = []
    a, t = spec.attribution, spec.training
    for loc, table, code in (
        (("attribution", "mediation_closure"), "closure_methods", a.mediation_closure),
        (("attribution", "online_channel"), "channels", a.online_channel),
        (("attribution", "post"), "staff_posts", a.post),
        (("training", "post"), "staff_posts", t.post),
    ):
        msg = codes.validate(table, code) if codes.has(table) else f"code table '{table}' is missing"
        if msg is not None:
            span = _key_span(path, lines, loc)
            out.append(Diagnostic("E051", f"{'.'.join(loc)}: {msg}", span))
    return out


def _key_span(path: Path, lines: list[str], loc: tuple[str, str]) -> Span:
    """Where `section: ... key:` is written (the section's line, else line 1)."""
    section, key = loc
    line = next((i for i, text in enumerate(lines) if text.startswith(f"{section}:")), None)
    if line is None:
        return Span(str(path), 1, 1)
    for i in range(line + 1, len(lines)):
        text = lines[i]
        if text and not text[0].isspace() and not text.startswith("#"):
            break
        m = re.match(rf"^(\s+){re.escape(key)}\s*:", text)
        if m:
            return Span(str(path), i + 1, len(m.group(1)) + 1)
    return Span(str(path), line + 1, 1)
