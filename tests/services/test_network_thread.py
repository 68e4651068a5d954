"""The connections on their own thread (app.services.network_thread), as the app runs them: every venue
delivers through the locked sink to an engine drained on the test's loop, a drop is a gap, a venue's
connections restart on the network loop, a refusal is woken from the caller's thread, and stop() ends
the thread with nothing received lost."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from app.core.events import Liquidation
from app.core.tape import Tape
from app.core.timing import Timing
from app.core.venues import registry
from app.feeds.sink import FeedSink
from app.replay.server import ReplayServer
from app.services.clock import MarketClock
from app.services.engine import Engine
from app.services.network_thread import NetworkThread
from app.services.runtime import FeedRuntime, demo_recording, recorded_venues
from tests.feeds.conftest import SCALE, STREAM, bybit_spec, wait_until, write_recording


def liq(n: int) -> Liquidation:
    return Liquidation("bybit", "BTCUSDT", "BTC", "linear", "long", 90_000.0, 0.1, 9_000.0, n, "all", f"x{n}")


async def test_every_venue_delivers_from_the_network_thread_and_nothing_is_lost_at_stop() -> None:
    timing = Timing(scale=60)
    server = ReplayServer(demo_recording(), speed=40, timing=timing)
    await server.start()
    clock = MarketClock(server.market_ms, label="replay")
    network = NetworkThread(timing)
    runtime = FeedRuntime(clock=clock, endpoints=server.endpoints(), timing=timing,
                          venues=recorded_venues(server.streams), streams=server.streams, network=network)
    written: list[int] = []
    engine = Engine(runtime.sink, clock, history_writer=lambda batch: written.append(len(batch)))
    engine.add_tape(Tape(max_rows=100))
    runtime.start()
    try:
        publishing = registry.publishing_liquidations(runtime.venues)
        await wait_until(lambda: engine.tick() >= 0 and all(engine.counts[v] > 0 for v in publishing),
                         timeout=20, what="every venue's liquidations")
        assert all(status.loop is network.loop for status in runtime.statuses)  # not the test's loop
        assert network.loop is not asyncio.get_running_loop()

        server.drop("bybit/linear")
        await wait_until(lambda: any(s.stream == "bybit/linear" and s.reconnects >= 1 for s in runtime.statuses),
                         timeout=10, what="bybit reconnected")
        gaps: list[tuple[str, str, int, int]] = []
        await wait_until(lambda: bool(gaps.extend(runtime.closed_gaps()) or gaps), timeout=10, what="the drop's gap")
        assert [(venue, stream) for venue, stream, _, _ in gaps] == [("bybit", "bybit/linear")]

        before = {s.stream: s.connects for s in runtime.statuses if s.venue == "okx"}
        await runtime.restart_venue("okx")  # cancelled and started again on the network loop
        await wait_until(lambda: all(s.state == "live" for s in runtime.statuses if s.venue == "okx"),
                         timeout=10, what="okx live again")
        assert network.supervisor.running() and sorted(before) == sorted(
            s.stream for s in runtime.statuses if s.venue == "okx")
    finally:
        await runtime.stop()
        await server.stop()
    assert not network.running
    assert not any(t.name == "cascade network" for t in threading.enumerate())  # the thread has ended
    engine.tick()
    assert sum(written) == sum(engine.counts.values())  # every liquidation taken went to the history


async def test_retry_now_from_the_callers_thread_wakes_a_refused_connection(tmp_path: Path) -> None:
    server = ReplayServer(write_recording(tmp_path / "r.jsonl.gz", count=300, every_ms=10), timing=Timing(SCALE))
    await server.start(autoplay=False)
    server.refuse(STREAM, 451)
    spec = bybit_spec(server.endpoints()[STREAM])
    runtime = FeedRuntime(clock=lambda: 0, endpoints={STREAM: spec.url}, venues=("bybit",),
                          timing=Timing(SCALE), streams=[STREAM], network=NetworkThread(Timing(SCALE)))
    runtime.start()
    status = runtime.statuses[0]
    try:
        await wait_until(lambda: status.state == "refused", what="refused")
        await asyncio.sleep(0.3)
        assert status.connect_failures == 1  # waiting its slow retry (15 s here), not hammering
        server.refuse(STREAM, None)
        assert status.retry_now()  # asyncio.Event of another loop: set there, thread-safely
        await wait_until(lambda: status.state == "live", what="live at once after the retry")
    finally:
        await runtime.stop()
        await server.stop()


def test_the_sink_takes_offers_from_another_thread_while_drained_and_loses_none() -> None:
    sink = FeedSink(liquidation_capacity=1_000_000)
    offered = 200_000

    def offer() -> None:
        for n in range(offered):
            sink.offer("bybit", [liq(n)])

    writer = threading.Thread(target=offer)
    writer.start()
    seen: list[int] = []
    while writer.is_alive():
        seen.extend(event.ts_ms for event in sink.drain().liquidations)
    writer.join()
    seen.extend(event.ts_ms for event in sink.drain().liquidations)
    assert seen == list(range(offered))  # each exactly once, in order
