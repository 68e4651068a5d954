"""Store figures (printed, never asserted): enqueue cost on the caller's thread, committed rows/s,
and log redaction cost. Run: .venv/bin/python tests/bench/bench_store.py"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.core.events import Liquidation
from app.store.db import HistoryDb
from app.store.logs import redact

RUNS = 5
ROWS = 100_000


def _events(n: int, offset: int) -> list[Liquidation]:
    return [Liquidation("bybit", "BTCUSDT", "BTC", "linear_perp", "long", 90_000.5, 0.25, 22_500.125,
                        1_768_900_000_000 + i, "all", str(offset + i)) for i in range(n)]


def bench_db(directory: Path, chunk: int) -> tuple[float, float]:
    """(µs per event spent in write_liquidations, committed rows/s including the final flush)."""
    events = _events(ROWS, 0)
    with HistoryDb.open(directory / f"h-{chunk}-{time.monotonic_ns()}.sqlite3") as db:
        start = time.perf_counter()
        for i in range(0, ROWS, chunk):
            db.write_liquidations(events[i:i + chunk])
        enqueued = time.perf_counter()
        db.flush()
        done = time.perf_counter()
        assert db.count() == ROWS
    return (enqueued - start) / ROWS * 1e6, ROWS / (done - start)


def bench_redact() -> float:
    lines = ["2026-01-20 15:49:35,123 INFO feed-bybit app.feeds.client: bybit/linear live, 12 msgs/s",
             'login {"apiKey":"abc","passphrase":"x","sign":"y"} from 203.0.113.9 user 0x' + "ab" * 20]
    n = 20_000
    start = time.perf_counter()
    for i in range(n):
        redact(lines[i & 1])
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for chunk in (1, 100):
            figures = [bench_db(Path(tmp), chunk) for _ in range(RUNS)]
            enqueue = statistics.median(f[0] for f in figures)
            rate = statistics.median(f[1] for f in figures)
            print(f"history db, {ROWS} rows in chunks of {chunk}: enqueue {enqueue:.2f} µs/event, "
                  f"committed {rate:,.0f} rows/s (median of {RUNS})")
    print(f"redact(): {statistics.median(bench_redact() for _ in range(RUNS)):.1f} µs/line (median of {RUNS})")


if __name__ == "__main__":
    main()
