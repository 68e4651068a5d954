"""The bundled scenario through the replay server and the real venue connections (subscribe messages,
topics, acks), at high speed: every venue delivers liquidations, nothing is a bad frame."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from app.core.timing import Timing
from app.core.venues import binance, bybit, okx
from app.feeds.client import run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from app.replay.server import ReplayServer
from app.resources import resource_path
from tests.feeds.conftest import wait_until

SCENARIO = resource_path("scenarios", "2026-01-20.jsonl.gz")

pytestmark = [pytest.mark.timeout(20),
              pytest.mark.skipif(not SCENARIO.is_file(), reason="bundled scenario not generated yet")]


async def test_bundled_scenario_reaches_every_venue_without_bad_frames() -> None:
    server = ReplayServer(SCENARIO, speed=300.0, timing=Timing(60))
    await server.start(autoplay=False)
    sink = FeedSink()
    specs = [spec for venue in (binance, bybit, okx) for spec in venue.connections(server.endpoints())
             if spec.stream in server.streams]  # the recording's streams only (no COIN-M in it yet)
    statuses = [ConnectionStatus(s.stream, s.venue, s.completeness, server.market_ms) for s in specs]
    tasks = [asyncio.create_task(run_connection(spec, sink, status, Timing(60), server.market_ms))
             for spec, status in zip(specs, statuses, strict=True)]
    seen: dict[str, int] = {}
    try:
        await wait_until(lambda: all(s.state == "live" for s in statuses), what="all connected")
        server.play()

        def every_venue_delivered() -> bool:
            for event in sink.drain().liquidations:
                seen[event.venue] = seen.get(event.venue, 0) + 1
            return all(seen.get(venue, 0) >= 20 for venue in ("binance", "bybit", "okx"))

        await wait_until(every_venue_delivered, timeout=8.0, what=f"liquidations per venue: {seen}")
        assert [(s.stream, s.bad_frames, s.last_bad_reason) for s in statuses if s.bad_frames] == []
        assert all(s.reconnects == 0 for s in statuses)
        assert server.market_ms() > server.start_ms
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await server.stop()
