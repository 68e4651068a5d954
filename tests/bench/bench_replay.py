"""Frames/s the replay server + feed client sustain on loopback (one process, one event loop).

Run: .venv/bin/python tests/bench/bench_replay.py [FRAMES] [RUNS]
Server and client share the loop (as in `cascade --demo`), with the real Bybit parser and a sink
drained every 100 ms like the engine. Prints the median of several runs; never asserts.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.timing import Timing  # noqa: E402
from app.core.venues import bybit  # noqa: E402
from app.feeds.client import run_connection  # noqa: E402
from app.feeds.sink import FeedSink  # noqa: E402
from app.feeds.status import ConnectionStatus  # noqa: E402
from app.replay.recording import RecordingWriter  # noqa: E402
from app.replay.server import ReplayServer  # noqa: E402

START_MS = 1_768_900_000_000
STREAM = "bybit/linear"


def make_recording(path: Path, frames: int) -> None:
    with RecordingWriter(path, {"scenario": "bench", "start_ms": START_MS, "streams": [STREAM]}) as writer:
        for n in range(frames):
            ts = START_MS + n
            symbol = ("BTCUSDT", "ETHUSDT", "SOLUSDT")[n % 3]
            writer.write(n, STREAM, (f'{{"topic":"allLiquidation.{symbol}","type":"snapshot","ts":{ts},"data":'
                                     f'[{{"T":{ts},"s":"{symbol}","S":"Buy","v":"{n % 97 + 1}","p":"90000.5"}}]}}'))


async def one_run(path: Path, frames: int) -> tuple[float, int]:
    timing = Timing()
    server = ReplayServer(path, speed=1e6, timing=timing)  # as fast as the loop allows
    await server.start(autoplay=False)
    sink = FeedSink(liquidation_capacity=10_000_000)
    spec = bybit.connections({STREAM: server.endpoints()[STREAM]}, symbols=["BTCUSDT", "ETHUSDT", "SOLUSDT"])[0]
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(spec, sink, status, timing, server.market_ms))
    drained = 0

    async def engine() -> None:
        nonlocal drained
        while True:
            await asyncio.sleep(0.1)
            drained += len(sink.drain().liquidations)

    while status.state != "live" or server.clients(STREAM) == 0:
        await asyncio.sleep(0.005)
    drainer = asyncio.create_task(engine())
    base = status.frames
    started = time.perf_counter()
    server.play()
    while (not server.finished or drained + sink.pending() < server.frames_sent) and (
        time.perf_counter() - started < 120
    ):
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    received = status.frames - base
    for t in (task, drainer):
        t.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await t
    drained += len(sink.drain().liquidations)
    await server.stop()
    if status.reconnects or drained != server.frames_sent:
        print(f"  warning: reconnects={status.reconnects} drained={drained} sent={server.frames_sent}")
    return received / elapsed, received


def main() -> None:
    frames = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl.gz"
        make_recording(path, frames)
        rates = []
        for _ in range(runs):
            rate, received = asyncio.run(one_run(path, frames))
            rates.append(rate)
            print(f"  run: {received} frames, {rate:,.0f} frames/s", flush=True)
    print(f"replay server + client (Bybit parser, one loop): median {statistics.median(rates):,.0f} frames/s "
          f"over {runs} runs of {frames} frames")


if __name__ == "__main__":
    main()
