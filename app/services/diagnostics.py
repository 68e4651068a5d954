"""Crash hooks and the "Copy diagnostics" text.

Unhandled exceptions (main thread, other threads, the event loop) go to the log and to one callback
the window supplies; diagnostics collect versions, OS, paths and the log tail, redacted. Neither
imports Qt.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import app
from app.store.logs import current_log_file, redact

# -- crash hooks --------------------------------------------------------------------------------------

CrashCallback = Callable[[str], None]
_on_crash: CrashCallback | None = None
_previous_hooks: tuple[Any, Any] | None = None
crash_log = logging.getLogger("cascade.crash")


def install_excepthook(on_crash: CrashCallback | None = None) -> None:
    """Route unhandled exceptions (main thread, other threads, and via `asyncio_exception_handler` the
    event loop) to the log and to `on_crash(redacted_traceback)`.

    `on_crash` may be called from any thread: a GUI callback must hand over to the GUI thread itself.
    """
    global _on_crash, _previous_hooks
    _on_crash = on_crash
    if _previous_hooks is None:
        _previous_hooks = (sys.excepthook, threading.excepthook)
    sys.excepthook = _sys_hook
    threading.excepthook = _thread_hook


def uninstall_excepthook() -> None:
    global _on_crash, _previous_hooks
    if _previous_hooks is not None:
        sys.excepthook, threading.excepthook = _previous_hooks
    _previous_hooks = None
    _on_crash = None


def asyncio_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """For `loop.set_exception_handler`: an exception nobody retrieved is a bug; log it and report."""
    exception = context.get("exception")
    message = str(context.get("message") or "unhandled exception in the event loop")
    if exception is None:
        crash_log.error("event loop: %s (%s)", message, _context_summary(context))
        return
    if isinstance(exception, asyncio.CancelledError):
        return
    _report(f"event loop: {message}", type(exception), exception, exception.__traceback__)


def _sys_hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    _report("unhandled exception", exc_type, exc, tb)


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "unknown thread"
    exc = args.exc_value if args.exc_value is not None else args.exc_type()
    _report(f"unhandled exception in thread {name}", args.exc_type, exc, args.exc_traceback)


def _report(what: str, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    details = redact("".join(traceback.format_exception(exc_type, exc, tb)))
    crash_log.critical("%s", what, exc_info=(exc_type, exc, tb))
    callback = _on_crash
    if callback is None:
        return
    try:
        callback(f"{what}\n\n{details}")
    except Exception:
        crash_log.exception("the crash callback failed")


def _context_summary(context: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in context.items() if key != "message")


# -- diagnostics ----------------------------------------------------------------------------------------

_DISTRIBUTIONS = ("PySide6-Essentials", "PySide6", "pyqtgraph", "qasync", "websockets", "keyring",
                  "platformdirs", "msgspec", "orjson", "icalendar")


def diagnostics_text(log_file: Path | str | None = None, paths: dict[str, Path] | None = None,
                     tail_lines: int = 200) -> str:
    """Versions, OS, paths and the last log lines, redacted, for a "Copy diagnostics" action.

    Reads package versions from metadata, so it never imports Qt.
    """
    lines = [
        f"Cascade {app.__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}",
        f"Machine: {platform.machine()}",
    ]
    for name in _DISTRIBUTIONS:
        try:
            lines.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    try:
        from app.store.secrets import backend_description

        lines.append(f"Keyring backend: {backend_description()}")
    except Exception as exc:  # diagnostics must always produce text
        lines.append(f"Keyring backend: unknown ({type(exc).__name__})")
    source = Path(log_file) if log_file is not None else current_log_file()
    for label, path in (paths or {}).items():
        lines.append(f"{label}: {_home_relative(path)}")
    lines.append(f"Log file: {_home_relative(source) if source else 'not configured'}")
    if source is not None:
        lines.append(f"--- last {tail_lines} log lines ---")
        lines.extend(_tail(source, tail_lines))
    return redact("\n".join(lines)) + "\n"


def _home_relative(path: Path) -> str:
    """Paths without the user's name in them."""
    try:
        return "~/" + path.resolve().relative_to(Path.home().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return str(path)


def _tail(path: Path, count: int) -> list[str]:
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            data = handle.read()
    except OSError as exc:
        return [f"(log unreadable: {exc.strerror})"]
    return data.decode("utf-8", "replace").splitlines()[-count:]
