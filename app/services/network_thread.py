"""The websocket connections' own thread: a plain asyncio loop beside the GUI's. Opt-in
(`CASCADE_NETWORK_THREAD=1`, `Session.network_thread`), off by default: measured (issue 14,
`tests/bench/bench_app.py rates 30000 [--network-thread]`), it lowers a quiet day's CPU a little but
doubles the GUI loop's lag under load, because the GIL is shared and the GUI's Python work (painting the
tape, the engine's tick) waits for it while the connections are busy (`tests/bench/bench_convoy.py`).
It stays as the A/B and as the seam a network process would use.

The connections touch nothing but the FeedSink (locked) and their ConnectionStatus (counters the GUI only
reads; `retry_now` wakes the connection's own loop). Called from the GUI's loop; whatever must run on the
network loop is sent there thread-safely.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Awaitable, Callable

from app.core.timing import Timing
from app.services.supervisor import Supervisor

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.001
"""How long a thread holding the GIL keeps it while another waits (Python's default is 5 ms): the GUI
thread's worst wait behind a burst on the network thread. tests/bench/bench_convoy.py: a tape repaint of
3.3 ms alone took 16.5 ms beside a busy thread at 5 ms, 9.7 ms at 2 ms, 8.1 ms at 0.5 ms."""


class NetworkThread:
    def __init__(self, timing: Timing | None = None, name: str = "cascade network") -> None:
        self.loop = asyncio.new_event_loop()
        self.supervisor = Supervisor(timing)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._stopped = False

    def start(self) -> None:
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            try:
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            finally:
                self.loop.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stopped

    def call(self, callback: Callable[..., object], *args: object) -> None:
        """Run `callback(*args)` on the network loop (fire and forget)."""
        if not self._stopped:
            self.loop.call_soon_threadsafe(callback, *args)

    def start_task(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        """Supervise `factory()` on the network loop (restarted when it raises), as Supervisor.start."""
        self.call(self._start_task, name, factory)

    def _start_task(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        if not self.supervisor.stopping:
            self.supervisor.start(name, factory)

    async def run(self, coroutine: Awaitable[object]) -> object:
        """Await `coroutine` on the network loop from the caller's loop."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)  # type: ignore[arg-type]
        return await asyncio.wrap_future(future)

    async def cancel(self, name: str) -> bool:
        if self._stopped:
            return False
        return bool(await self.run(self.supervisor.cancel(name)))

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Cancel every connection, wait for them to end, then end the thread."""
        if self._stopped or not self._thread.is_alive():
            self._stopped = True
            return
        try:
            await asyncio.wait_for(self.run(self.supervisor.stop()), timeout_s)
        except TimeoutError:
            log.error("network thread: connections did not stop within %.0f s", timeout_s)
        finally:
            self._stopped = True
            self.loop.call_soon_threadsafe(self.loop.stop)
        await asyncio.to_thread(self._thread.join, timeout_s)  # ends as soon as the loop stops
