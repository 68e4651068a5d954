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
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication  # before qasync, on purpose

from app import __version__
from app.core.tape import Tape, TapeFilter
from app.services.clock import MarketClock
from app.services.engine import Engine
from app.services.runtime import DEMO_SCENARIO, FeedRuntime, demo_recording
from app.store import paths
from app.store.logs import install_excepthook, setup_logging
from app.store.settings import Settings, load_settings, save_settings
from app.ui.crash import show_crash_dialog
from app.ui.theme import STYLE_SHEET
from app.ui.window import MainWindow

log = logging.getLogger(__name__)


def run_gui(options: argparse.Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Cascade")
    app.setApplicationVersion(__version__)
    app.setStyleSheet(STYLE_SHEET)
    setup_logging(paths.log_dir(options.profile))
    install_excepthook(lambda details: show_crash_dialog(details))
    try:
        return asyncio.run(_main(app, options), loop_factory=qasync.QEventLoop)
    except KeyboardInterrupt:
        return 130


async def _main(app: Any, options: argparse.Namespace) -> int:
    from app.store.logs import asyncio_exception_handler

    loop = asyncio.get_running_loop()
    loop.set_exception_handler(asyncio_exception_handler)
    quit_event = asyncio.Event()

    server = None
    warnings: list[str] = []
    if options.demo:
        # The demo never touches the user's settings file or history: defaults, in memory.
        settings = Settings()
        from app.feeds.replay_server import ReplayServer

        server = ReplayServer(demo_recording(), speed=options.speed)
        await server.start()
        clock = MarketClock(server.market_ms, label="replay")
        endpoints = server.endpoints()
        banner = (f"REPLAY {DEMO_SCENARIO} ×{options.speed:g}  —  a calibrated reconstruction replayed through "
                  "the real feed code; not live data")
    else:
        loaded = load_settings(paths.settings_file(options.profile))
        settings, warnings = loaded.settings, list(loaded.warnings)
        clock = MarketClock.live()
        endpoints = dict(settings.endpoints)
        banner = None

    runtime = FeedRuntime(clock=clock, endpoints=endpoints)
    engine = Engine(runtime.sink, clock)
    engine.add_tape(Tape(max_rows=settings.tape_max_rows, tape_filter=TapeFilter(min_usd=settings.tape_min_usd)))
    window = MainWindow(
        engine,
        venues=list(runtime.venues),
        completeness=runtime.completeness,
        status_provider=runtime.venue_views,
        clock=clock,
        clock_label=clock.label,
        replay_banner=banner,
        tick_size=runtime.tick_size,
        repaint_hz=settings.repaint_hz,
    )
    window.resize(1500, 900)
    if not options.demo:
        window.restore_layout(settings.window_geometry, settings.window_state)
    for warning in warnings:
        window.statusBar().showMessage(warning, 30_000)
        log.warning(warning)
    window.closing.connect(quit_event.set)
    window.show()
    runtime.start()
    window.start()

    if options.exit_after is not None:
        loop.call_later(options.exit_after, quit_event.set)
    try:
        loop.add_signal_handler(signal.SIGINT, quit_event.set)
        loop.add_signal_handler(signal.SIGTERM, quit_event.set)
    except (NotImplementedError, RuntimeError):  # Windows, or a loop without signal support
        pass

    await quit_event.wait()
    log.info("shutting down")
    window.timer.stop()
    await runtime.stop()
    if server is not None:
        await server.stop()
    window.tick()  # take what arrived before the feeds stopped: nothing received is lost
    if not options.demo:
        settings.window_geometry, settings.window_state = window.layout_state()
        save_settings(settings, paths.settings_file(options.profile))
    summary = engine.summary_line(list(runtime.venues))
    print(f"cascade: liquidations shown {summary}", flush=True)
    log.info("liquidations shown %s", summary)
    window.close()
    app.processEvents()
    return 0
