"""What an empty tape is waiting for, in words, from the snapshot's venue records: "Waiting for
liquidations from A, B, C — connecting…", "No venue reachable: …", or in a replay
"Replay starts at 13:58:02 UTC…". Pure: the pane passes the records, the names and the time."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.formatting import compact_usd, format_clock
from app.services.venue_status import VenueRecord

_FAILED = ("refused", "offline", "stalled")
_WHY = {"refused": "refused (not available from your region)"}


def _names(venues: Sequence[str], label: Callable[[str], str]) -> str:
    return ", ".join(label(venue) for venue in venues)


def tape_placeholder(records: Sequence[VenueRecord], expected: Sequence[str], *, label: Callable[[str], str],
                     clock_label: str = "live", now_ms: int = 0, min_usd: float = 0.0) -> str:
    """The empty tape's line. `expected`: the session's venues (shown before any record exists);
    `min_usd`: the tape's size filter (a quiet tape may only be a filtered one)."""
    by_venue = {record.venue: record for record in records}
    venues = list(expected) or list(by_venue)
    size = f" of {compact_usd(min_usd)} or more" if min_usd > 0 else ""
    live = [venue for venue in venues if venue in by_venue and by_venue[venue].state == "live"]
    failed = [venue for venue in venues if venue in by_venue and by_venue[venue].state in _FAILED]
    not_live = "; ".join(f"{label(venue)} {_WHY.get(by_venue[venue].state, by_venue[venue].state)}"
                         for venue in failed)
    if clock_label != "live":
        start = f"Replay starts at {format_clock(now_ms, with_date=True)}"
        if not live:
            return f"{start} — connecting to the replay of {_names(venues, label)}…"
        return f"{start} — waiting for the first liquidation{size} from {_names(live, label)}"
    if venues and len(failed) == len(venues):
        return f"No venue reachable: {not_live}. Retrying…"
    if live:
        text = f"Listening to {_names(live, label)} — no liquidation{size} yet"
        return text + (f" ({not_live})" if not_live else "")
    text = f"Waiting for liquidations{size} from {_names(venues, label)} — connecting…"
    return text + (f" ({not_live})" if not_live else "")
