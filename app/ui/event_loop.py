"""The GUI's asyncio loop: qasync's, with `call_soon` batched.

qasync turns every `call_soon` into a Qt timer of its own (an `iscoroutinefunction` check, `startTimer(0)`,
a timer event, `killTimer`). A websocket frame costs several of them (the socket notifier's callback, the
future that wakes the receive task, the task's step), so on a quiet day most of the app's CPU went to
that machinery rather than to the frames (issue 14: py-spy --native over `bench_app.py quiet`). Here
ready callbacks wait in one FIFO and one zero timer runs them in a batch, as asyncio's own loop does in
`_run_once`: the callbacks that were ready when the batch started run, the ones they schedule run in the
next batch, so sockets and painting still get their turn in between. Delayed callbacks keep qasync's
timers.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from contextvars import Context
from typing import Any

import PySide6.QtCore  # noqa: F401 - before qasync, so qasync binds to PySide6
import qasync

BATCH_BUDGET_S = 0.008
"""A batch stops after this long and goes on after Qt has had its turn (a burst of frames at 30k/s held the
loop for tens of milliseconds in one batch)."""


class BatchedQEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._soon: deque[asyncio.Handle] = deque()
        self._soon_due = False

    def call_soon(self, callback: Callable[..., object], *args: Any,
                  context: Context | None = None) -> asyncio.Handle:
        """FIFO like asyncio's; one qasync timer per batch instead of one per callback."""
        handle = asyncio.Handle(callback, args, self, context=context)
        self._soon.append(handle)
        if not self._soon_due:
            self._soon_due = True
            self._timer.add_callback(asyncio.Handle(self._run_soon, (), self), 0)
        return handle

    def _run_soon(self) -> None:
        self._soon_due = False
        ready = self._soon
        deadline = time.perf_counter() + BATCH_BUDGET_S
        for _ in range(len(ready)):  # only what was ready when the batch began
            handle = ready.popleft()
            if not handle._cancelled:
                handle._run()  # asyncio.Handle reports a callback's exception to the loop's handler
            if time.perf_counter() > deadline:
                break  # the rest after Qt's turn: painting and timers are not held up behind a burst
        if ready and not self._soon_due:
            self._soon_due = True
            self._timer.add_callback(asyncio.Handle(self._run_soon, (), self), 0)
