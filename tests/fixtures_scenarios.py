"""Pytest plugin: every YAML file under tests/scenarios/ is collected, one test item per scenario.

Loaded by tests/conftest.py (it registers tests/fixtures_*.py as plugins). A failing scenario shows
`file: 'scenario name': step N: expected ..., got ...` and nothing else (no traceback of the runner).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from engine.procedures.library import ProcedureLibrary
from engine.proving.scenarios import Scenario, ScenarioError, load_scenarios, run_scenario
from tests.paths import ROOT

SCENARIOS = ROOT / "tests" / "scenarios"


@lru_cache(maxsize=1)
def _library() -> ProcedureLibrary:
    return ProcedureLibrary.load(ROOT / "procedures")


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        result = run_scenario(self.scenario, _library())
        if not result.ok:
            raise ScenarioFailed(result.failure)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (ScenarioFailed, ScenarioError)):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.scenario.name}"


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        shown = str(self.path.relative_to(ROOT)) if self.path.is_relative_to(ROOT) else str(self.path)
        for scenario in load_scenarios(self.path):
            scenario = Scenario(shown, scenario.name, scenario.procedure, scenario.steps, scenario.region)
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and SCENARIOS in file_path.parents:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None
