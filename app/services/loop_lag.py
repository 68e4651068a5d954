"""Measures how late the event loop wakes: painting and networking share one thread (qasync), so a
blocked loop delays every feed. The figures go to the log at shutdown and to the benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections import deque


class LoopLagMonitor:
    def __init__(self, interval_s: float = 0.02, keep: int = 50_000) -> None:
        self.interval_s = interval_s
        self.lags_ms: deque[float] = deque(maxlen=keep)
        self.worst_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop lag monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval_s)
            lag = (time.perf_counter() - before - self.interval_s) * 1000
            self.lags_ms.append(lag)
            self.worst_ms = max(self.worst_ms, lag)

    def summary(self) -> str:
        if not self.lags_ms:
            return "event loop lag: no samples"
        ordered = sorted(self.lags_ms)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (f"event loop lag: median {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, "
                f"max {self.worst_ms:.1f} ms over {len(ordered)} samples")
