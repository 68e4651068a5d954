"""The optional Hyperliquid liquidation source against the replay server on 127.0.0.1 (timers ×60): it
presents the key on the handshake, subscribes `liquidationFills` and receives, keeps Hyperliquid's
ping/pong inside the 60 s deadline for 3 venue-minutes, reconnects after a drop without counting the
snapshot the venue sends on resubscribe twice, and detects a stall."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import msgspec
import pytest

from app.core.events import Liquidation
from app.core.instruments import load_bundled
from app.core.timing import Timing
from app.core.venues import hyperliquid
from app.core.venues.descriptor import ConnectRequest, LiquidationSource
from app.core.venues.hyperliquid_liquidations import SeenFills
from app.core.venues.protocol import WsAuth
from app.feeds.client import run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from app.replay.recording import RecordingWriter
from app.replay.server import ReplayServer
from tests.feeds.conftest import SCALE, START_MS, wait_until

pytestmark = pytest.mark.timeout(20)

STREAM = "hyperliquid/liquidations"
KEY = "test-key-0123456789"
VICTIM = "0x00000000000000000000000000000000000000aa"
MAKER = "0x00000000000000000000000000000000000000bb"


def liquidation_frame(n: int, ts: int) -> str:
    """One block's liquidation fills: both sides of trade `n` (one liquidation), the GoldRush shape."""
    fill = {"coin": "BTC", "px": "90000.0", "sz": f"{0.1 * (n + 1):.1f}", "side": "A", "time": ts,
            "startPosition": "5.0", "dir": "Close Long", "closedPnl": "-10.0", "hash": f"0x{n:064x}",
            "oid": 1_000 + n, "crossed": True, "fee": "1.0", "tid": 500_000 + n, "feeToken": "USDC",
            "liquidation": {"liquidatedUser": VICTIM, "markPx": "90010.0", "method": "market"}}
    return json.dumps({"channel": "liquidationFills", "fills": [[VICTIM, fill], [MAKER, {**fill, "side": "B"}]]})


def recording(path: Path, count: int) -> Path:
    with RecordingWriter(path, {"scenario": "test", "start_ms": START_MS, "streams": [STREAM]}) as writer:
        for n in range(count):
            offset = 50 + n * 10
            writer.write(offset, STREAM, liquidation_frame(n, START_MS + offset))
    return path


class Run:
    def __init__(self, server: ReplayServer, spec, status: ConnectionStatus, sink: FeedSink) -> None:  # type: ignore[no-untyped-def]
        self.server, self.spec, self.status, self.sink = server, spec, status, sink
        self.liquidations: list[Liquidation] = []

    def received(self) -> int:
        self.liquidations.extend(self.sink.drain().liquidations)
        return len(self.liquidations)


@contextlib.asynccontextmanager
async def running(tmp_path: Path, count: int, shared_memory: bool = True):  # type: ignore[no-untyped-def]
    timing = Timing(SCALE)
    server = ReplayServer(recording(tmp_path / "hl.jsonl.gz", count), timing=timing)
    await server.start(autoplay=False)
    source = LiquidationSource(server.endpoints()[STREAM], WsAuth(KEY, "query", "key"))
    specs = hyperliquid.DESCRIPTOR.connect(ConnectRequest({}, load_bundled(), None, [], (), source))
    (spec,) = [s for s in specs if s.stream == STREAM]
    if not shared_memory:  # what a per-connection memory would do: the control that shows the snapshot comes
        spec = msgspec.structs.replace(spec, new_state=SeenFills)
    sink = FeedSink()
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(spec, sink, status, timing, server.market_ms))
    try:
        await wait_until(lambda: status.state == "live" and server.clients(STREAM) == 1, what="first connect")
        server.play()
        yield Run(server, spec, status, sink)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


async def test_subscribes_with_its_key_keeps_the_heartbeat_for_3_venue_minutes_and_reconnects(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, 2_000) as run:
        await wait_until(lambda: run.received() >= 20, what="liquidations after subscribing")
        (client,) = run.server._clients[STREAM]
        assert f"key={KEY}" in client.ws.request.path  # presented as GoldRush documents (?key=)
        assert KEY not in run.spec.url and KEY not in repr(run.spec)
        assert all(e.venue == "hyperliquid" and e.completeness == "all" and e.side == "long"
                   for e in run.liquidations)
        began = run.server.timing.monotonic()
        await asyncio.sleep(180.0 / SCALE)  # 3 venue-minutes: the replay cuts a client silent for 60 s
        assert run.server.timing.monotonic() - began >= 180.0
        assert run.status.reconnects == 0 and run.status.stalls == 0 and run.status.state == "live"
        assert run.server.heartbeats.get(STREAM, 0) >= int(180.0 / run.spec.heartbeat_interval_s) - 1
        assert run.server.drop(STREAM) == 1
        await wait_until(lambda: run.status.reconnects == 1 and run.status.state == "live", what="reconnect")
        before = run.received()
        await wait_until(lambda: run.received() > before + 20, what="liquidations after resubscribing")
        assert run.status.bad_frames == 0
        assert len({e.id for e in run.liquidations}) == len(run.liquidations)  # both sides of a trade: once


@pytest.mark.parametrize("shared_memory", [True, False])
async def test_the_snapshot_sent_on_resubscribe_is_not_counted_twice(tmp_path: Path, shared_memory: bool) -> None:
    async with running(tmp_path, 30, shared_memory) as run:
        await wait_until(lambda: run.received() >= 30 and run.server.finished, what="every frame")
        frames = run.status.frames
        assert run.server.drop(STREAM) == 1
        await wait_until(lambda: run.status.reconnects == 1 and run.status.state == "live", what="reconnect")
        await wait_until(lambda: run.status.frames >= frames + 2, what="the ack and the snapshot")
        await asyncio.sleep(0.05)
        run.received()
        ids = [e.id for e in run.liquidations]
        if shared_memory:
            assert len(ids) == len(set(ids)) == 30
        else:  # the control: a memory lost on reconnect counts the venue's snapshot again
            assert len(ids) == 31 and len(set(ids)) == 30


async def test_a_stall_is_detected_and_the_client_reconnects(tmp_path: Path) -> None:
    async with running(tmp_path, 2_000) as run:
        await wait_until(lambda: run.received() >= 10)
        run.server.stall(STREAM, run.spec.stall_after_s + 30.0)
        await wait_until(lambda: run.status.stalls >= 1, what="stall detected")
        assert "no traffic" in (run.status.last_stall or "")
        await wait_until(lambda: run.status.reconnects >= 1 and run.status.state == "live", what="reconnect")
