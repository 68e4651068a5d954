from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.commands import replay_server as replay_cli
from tests.feeds.conftest import write_recording


def test_serves_prints_endpoints_and_exits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_recording(tmp_path / "r.jsonl.gz", count=5, every_ms=10)
    assert replay_cli.main([str(path), "--speed", "10", "--exit-after", "0.2"]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["speed"] == 10 and line["scenario"] == "test"
    assert line["endpoints"]["bybit/linear"].startswith("ws://127.0.0.1:")


def test_missing_recording_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert replay_cli.main([str(tmp_path / "missing.gz"), "--exit-after", "0"]) == 2
    assert "recording not found" in capsys.readouterr().err


def test_damaged_recording_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"nope")
    assert replay_cli.main([str(path), "--exit-after", "0"]) == 2
    assert "not a readable recording" in capsys.readouterr().err


def test_refuses_non_loopback_hosts(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        replay_cli.main(["--host", "0.0.0.0", "--exit-after", "0"])
    assert info.value.code == 2
