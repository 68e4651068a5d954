"""The app's feed side without Qt: the bundled scenario served on 127.0.0.1, the real venue
connections, the engine draining into a tape — and a dropped connection shown as a gap."""

from __future__ import annotations

import asyncio

from app.core.tape import Tape
from app.core.timing import Timing
from app.core.venues import registry
from app.replay.server import ReplayServer
from app.services.clock import MarketClock
from app.services.engine import Engine
from app.services.runtime import FeedRuntime, demo_recording, recorded_venues


async def _wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_demo_runtime_delivers_every_venue_and_records_a_drop_as_a_gap() -> None:
    timing = Timing(scale=60)
    server = ReplayServer(demo_recording(), speed=40, timing=timing)
    await server.start()
    clock = MarketClock(server.market_ms, label="replay")
    runtime = FeedRuntime(clock=clock, endpoints=server.endpoints(), timing=timing,
                          venues=recorded_venues(server.streams), streams=server.streams)
    written: list[int] = []
    engine = Engine(runtime.sink, clock, history_writer=lambda batch: written.append(len(batch)))
    tape = engine.add_tape(Tape(max_rows=100))
    runtime.start()
    try:
        publishing = registry.publishing_liquidations(runtime.venues)
        # Hyperliquid: marks and accounts only
        assert publishing == ["binance", "bybit", "okx", "bitget", "gate", "deribit", "bitmex", "bitfinex", "dydx",
                              "htx"]
        await _wait_for(lambda: engine.tick() >= 0 and all(engine.counts[v] > 0 for v in publishing)
                        and ("hyperliquid", "ETH") in engine.marks)
        assert {view.venue: view.state for view in runtime.venue_records()} == {
            "binance": "live", "bybit": "live", "okx": "live", "hyperliquid": "live", "bitget": "live",
            "gate": "live", "deribit": "live", "bitmex": "live", "bitfinex": "live", "dydx": "live", "htx": "live"}
        assert {view.venue: view.completeness for view in runtime.venue_records()} == {
            "binance": "sampled", "bybit": "all", "okx": "partial", "hyperliquid": "partial", "bitget": "sampled",
            "gate": "all", "deribit": "all", "bitmex": "all", "bitfinex": "all", "dydx": "all", "htx": "all"}
        assert tape.take_update() is not None

        server.drop("bybit/linear")
        await _wait_for(lambda: any(s.stream == "bybit/linear" and s.reconnects >= 1
                                    for s in runtime.statuses))
        gaps: list[tuple[str, str, int, int]] = []
        # A closed gap is handed to the history once it has settled (an overflow can no longer extend it).
        await _wait_for(lambda: bool(gaps.extend(runtime.closed_gaps()) or gaps))
        assert [(venue, stream) for venue, stream, _, _ in gaps] == [("bybit", "bybit/linear")]
        start, end = gaps[0][2], gaps[0][3]
        assert start <= end
        assert runtime.closed_gaps() == []  # each gap is reported once
        bybit = next(v for v in runtime.venue_records() if v.venue == "bybit")
        assert bybit.gaps == 1 and bybit.reconnects == 1
    finally:
        await runtime.stop()
        await server.stop()
    engine.tick()
    assert sum(written) == sum(engine.counts.values())  # every liquidation taken went to the history


async def test_dead_endpoints_show_offline_and_keep_retrying() -> None:
    import socket

    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = {stream: f"ws://127.0.0.1:{port}/{stream}" for venue in registry.VENUES for stream in venue.streams}
    runtime = FeedRuntime(clock=MarketClock.live(), endpoints=dead, timing=Timing(scale=60))
    runtime.start()
    try:
        await _wait_for(lambda: all(v.state == "offline" for v in runtime.venue_records()))
        await asyncio.sleep(0.3)
        assert all(v.state == "offline" for v in runtime.venue_records())
        assert runtime.supervisor.running()  # still trying, not given up
    finally:
        await runtime.stop()
