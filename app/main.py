"""GUI composition root: QApplication, the qasync loop, the profile lock, crash reporting, the window,
tray and notifiers. The session (demo or live, chosen once) owns everything else.

PySide6 is imported before qasync so qasync binds to it; the loop runs via
`asyncio.run(main(), loop_factory=BatchedQEventLoop)` (Python >= 3.12).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
import time
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon  # before qasync, on purpose

from app import STARTED_AT, __version__
from app.resources import resource_path
from app.services.diagnostics import install_excepthook
from app.services.session import DemoSession, LiveSession, Session
from app.store.lock import ProfileLock, ProfileLocked
from app.store.logs import setup_logging
from app.store.paths import ProfilePaths, profile_paths
from app.ui.crash import CrashReporter
from app.ui.event_loop import READ_PACING_S, BatchedQEventLoop
from app.ui.notifier import DesktopNotifier, SoundNotifier
from app.ui.theme import apply_theme
from app.ui.window import MainWindow, WindowOptions

log = logging.getLogger(__name__)


def run_gui(options: argparse.Namespace) -> int:
    if sys.platform == "win32":  # notifications are attributed to the Start-menu shortcut's id
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID("Cascade.Cascade")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Cascade")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)  # closing the window quits through our orderly shutdown, not Qt's
    app.setDesktopFileName("cascade")  # maps the window to cascade.desktop (Wayland, task bars)
    app.setWindowIcon(_app_icon())
    profile = profile_paths(options.profile).ensure()
    setup_logging(profile.log_dir)
    crash_reporter = CrashReporter()  # lives in the GUI thread; hooks may fire in any thread
    install_excepthook(crash_reporter.report)
    lock = None
    if not options.demo:  # one writer per profile; the demo writes nothing of the user's
        try:
            lock = ProfileLock(profile.lock_file).acquire()
        except ProfileLocked as locked:
            _tell_user(app, str(locked))
            return 3
    try:
        return asyncio.run(_main(app, options, profile), loop_factory=BatchedQEventLoop)
    except KeyboardInterrupt:
        return 130
    finally:
        if lock is not None:
            lock.release()


def _freeze_started(task: asyncio.Future[Any]) -> None:
    """Once started (window, Qt wrappers, instruments, the JGB history: alive for the whole run), move
    every object so far out of the cyclic collector's reach: its full passes then walk only what the run
    allocates since. Measured under load: a full pass blocked the loop ~100 ms (tests/bench/gui_probe.py)."""
    if not task.cancelled() and task.exception() is None:
        gc.freeze()


def _app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        path = resource_path("icons", f"cascade-{size}.png")
        if path.exists():
            icon.addFile(str(path))
    return icon


def _tray_icon(window: MainWindow) -> QSystemTrayIcon | None:
    """Windows and macOS show notifications through a tray icon; Linux uses D-Bus (no tray needed)."""
    if sys.platform.startswith("linux") or not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    tray = QSystemTrayIcon(QApplication.windowIcon(), window)
    tray.setToolTip("Cascade")
    tray.activated.connect(lambda _reason: (window.showNormal(), window.raise_(), window.activateWindow()))
    tray.show()
    return tray


def _tell_user(app: QApplication, message: str) -> None:
    """Before the event loop runs, so a blocking message box is safe (no qasync tasks yet)."""
    print(f"cascade: {message}", file=sys.stderr)
    if app.platformName() not in ("offscreen", "minimal"):
        QMessageBox.critical(None, "Cascade", message)


async def _main(app: Any, options: argparse.Namespace, profile: ProfilePaths) -> int:
    from app.services.diagnostics import asyncio_exception_handler

    loop = asyncio.get_running_loop()
    loop.set_exception_handler(asyncio_exception_handler)
    quit_event = asyncio.Event()

    session: Session = DemoSession(options.speed) if options.demo else LiveSession(profile)
    # The connections run on the GUI's (batched) loop: measured, a network thread lowers a quiet day's CPU a
    # little (7% vs 10% of a core) but doubles the loop lag under load, the GIL shared (at 30k frames/s: p99
    # 44-51 vs 15-20 ms, max 114-130 vs 53-79 ms; tests/bench/bench_app.py rates 30000 [--network-thread]).
    # CASCADE_NETWORK_THREAD=1 runs them on one (the benchmarks' A/B).
    session.network_thread = os.environ.get("CASCADE_NETWORK_THREAD") == "1"
    if isinstance(loop, BatchedQEventLoop) and not session.network_thread:
        # Socket reads paced: a quiet day's frames arrive one per wake-up, and on a virtual machine a wake-up
        # costs more than the frame (tests/bench/bench_app.py quiet: 11% → 6-7% of a core at 40 ms).
        loop.read_pacing_s = float(os.environ.get("CASCADE_READ_PACING_MS", READ_PACING_S * 1000)) / 1000  # A/B
        session.sink.arrival_clock = loop.arrival_clock  # the latency figure counts the wait
    await session.open()
    settings = session.settings
    apply_theme(getattr(options, "theme", None) or settings.theme)  # before any widget: plots take its colours
    # The window paints first; the replay (≈1 s to load) and the feeds start behind it.
    window = MainWindow(session, WindowOptions(repaint_hz=settings.repaint_hz, paced=True,
                                               local_time=settings.time_zone == "local",
                                               event_alert_minutes=settings.event_alert_minutes))
    desktop = DesktopNotifier(_tray_icon(window))
    for notifier in (desktop, SoundNotifier(), session.alert_log()):
        window.alerts.add(notifier)
    screen = app.primaryScreen().availableGeometry()
    window.resize(min(1500, screen.width()), min(900, screen.height()))
    if not session.demo:
        window.restore_layout(settings.window_geometry, settings.window_state)
    if getattr(options, "window_size", None):
        width, _, height = options.window_size.lower().partition("x")
        window.resize(int(width), int(height))
    window.closing.connect(quit_event.set)
    session.steady_records.every_s = 1.0  # venue records: on a change of state at once, else once a second
    pumping = isinstance(loop, BatchedQEventLoop) and loop.read_pacing_s > 0
    if pumping:
        window.read_pump = loop.pump_reads  # reads share the repaint's wake-up, frames shown at its tick
    window.show()
    window.start()
    if options.exit_after is not None:
        loop.call_later(options.exit_after, quit_event.set)
    QTimer.singleShot(0, lambda: log.info("window shown %.3f s after start", time.perf_counter() - STARTED_AT))
    try:
        loop.add_signal_handler(signal.SIGINT, quit_event.set)
        loop.add_signal_handler(signal.SIGTERM, quit_event.set)
    except (NotImplementedError, RuntimeError):  # Windows, or a loop without signal support
        pass
    starting = asyncio.ensure_future(session.start())
    # A start-up failure still runs the orderly shutdown below, then propagates to the crash reporter.
    starting.add_done_callback(lambda task: task.cancelled() or task.exception() is None or quit_event.set())
    starting.add_done_callback(_freeze_started)
    await quit_event.wait()
    log.info("shutting down")
    if getattr(options, "screenshot", None):
        window.tick()
        if not window.grab().save(options.screenshot):
            log.warning("could not save the screenshot to %s", options.screenshot)
    window.timer.stop()
    if pumping:
        loop.stop_pumping()  # the closing handshakes are read at once, not after the pump watchdog
    if not starting.done():
        starting.cancel()
    session.save_layout(*window.layout_state())
    await session.stop()
    window.tick()  # paint what the last drain took
    await desktop.close()
    summary = session.summary_line()
    print(f"cascade: liquidations shown {summary}", flush=True)
    log.info("liquidations shown %s", summary)
    nearest = session.nearest_line()  # the position nearest to liquidation over the run, or "… none"
    print(nearest, flush=True)
    log.info(nearest.removeprefix("cascade: "))
    window.close()
    # Yield to the loop rather than app.processEvents(): that would run other tasks' steps (a chart's
    # history read finishing) inside this one, and asyncio refuses ("Cannot enter into task …") and the
    # process never exits (found by the soak bench).
    await asyncio.sleep(0)
    if starting.done() and not starting.cancelled() and (error := starting.exception()) is not None:
        raise error
    return 0
