"""Per-connection feed status, updated O(1) by the receive loop and read by the UI as snapshots.

Gaps are in MARKET time (the injected `clock`, epoch ms): what a venue sent while we were not
listening is lost, and coverage must say so. Coverage starts at the first live connection.
Rates use the transport monotonic clock.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Literal

import msgspec

State = Literal["connecting", "live", "stalled", "offline", "refused"]
# Worst first, for the per-venue roll-up.
_SEVERITY: dict[str, int] = {"refused": 4, "offline": 3, "stalled": 2, "connecting": 1, "live": 0}
_RATE_WINDOW_S = 5.0
_LAG_SAMPLES = 101
OVERFLOW_MERGE_MS = 1_000
"""Overflows this close together extend one gap; readers of closed gaps wait this long before taking one."""


class StatusSnapshot(msgspec.Struct, frozen=True):
    stream: str
    venue: str
    state: State
    msgs_per_s: float
    frames: int
    bad_frames: int
    last_bad_reason: str | None
    reconnects: int
    connect_failures: int
    gaps: tuple[tuple[int, int | None], ...]
    overflow: int
    last_frame_ms: int | None
    median_lag_ms: float | None
    completeness: str
    last_error: str | None
    rotations: int = 0
    """Planned make-before-break replacements (before a venue's hard limit): neither a reconnect nor
    a gap."""
    first_live_ms: int | None = None


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
        self.stalls = 0
        self._live_since_ms = 0
        self.first_live_ms: int | None = None  # coverage starts here
        self.last_stall: str | None = None
        self.rotations = 0
        self.rotation_failures = 0
        self.last_rotation_failure: str | None = None
        self._lags: deque[int] = deque(maxlen=_LAG_SAMPLES)
        self._rate_samples: deque[tuple[float, int]] = deque()

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
        now = self.clock()
        self._live_since_ms = now
        if self.first_live_ms is None:
            self.first_live_ms = now
        if self.gaps and self.gaps[-1][1] is None:
            self.gaps[-1] = (self.gaps[-1][0], now)

    def lost(self, state: State, error: str | None = None) -> None:
        """Disconnected, stalled or failed to connect: opens a gap unless one is open already."""
        self.state = state
        if error is not None:
            self.last_error = error
        if state == "stalled":  # counted: the state itself lasts only until the reconnect
            self.stalls += 1
            self.last_stall = error
        if self.connects and not (self.gaps and self.gaps[-1][1] is None):
            # The gap starts when data last arrived, not when the loss was noticed: a stall is
            # detected 30 s late and a laptop's sleep only when it wakes.
            start = self.clock()
            if self.last_frame_ms is not None:
                start = min(start, max(self.last_frame_ms, self._live_since_ms))
            self.gaps.append((start, None))

    def rotated(self) -> None:
        """A new connection took over from an old one without a break: no gap, no reconnect."""
        self.rotations += 1

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

    def snapshot(self) -> StatusSnapshot:
        return StatusSnapshot(
            stream=self.stream,
            venue=self.venue,
            state=self.state,
            msgs_per_s=self.msgs_per_s(),
            frames=self.frames,
            bad_frames=self.bad_frames,
            last_bad_reason=self.last_bad_reason,
            reconnects=self.reconnects,
            connect_failures=self.connect_failures,
            gaps=tuple(self.gaps),
            overflow=self.overflow,
            last_frame_ms=self.last_frame_ms,
            median_lag_ms=statistics.median(self._lags) if self._lags else None,
            completeness=self.completeness,
            last_error=self.last_error,
            rotations=self.rotations,
            first_live_ms=self.first_live_ms,
        )


class VenueStatus(msgspec.Struct, frozen=True):
    venue: str
    state: State
    msgs_per_s: float
    frames: int
    bad_frames: int
    reconnects: int
    overflow: int
    gaps: tuple[tuple[int, int | None], ...]
    last_frame_ms: int | None
    median_lag_ms: float | None
    completeness: str
    streams: tuple[StatusSnapshot, ...]
    rotations: int = 0
    first_live_ms: int | None = None


def venue_rollup(venue: str, snapshots: Iterable[StatusSnapshot]) -> VenueStatus:
    """One line per venue: the worst connection state, summed counters, every gap."""
    parts = tuple(s for s in snapshots if s.venue == venue)
    if not parts:
        raise ValueError(f"no connection status for {venue}")
    lags = [s.median_lag_ms for s in parts if s.median_lag_ms is not None]
    last = [s.last_frame_ms for s in parts if s.last_frame_ms is not None]
    first_live = [s.first_live_ms for s in parts if s.first_live_ms is not None]
    return VenueStatus(
        venue=venue,
        state=max((s.state for s in parts), key=_SEVERITY.__getitem__),
        msgs_per_s=sum(s.msgs_per_s for s in parts),
        frames=sum(s.frames for s in parts),
        bad_frames=sum(s.bad_frames for s in parts),
        reconnects=sum(s.reconnects for s in parts),
        overflow=sum(s.overflow for s in parts),
        gaps=tuple(sorted((g for s in parts for g in s.gaps), key=lambda gap: gap[0])),
        last_frame_ms=max(last) if last else None,
        median_lag_ms=max(lags) if lags else None,
        completeness=parts[0].completeness,
        streams=parts,
        rotations=sum(s.rotations for s in parts),
        first_live_ms=min(first_live) if first_live else None,
    )
