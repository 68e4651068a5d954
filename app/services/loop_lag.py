"""Measures how late the event loop wakes: painting and networking share one thread (qasync), so a
blocked loop delays every feed. The figures go to the log at shutdown and to the benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from collections import deque

PROBE_ENV = "CASCADE_LAG_PROBE"
"""`INTERVAL_MS[:SKIP_S]`: the benchmarks' probe (tests/bench/bench_app.py: 10 ms, skipping the start-up)."""


class LoopLagMonitor:
    DEFAULT_INTERVAL_S = 0.25
    """Four wake-ups a second: enough to log the worst lag of a run, cheap on a quiet day (every wake-up of
    the GUI's loop costs; a 20 ms probe alone was ~1% of a core). The benchmarks probe every 10 ms."""

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S, keep: int = 50_000, skip_s: float = 0.0) -> None:
        self.interval_s = interval_s
        self.skip_s = skip_s  # samples in the first skip_s seconds after start() are not kept
        self.lags_ms: deque[float] = deque(maxlen=keep)
        self.worst_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_env(cls) -> LoopLagMonitor:
        """The default interval; CASCADE_LAG_PROBE=`10:3` probes every 10 ms and skips the first 3 s."""
        spec = os.environ.get(PROBE_ENV, "")
        try:
            interval, _, skip = spec.partition(":")
            return cls(float(interval) / 1000 if interval else cls.DEFAULT_INTERVAL_S,
                       skip_s=float(skip) if skip else 0.0)
        except ValueError:
            return cls()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop lag monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        keep_from = time.perf_counter() + self.skip_s
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval_s)
            lag = (time.perf_counter() - before - self.interval_s) * 1000
            if before >= keep_from:
                self.lags_ms.append(lag)
                self.worst_ms = max(self.worst_ms, lag)

    def summary(self) -> str:
        if not self.lags_ms:
            return "event loop lag: no samples"
        ordered = sorted(self.lags_ms)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (f"event loop lag: median {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, "
                f"max {self.worst_ms:.1f} ms over {len(ordered)} samples")


class LatencyMonitor:
    """Time from a frame's arrival (the feed sink's offer, right after the websocket client parsed it)
    to its liquidations reaching the tape model (the window's tick, after the tape pane took the
    snapshot). The sink keeps (perf_counter, liquidations) per millisecond of arrivals, bounded; each
    tick reports its batch here. O(1) per frame, a few entries per tick: cheap enough to leave on."""

    def __init__(self, keep: int = 50_000) -> None:
        self.samples: deque[tuple[float, int]] = deque(maxlen=keep)  # (latency ms, liquidations)
        self.liquidations = 0
        self.worst_ms = 0.0

    def reached(self, arrivals: list[list[float]], now: float | None = None) -> None:
        """`arrivals`: [perf_counter, count] of the liquidations that just reached the model."""
        now = time.perf_counter() if now is None else now
        append = self.samples.append
        worst = self.worst_ms
        for at, count in arrivals:
            ms = (now - at) * 1000
            append((ms, int(count)))
            self.liquidations += int(count)
            if ms > worst:
                worst = ms
        self.worst_ms = worst

    def percentile(self, q: float) -> float | None:
        """The latency `q` (0-1) of the liquidations kept (weighted by count); None without samples."""
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        target = q * sum(count for _, count in ordered)
        seen = 0
        for ms, count in ordered:
            seen += count
            if seen >= target:
                return ms
        return ordered[-1][0]

    def summary(self) -> str:
        p50, p99 = self.percentile(0.5), self.percentile(0.99)
        if p50 is None or p99 is None:
            return "arrival to model: no samples"
        return (f"arrival to model: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {self.worst_ms:.1f} ms "
                f"over {self.liquidations} liquidations")
