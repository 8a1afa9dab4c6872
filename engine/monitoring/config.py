"""Configuration of monitoring (监测) read from codes/: how records are coded, what the indicators,
data checks and risk warnings are. All of it is data an institution can change without code.

Owns: `load_model` (a YAML file validated by a pydantic model, every problem reported as a located
diagnostic), `RecordingSpec` (the `recording:` part of codes/indicators.yaml: which events are
milestones, which facts feed the record) and `codes_dir()`.
Place in the flow: read by engine.monitoring.record (records), engine.monitoring.indicators, engine.monitoring.datachecks and
engine.monitoring.risk. May import: engine.errors, engine.procedures.source, pydantic.
"""

from __future__ import annotations

import difflib
import functools
import os
import threading
import time
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from engine.codes.code_tables import default_codes_dir
from engine.errors import Diagnostic, ProcedureInvalid, Span
from engine.procedures.source import read_yaml

M = TypeVar("M", bound=BaseModel)


def codes_dir() -> Path:
    """`ZHONGCAI_CODES_DIR`, or codes/ in the repository (the same as engine.codes.code_tables.default_codes_dir).

    The answer is remembered per value of the variable (resolving the repository path costs system
    calls, and a monitoring record is built with every event)."""
    return _codes_dir_for(os.environ.get("ZHONGCAI_CODES_DIR", "").strip())


@functools.lru_cache(maxsize=8)
def _codes_dir_for(env: str) -> Path:
    return Path(env) if env else default_codes_dir()


def config_file(directory: Path | None, name: str) -> Path:
    """`directory / name`, or the file `name` of `codes_dir()` (remembered per environment value)."""
    if directory is not None:
        return directory / name
    return _default_file(os.environ.get("ZHONGCAI_CODES_DIR", "").strip(), name)


@functools.lru_cache(maxsize=32)
def _default_file(env: str, name: str) -> Path:
    return _codes_dir_for(env) / name


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
    #: procedures whose cases are not labour disputes (e.g. the register's verification, 核准): their
    #: events are recorded (who did what, when) but are no milestone, so they count in no indicator
    not_disputes: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")], ...] = ()


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


#: how long a configuration read from a file is trusted before the file is looked at again
RECHECK_SECONDS = 1.0

_Identity = tuple[int, int, int, int] | None  # (device, inode, size, mtime_ns); None = no file
_config_cache: dict[tuple[str, type[BaseModel], str | None], tuple[float, _Identity, BaseModel]] = {}
_config_lock = threading.Lock()


def _identity(path: Path) -> _Identity:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def cached_model(path: Path, model: type[M], section: str | None = None) -> M:
    """`load_model(path, model, section)` remembered per process, or `model()` (its defaults) when the
    file is absent. The file is stat'ed at most once per `RECHECK_SECONDS` and read again only when
    its identity (device, inode, size, modification time) changed, so an edit of codes/ is picked up
    within a second by a running process and at once by a new one. A file that fails validation is
    not remembered: every call raises its `ProcedureInvalid` until it is fixed."""
    key = (str(path), model, section)
    now = time.monotonic()
    hit = _config_cache.get(key)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[2]  # type: ignore[return-value]
    ident = _identity(path)
    if hit is not None and hit[1] == ident:
        value: BaseModel = hit[2]
    elif ident is None:
        value = model()
    else:
        value = load_model(path, model, section)
    with _config_lock:
        _config_cache[key] = (now, ident, value)
    return value  # type: ignore[return-value]


def clear_config_cache() -> None:
    """Forget every configuration read by `cached_model` (tests that rewrite a file in place)."""
    with _config_lock:
        _config_cache.clear()


def recording_spec(directory: Path | None = None) -> RecordingSpec:
    """The `recording:` section of codes/indicators.yaml (defaults when the file is absent)."""
    return cached_model(config_file(directory, "indicators.yaml"), RecordingSpec, section="recording")
