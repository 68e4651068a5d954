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
    # The bundled recording carries every registered venue, so the demo connects them all.
    assert [venue.venue for venue in snapshot.venues] == ["binance", "bybit", "okx", "hyperliquid", "bitget",
                                                         "gate", "deribit", "bitmex", "bitfinex", "dydx", "htx"]
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


async def test_the_time_cascade_was_closed_is_a_gap_per_stream_from_the_last_write_to_the_start(tmp_path: Path) -> None:
    """Run, stop, and a later start (clock injected): [last recorded moment, start) is a gap for every
    stream, and the user is told; a kill (no clean stop) counts from the last committed heartbeat."""
    from app.services.clock import MarketClock
    from app.services.session.base import DOWNTIME_NOTICE_MS

    path = tmp_path / "history.sqlite3"
    now = [1_800_000_000_000]

    class ClockedSession(FileDemoSession):
        def __init__(self) -> None:
            super().__init__(path, max_delay_s=0.01)
            self.clock = MarketClock(lambda: now[0], label="live")

    first = ClockedSession()
    await first.open()
    await first.start()
    streams = {(status.venue, status.stream) for status in first.runtime.statuses}
    await asyncio.sleep(0.3)
    now[0] += 5_000
    await first.stop()  # a clean stop records its last moment
    stopped_at = now[0]

    now[0] += 3 * 3_600_000  # three hours later
    second = ClockedSession()
    await second.open()
    await second.start()
    await asyncio.sleep(0.1)
    snapshot = second.snapshot()
    # Killed: the history is never closed; only what was committed (within max_delay) counts.
    await second.runtime.stop()
    await second.stop_source()
    await second._close_http()  # a killed process's sockets die with it; here they must be closed by hand
    await asyncio.to_thread(second.history.flush)
    killed_alive = second.history.runs()[-1][1]
    restart = now[0] + 60_000
    now[0] = restart
    third = ClockedSession()
    await third.open()
    await third.start()
    await third.stop()
    await asyncio.to_thread(second.history.close)

    with HistoryDb.open(path) as history:
        downtime = [gap for gap in history.gaps_between(0, 2**62) if gap.start_ms == stopped_at]
        assert {(gap.venue, gap.stream) for gap in downtime} == streams
        assert {(gap.start_ms, gap.end_ms) for gap in downtime} == {(stopped_at, stopped_at + 3 * 3_600_000)}
        after_kill = [gap for gap in history.gaps_between(0, 2**62) if gap.end_ms == restart]
        assert {(gap.start_ms, gap.end_ms) for gap in after_kill} == {(killed_alive, restart)}
        assert len(after_kill) == len(streams)
    assert DOWNTIME_NOTICE_MS <= 3 * 3_600_000
    told = [m for m in snapshot.messages if m.notice == "downtime"]
    assert told and "3h 00m" in told[0].text
    assert any(notice.code == "downtime" for notice in snapshot.notices)


def test_retry_now_wakes_only_that_venues_refused_connections() -> None:
    from app.services.runtime import FeedRuntime

    session = DemoSession()
    assert session.retry_now(session.venues[0]) == 0  # feeds not started: nothing to wake
    session.runtime = FeedRuntime(clock=lambda: 0)
    refused, other = session.venues[0], session.venues[1]
    for status in session.runtime.statuses:
        if status.venue in (refused, other):
            status.connect_failed("refused" if status.venue == refused else "offline", "HTTP 451")
    expected = sum(status.venue == refused for status in session.runtime.statuses)
    assert expected and session.retry_now(refused) == expected
    assert session.retry_now(other) == 0  # offline, not refused: it is retrying on its own
    assert {status.venue for status in session.runtime.statuses if status.wake.is_set()} == {refused}


async def test_demo_session_watches_the_synthetic_address_and_its_eth_mark() -> None:
    from app.services.session.demo import DemoSession

    session = DemoSession(speed=20)
    assert session.watched_accounts() == {"hyperliquid": ["0x00000000000000000000000000000000c0ffee01"]}
    await session.open()
    await session.start()
    key = ("hyperliquid", "0x00000000000000000000000000000000c0ffee01")
    try:
        for _ in range(200):
            session.engine.tick()
            if key in session.engine.accounts and ("hyperliquid", "ETH") in session.engine.marks:
                break
            await asyncio.sleep(0.02)
        state = session.engine.accounts[key]
        (position,) = state.positions
        assert (position.symbol, position.side, position.size) == ("ETH", "long", 2_200)
        assert position.exchange_liquidation_price == 2_991.43
        assert session.engine.marks[("hyperliquid", "ETH")].price > 2_991.43
        assert "hyperliquid" not in session.summary_line()  # no public liquidation feed: no count
    finally:
        await session.stop()


async def test_live_manual_positions_persist_in_the_profile_and_the_demo_book_is_seeded() -> None:
    from app.core.positions import Account, Position
    from app.services.session import LiveSession
    from app.store.paths import profile_paths

    profile = profile_paths("positions-test").ensure()
    first = LiveSession(profile)
    await first.open()
    assert first.positions.positions == []
    eth = Position("binance", "manual", "ETHUSDT", "ETH", "long", 10.0, 3300.0, leverage=5.0)
    cross = Position("binance", "manual", "BTCUSDT", "BTC", "short", 1.0, 95_000.0, margin_mode="cross")
    first.add_position(eth)
    first.add_position(cross, Account("binance", "manual", wallet_balance=20_000.0))
    first.replace_position(eth.key, Position("binance", "manual", "ETHUSDT", "ETH", "long", 12.0, 3300.0,
                                             leverage=5.0))
    await first.stop()

    second = LiveSession(profile)
    await second.open()
    assert [(p.symbol, p.size) for p in second.positions.positions] == [("ETHUSDT", 12.0), ("BTCUSDT", 1.0)]
    assert second.positions.accounts[("binance", "manual")].wallet_balance == 20_000.0
    second.delete_position(cross.key)
    await second.stop()
    third = LiveSession(profile)
    await third.open()
    assert [p.symbol for p in third.positions.positions] == ["ETHUSDT"]
    await third.stop()

    demo = DemoSession(speed=1)
    assert {p.venue for p in demo.positions.positions} == {"binance", "bybit", "okx"}
    assert demo.position_store is None
