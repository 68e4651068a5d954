"""Per-connection feed status, updated O(1) by the receive loop; the services merge it per venue.

Gaps are in MARKET time (the injected `clock`, epoch ms): what a venue sent while we were not
listening is lost, and coverage must say so. Coverage starts at the first live connection; a stream
that cannot connect from the start (no network, refused) has a gap from when it was created, so the
history says the time was missed rather than quiet.
Rates use the transport monotonic clock.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import deque
from collections.abc import Callable
from typing import Literal

State = Literal["connecting", "live", "stalled", "offline", "refused"]
# Worst first: a venue shows its worst connection.
SEVERITY: dict[str, int] = {"refused": 4, "offline": 3, "stalled": 2, "connecting": 1, "live": 0}
_RATE_WINDOW_S = 5.0
_LAG_SAMPLES = 101
OVERFLOW_MERGE_MS = 1_000
"""Overflows this close together extend one gap; readers of closed gaps wait this long before taking one."""


class ConnectionStatus:
    def __init__(
        self,
        stream: str,
        venue: str,
        completeness: str,
        clock: Callable[[], int],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.venue = venue
        self.completeness = completeness
        self.clock = clock
        self._monotonic = monotonic
        self.state: State = "connecting"
        self.frames = 0
        self.bad_frames = 0
        self.last_bad_reason: str | None = None
        self.connects = 0
        self.connect_failures = 0
        self.gaps: list[tuple[int, int | None]] = []
        self.overflow = 0
        self.last_frame_ms: int | None = None
        self.last_error: str | None = None
        self.last_loss: str | None = None
        self.refused_subscription: str | None = None
        """Why the connection was last lost (kept after the reconnect, for the venue's detail)."""
        self.stalls = 0
        self._created_ms = clock()
        self._live_since_ms = 0
        self.first_live_ms: int | None = None  # coverage starts here
        self.last_stall: str | None = None
        self.rotations = 0
        self.rotation_failures = 0
        self.last_rotation_failure: str | None = None
        self._lags: deque[int] = deque(maxlen=_LAG_SAMPLES)
        self._rate_samples: deque[tuple[float, int]] = deque()
        self.wake = asyncio.Event()  # set by retry_now(): the client's wait after a refusal ends at once
        self.loop: asyncio.AbstractEventLoop | None = None
        """The loop the connection runs on (the network thread's, or the caller's): `wake` is set there."""

    # --- called by the client -------------------------------------------------------------

    def frame(self, received_ms: int) -> None:
        self.frames += 1
        self.last_frame_ms = received_ms

    def bad_frame(self, reason: str) -> None:
        self.bad_frames += 1
        self.last_bad_reason = reason

    def lag(self, received_ms: int, ts_ms: int) -> None:
        self._lags.append(received_ms - ts_ms)

    def live(self) -> None:
        """Handshake done and subscriptions sent: closes the open gap, if any."""
        self.connects += 1
        self.state = "live"
        self.last_error = None
        self.refused_subscription = None
        now = self.clock()
        self._live_since_ms = now
        if self.first_live_ms is None:
            self.first_live_ms = now
        if self.gaps and self.gaps[-1][1] is None:
            self.gaps[-1] = (self.gaps[-1][0], now)

    def lost(self, state: State, error: str | None = None) -> None:
        """Disconnected, stalled or failed to connect: opens a gap unless one is open already."""
        if error is not None:
            self.last_error = error
            if self.state == "live":  # a live connection lost, not a failed retry
                self.last_loss = error
        self.state = state
        if state == "stalled":  # counted: the state itself lasts only until the reconnect
            self.stalls += 1
            self.last_stall = error
        if not self.connects and not self.gaps:
            self.gaps.append((self._created_ms, None))  # never connected: missed since we started
        elif self.connects and not (self.gaps and self.gaps[-1][1] is None):
            # The gap starts when data last arrived, not when the loss was noticed: a stall is
            # detected 30 s late and a laptop's sleep only when it wakes.
            start = self.clock()
            if self.last_frame_ms is not None:
                start = min(start, max(self.last_frame_ms, self._live_since_ms))
            self.gaps.append((start, None))

    def rotated(self) -> None:
        """A new connection took over from an old one without a break: no gap, no reconnect."""
        self.rotations += 1

    def subscription_refused(self, error: str) -> None:
        """The venue refused part of our subscription again after a reconnect: it does not serve it.
        The connection is kept for the rest; the refusal stays shown until the next connection."""
        self.refused_subscription = error

    def rotation_failed(self, error: str) -> None:
        """A replacement connection could not be opened; the old one is still live (no gap)."""
        self.rotation_failures += 1
        self.last_rotation_failure = error

    def connect_failed(self, state: State, error: str) -> None:
        """A connection attempt failed (offline, or refused by the venue)."""
        self.connect_failures += 1
        self.lost(state, error)

    def record_overflow(self, dropped: int, at_ms: int) -> None:
        """Liquidations the sink could not hold: counted, and a (zero-length) gap at that time."""
        self.overflow += dropped
        if self.gaps and self.gaps[-1][1] is None:
            return  # a gap is open (the connection was lost): it already covers this moment
        if self.gaps and self.gaps[-1][1] >= at_ms - OVERFLOW_MERGE_MS:
            self.gaps[-1] = (self.gaps[-1][0], max(at_ms, self.gaps[-1][1]))  # merge a burst
        else:
            self.gaps.append((at_ms, at_ms))

    # --- the user's side -----------------------------------------------------------------

    def retry_now(self) -> bool:
        """Ask the connection to retry at once instead of waiting out its slow retry after a refusal
        (15 min). Returns whether it was refused, i.e. waiting; otherwise nothing changes."""
        if self.state != "refused":
            return False
        loop = self.loop
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if loop is not None and loop is not here and not loop.is_closed():
            loop.call_soon_threadsafe(self.wake.set)  # asyncio.Event is not thread-safe
        else:
            self.wake.set()
        return True

    # --- read by the UI -------------------------------------------------------------------

    @property
    def reconnects(self) -> int:
        return max(0, self.connects - 1)

    def msgs_per_s(self) -> float:
        """Rolling rate over ~5 s, sampled at read time (no per-frame cost)."""
        now = self._monotonic()
        samples = self._rate_samples
        samples.append((now, self.frames))
        while len(samples) > 2 and now - samples[1][0] >= _RATE_WINDOW_S:
            samples.popleft()
        first_t, first_n = samples[0]
        return (self.frames - first_n) / (now - first_t) if now > first_t else 0.0

    def median_lag_ms(self) -> float | None:
        lags = list(self._lags)  # one copy: the network thread may append meanwhile
        return statistics.median(lags) if lags else None
