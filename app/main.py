"""GUI composition root: QApplication, the qasync loop, wiring, orderly shutdown.

PySide6 is imported before qasync so qasync binds to it; the loop runs via
`asyncio.run(main(), loop_factory=qasync.QEventLoop)` (Python >= 3.12).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon  # before qasync, on purpose

from app import STARTED_AT, __version__
from app.core.instruments import load_bundled
from app.core.macro.jgb import YieldHistory
from app.core.tape import Tape, TapeFilter
from app.feeds.metadata import fetch_live_instruments
from app.feeds.mof_poller import MofPoller
from app.feeds.sink import FeedSink
from app.resources import resource_path
from app.services.clock import MarketClock
from app.services.engine import Engine
from app.services.loop_lag import LoopLagMonitor
from app.services.macro import MacroService
from app.services.runtime import (
    DEFAULT_VENUES,
    DEMO_SCENARIO,
    FeedRuntime,
    demo_recording,
    tick_size,
    venue_completeness,
)
from app.services.settings_store import SettingsStore
from app.services.supervisor import Supervisor
from app.store.db import HistoryDb
from app.store.lock import ProfileLock, ProfileLocked
from app.store.logs import install_excepthook, setup_logging
from app.store.paths import ProfilePaths, profile_paths
from app.store.settings import Settings, load_settings
from app.ui.crash import CrashReporter
from app.ui.notifier import DesktopNotifier, SoundNotifier
from app.ui.theme import STYLE_SHEET
from app.ui.window import MainWindow

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
    app.setStyleSheet(STYLE_SHEET)
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
        return asyncio.run(_main(app, options, profile), loop_factory=qasync.QEventLoop)
    except KeyboardInterrupt:
        return 130
    finally:
        if lock is not None:
            lock.release()


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


def _macro_options(settings: Settings, demo: bool) -> dict[str, object]:
    options: dict[str, object] = {"tenors": settings.macro_tenors, "threshold_bp": settings.macro_move_threshold_bp}
    if demo:
        options["hide_after"] = date.fromisoformat(DEMO_SCENARIO)  # no look-ahead past the replayed day
    return options


async def _attach_macro(window: MainWindow, store: SettingsStore, profile: ProfilePaths, demo: bool,
                        supervisor: Supervisor | None = None) -> None:
    """Load the JGB history and calendar off the event loop (the parse takes ~0.2 s), then show the strip."""
    cache_dir = None if demo else profile.cache_dir / "mof"
    settings = store.current
    user_calendar = None if demo or not settings.user_calendar_path else Path(settings.user_calendar_path)
    try:
        macro = await asyncio.to_thread(MacroService.load, cache_dir, user_calendar, **_macro_options(settings, demo))
    except (OSError, ValueError) as error:
        log.warning("macro strip unavailable: %s", error)
        window.statusBar().showMessage(f"Macro strip unavailable: {error}", 30_000)
        return
    for problem in macro.calendar.problems:
        window.statusBar().showMessage(problem, 30_000)
    window.attach_macro(macro, settings.event_alert_minutes, (DesktopNotifier(_tray_icon(window)), SoundNotifier()))
    if cache_dir is not None and supervisor is not None:  # live: keep the closes current after the Tokyo close
        base_url = settings.endpoints.get("mof/rest")
        poller = MofPoller(cache_dir, base_url=base_url) if base_url else MofPoller(cache_dir)

        def on_update(history: YieldHistory) -> None:
            current = window.macro or macro  # keep the calendar and the user's tenor/threshold choice
            window.macro = MacroService(history, current.calendar, tenors=current.tenors,
                                        threshold_bp=current.threshold_bp)

        supervisor.start("mof poller", lambda: poller.run(on_update))


async def _import_calendar(window: MainWindow, store: SettingsStore, path: Path) -> None:
    """Only the calendar changes: the JGB history already loaded stays as it is."""
    if window.macro is None:
        window.statusBar().showMessage("The macro strip is not loaded; nothing to import into", 10_000)
        return
    try:
        calendar = await asyncio.to_thread(MacroService.read_calendar, path)
    except (OSError, ValueError) as error:
        window.statusBar().showMessage(f"Could not import {path.name}: {error}", 30_000)
        return
    window.macro.calendar = calendar
    if window.event_alerts is not None:
        window.event_alerts.set_events(calendar.events)
    problems = f" ({len(calendar.problems)} skipped: {calendar.problems[0]})" if calendar.problems else ""
    window.statusBar().showMessage(f"Imported {path.name}: {len(calendar.events)} events{problems}", 10_000)
    store.update(user_calendar_path=str(path))  # the demo's store never writes


async def _live_instruments(window: MainWindow, runtime_venues: tuple[str, ...],
                            base_urls: dict[str, str]) -> tuple[Any, dict[str, list[str]]]:
    """Instrument metadata fetched at start-up so every live symbol converts (OKX ctVal) and Bybit's
    liquidations are subscribed for every listed perpetual; a venue that fails keeps the snapshot."""
    window.statusBar().showMessage("Fetching instrument lists from the venues…", 10_000)
    result = await fetch_live_instruments(runtime_venues, base_urls=base_urls or None)
    log.info(result.summary())
    for difference in result.differences:
        log.info("instrument changed since the bundled snapshot: %s", difference)
    for venue, error in result.errors.items():
        window.statusBar().showMessage(f"{venue}: instrument list unavailable ({error}); using the bundled majors",
                                       30_000)
    return result.instruments, {venue: list(result.symbols(venue)) for venue in runtime_venues}


async def _main(app: Any, options: argparse.Namespace, profile: ProfilePaths) -> int:
    from app.store.logs import asyncio_exception_handler

    loop = asyncio.get_running_loop()
    loop.set_exception_handler(asyncio_exception_handler)
    quit_event = asyncio.Event()

    server = None
    warnings: list[str] = []
    if options.demo:
        # The demo never touches the user's settings file or history: defaults, in memory.
        settings = Settings()
        from app.feeds.recording import read_meta
        from app.feeds.replay_server import ReplayServer

        server = ReplayServer(demo_recording(), speed=options.speed)
        scenario_start = int(read_meta(demo_recording())["start_ms"])
        # Scenario time; it stands at the scenario's start until the replay has loaded.
        clock = MarketClock(lambda: server.market_ms() if server.start_ms else scenario_start, label="replay")
        banner = (f"REPLAY {DEMO_SCENARIO} ×{options.speed:g}  —  a calibrated reconstruction replayed through "
                  "the real feed code; not live data")
    else:
        loaded = load_settings(profile.settings_file)
        settings, warnings = loaded.settings, list(loaded.warnings)
        clock = MarketClock.live()
        banner = None
    # One current copy of the settings; the demo's store has no path and never writes.
    store = SettingsStore(settings, None if options.demo else profile.settings_file)

    # The window paints first; the replay (≈1 s to load) and the feeds start behind it.
    instruments = load_bundled()
    sink = FeedSink()
    # The demo's history is in memory: synthetic events never reach the user's real history.
    history = await asyncio.to_thread(HistoryDb.open, ":memory:" if options.demo else profile.history_db)
    engine = Engine(sink, clock, history_writer=history.write_liquidations)
    engine.add_tape(Tape(max_rows=settings.tape_max_rows, tape_filter=TapeFilter(min_usd=settings.tape_min_usd)))
    runtime: FeedRuntime | None = None
    window = MainWindow(
        engine,
        venues=list(DEFAULT_VENUES),
        completeness=venue_completeness(DEFAULT_VENUES),
        status_provider=lambda: runtime.venue_views() if runtime is not None else [],
        clock=clock,
        clock_label=clock.label,
        replay_banner=banner,
        tick_size=lambda venue, symbol: tick_size(instruments, venue, symbol),
        repaint_hz=settings.repaint_hz,
        local_time=settings.time_zone == "local",
    )
    window.local_time_action.toggled.connect(lambda local: store.update(time_zone="local" if local else "utc"))
    window.tape_pane.min_size_changed.connect(lambda usd: store.update(tape_min_usd=usd))
    screen = app.primaryScreen().availableGeometry()
    window.resize(min(1500, screen.width()), min(900, screen.height()))
    if not options.demo:
        window.restore_layout(settings.window_geometry, settings.window_state)
    for warning in warnings:
        window.statusBar().showMessage(warning, 30_000)
        log.warning(warning)
    window.closing.connect(quit_event.set)
    window.show()
    window.start()
    if options.exit_after is not None:
        loop.call_later(options.exit_after, quit_event.set)
    QTimer.singleShot(0, lambda: log.info("window shown %.3f s after start", time.perf_counter() - STARTED_AT))

    if server is not None:
        window.statusBar().showMessage("Loading the 2026-01-20 replay…", 5000)
        await server.start()
        endpoints = server.endpoints()
    else:
        endpoints = dict(settings.endpoints)
    liquidation_symbols = None
    if server is None:  # live: the venues' own instrument lists, the bundled snapshot as fallback
        rest = {venue: url for venue in DEFAULT_VENUES if (url := endpoints.get(f"{venue}/rest"))}
        instruments, liquidation_symbols = await _live_instruments(window, DEFAULT_VENUES, rest)
    runtime = FeedRuntime(clock=clock, endpoints=endpoints, instruments=instruments, sink=sink,
                          liquidation_symbols=liquidation_symbols)
    runtime.start()
    lag_monitor = LoopLagMonitor()
    lag_monitor.start()
    feeds_started = time.perf_counter()
    gap_timer = QTimer(window)  # closed gaps go to the history once a second
    gap_timer.timeout.connect(lambda: [history.write_gap(*gap) for gap in runtime.closed_gaps()])
    gap_timer.start(1000)
    await _attach_macro(window, store, profile, demo=options.demo, supervisor=runtime.supervisor)
    window.macro_view_changed.connect(
        lambda tenors, bp: store.update(macro_tenors=tenors, macro_move_threshold_bp=bp))
    imports: set[asyncio.Task[None]] = set()  # awaited at shutdown so no chosen calendar is lost

    def import_calendar(path: str) -> None:
        task = asyncio.ensure_future(_import_calendar(window, store, Path(path)))
        imports.add(task)
        task.add_done_callback(imports.discard)

    window.calendar_chosen.connect(import_calendar)

    try:
        loop.add_signal_handler(signal.SIGINT, quit_event.set)
        loop.add_signal_handler(signal.SIGTERM, quit_event.set)
    except (NotImplementedError, RuntimeError):  # Windows, or a loop without signal support
        pass

    await quit_event.wait()
    log.info("shutting down")
    window.timer.stop()
    await lag_monitor.stop()
    frames = sum(status.frames for status in runtime.statuses)
    log.info("%s; %d frames received, %.0f frames/s", lag_monitor.summary(), frames,
             frames / max(time.perf_counter() - feeds_started, 1e-9))
    await runtime.stop()
    if server is not None:
        await server.stop()
    window.tick()  # take what arrived before the feeds stopped: nothing received is lost
    gap_timer.stop()
    for gap in runtime.closed_gaps(settled=False) + runtime.open_gaps(clock.now_ms()):
        history.write_gap(*gap)
    await asyncio.to_thread(history.close)  # flushes the last batch off the loop thread
    if not options.demo:
        geometry, state = window.layout_state()
        store.update(window_geometry=geometry, window_state=state)
    if imports:
        await asyncio.wait(imports, timeout=5)
    await store.flush()
    for notifier in window.alerts.notifiers:
        if isinstance(notifier, DesktopNotifier):
            await notifier.close()
    summary = engine.summary_line(list(runtime.venues))
    print(f"cascade: liquidations shown {summary}", flush=True)
    log.info("liquidations shown %s", summary)
    window.close()
    app.processEvents()
    return 0
