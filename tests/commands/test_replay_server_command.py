from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

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


# --- faults: start-up options and the control channel ------------------------------------------------

class _Lines(io.TextIOBase):
    """The command's stdout, a JSON line at a time, readable from the test thread."""

    def __init__(self) -> None:
        self.lines: queue.Queue[dict] = queue.Queue()
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self.lines.put(json.loads(line))
        return len(text)

    def next(self) -> dict:
        return self.lines.get(timeout=5)


@contextlib.contextmanager
def _running(argv: list[str]) -> Iterator[tuple[Callable[[str], dict], dict, _Lines]]:
    """The command in a thread, its stdin a pipe: yields (send a control line → its answer, the endpoints
    line, the output)."""
    read_fd, write_fd = os.pipe()
    control, writer = os.fdopen(read_fd, "r"), os.fdopen(write_fd, "w")
    out = _Lines()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(
        replay_cli.main([*argv, "--control", "--exit-after", "10"], control=control, out=out)), daemon=True)
    thread.start()

    def send(line: str) -> dict:
        writer.write(line + "\n")
        writer.flush()
        return out.next()

    try:
        yield send, out.next(), out
        send("quit")
    finally:
        writer.close()
        thread.join(5)
        control.close()
    assert result == [0]


@contextlib.contextmanager
def _subscribed(url: str) -> Iterator[ClientConnection]:
    with connect(url, open_timeout=2, max_size=None) as ws:
        ws.send('{"req_id":"s","op":"subscribe","args":["allLiquidation.BTCUSDT"]}')
        assert json.loads(ws.recv(timeout=2))["success"] is True
        yield ws


def _fault_frame(ws: ClientConnection) -> str:
    """The next frame that is not the recording's own (playback runs meanwhile)."""
    while (frame := str(ws.recv(timeout=2))).startswith('{"topic":"allLiquidation.'):
        pass
    return frame


def test_control_channel_injects_every_fault_by_hand(tmp_path: Path) -> None:
    path = write_recording(tmp_path / "r.jsonl.gz", count=5, every_ms=10)
    with _running([str(path)]) as (send, started, _out):
        url = started["endpoints"]["bybit/linear"]
        assert send("error-ack bybit/linear")["fault"] == "error-ack"
        with connect(url, open_timeout=2) as ws:
            ws.send('{"req_id":"s","op":"subscribe","args":["allLiquidation.BTCUSDT"]}')
            ack = json.loads(ws.recv(timeout=2))
            assert ack["success"] is False and "handler not found" in ack["ret_msg"]
        with _subscribed(url) as ws:
            assert send("garbage bybit 2") == {"fault": "garbage", "streams": ["bybit/linear"], "value": 2,
                                               "clients": {"bybit/linear": 1}}
            assert [_fault_frame(ws) for _ in range(2)] == ['{"topic":"allLiq', "not json at all"]
            assert send("oversize all 4200000")["clients"] == {"bybit/linear": 1}
            assert len(_fault_frame(ws)) == 4_200_000
            assert send("deep bybit/linear 2000")["clients"] == {"bybit/linear": 1}
            assert _fault_frame(ws).startswith('{"a":{"a":')
            assert send("drop bybit")["clients"] == {"bybit/linear": 1}
            with pytest.raises(ConnectionClosed):
                for _ in range(100):  # frames already on the wire may arrive before the close
                    ws.recv(timeout=2)
        assert send("refuse all") == {"fault": "refuse", "streams": ["bybit/linear"]}
        with pytest.raises(InvalidStatus) as refused:
            connect(url, open_timeout=2)
        assert refused.value.response.status_code == 451
        send("allow all")
        assert send("stall bybit/linear 30")["fault"] == "stall"  # nothing at all, not even the ack
        assert send("status")["status"]["stalled"]["bybit/linear"] > 0
        with connect(url, open_timeout=2) as ws:
            ws.send('{"req_id":"s","op":"subscribe","args":["allLiquidation.BTCUSDT"]}')
            with pytest.raises(TimeoutError):
                ws.recv(timeout=0.2)


@pytest.mark.parametrize(("line", "why"), [
    ("explode all", "unknown command"),
    ("drop", "needs a TARGET"),
    ("drop nowhere/else", "no stream 'nowhere/else'"),
    ("stall bybit/linear", "needs a number of seconds"),
    ("stall bybit/linear soon", "is not a number"),
    ("garbage all -1", "must be positive"),
    ("refuse all 200", "HTTP error status"),
    ("status now", "takes no arguments"),
])
def test_a_bad_control_line_is_answered_and_the_server_keeps_running(
    tmp_path: Path, line: str, why: str
) -> None:
    path = write_recording(tmp_path / "r.jsonl.gz", count=5, every_ms=10)
    with _running([str(path)]) as (send, _started, _out):
        answer = send(line)
        assert why in answer["error"] and answer["command"] == line
        assert "clients" in send("status")["status"]


def test_faults_from_the_start(tmp_path: Path) -> None:
    path = write_recording(tmp_path / "r.jsonl.gz", count=5, every_ms=10)
    with _running([str(path), "--refuse", "bybit:403", "--error-ack", "all:2",
                   "--at", "0", "garbage all 1", "--drop-every", "3600:bybit"]) as (send, started, out):
        answers = [out.next() for _ in range(3)]
        assert answers[:2] == [{"fault": "refuse", "streams": ["bybit/linear"], "value": 403},
                               {"fault": "error-ack", "streams": ["bybit/linear"], "value": 2}]
        assert answers[2]["fault"] == "garbage"
        with pytest.raises(InvalidStatus) as refused:
            connect(started["endpoints"]["bybit/linear"], open_timeout=2)
        assert refused.value.response.status_code == 403
        faults = send("status")["status"]
        assert faults["refused"] == {"bybit/linear": 403} and faults["error_acks"] == {"bybit/linear": 2}


@pytest.mark.parametrize(("option", "why"), [
    (["--stall", "okx/public:30"], "--stall"),
    (["--stall", "okx/public@5"], "--stall"),
    (["--drop-every", "0"], "must be a positive"),
    (["--at", "soon", "drop all"], "not a number of seconds"),
])
def test_malformed_fault_options_are_usage_errors(
    option: list[str], why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        replay_cli.main([*option, "--exit-after", "0"])
    assert info.value.code == 2 and why in capsys.readouterr().err


def test_a_scheduled_fault_on_a_stream_the_recording_lacks_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_recording(tmp_path / "r.jsonl.gz", count=5, every_ms=10)
    assert replay_cli.main([str(path), "--refuse", "okx", "--exit-after", "0"]) == 2
    assert "no stream 'okx'" in capsys.readouterr().err


def test_help_lists_the_faults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        replay_cli.main(["--help"])
    text = capsys.readouterr().out
    for word in ("--control", "--refuse", "--stall", "--drop-every", "--error-ack", "--at",
                 "drop TARGET", "oversize TARGET", "deep TARGET", "garbage TARGET", "quit"):
        assert word in text
