"""Shared pieces for the feed fault tests: handcrafted recordings, counted specs, a running pair of
replay server + client, and a bounded `wait_until` (no test waits more than a few wall seconds)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import pytest

from app.core.timing import Timing
from app.core.venues import bybit
from app.core.venues.protocol import ConnectionSpec
from app.feeds.client import run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from app.replay.recording import RecordingWriter
from app.replay.server import ReplayServer

START_MS = 1_768_900_000_000  # 2026-01-20, as the demo scenario
SCALE = 60.0
STREAM = "bybit/linear"


def bybit_liquidation(n: int, ts_ms: int, symbol: str = "BTCUSDT") -> str:
    """A Bybit allLiquidation frame whose size encodes `n`, so every frame gives a distinct event."""
    return json.dumps(
        {"topic": f"allLiquidation.{symbol}", "type": "snapshot", "ts": ts_ms,
         "data": [{"T": ts_ms, "s": symbol, "S": "Buy" if n % 2 else "Sell", "v": f"{n + 1}", "p": "90000.5"}]},
        separators=(",", ":"),
    )


def write_recording(path: Path, count: int, every_ms: int, stream: str = STREAM) -> Path:
    with RecordingWriter(path, {"scenario": "test", "start_ms": START_MS, "streams": [stream]}) as writer:
        for n in range(count):
            offset = 50 + n * every_ms
            writer.write(offset, stream, bybit_liquidation(n, START_MS + offset))
    return path


@dataclass
class FrameCounter:
    """Wraps a parser to count the liquidation frames it saw (acks and pongs are not counted)."""

    parse: Callable[..., list]
    liquidation_frames: int = 0
    seen: list[str] = field(default_factory=list)

    def __call__(self, frame, received_ms, instruments=None, state=None):  # type: ignore[no-untyped-def]
        if isinstance(frame, str) and frame.startswith('{"topic":"allLiquidation'):
            self.liquidation_frames += 1
        return self.parse(frame, received_ms, instruments, state)


def bybit_spec(url: str, counter: FrameCounter | None = None, **changes: object) -> ConnectionSpec:
    spec = bybit.connections({STREAM: url}, symbols=["BTCUSDT"])[0]
    if counter is not None:
        changes["parse"] = counter
    return msgspec.structs.replace(spec, **changes)


async def wait_until(predicate: Callable[[], bool], timeout: float = 4.0, what: str = "") -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)
    assert predicate(), what


@dataclass
class Pair:
    server: ReplayServer
    sink: FeedSink
    status: ConnectionStatus
    counter: FrameCounter
    task: asyncio.Task[None]
    timing: Timing


@contextlib.asynccontextmanager
async def running_pair(
    recording: Path, *, capacity: int = 100_000, autoplay_after_live: bool = True,
    heartbeat_deadline_s: dict[str, float] | None = None, wall: Callable[[], float] = time.time,
    **spec_changes: object,
):  # type: ignore[no-untyped-def]
    timing = Timing(SCALE)
    server = ReplayServer(recording, timing=timing, heartbeat_deadline_s=heartbeat_deadline_s)
    await server.start(autoplay=False)
    sink = FeedSink(liquidation_capacity=capacity)
    counter = FrameCounter(spec_changes.pop("parse", bybit.parse))  # type: ignore[arg-type]
    spec = bybit_spec(server.endpoints()[STREAM], counter, **spec_changes)
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(spec, sink, status, timing, server.market_ms, wall=wall))
    try:
        if autoplay_after_live:
            await wait_until(lambda: status.state == "live" and server.clients(STREAM) == 1, what="first connect")
            server.play()
        yield Pair(server, sink, status, counter, task, timing)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


@pytest.fixture
def recording(tmp_path: Path) -> Iterator[Path]:
    """300 liquidation frames, one every 10 ms (3 s at speed 1)."""
    yield write_recording(tmp_path / "test.jsonl.gz", count=300, every_ms=10)
