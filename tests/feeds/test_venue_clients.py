"""Each newer venue's (and Binance COIN-M's) real connection spec against the replay server on
127.0.0.1 (timers ×60): it subscribes and receives, keeps the venue's heartbeat for 3 venue-minutes
under the venue's own deadline, reconnects and resubscribes after a drop, and detects a stall."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.events import Liquidation
from app.core.instruments import load_bundled
from app.core.timing import Timing
from app.core.venues import registry
from app.core.venues.descriptor import ConnectRequest
from app.feeds.client import run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from app.replay.recording import RecordingWriter
from app.replay.server import ReplayServer
from tests.feeds.conftest import SCALE, START_MS, wait_until

pytestmark = pytest.mark.timeout(20)


def _bitget(n: int, ts: int) -> str:
    row = {"symbol": "BTCUSDT", "side": "buy" if n % 2 else "sell", "price": "90000", "amount": f"{100 + n}",
           "ts": str(ts)}
    return json.dumps({"data": [row], "arg": {"instType": "usdt-futures", "topic": "liquidation"},
                       "action": "update", "ts": ts})


def _gate(n: int, ts: int) -> str:
    row = {"price": "90000", "size": f"{-1 if n % 2 else 1}{n + 1}", "time": ts, "contract": "BTC_USDT"}
    return json.dumps({"channel": "futures.public_liquidates", "event": "update", "time": ts // 1000,
                       "time_ms": ts, "result": [row]})


def _deribit(n: int, ts: int) -> str:
    flag = ("M", "T", "MT")[n % 3]
    row = {"trade_id": str(n), "instrument_name": "BTC-PERPETUAL", "timestamp": ts, "direction": "sell",
           "price": 90000.0, "amount": 10.0 * (n + 1), "trade_seq": n, "liquidation": flag}
    return json.dumps({"params": {"data": [row], "channel": "trades.future.BTC.100ms"}, "method": "subscription",
                       "jsonrpc": "2.0"})


def _bitmex(n: int, ts: int) -> str:
    row = {"orderID": f"order-{n}", "symbol": "XBTUSD", "side": "Sell" if n % 2 else "Buy", "price": 90000.5,
           "leavesQty": 100 * (n + 1)}
    return json.dumps({"table": "liquidation", "action": "insert", "data": [row]})


def _coinm(n: int, ts: int) -> str:
    order = {"s": "BTCUSD_PERP", "ps": "BTCUSD", "S": "SELL" if n % 2 else "BUY", "o": "LIMIT", "f": "IOC",
             "q": str(n + 1), "p": "90000", "ap": "90000", "X": "FILLED", "l": str(n + 1), "z": str(n + 1), "T": ts}
    return json.dumps({"stream": "!forceOrder@arr", "data": {"e": "forceOrder", "E": ts, "o": order}})


def _bitfinex(n: int, ts: int) -> str:
    row = ["pos", 150_000_000 + n, ts, None, "tBTCF0:USTF0", (-1 if n % 2 else 1) * 0.01 * (n + 1), 89000.0, None,
           1, 1, None, 90000.0]
    return json.dumps([91684, [row]])


def _dydx(n: int, ts: int) -> str:
    trade = {"id": f"trade-{n}", "size": f"{0.001 * (n + 1):.3f}", "price": "90000", "side": "SELL" if n % 2 else "BUY",
             "createdAt": "2026-01-20T10:00:00.000Z", "type": "LIQUIDATED", "createdAtHeight": str(1000 + n)}
    return json.dumps({"type": "channel_data", "connection_id": "c", "message_id": n + 2, "id": "BTC-USD",
                       "channel": "v4_trades", "version": "2.1.0", "contents": {"trades": [trade]}})


def _htx(n: int, ts: int) -> str:
    row = {"contract_code": "BTC-USDT", "symbol": "BTC", "direction": "sell" if n % 2 else "buy", "offset": "close",
           "volume": n + 1, "amount": (n + 1) / 1000, "trade_turnover": (n + 1) * 90.0, "price": 90000.0,
           "created_at": ts, "pair": "BTC-USDT", "business_type": "swap"}
    return json.dumps({"op": "notify", "topic": "public.BTC-USDT.liquidation_orders", "ts": ts, "data": [row]})


# venue -> (stream, one liquidation frame per n, distinct for every n)
FRAMES: dict[str, tuple[str, Callable[[int, int], str]]] = {
    "bitget": ("bitget/public", _bitget),
    "gate": ("gate/usdt", _gate),
    "deribit": ("deribit/public", _deribit),
    "bitmex": ("bitmex/realtime", _bitmex),
    "binance": ("binance/coinm/market", _coinm),  # COIN-M: the USDⓈ-M stream is tested in tests/replay
    "bitfinex": ("bitfinex/public", _bitfinex),
    "dydx": ("dydx/indexer", _dydx),
    "htx": ("htx/linear", _htx),  # the replay gzips each frame into a binary message, as HTX does
}


def _recording(path: Path, stream: str, frame: Callable[[int, int], str], count: int = 2_000,
               every_ms: int = 10) -> Path:
    with RecordingWriter(path, {"scenario": "test", "start_ms": START_MS, "streams": [stream]}) as writer:
        for n in range(count):
            offset = 50 + n * every_ms
            writer.write(offset, stream, frame(n, START_MS + offset))
    return path


class Running:
    def __init__(self, server: ReplayServer, spec, status: ConnectionStatus, sink: FeedSink) -> None:  # type: ignore[no-untyped-def]
        self.server, self.spec, self.status, self.sink = server, spec, status, sink
        self.liquidations: list[Liquidation] = []

    def received(self) -> int:
        self.liquidations.extend(self.sink.drain().liquidations)
        return len(self.liquidations)


@contextlib.asynccontextmanager
async def running(venue: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    stream, frame = FRAMES[venue]
    timing = Timing(SCALE)
    server = ReplayServer(_recording(tmp_path / f"{venue}.jsonl.gz", stream, frame), timing=timing)
    await server.start(autoplay=False)
    descriptor = registry.by_name(venue)
    specs = descriptor.connect(ConnectRequest(server.endpoints(), load_bundled(), None, []))
    (spec,) = [s for s in specs if s.stream == stream]
    sink = FeedSink()
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(spec, sink, status, timing, server.market_ms))
    try:
        await wait_until(lambda: status.state == "live" and server.clients(stream) == 1, what="first connect")
        server.play()
        yield Running(server, spec, status, sink)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


@pytest.mark.parametrize("venue", sorted(FRAMES))
async def test_subscribes_keeps_its_heartbeat_for_3_venue_minutes_and_reconnects_after_a_drop(
    venue: str, tmp_path: Path
) -> None:
    async with running(venue, tmp_path) as run:
        await wait_until(lambda: run.received() >= 20, what="liquidations after subscribing")
        assert all(e.venue == venue for e in run.liquidations)
        stream = run.spec.stream
        began = run.server.timing.monotonic()
        await asyncio.sleep(180.0 / SCALE)  # 3 venue-minutes, under the replay's real deadline for the venue
        assert run.server.timing.monotonic() - began >= 180.0
        assert run.status.reconnects == 0 and run.status.stalls == 0 and run.status.state == "live"
        interval = run.spec.heartbeat_interval_s or registry.by_name(venue).replay.probe_interval_s
        if interval:  # the venue's keepalive (our ping, or our answer to its test request), counted by the server
            assert run.server.heartbeats.get(stream, 0) >= int(180.0 / interval) - 1
        assert run.server.drop(stream) == 1
        await wait_until(lambda: run.status.reconnects == 1 and run.status.state == "live", what="reconnect")
        before = run.received()
        await wait_until(lambda: run.received() > before + 20, what="liquidations after resubscribing")
        assert run.status.bad_frames == 0
        assert len({e.id for e in run.liquidations}) == len(run.liquidations)


@pytest.mark.parametrize("venue", sorted(FRAMES))
async def test_a_stall_is_detected_and_the_client_reconnects(venue: str, tmp_path: Path) -> None:
    async with running(venue, tmp_path) as run:
        await wait_until(lambda: run.received() >= 10)
        run.server.stall(run.spec.stream, run.spec.stall_after_s + 30.0)
        await wait_until(lambda: run.status.stalls >= 1, what="stall detected")
        assert "no traffic" in (run.status.last_stall or "")
        await wait_until(lambda: run.status.reconnects >= 1 and run.status.state == "live", what="reconnect")


async def test_deribit_cuts_a_client_that_does_not_answer_its_test_requests(tmp_path: Path) -> None:
    import msgspec

    stream, frame = FRAMES["deribit"]
    timing = Timing(SCALE)
    server = ReplayServer(_recording(tmp_path / "d.jsonl.gz", stream, frame), timing=timing)
    await server.start()
    (spec,) = registry.by_name("deribit").connect(ConnectRequest(server.endpoints(), load_bundled(), None, []))
    spec = msgspec.structs.replace(spec, reply=None, stall_after_s=600.0)  # deaf, and never leaving on its own
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(spec, FeedSink(), status, timing, server.market_ms))
    try:
        await wait_until(lambda: status.reconnects >= 1, timeout=5.0, what="cut for unanswered test requests")
        assert status.stalls == 0  # the venue's cut, not our watchdog
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


async def test_htx_frames_arrive_gzipped_and_a_client_that_ignores_pings_is_cut(tmp_path: Path) -> None:
    import msgspec

    stream, frame = FRAMES["htx"]
    timing = Timing(SCALE)
    server = ReplayServer(_recording(tmp_path / "h.jsonl.gz", stream, frame), timing=timing)
    await server.start()
    (spec,) = registry.by_name("htx").connect(ConnectRequest(server.endpoints(), load_bundled(), None, []))
    seen: list[str | bytes] = []

    def parse(raw, received_ms, instruments=None, state=None):  # type: ignore[no-untyped-def]
        seen.append(raw)
        return spec.parse(raw, received_ms, instruments, state)

    deaf = msgspec.structs.replace(spec, reply=None, stall_after_s=600.0, parse=parse)  # never pongs
    status = ConnectionStatus(deaf.stream, deaf.venue, deaf.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(deaf, FeedSink(), status, timing, server.market_ms))
    try:
        await wait_until(lambda: status.reconnects >= 1, timeout=5.0, what="cut for unanswered pings")
        assert status.stalls == 0  # the venue's cut, not our watchdog
        assert seen and all(isinstance(raw, bytes) and raw[:2] == b"\x1f\x8b" for raw in seen)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


async def test_dydx_resubscribe_snapshot_arrives_again_and_is_not_counted_twice(tmp_path: Path) -> None:
    import msgspec

    stream, frame = FRAMES["dydx"]
    timing = Timing(SCALE)
    # A frame every 0.5 s: the client is back (timers ×60) long before the next one, so the snapshot the
    # resubscription brings is the frame it counted just before the drop.
    server = ReplayServer(_recording(tmp_path / "d.jsonl.gz", stream, frame, count=200, every_ms=500), timing=timing)
    await server.start(autoplay=False)
    (spec,) = registry.by_name("dydx").connect(ConnectRequest(server.endpoints(), load_bundled(), None, []))
    frames: list[str | bytes] = []

    def parse(raw, received_ms, instruments=None, state=None):  # type: ignore[no-untyped-def]
        frames.append(raw)
        return spec.parse(raw, received_ms, instruments, state)

    watched = msgspec.structs.replace(spec, parse=parse)
    sink = FeedSink()
    status = ConnectionStatus(watched.stream, watched.venue, watched.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(watched, sink, status, timing, server.market_ms))
    got: list[Liquidation] = []
    try:
        await wait_until(lambda: status.state == "live" and server.clients(stream) == 1, what="first connect")
        server.play()
        await wait_until(lambda: bool(got.extend(sink.drain().liquidations)) or len(got) >= 3, what="first trades")
        assert server.drop(stream) == 1
        await wait_until(lambda: status.reconnects == 1 and status.state == "live", what="reconnect")
        data = [f for f in frames if '"channel_data"' in str(f)]
        await wait_until(lambda: len(data) < len([f for f in frames if '"channel_data"' in str(f)]), what="more")
        got.extend(sink.drain().liquidations)
        data = [f for f in frames if '"channel_data"' in str(f)]
        assert len(data) > len(set(data))  # the resubscription's snapshot repeated a frame already counted
        assert len({e.id for e in got}) == len(got) == len(set(data))  # each distinct trade counted once
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()
