"""Logging: redaction of every kind (message, args, exceptions), rotation, crash hooks, diagnostics."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.diagnostics import (
    asyncio_exception_handler,
    diagnostics_text,
    install_excepthook,
    uninstall_excepthook,
)
from app.store.logs import LOG_FILE_NAME, redact, setup_logging, shutdown_logging

ROOT = Path(__file__).resolve().parents[2]
WALLET = "0x8f3Cf7ad23Cd3CaDbD9735AFf958023239c6A063"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    shutdown_logging()
    uninstall_excepthook()
    root.setLevel(level)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET /fapi/v2/account?timestamp=1&signature=9c4f0e1a2b", "9c4f0e1a2b"),
        ("apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr", "vmPUZE6mv9SD5VNHk4HlWFsOr"),
        ("api_secret = NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
         "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"),
        ('{"op":"login","args":[{"apiKey":"985d5b66-57ce","passphrase":"my pass phrase","sign":"Zm9v"}]}',
         "985d5b66-57ce"),
        ('{"passphrase": "my pass phrase"}', "my pass phrase"),
        ('{"secret":"abc123xyz"}', "abc123xyz"),
        ('{"signature": "0a1b2c3d4e"}', "0a1b2c3d4e"),
        ("{'X-MBX-APIKEY': 'vmPUZE6mv9', 'Content-Type': 'json'}", "vmPUZE6mv9"),
        ("OK-ACCESS-SIGN: Zm9vYmFy OK-ACCESS-KEY: 37c541a1", "Zm9vYmFy"),
        ("OK-ACCESS-SIGN: Zm9vYmFy OK-ACCESS-KEY: 37c541a1", "37c541a1"),
        ("Authorization: Bearer eyJhbGciOi.eyJzdWIi.SflKxwRJ", "eyJhbGciOi.eyJzdWIi.SflKxwRJ"),
        ("authorization=Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ('{"Authorization": "HMAC-SHA256 Credential=abc"}', "Credential=abc"),
        ("connected to 203.0.113.77:443", "203.0.113.77"),
        ("peer 192.168.1.20, retrying", "192.168.1.20"),
        ("connected to [2001:db8:85a3::8a2e:370:7334]:443", "2001:db8:85a3::8a2e:370:7334"),
        ("link-local fe80::1ff:fe23:4567:890a%eth0", "fe80::1ff:fe23:4567:890a"),
        ("mapped ::ffff:198.51.100.4", "198.51.100.4"),
        (f"Hyperliquid user {WALLET} positions", WALLET[2:]),
        (f"user={WALLET.lower()}", WALLET.lower()[2:]),
    ],
)
def test_redacts_each_kind(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert redact(cleaned) == cleaned  # idempotent


@pytest.mark.parametrize(
    "text",
    ["2026-01-20 15:49:35,123 bybit/linear live", "Cascade 0.1.0 Python 3.12.1", "ws://127.0.0.1:8765/ws",
     "ws://[::1]:8765/ws", "BTCUSDT long 12.5 @ 90000.1", "mac aa:bb:cc:dd:ee:ff", "bad signature on frame"],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


@settings(deadline=None, max_examples=200)
@given(st.text(max_size=200))
def test_redact_is_idempotent_on_any_text(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_log_file_is_redacted_in_message_args_and_exception(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs", logging.DEBUG)
    log = logging.getLogger("app.feeds.test")
    log.info("login frame %s to %s", '{"apiKey":"AK-111","passphrase":"PP-222"}', "203.0.113.9")
    try:
        raise ValueError(f"rejected signature=SIG-333 for {WALLET} from 2001:db8::7")
    except ValueError:
        log.exception("request failed")
    log.debug("stack", stack_info=True, extra={"note": "secret=SIG-444"})
    text = path.read_text()
    for leaked in ("AK-111", "PP-222", "203.0.113.9", "SIG-333", WALLET[2:], "2001:db8::7"):
        assert leaked not in text
    assert "request failed" in text and "ValueError: rejected signature=[REDACTED]" in text
    assert "Traceback" in text


def test_warnings_reach_stderr_and_info_does_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(tmp_path, logging.INFO)
    logging.getLogger("app.x").info("quiet line")
    logging.getLogger("app.x").warning("loud line token=TK-1 from 198.51.100.3")
    err = capsys.readouterr().err
    assert "loud line token=[REDACTED] from [IP]" in err
    assert "quiet line" not in err
    assert "quiet line" in (tmp_path / LOG_FILE_NAME).read_text()


def test_logs_rotate_with_bounded_backups(tmp_path: Path) -> None:
    setup_logging(tmp_path, logging.INFO, max_bytes=4_000, backup_count=3)
    log = logging.getLogger("app.rotation")
    for i in range(600):
        log.info("line %d %s", i, "x" * 40)
    shutdown_logging()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [LOG_FILE_NAME, f"{LOG_FILE_NAME}.1", f"{LOG_FILE_NAME}.2", f"{LOG_FILE_NAME}.3"]
    assert all((tmp_path / n).stat().st_size <= 4_000 for n in names)
    assert "line 599" in (tmp_path / LOG_FILE_NAME).read_text()


def test_setup_twice_replaces_handlers(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = len(root.handlers)
    setup_logging(tmp_path / "a")
    setup_logging(tmp_path / "b")
    assert len(root.handlers) == before + 2
    logging.getLogger("app.y").warning("only in b")
    assert "only in b" not in (tmp_path / "a" / LOG_FILE_NAME).read_text()
    assert "only in b" in (tmp_path / "b" / LOG_FILE_NAME).read_text()


def _crash(message: str) -> BaseException:
    try:
        raise RuntimeError(message)
    except RuntimeError as exc:
        return exc


def test_sys_excepthook_logs_and_calls_on_crash_redacted(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)
    crashes: list[str] = []
    install_excepthook(crashes.append)
    exc = _crash("boom apiKey=AK-999")
    sys.excepthook(type(exc), exc, exc.__traceback__)
    assert len(crashes) == 1
    assert "RuntimeError: boom apiKey=[REDACTED]" in crashes[0] and "AK-999" not in crashes[0]
    assert "Traceback" in crashes[0]
    text = path.read_text()
    assert "CRITICAL" in text and "boom apiKey=[REDACTED]" in text and "AK-999" not in text


def test_thread_exceptions_reach_on_crash(tmp_path: Path) -> None:
    setup_logging(tmp_path)
    crashes: list[str] = []
    install_excepthook(crashes.append)

    def worker() -> None:
        raise KeyError("from a worker at 203.0.113.1")

    thread = threading.Thread(target=worker, name="feed-worker")
    thread.start()
    thread.join()
    assert len(crashes) == 1
    assert "feed-worker" in crashes[0] and "KeyError" in crashes[0] and "203.0.113.1" not in crashes[0]


def test_asyncio_handler_reports_callback_errors(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)
    crashes: list[str] = []
    install_excepthook(crashes.append)

    def bad_callback() -> None:
        raise ZeroDivisionError("secret=S-1")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(asyncio_exception_handler)
        loop.call_soon(bad_callback)
        await asyncio.sleep(0.01)

    asyncio.run(main())
    assert len(crashes) == 1 and "ZeroDivisionError" in crashes[0] and "S-1" not in crashes[0]
    loop = asyncio.new_event_loop()
    try:
        asyncio_exception_handler(loop, {"message": "socket.send() raised exception."})
    finally:
        loop.close()
    assert len(crashes) == 1  # a message without an exception is logged, not a crash
    assert "socket.send() raised exception." in path.read_text()


def test_on_crash_failure_is_logged_not_raised(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)

    def broken(_details: str) -> None:
        raise OSError("dialog failed")

    install_excepthook(broken)
    exc = _crash("first")
    sys.excepthook(type(exc), exc, exc.__traceback__)
    assert "the crash callback failed" in path.read_text()


def test_uninstall_restores_previous_hooks() -> None:
    before = (sys.excepthook, threading.excepthook)
    install_excepthook(None)
    assert sys.excepthook is not before[0]
    uninstall_excepthook()
    assert (sys.excepthook, threading.excepthook) == before


def test_diagnostics_has_versions_paths_and_redacted_log_tail(tmp_path: Path, isolated_home: Path) -> None:
    log_dir = isolated_home / "logs"
    setup_logging(log_dir)
    logging.getLogger("app.z").warning("venue refused 203.0.113.50 apiKey=AK-5")
    text = diagnostics_text(paths={"Data": isolated_home / "data"})
    assert "Cascade 0.1.0" in text and "Python 3." in text and "websockets" in text
    assert "Data: ~/data" in text and f"Log file: ~/logs/{LOG_FILE_NAME}" in text
    assert "venue refused [IP] apiKey=[REDACTED]" in text
    assert "AK-5" not in text and "203.0.113.50" not in text


def test_diagnostics_never_loads_qt() -> None:
    probe = ("import json, sys; from app.services.diagnostics import diagnostics_text; diagnostics_text(); "
             "print(json.dumps([m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'qasync'))]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=30,
                         check=True)
    assert json.loads(out.stdout) == []
