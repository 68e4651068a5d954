"""Export figures (printed, never asserted): the event loop's lag while a CSV export of stored
liquidations runs in its worker thread, against the same loop idle, and the export's rows/s.
Run: .venv/bin/python tests/bench/bench_export.py [ROWS]"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.services.export import export_csv_async
from tests.services.test_export import build_history

INTERVAL_S = 0.005
IDLE_S = 2.0


async def _sample(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(INTERVAL_S)
        lags.append((time.perf_counter() - before - INTERVAL_S) * 1000)


def _figures(lags: list[float]) -> str:
    ordered = sorted(lags)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"median {statistics.median(ordered):6.2f} ms  p99 {p99:6.2f} ms  max {ordered[-1]:6.2f} ms  "
            f"({len(ordered)} samples)")


async def bench(db: Path, out: Path) -> None:
    idle: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample(idle, stop))
    await asyncio.sleep(IDLE_S)
    stop.set()
    await sampler
    busy: list[float] = []
    stop = asyncio.Event()
    progress_calls = [0]
    sampler = asyncio.create_task(_sample(busy, stop))
    start = time.perf_counter()
    result = await export_csv_async(db, out, progress=lambda done, total: progress_calls.__setitem__(
        0, progress_calls[0] + 1))
    elapsed = time.perf_counter() - start
    stop.set()
    await sampler
    print(f"loop lag idle:          {_figures(idle)}")
    print(f"loop lag during export: {_figures(busy)}")
    print(f"export: {result.rows:,} rows in {elapsed:.2f} s = {result.rows / elapsed:,.0f} rows/s, "
          f"{out.stat().st_size / 1e6:.1f} MB, {progress_calls[0]} progress callbacks on the loop")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.sqlite3"
        start = time.perf_counter()
        build_history(db, rows)
        print(f"built {rows:,} stored liquidations in {time.perf_counter() - start:.1f} s")
        asyncio.run(bench(db, Path(tmp) / "out.csv"))


if __name__ == "__main__":
    main()
