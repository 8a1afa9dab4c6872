"""YAML scenario files (DESIGN.md section 4): load them and run them against a fresh database.

Owns: `load_scenarios(path) -> list[Scenario]` (one scenario per file or a list; a malformed file is a
`ScenarioError` that names the file, the scenario and the step), `run_scenario(scenario, library)
-> ScenarioResult` and `run_paths(paths, library)`. Each scenario runs on its own in-memory SQLite
database with the clock set to each step's date (so nothing is back-dated), through the real
`CaseService`: open, attach, do, refused, tick, expect. A failure reads
`tests/scenarios/arbitration/late.yaml: 'award after 45 days': step 4: expected stage 'accepted', got 'received'`.
Stage in the flow: rule authors' tests (`zhongcai test`, the pytest plugin in tests/fixtures_scenarios.py).
May import: engine.errors, engine.cases.casefile, engine.cases.facts, engine.store.db, engine.cases.runtime, engine.store.tables.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from engine.cases.casefile import Actor, CaseView
from engine.cases.facts import check_facts, encode_value
from engine.cases.runtime import CaseService, ensure_institution
from engine.cases.versions import ProcedureSource
from engine.errors import BadInput, CaseConflict, EventNotAllowed, ZhongcaiError
from engine.oversight.scan import scan
from engine.store.db import Database
from engine.store.tables import metadata

SHANGHAI = ZoneInfo("Asia/Shanghai")
STEP_KINDS = ("open", "expect", "attach", "do", "refused", "tick")
EXPECT_KEYS = ("stage", "deadlines", "breaches", "documents", "closure", "facts")


class ScenarioError(ZhongcaiError, ValueError):
    """A scenario file that cannot be run as written (the message says where and what)."""


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans only (`yes`/`no`/`on`/`off` stay strings); dates load as dates."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_value(text: str) -> Any:
    """One YAML scalar as a scenario reads it (`20000` -> int, `2026-10-09` -> date, `true` -> bool)."""
    return yaml.load(text, Loader=_Loader)


@dataclass(frozen=True)
class Scenario:
    path: str
    name: str
    procedure: str
    steps: tuple[Mapping[str, Any], ...]
    region: str | None = None


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    ok: bool
    failure: str | None = None
    steps_run: int = 0

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        out = f"{mark} {self.scenario.path}: '{self.scenario.name}'"
        return out if self.ok else f"{out}\n     {self.failure}"


def _kind(step: Mapping[str, Any]) -> str:
    kinds = [k for k in STEP_KINDS if k in step]
    if len(kinds) != 1:
        raise ValueError(
            f"a step needs exactly one of {', '.join(STEP_KINDS)}; found {', '.join(kinds) or 'none'} "
            f"(keys: {', '.join(map(str, step))})"
        )
    return kinds[0]


def _validate(path: str, name: str, steps: Any) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(steps, list) or not steps:
        raise ScenarioError(f"{path}: '{name}': 'steps' must be a non-empty list")
    last: dt.date | None = None
    for i, step in enumerate(steps, 1):
        where = f"{path}: '{name}': step {i}"
        if not isinstance(step, Mapping):
            raise ScenarioError(f"{where}: a step is a mapping such as 'do: accept' with 'at:' and 'as:'")
        try:
            kind = _kind(step)
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        day = _step_date(step, kind)
        if day is not None:
            if last is not None and day < last:
                raise ScenarioError(f"{where}: date {day} goes backwards (previous step: {last})")
            last = day
        if kind == "expect":
            unknown = set(step["expect"] or {}) - set(EXPECT_KEYS)
            if unknown:
                raise ScenarioError(
                    f"{where}: 'expect' does not know {sorted(unknown)}; use {', '.join(EXPECT_KEYS)}"
                )
        if kind in ("do", "refused", "attach") and (day is None or (kind != "attach" and "as" not in step)):
            raise ScenarioError(f"{where}: '{kind}' needs 'at:' (a date) and 'as:' (a role)")
    return tuple(steps)


def _step_date(step: Mapping[str, Any], kind: str) -> dt.date | None:
    if kind == "tick":
        value = step["tick"]
    elif kind in ("open", "attach") and isinstance(step[kind], Mapping):
        value = step[kind].get("at", step.get("at"))
    else:
        value = step.get("at")
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"'{value}' is not a date (YYYY-MM-DD)") from None


def load_scenarios(path: str | Path) -> list[Scenario]:
    """The scenarios of one file; `ScenarioError` when the file is not a valid scenario file."""
    p = Path(path)
    shown = str(path)
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{shown}: cannot read the scenario file: {exc}") from None
    items = data if isinstance(data, list) else [data]
    out: list[Scenario] = []
    for i, item in enumerate(items, 1):
        if (
            not isinstance(item, Mapping)
            or "name" not in item
            or "procedure" not in item
            or "steps" not in item
        ):
            raise ScenarioError(f"{shown}: scenario {i}: needs 'name', 'procedure' and 'steps'")
        name = str(item["name"])
        extra = set(item) - {"name", "procedure", "steps", "region"}
        if extra:
            raise ScenarioError(
                f"{shown}: '{name}': unknown keys {sorted(extra)} (use name, procedure, steps, region)"
            )
        region = item.get("region")
        out.append(
            Scenario(
                shown,
                name,
                str(item["procedure"]),
                _validate(shown, name, item["steps"]),
                None if region is None else str(region),
            )
        )
    return out


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files under the given files and directories (*.yaml, *.yml), sorted."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml") and q.is_file())
        else:
            files.append(p)
    return files


class _Failed(Exception):
    pass


class _Run:
    """One scenario's state: a fresh database, a movable clock, the case under test."""

    def __init__(self, scenario: Scenario, library: ProcedureSource) -> None:
        self.scenario = scenario
        self.day = dt.date(2000, 1, 1)
        self.db = Database("sqlite://")
        metadata.create_all(self.db.engine)
        self.service = CaseService(self.db, library, now=self._now)
        procedure = library.get(scenario.procedure)
        region = scenario.region or procedure.region or "110000"
        ensure_institution(self.db, "scenario", "测试劳动人事争议仲裁委员会", region, abbr="测")
        self.case_id: int | None = None

    def _now(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(12, 0), SHANGHAI)

    def fail(self, message: str) -> _Failed:
        return _Failed(message)

    def case(self) -> CaseView:
        if self.case_id is None:
            raise self.fail("no case yet: the first step must be 'open'")
        return self.service.get(self.case_id)

    def step(self, step: Mapping[str, Any]) -> None:
        kind = _kind(step)
        day = _step_date(step, kind)
        if day is not None:
            self.day = day
        getattr(self, f"_{kind}")(step)

    def _open(self, step: Mapping[str, Any]) -> None:
        spec = step["open"] or {}
        role = str(spec.get("as", step.get("as", "clerk")))
        try:
            view = self.service.open_case(
                self.scenario.procedure,
                self.day,
                spec.get("facts") or {},
                "scenario",
                Actor(f"scenario:{role}", role),
            )
        except (EventNotAllowed, BadInput) as exc:
            raise self.fail(f"opening the case failed: {exc}") from None
        self.case_id = view.id

    def _attach(self, step: Mapping[str, Any]) -> None:
        spec = step["attach"] if isinstance(step["attach"], Mapping) else {"documents": step["attach"]}
        role = str(spec.get("as", step.get("as", "clerk")))
        docs = spec.get("documents") or []
        try:
            self.service.attach(self.case().id, list(docs), self.day, Actor(f"scenario:{role}", role))
        except (EventNotAllowed, BadInput) as exc:
            raise self.fail(f"attaching {list(docs)} failed: {exc}") from None

    def _fire(self, step: Mapping[str, Any], action: str) -> None:
        role = str(step["as"])
        self.service.fire(
            self.case().id,
            action,
            Actor(f"scenario:{role}", role),
            self.day,
            facts=step.get("facts"),
            documents=step.get("documents"),
        )

    def _do(self, step: Mapping[str, Any]) -> None:
        action = str(step["do"])
        try:
            self._fire(step, action)
        except EventNotAllowed as exc:
            raise self.fail(
                f"expected '{action}' to succeed, got refused [{exc.code}]: {exc.message}"
            ) from None
        except (BadInput, CaseConflict) as exc:
            raise self.fail(f"expected '{action}' to succeed, got {type(exc).__name__}: {exc}") from None

    def _refused(self, step: Mapping[str, Any]) -> None:
        action = str(step["refused"])
        reason = step.get("reason")
        before = self.case()
        try:
            self._fire(step, action)
        except EventNotAllowed as exc:
            if reason is not None and str(reason) != exc.code and str(reason) not in exc.message:
                raise self.fail(
                    f"expected '{action}' refused with reason '{reason}', got [{exc.code}]: {exc.message}"
                ) from None
        except BadInput as exc:
            raise self.fail(f"expected '{action}' refused ({reason}), got bad input: {exc}") from None
        else:
            raise self.fail(
                f"expected '{action}' to be refused ({reason or 'any reason'}), but it was allowed"
            )
        after = self.case()
        if after != before:
            raise self.fail(
                f"'{action}' was refused but the case changed (version {before.version} -> {after.version})"
            )

    def _tick(self, step: Mapping[str, Any]) -> None:
        scan(self.service, self.day)

    def _expect(self, step: Mapping[str, Any]) -> None:
        want = step["expect"] or {}
        view = self.case()
        if "stage" in want and view.stage != str(want["stage"]):
            raise self.fail(f"expected stage '{want['stage']}', got '{view.stage}'")
        for deadline_id, expected in (want.get("deadlines") or {}).items():
            self._expect_deadline(view, str(deadline_id), expected)
        if "breaches" in want:
            expected_set = sorted(str(b) for b in (want["breaches"] or []))
            if list(view.breaches) != expected_set:
                raise self.fail(f"expected breaches {expected_set}, got {list(view.breaches)}")
        missing = [str(d) for d in want.get("documents") or [] if not view.has_document(str(d))]
        if missing:
            on_file = sorted({d.document_id for d in view.documents})
            raise self.fail(f"expected documents {missing} on file, got {on_file}")
        if "closure" in want and view.closure != want["closure"]:
            raise self.fail(f"expected closure '{want['closure']}', got '{view.closure}'")
        self._expect_facts(view, want.get("facts") or {})

    def _expect_deadline(self, view: CaseView, deadline_id: str, expected: Any) -> None:
        got = view.deadlines.get(deadline_id)
        shown = got.shown() if got is not None else "not started"
        if isinstance(expected, dt.date):  # a certain date: a provisional one is written "DATE provisional"
            ok = (
                got is not None and got.status == "running" and got.due_on == expected and not got.provisional
            )
            if not ok:
                raise self.fail(f"expected deadline '{deadline_id}' due {expected}, got {shown}")
        elif str(expected) != shown and not (str(expected) == "unknown" and shown.startswith("unknown")):
            raise self.fail(f"expected deadline '{deadline_id}' {expected}, got {shown}")

    def _expect_facts(self, view: CaseView, facts: Mapping[str, Any]) -> None:
        procedure = self.service.library.get(self.scenario.procedure)
        for key, value in facts.items():
            try:
                expected = check_facts(procedure, {key: value})[key]
            except BadInput:
                expected = value
            got = view.facts.get(key)
            if encode_value(got) != encode_value(expected):
                raise self.fail(f"expected fact '{key}' = {value!r}, got {encode_value(got)!r}")


def run_scenario(scenario: Scenario, library: ProcedureSource) -> ScenarioResult:
    """Run one scenario on a fresh in-memory database."""
    try:
        run = _Run(scenario, library)
    except ZhongcaiError as exc:
        return ScenarioResult(scenario, False, f"{scenario.path}: '{scenario.name}': cannot start: {exc}")
    try:
        for i, step in enumerate(scenario.steps, 1):
            try:
                run.step(step)
            except _Failed as exc:
                return ScenarioResult(
                    scenario, False, f"{scenario.path}: '{scenario.name}': step {i}: {exc}", i
                )
            except ZhongcaiError as exc:
                return ScenarioResult(
                    scenario,
                    False,
                    f"{scenario.path}: '{scenario.name}': step {i}: {type(exc).__name__}: {exc}",
                    i,
                )
        return ScenarioResult(scenario, True, None, len(scenario.steps))
    finally:
        run.db.dispose()


def run_paths(paths: Iterable[str | Path], library: ProcedureSource) -> list[ScenarioResult]:
    """Every scenario of every file under `paths`; a file that cannot be loaded is one failed result."""
    results: list[ScenarioResult] = []
    for f in discover(paths):
        try:
            scenarios = load_scenarios(f)
        except ScenarioError as exc:
            results.append(ScenarioResult(Scenario(str(f), "(file)", "", ()), False, str(exc)))
            continue
        results += [run_scenario(s, library) for s in scenarios]
    return results
