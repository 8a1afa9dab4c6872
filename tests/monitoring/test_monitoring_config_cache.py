"""The codes/ configuration of monitoring is remembered per process and read again when its file changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ProcedureInvalid
from engine.monitoring import config as mc
from engine.monitoring.config import RecordingSpec, cached_model, clear_config_cache, recording_spec
from engine.monitoring.risk import RiskSpec, risk_spec


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_config_cache()


def test_absent_file_gives_defaults_then_the_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mc, "RECHECK_SECONDS", 0.0)
    assert risk_spec(tmp_path) == RiskSpec()
    (tmp_path / "risk.yaml").write_text("collective: {min_workers: 30}\n", encoding="utf-8")
    assert risk_spec(tmp_path).collective.min_workers == 30


def test_a_changed_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mc, "RECHECK_SECONDS", 0.0)
    path = tmp_path / "indicators.yaml"
    path.write_text("recording: {collective_min_workers: 12}\n", encoding="utf-8")
    first = recording_spec(tmp_path)
    assert first.collective_min_workers == 12
    assert recording_spec(tmp_path) is first  # unchanged file: the same object, not read again
    path.write_text("recording: {collective_min_workers: 120}\n", encoding="utf-8")
    assert recording_spec(tmp_path).collective_min_workers == 120


def test_within_the_recheck_window_the_file_is_not_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mc, "RECHECK_SECONDS", 3600.0)
    path = tmp_path / "indicators.yaml"
    path.write_text("recording: {collective_min_workers: 12}\n", encoding="utf-8")
    assert recording_spec(tmp_path).collective_min_workers == 12
    path.write_text("recording: {collective_min_workers: 120}\n", encoding="utf-8")
    assert recording_spec(tmp_path).collective_min_workers == 12
    clear_config_cache()  # what a new process sees
    assert recording_spec(tmp_path).collective_min_workers == 120


def test_an_invalid_file_is_refused_on_every_call_until_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mc, "RECHECK_SECONDS", 3600.0)
    path = tmp_path / "indicators.yaml"
    path.write_text("recording: {collective_min_wokers: 12}\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ProcedureInvalid) as exc:
            cached_model(path, RecordingSpec, section="recording")
        assert "collective_min_workers" in str(exc.value.diagnostics[0].hint)
    path.write_text("recording: {collective_min_workers: 15}\n", encoding="utf-8")
    assert cached_model(path, RecordingSpec, section="recording").collective_min_workers == 15


def test_codes_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHONGCAI_CODES_DIR", str(tmp_path))
    assert mc.codes_dir() == tmp_path
    monkeypatch.delenv("ZHONGCAI_CODES_DIR")
    assert (mc.codes_dir() / "indicators.yaml").is_file()
