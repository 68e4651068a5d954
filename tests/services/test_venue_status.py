"""The closing line's suffix: a venue that never connected is named, so its 0 is not read as a quiet market."""

from __future__ import annotations

from app.services.runtime import DEFAULT_VENUES
from app.services.venue_status import VenueRecord, never_connected, summary_suffix

FIRST, SECOND, THIRD = DEFAULT_VENUES[:3]


def record(venue: str, connected: bool, state: str = "live") -> VenueRecord:
    return VenueRecord(venue, state, 0.0, "all", connected=connected)


def test_every_venue_connected_adds_nothing() -> None:
    records = [record(venue, True) for venue in (FIRST, SECOND, THIRD)]
    assert summary_suffix([FIRST, SECOND, THIRD], records) == ""


def test_venues_that_never_connected_are_named_in_order() -> None:
    records = [record(FIRST, False, "refused"), record(SECOND, True, "offline"), record(THIRD, False, "offline")]
    assert never_connected([FIRST, SECOND, THIRD], records) == [FIRST, THIRD]
    assert summary_suffix([FIRST, SECOND, THIRD], records) == f" (unreachable: {FIRST}, {THIRD})"


def test_feeds_that_never_started_leave_every_venue_unreachable() -> None:
    assert summary_suffix([FIRST, SECOND], []) == f" (unreachable: {FIRST}, {SECOND})"
