"""The demo's stress table end to end: the pollers ask the replay's HTTP side (never a live host), and
the table gets OI from every polled venue plus Hyperliquid's websocket, liq/OI, RSI-14 from OKX's candles
and a 24 h change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from app.services.session.demo import DemoSession

pytestmark = pytest.mark.timeout(60)


async def _until(session: DemoSession, predicate: Callable[[], bool]) -> None:
    """Tick until `predicate` holds; a demo that never gets there fails on the module's pytest timeout."""
    while not predicate():
        session.snapshot()  # ticks as the window's timer would
        await asyncio.sleep(0.05)


async def test_the_demo_fills_the_stress_table_from_its_recording() -> None:
    session = DemoSession(speed=60)
    await session.open()
    await session.start()
    try:
        poller = session.oi_poller
        assert sorted(poller.venues) == ["binance", "bybit", "okx"]
        assert all(host.base_url.startswith("http://127.0.0.1:") for host in poller.hosts.values())
        venues = {"binance", "bybit", "okx", "hyperliquid"}  # the polled three and Hyperliquid's websocket

        def ready() -> bool:
            view = session.snapshot().market
            return view is not None and any(row.coin == "BTC" and row.change_24h is not None and row.rsi is not None
                                            and set(row.oi_venues) == venues and (row.oi_usd or 0) > 15e9
                                            for row in view.rows)  # every BTC symbol of each venue polled

        await _until(session, ready)
        view = session.snapshot().market
        assert view is not None
        btc = next(row for row in view.rows if row.coin == "BTC")
        assert btc.oi_usd is not None and 15e9 < btc.oi_usd < 25e9  # the assumed levels (resources/docs/scenarios.md)
        assert set(btc.oi_venues) == {"binance", "bybit", "okx", "hyperliquid"}
        assert btc.rsi is not None and btc.rsi.venue == "okx" and btc.rsi.value < 50  # "majors' RSI below 50"
        assert -0.10 < btc.change_24h < 0.0  # type: ignore[operator]
        assert not any("open interest" in note for note in view.notes), view.notes
    finally:
        await session.stop()
