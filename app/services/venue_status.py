"""What the status bar shows per venue: a plain record rolled up from the feed connections."""

from __future__ import annotations

from typing import Any

import msgspec

from app.core import coverage


class VenueStatusView(msgspec.Struct, frozen=True):
    venue: str
    state: str  # connecting | live | stalled | offline | refused
    msgs_per_s: float
    completeness: str  # all | sampled | aggregated | partial
    bad_frames: int = 0
    reconnects: int = 0
    gaps: int = 0
    overflow: int = 0
    lag_ms: float | None = None
    detail: str = ""  # last error or reason, for the tooltip
    possibly_silent: bool = False  # live, yet no liquidation for an hour while peers report many
    observed_ms: int = 0  # listened to since the first connect, gaps excluded
    rotations: int = 0  # planned make-before-break replacements (not reconnects, not gaps)


def view_from_rollup(rollup: Any, now_ms: int) -> VenueStatusView:
    """From app.feeds.status.VenueStatus (the roll-up of a venue's connections)."""
    errors = [s.last_error for s in rollup.streams if s.last_error]
    reasons = [s.last_bad_reason for s in rollup.streams if s.last_bad_reason]
    detail = "; ".join(
        [f"{s.stream}: {s.state}" for s in rollup.streams]
        + [f"last error: {e}" for e in errors[:1]]
        + [f"last bad frame: {r}" for r in reasons[:1]]
    )
    return VenueStatusView(
        venue=rollup.venue,
        state=rollup.state,
        msgs_per_s=rollup.msgs_per_s,
        completeness=rollup.completeness,
        bad_frames=rollup.bad_frames,
        reconnects=rollup.reconnects,
        gaps=len(rollup.gaps),
        overflow=rollup.overflow,
        lag_ms=rollup.median_lag_ms,
        detail=detail,
        observed_ms=coverage.observed_ms(rollup.first_live_ms, now_ms, rollup.gaps),
        rotations=rollup.rotations,
    )
