"""File → Export CSV… and File → Record feeds…: the work runs off the loop thread behind a progress
dialog / a status-bar line, and lands in the file."""

from __future__ import annotations

import asyncio
import csv
import itertools
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.core.venues import registry
from app.replay.recording import read_recording
from app.replay.server import ReplayServer
from app.services.runtime import FeedRuntime
from app.store.db import HistoryDb
from app.store.history_query import HistoryQuery
from app.ui.window import MainWindow
from tests.feeds.conftest import STREAM, write_recording
from tests.services.test_history_refill import NOW, StoredSession, liq


async def _until(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not predicate():
            QApplication.processEvents()
            await asyncio.sleep(0.01)


def test_export_csv_action_runs_behind_a_progress_dialog(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "history.sqlite3"
    with HistoryDb.open(path) as db:
        db.write_liquidations([liq(i, NOW - 3_600_000 + i) for i in range(20_000)])
    out = tmp_path / "export.csv"

    async def run() -> tuple[MainWindow, list[int]]:
        session = StoredSession(path, [NOW])
        await session.open()
        window = MainWindow(session)
        qtbot.addWidget(window)
        actions = window.history_actions
        assert actions.export_action.isEnabled() and actions.export_action.text() == "Export CSV…"
        values: list[int] = []
        shown = actions.show_progress

        def spy(done: int, total: int) -> None:
            shown(done, total)
            if actions.progress is not None:
                values.append(actions.progress.value())

        actions.show_progress = spy  # type: ignore[method-assign]
        actions.start_export(str(out), HistoryQuery(since_ms=NOW - 86_400_000, until_ms=NOW))
        assert actions.progress is not None  # shown while the export runs
        await _until(lambda: not actions.tasks)
        await asyncio.to_thread(session.history.close)
        return window, values

    window, values = asyncio.run(run())
    assert window.history_actions.progress is None  # closed when done
    assert values and values[-1] == 1000 and all(b >= a for a, b in itertools.pairwise(values))
    with open(out, newline="") as handle:
        assert sum(1 for _ in csv.reader(handle)) == 20_001
    assert any("Exported 20,000 rows" in text for text in window.board.texts(window.board_ms()))


def test_record_feeds_action_shows_size_and_duration_then_saves(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = write_recording(tmp_path / "source.jsonl.gz", count=40, every_ms=25)
    out = tmp_path / "recorded.jsonl.gz"
    venue = STREAM.split("/", 1)[0]
    assert venue in registry.names()

    async def run() -> MainWindow:
        server = ReplayServer(source)
        await server.start(autoplay=False)
        session = StoredSession(tmp_path / "h.sqlite3", [NOW])
        await session.open()
        window = MainWindow(session)
        qtbot.addWidget(window)
        actions = window.history_actions
        actions.start_recording(str(out))
        assert any("not started" in text for text in window.board.texts(window.board_ms()))  # says so
        session.runtime = FeedRuntime(clock=lambda: NOW, endpoints=server.endpoints(), venues=(venue,))
        session.runtime.specs = [s for s in session.runtime.specs if s.stream == STREAM]
        actions.start_recording(str(out))
        assert actions.record_action.text() == "Stop recording"
        await _until(lambda: server.clients(STREAM) == 1 and all(
            c.topics for c in server._clients[STREAM]))
        server.play()
        # 40 liquidation frames plus the subscribe ack (counting 40 could stop one liquidation short)
        await _until(lambda: server.finished and session.recording is not None
                     and session.recording.recorder.frames >= 41)
        actions.show_recording()
        shown = actions.recording_label.text()
        assert actions.recording_label.isVisibleTo(window)
        assert "recording" in shown and " s " in shown and "MB" in shown and " frames" in shown
        actions.toggle_recording()
        await _until(lambda: not actions.tasks)
        assert actions.record_action.text() == "Record feeds…" and not actions.recording_label.isVisibleTo(window)
        await server.stop()
        await asyncio.to_thread(session.history.close)
        return window

    window = asyncio.run(run())
    assert any("Recording saved: recorded.jsonl.gz" in text for text in window.board.texts(window.board_ms()))
    meta, records = read_recording(out)
    assert meta["streams"] == [STREAM]
    frames = [r.frame for r in records if r.frame.startswith('{"topic":"allLiquidation')]
    assert len(frames) == 40


def test_the_export_dialog_scopes_to_a_chosen_watchlist(qtbot) -> None:
    from app.core.watchlist import Watchlist
    from app.ui.history_actions import ExportFilter

    mine = Watchlist(3, "Mine", ("BTC", "bybit:ETHUSDT"))
    dialog = ExportFilter(["bybit"], 1_768_900_000_000, None, [mine])
    qtbot.addWidget(dialog)
    assert dialog.query().scope_coins == () and dialog.query().scope_pairs == ()  # "No watchlist" first
    dialog.watchlist.setCurrentIndex(1)
    query = dialog.query()
    assert (query.scope_coins, query.scope_pairs) == (("BTC",), (("bybit", "ETHUSDT"),))
