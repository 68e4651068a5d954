"""The GUI's asyncio loop: qasync's, with `call_soon` batched.

qasync turns every `call_soon` into a Qt timer of its own (an `iscoroutinefunction` check, `startTimer(0)`,
a timer event, `killTimer`). A websocket frame costs several of them (the socket notifier's callback, the
future that wakes the receive task, the task's step), so on a quiet day most of the app's CPU went to
that machinery rather than to the frames (issue 14: py-spy --native over `bench_app.py quiet`). Here
ready callbacks wait in one FIFO and one zero timer runs them in a batch, as asyncio's own loop does in
`_run_once`: the callbacks that were ready when the batch started run, the ones they schedule run in the
next batch, so sockets and painting still get their turn in between. Delayed callbacks keep qasync's
timers.

Socket reads can be paced (`read_pacing_s`, the app sets READ_PACING_S): after a read, every socket's
notifier stays off until the pacing interval has passed, then all that have data are read in one wake-up.
On a quiet day frames come one per wake-up, and on these (virtual) machines a wake-up costs ~80 µs of CPU
before any work, more than the frame (`tests/bench/bench_app.py quiet`: 11% → 7% of a core at 40-50 ms).
The loop works on the raw sockets, so TLS and proxied connections are paced alike. A socket that still
has data after its read is never held (pacing caps no rate: under load reads go on as before). Bytes that waited
behind the closed gate are dated from its closing (`read_floor`, FeedSink.arrival_clock), so the
arrival-to-model figure includes the wait.

The window can drive the gate instead (`pump_reads`, called by its repaint timer): then the gate opens only
when the window is about to take a snapshot, every socket with data is read and its frames handled right
there, and the tick that follows shows them. A quiet day's reads then share the repaint's wake-up instead of
a timer of their own, and a frame waits at most one repaint interval before the window shows it. If the
pumps stop (the window closed, a hang), the gate falls back to its own timer after PUMP_STALE_S.
"""

from __future__ import annotations

import asyncio
import select
import time
from collections import deque
from collections.abc import Callable
from contextvars import Context
from typing import Any

import PySide6.QtCore  # before qasync, so qasync binds to PySide6
import qasync

BATCH_BUDGET_S = 0.008
"""A batch stops after this long and goes on after Qt has had its turn (a burst of frames at 30k/s held the
loop for tens of milliseconds in one batch)."""

_READY = select.POLLIN | select.POLLHUP | select.POLLERR  # something for the reader: data, EOF or an error

READ_PACING_S = 0.04
"""The app's read pacing: frames wait at most this long in the kernel, well inside the 250 ms
arrival-to-model budget (the 10 Hz repaint adds up to 100 ms)."""

PUMP_BUDGET_S = 0.005
"""A pump reads and handles inline for this long at most: on a quiet day that is everything; under load the
rest goes on in the loop's batches, with the window's turns between them (as without the pump)."""

LOADED_HOLD_S = 1.0
"""After a pump found more work than its budget, the gate keeps its own timer this long before pumps drive it
again."""

PUMP_STALE_S = 0.5
"""With the window pumping the reads: no pump for this long and the gate opens on its own timer again."""


class BatchedQEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    read_pacing_s = 0.0
    """Read pacing (0 = off; the app sets READ_PACING_S): after a socket is read, every socket waits until
    this long has passed, then all that have data are read in one wake-up."""
    _gate_open = True  # class attribute: asyncio's self-pipe reader is added inside super().__init__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._readers: dict[Any, tuple[Any, Callable[..., object], tuple[Any, ...]]] = {}  # fd → its reader
        super().__init__(*args, **kwargs)  # (adds asyncio's self-pipe reader)
        self._soon: deque[asyncio.Handle] = deque()
        self._soon_due = False
        self._gate_closed_at = 0.0
        self._waited: dict[int, float] = {}  # fd → since when its data waited behind the closed gate
        self._busy: set[Any] = set()  # sockets that had more waiting after their last read
        self._pumped_at: float | None = None  # the window's last pump_reads (None: the gate's own timer)
        self._loaded_until = 0.0  # pumps leave the gate to its timer until then (under load)
        self._watchdog_due = False
        self.read_floor = time.perf_counter()
        """The earliest moment the bytes of the latest read can have arrived (perf_counter): the gate's
        closing when they waited behind it, else the read itself (arrival-to-model latency counts the wait)."""

    # --- read pacing: qasync's reader notifiers, gated -------------------------------------------------

    def _gated(self, fd: Any) -> bool:
        ssock = getattr(self, "_ssock", None)  # asyncio's self-pipe (signals) is never held back
        return ssock is None or qasync._fileno(fd) != ssock.fileno()

    def _add_reader(self, fd: Any, callback: Callable[..., object], *args: Any) -> None:
        self._check_closed()
        existing = self._read_notifiers.get(fd)
        if existing is not None:
            existing.setEnabled(False)
            existing.activated["int"].disconnect()
        notifier = PySide6.QtCore.QSocketNotifier(qasync._fileno(fd), PySide6.QtCore.QSocketNotifier.Type.Read)
        notifier.activated["int"].connect(lambda *_: self._reader_ready(notifier, fd, callback, args))
        self._read_notifiers[fd] = notifier
        self._readers[fd] = (notifier, callback, args)
        notifier.setEnabled(self._gate_open or not self._gated(fd) or fd in self._busy)

    def _reader_ready(self, notifier: Any, fd: Any, callback: Callable[..., object], args: tuple[Any, ...]) -> None:
        notifier.setEnabled(False)  # as qasync: off until its callback has run
        if self._read_notifiers.get(fd) is notifier:
            self.call_soon(self._run_reader, notifier, fd, callback, args)

    def _run_reader(self, notifier: Any, fd: Any, callback: Callable[..., object], args: tuple[Any, ...]) -> None:
        if self._read_notifiers.get(fd) is not notifier:
            return
        self.read_floor = self._waited.pop(qasync._fileno(fd), None) or time.perf_counter()
        try:
            callback(*args)
        finally:
            if self._read_notifiers.get(fd) is notifier:
                if self.read_pacing_s <= 0 or not self._gated(fd):
                    notifier.setEnabled(True)
                elif self._readable(fd):
                    self._busy.add(fd)  # more is waiting already: never held back (pacing caps no rate)
                    notifier.setEnabled(True)
                else:
                    self._busy.discard(fd)
                    if self._gate_open:
                        self._close_gate()

    def close(self) -> None:
        super().close()
        # Nothing here runs again: drop it now, on this thread. Left in place, a pending callback (a task
        # cancelled but never awaited) keeps the loop in a reference cycle, and the garbage collector may
        # then free its Qt timer from another thread (a crash).
        self._readers.clear()
        self._soon.clear()
        timer = self._timer  # qasync only flags its timers stopped: their callbacks (bound to this loop)
        pending = getattr(timer, "_SimpleTimer__callbacks", None)  # would wait for them to fire
        for timer_id in list(pending or ()):
            timer.killTimer(timer_id)
        if pending:
            pending.clear()

    def _remove_reader(self, fd: Any) -> bool:
        self._busy.discard(fd)
        self._readers.pop(fd, None)
        return bool(super()._remove_reader(fd))

    @staticmethod
    def _waiting(fds: list[int]) -> list[int]:
        """Which of `fds` have bytes to read now (poll: no FD_SETSIZE limit as with select)."""
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        try:
            return [fd for fd, events in poller.poll(0) if events & _READY and not events & select.POLLNVAL]
        except OSError:
            return []

    def _readable(self, fd: Any) -> bool:
        return bool(self._waiting([qasync._fileno(fd)]))

    def _close_gate(self) -> None:
        self._gate_open = False
        self._gate_closed_at = time.perf_counter()
        for fd, notifier in self._read_notifiers.items():
            if self._gated(fd) and fd not in self._busy:
                notifier.setEnabled(False)
        if self._pumped_at is None:
            self.call_later(self.read_pacing_s, self._open_gate)
        elif not self._watchdog_due:  # the window opens it; this only notices when it stops doing so
            self._watchdog_due = True
            self.call_later(PUMP_STALE_S, self._pump_watchdog)

    def _pump_watchdog(self) -> None:
        self._watchdog_due = False
        if self.is_closed() or self._gate_open:
            return
        pumped_at = self._pumped_at
        if pumped_at is None or time.perf_counter() - pumped_at >= PUMP_STALE_S:
            self._pumped_at = None  # back to the gate's own timer until the window pumps again
            self._open_gate()
        else:
            self._watchdog_due = True
            self.call_later(pumped_at + PUMP_STALE_S - time.perf_counter(), self._pump_watchdog)

    def pump_reads(self) -> None:
        """The window is about to take a snapshot: read every paced socket that has data now and run what the
        reads woke (the receive tasks: frames parsed into the sink), then close the gate until the next pump.
        Under load (more than PUMP_BUDGET_S of work waiting) the gate goes back to its own timer for
        LOADED_HOLD_S: pumps at the repaint's pace would let the sockets' buffers fill between them."""
        if self.is_closed() or self.read_pacing_s <= 0:
            return
        now = time.perf_counter()
        if now < self._loaded_until:
            return
        self._pumped_at = now
        gated = [fd for fd in self._read_notifiers if self._gated(fd)]
        waiting = set(self._waiting([qasync._fileno(fd) for fd in gated]))
        closed_at = self._gate_closed_at if not self._gate_open else now  # what waited, since when
        self._gate_open = True
        deadline = now + PUMP_BUDGET_S
        loaded = False
        was_due, self._soon_due = self._soon_due, True  # what the reads wake runs below: no zero timer for it
        for fd in gated:
            reader = self._readers.get(fd)
            if reader is None or qasync._fileno(fd) not in waiting:
                continue
            if fd in self._busy:
                loaded = True  # its notifier is on: its read is on its way, more than the pump's share
                continue
            notifier, callback, args = reader
            self._waited[qasync._fileno(fd)] = closed_at
            if time.perf_counter() > deadline:  # the rest are read as they would be unpumped, each in a
                loaded = True  # batch of its own, with Qt's turns between them
                self._busy.add(fd)
                notifier.setEnabled(True)
                continue
            notifier.setEnabled(False)
            self._run_reader(notifier, fd, callback, args)
        if asyncio.current_task(self) is None:  # (never inside a task's step: a nested event loop)
            while self._soon and time.perf_counter() < deadline:
                self._soon_due = True
                self._run_soon()  # the frames those reads completed (and a receive loop's yields), into the sink
        self._soon_due = was_due
        if self._soon and not self._soon_due:  # what is left (under load, or inside a task): the next batch
            self._soon_due = True
            self._timer.add_callback(asyncio.Handle(self._run_soon, (), self), 0)
        loaded = loaded or bool(self._busy) or (bool(self._soon) and time.perf_counter() >= deadline)
        if loaded:
            self._loaded_until = time.perf_counter() + LOADED_HOLD_S
            self._pumped_at = None  # the gate's own timer until the load has passed
            if self._gate_open:
                self._close_gate()
            else:
                self.call_later(self.read_pacing_s, self._open_gate)
        elif self._gate_open:
            self._close_gate()

    def stop_pumping(self) -> None:
        """The window stops pumping (closing): the gate goes back to its own timer, opened now."""
        self._pumped_at = None
        if not self.is_closed() and not self._gate_open:
            self._open_gate()

    def _open_gate(self) -> None:
        if self.is_closed():
            return
        self._gate_open = True
        self._waited = dict.fromkeys(self._waiting([qasync._fileno(fd) for fd in self._read_notifiers]),
                                     self._gate_closed_at)
        for notifier in self._read_notifiers.values():
            notifier.setEnabled(True)

    def arrival_clock(self) -> float:
        """For FeedSink.arrival_clock: the read's floor, never later than now."""
        return min(self.read_floor, time.perf_counter())

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
