"""The session without Qt: a demo session starts, ticks and stops in order, loses nothing it
received, and reports a failing history write through the snapshot."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.services.session import DemoSession
from app.store.db import MIGRATIONS, HistoryDb


class FileDemoSession(DemoSession):
    """The demo, but its history in a file the test can read back."""

    def __init__(self, path: Path, **history_options: object) -> None:
        super().__init__(speed=50)
        self._path = path
        self._history_options = history_options

    def history_path(self) -> str:
        return str(self._path)

    def open_history(self, **options: object) -> HistoryDb:
        return super().open_history(**{**options, **self._history_options})


async def test_demo_session_ticks_and_stops_in_order_losing_nothing(tmp_path: Path) -> None:
    session = FileDemoSession(tmp_path / "history.sqlite3")
    await session.open()
    await session.start()
    assert session.macro is not None and session.macro_version == 1
    for _ in range(40):
        snapshot = session.snapshot()
        await asyncio.sleep(0.05)
    assert {venue.venue for venue in snapshot.venues} == {"binance", "bybit", "okx"}
    assert snapshot.clock_label == "replay"
    await session.stop()
    assert session.shutdown_steps == ["lag monitor", "feeds", "source", "drain", "history", "settings"]
    shown = sum(session.engine.counts.values())
    assert shown > 0
    assert not session.sink.drain().liquidations  # the last drain took everything
    with HistoryDb.open(tmp_path / "history.sqlite3") as history:
        assert history.count() == shown  # every liquidation shown was also written


async def test_failed_history_write_reaches_the_snapshot(tmp_path: Path) -> None:
    # max_page_count caps the file: a real SQLITE_FULL, as on a full disk.
    tiny = (*MIGRATIONS, ("PRAGMA max_page_count = 8",))
    session = FileDemoSession(tmp_path / "history.sqlite3", migrations=tiny, batch_rows=100, max_delay_s=0.01)
    await session.open()
    assert session.history is not None
    session.history.write_liquidations(_liquidations(2000))
    messages: list[str] = []
    for _ in range(100):
        messages += [message.text for message in session.snapshot().messages]
        if messages:
            break
        await asyncio.sleep(0.05)
    assert messages and messages[0].startswith("History not saved:") and "full" in messages[0]
    await asyncio.to_thread(session.history.close)


def _liquidations(count: int) -> list:  # type: ignore[type-arg]
    from app.core.events import Liquidation

    return [Liquidation("bybit", "BTCUSDT", "BTC", "linear_perp", "short", 1.0, 1.0, 1.0, i, "all", f"id{i}")
            for i in range(count)]
