"""One record per venue, merged straight from its connections' live counters once per tick."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import msgspec

from app.core import coverage
from app.core.venues import registry
from app.feeds.status import SEVERITY, ConnectionStatus


class VenueRecord(msgspec.Struct, frozen=True):
    venue: str
    state: str  # connecting | live | stalled | offline | refused: the worst of its connections
    msgs_per_s: float
    completeness: str  # all | sampled | aggregated | partial
    bad_frames: int = 0
    reconnects: int = 0
    gaps: int = 0
    overflow: int = 0
    lag_ms: float | None = None  # the worst connection's median feed lag
    detail: str = ""  # each stream's state, the last error or bad frame: for the tooltip
    possibly_silent: bool = False  # live, yet no liquidation for an hour while peers report many
    observed_ms: int = 0  # listened to since the first connect, gaps excluded
    rotations: int = 0  # planned make-before-break replacements (not reconnects, not gaps)
    frames: int = 0
    connected: bool = False  # some connection of the venue has been live at least once
    liquidation_note: str = ""  # what the venue's liquidation coverage is when it has no public feed


def never_connected(venues: Sequence[str], records: Sequence[VenueRecord]) -> list[str]:
    """The venues none of whose connections ever went live (no record at all: the feeds never started)."""
    connected = {record.venue for record in records if record.connected}
    return [venue for venue in venues if venue not in connected]


def summary_suffix(venues: Sequence[str], records: Sequence[VenueRecord]) -> str:
    """What the closing line appends after the counts: `` (unreachable: a, b)`` when a venue never
    connected (its 0 is not a quiet market), else nothing, so scripts reading the counts still match."""
    unreachable = never_connected(venues, records)
    return f" (unreachable: {', '.join(unreachable)})" if unreachable else ""


def venue_record(venue: str, connections: Sequence[ConnectionStatus], now_ms: int,
                 unconvertible: int = 0) -> VenueRecord:
    parts = [status for status in connections if status.venue == venue]
    if not parts:
        raise ValueError(f"no connection status for {venue}")
    lags = [lag for status in parts if (lag := status.median_lag_ms()) is not None]
    first_live = [status.first_live_ms for status in parts if status.first_live_ms is not None]
    gaps = sorted((gap for status in parts for gap in status.gaps), key=lambda gap: gap[0])
    errors = [status.last_error for status in parts if status.last_error]
    reasons = [status.last_bad_reason for status in parts if status.last_bad_reason]
    losses = [f"{status.stream} {status.last_loss}" for status in parts
              if status.last_loss and status.last_loss != status.last_error]
    descriptor = registry.find(venue)
    note = (descriptor.liquidation_note or "") if descriptor is not None else ""
    optional = descriptor.optional_liquidations if descriptor is not None else None
    if optional is not None and any(status.stream == optional.stream for status in parts):
        note = ""  # the user's liquidation source is connected: the venue has a feed after all
    detail = "; ".join([note] * bool(note) + [f"{status.stream}: {status.state}" for status in parts]
                       + [f"last error: {error}" for error in errors[:1]]
                       + [f"last disconnect: {loss}" for loss in losses[:1]]
                       + [f"{status.stream} subscription refused, not received: {status.refused_subscription}"
                          for status in parts if status.refused_subscription][:1]
                       + [f"last bad frame: {reason}" for reason in reasons[:1]]
                       + [f"{unconvertible:,} events not converted (instrument unknown to every source)"]
                       * bool(unconvertible)
                       + [f"{status.stream} rotation failed {status.rotation_failures}×, the current connection "
                          f"kept (last: {status.last_rotation_failure})"
                          for status in parts if status.rotation_failures][:1])
    return VenueRecord(
        venue=venue,
        state=max((status.state for status in parts), key=SEVERITY.__getitem__),
        msgs_per_s=sum(status.msgs_per_s() for status in parts),
        completeness=parts[0].completeness,
        bad_frames=sum(status.bad_frames for status in parts),
        reconnects=sum(status.reconnects for status in parts),
        gaps=len(gaps),
        overflow=sum(status.overflow for status in parts),
        lag_ms=max(lags) if lags else None,
        detail=detail,
        observed_ms=coverage.observed_ms(min(first_live) if first_live else None, now_ms, tuple(gaps)),
        rotations=sum(status.rotations for status in parts),
        frames=sum(status.frames for status in parts),
        connected=bool(first_live),
        liquidation_note=note,
    )


class SteadyRecords:
    """The venue records for a paced window: rebuilt when a connection's state, error or counts of trouble
    change, else at most every `every_s` (their rates and observed times move every tick, and the status
    bar shows them once a second). Building them took ~0.3 ms a snapshot, a tenth of a quiet day's tick."""

    def __init__(self, build: Callable[[], list[VenueRecord]], statuses: Callable[[], Sequence[ConnectionStatus]],
                 every_s: float = 1.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._build = build
        self._statuses = statuses
        self.every_s = every_s
        self._monotonic = monotonic
        self._key: tuple[object, ...] | None = None
        self._at = float("-inf")
        self._records: list[VenueRecord] = []

    def __call__(self) -> list[VenueRecord]:
        key = tuple((s.state, s.last_error, s.last_loss, s.last_bad_reason, s.bad_frames, s.connects,
                     len(s.gaps), s.overflow, s.refused_subscription, s.rotations, s.rotation_failures)
                    for s in self._statuses())
        now = self._monotonic()
        if key != self._key or now - self._at >= self.every_s:
            self._key, self._at, self._records = key, now, self._build()
        return self._records
