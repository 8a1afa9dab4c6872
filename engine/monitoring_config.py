"""Configuration of monitoring (监测) read from codes/: how records are coded, what the indicators,
data checks and risk warnings are. All of it is data an institution can change without code.

Owns: `load_model` (a YAML file validated by a pydantic model, every problem reported as a located
diagnostic), `RecordingSpec` (the `recording:` part of codes/indicators.yaml: which events are
milestones, which facts feed the record) and `codes_dir()`.
Place in the flow: read by engine.monitoring (records), engine.indicators, engine.datachecks and
engine.risk. May import: engine.errors, engine.source, pydantic.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.errors import Diagnostic, ProcedureInvalid, Span
from engine.source import read_yaml

M = TypeVar("M", bound=BaseModel)


def codes_dir() -> Path:
    """`ZHONGCAI_CODES_DIR`, or codes/ in the repository (the same as engine.codes.default_codes_dir)."""
    from engine.codes import default_codes_dir

    return default_codes_dir()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FactNames(Strict):
    """Which case facts give the record's coded values (the national vocabulary by default)."""

    workers: str = "workers"
    claim_amount: str = "claim_amount"
    awarded_amount: str = "awarded_amount"
    dispute_type: str = "dispute_type"
    industry: str = "industry"
    outcome: str = "outcome"
    case_source: str = "case_source"
    collective: str = "collective"


class FinalAward(Strict):
    """How an award closure is told apart as final (终局) or not: a bool fact or the documents the
    award produced (R 50(4): final items get their own award document; a case with one counts final)."""

    facts: tuple[str, ...] = ()
    documents: tuple[str, ...] = ("final_award_document",)
    nonfinal_documents: tuple[str, ...] = ("award_document",)
    final: str = "award_final"
    nonfinal: str = "award_nonfinal"


class RecordingSpec(Strict):
    """How `build_record` codes an event (the `recording:` section of codes/indicators.yaml)."""

    open_actions: tuple[str, ...] = ("open",)
    accept_from: tuple[str, ...] = ("received", "amending", "deferred")
    accept_to: tuple[str, ...] = ("accepted",)
    #: stages that close a case for the statistics although the procedure continues (the award is
    #: made; the case becomes final 15 days later); value = closure code
    decision_stages: dict[str, str] = Field(default_factory=lambda: {"awarded": "award"})
    final_award: FinalAward = FinalAward()
    #: a `closed` record is on time when none of these deadlines was breached
    on_time_deadlines: tuple[str, ...] = ("award",)
    collective_min_workers: int = Field(default=10, ge=2)
    facts: FactNames = FactNames()


def load_model(path: Path, model: type[M], section: str | None = None) -> M:
    """Read `path` and validate it (or its `section`) with `model`. Raises `ProcedureInvalid` with a
    located diagnostic for every problem (unknown keys with a did-you-mean, wrong types)."""
    doc = read_yaml(path)
    diags = [d for d in doc.diagnostics if d.severity == "error"]
    if diags or doc.data is None:
        raise ProcedureInvalid(diags or [Diagnostic("E051", "not a YAML mapping", Span(str(path), 1, 1))])
    data: Any = doc.data
    prefix: tuple[Any, ...] = ()
    if section is not None:
        data = data.get(section, {})
        prefix = (section,)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProcedureInvalid([_diagnostic(doc, prefix, err, model) for err in exc.errors()]) from None


def _diagnostic(doc: Any, prefix: tuple[Any, ...], err: Any, model: type[BaseModel]) -> Diagnostic:
    loc = prefix + tuple(err["loc"])
    span = doc.span(loc, key=err["type"] == "extra_forbidden") or doc.span(loc[:-1]) or Span(doc.path, 1, 1)
    where = ".".join(str(p) for p in loc)
    hint = None
    if err["type"] == "extra_forbidden":
        fields = list(model.model_fields)
        close = difflib.get_close_matches(str(loc[-1]), fields, n=1)
        hint = f"did you mean '{close[0]}'?" if close else None
        return Diagnostic("E057", f"unknown key '{loc[-1]}' in {where}", span, hint=hint)
    return Diagnostic("E051", f"{where}: {err['msg']}", span)


@functools.lru_cache(maxsize=4)
def _recording_cached(path: str, mtime: float) -> RecordingSpec:
    return load_model(Path(path), RecordingSpec, section="recording")


def recording_spec(directory: Path | None = None) -> RecordingSpec:
    """The `recording:` section of codes/indicators.yaml (defaults when the file is absent)."""
    path = (directory or codes_dir()) / "indicators.yaml"
    if not path.exists():
        return RecordingSpec()
    return _recording_cached(str(path), path.stat().st_mtime)
