"""Supervisor: owns the long-lived tasks (feeds, pollers, the engine), with strong references.

A task that crashes is logged with its traceback and restarted after a backoff (reset once it has
run for a while); a task that returns normally is finished and not restarted. `stop()` cancels and
awaits everything: the orderly shutdown used by --exit-after.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from app.core.timing import Timing

log = logging.getLogger(__name__)

HEALTHY_AFTER_S = 60.0
"""A task that ran this long before crashing starts its backoff afresh."""


class Supervisor:
    def __init__(self, timing: Timing | None = None, backoff_initial_s: float = 1.0,
                 backoff_max_s: float = 60.0) -> None:
        self.timing = timing or Timing()
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.crashes: dict[str, int] = {}
        self.last_error: dict[str, str] = {}
        self._stopping = False

    def start(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        """Run `factory()` as task `name`, restarting it whenever it raises."""
        if self._stopping:
            raise RuntimeError("supervisor is stopping")
        if name in self._tasks and not self._tasks[name].done():
            raise ValueError(f"task {name!r} is already running")
        self._tasks[name] = asyncio.create_task(self._keep(name, factory), name=name)

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def cancel(self, name: str) -> bool:
        """Stop task `name` (if running) and wait until it has ended; True when there was one."""
        task = self._tasks.pop(name, None)
        if task is None:
            return False
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return True

    def running(self) -> list[str]:
        return [name for name, task in self._tasks.items() if not task.done()]

    async def _keep(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        delays = self.timing.backoff(self.backoff_initial_s, self.backoff_max_s)
        while True:
            started = self.timing.monotonic()
            try:
                await factory()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.crashes[name] = self.crashes.get(name, 0) + 1
                self.last_error[name] = f"{type(exc).__name__}: {exc}"
                log.exception("task %s crashed; restarting", name)
            else:
                log.info("task %s finished", name)
                return
            if self.timing.monotonic() - started > HEALTHY_AFTER_S:
                delays = self.timing.backoff(self.backoff_initial_s, self.backoff_max_s)
            await self.timing.sleep(next(delays))

    async def stop(self) -> None:
        """Cancel every task and wait until all have ended."""
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for name, result in zip(self._tasks, results, strict=True):
            if isinstance(result, Exception):
                log.error("task %s failed while stopping: %r", name, result)
        self._tasks.clear()
