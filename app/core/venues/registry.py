"""The venues Cascade connects to, in display order: the one list everything else reads (runtime,
instrument metadata, the replay server, the UI). A venue is added by writing its module and naming its
descriptor here. Lookups read VENUES on every call (a handful of entries), so a test can extend it."""

from __future__ import annotations

from collections.abc import Collection

from app.core.venues import binance, bitfinex, bitget, bitmex, bybit, deribit, dydx, gate, htx, hyperliquid, okx
from app.core.venues.descriptor import VenueDescriptor

VENUES: tuple[VenueDescriptor, ...] = (
    binance.DESCRIPTOR, bybit.DESCRIPTOR, okx.DESCRIPTOR, hyperliquid.DESCRIPTOR,
    bitget.DESCRIPTOR, gate.DESCRIPTOR, deribit.DESCRIPTOR, bitmex.DESCRIPTOR,
    bitfinex.DESCRIPTOR, dydx.DESCRIPTOR, htx.DESCRIPTOR,
)


def names() -> tuple[str, ...]:
    return tuple(venue.name for venue in VENUES)


def find(name: str) -> VenueDescriptor | None:
    """The venue's descriptor, or None (recordings and the snapshot may name venues not connected)."""
    for venue in VENUES:
        if venue.name == name:
            return venue
    return None


def by_name(name: str) -> VenueDescriptor:
    """The venue's descriptor; KeyError for a venue Cascade does not connect to."""
    venue = find(name)
    if venue is None:
        raise KeyError(f"unknown venue {name!r}; one of {', '.join(names())}")
    return venue


def publishing_liquidations(venues: tuple[str, ...] | list[str], optional_on: Collection[str] = ()) -> list[str]:
    """The venues of `venues` with a public liquidation feed, or whose optional liquidation source the
    user turned on (`optional_on`): those counted in the closing line and totals; unknown names are
    kept (a test's or a recording's venue)."""
    return [name for name in venues
            if (venue := find(name)) is None or venue.publishes_liquidations
            or (name in optional_on and venue.optional_liquidations is not None)]


def completeness(name: str, optional_on: Collection[str] = ()) -> str:
    """The venue's liquidation completeness: its optional source's when turned on, else its own."""
    venue = by_name(name)
    if name in optional_on and venue.optional_liquidations is not None:
        return venue.optional_liquidations.completeness
    return venue.completeness


def missing_feed_notes(venues: tuple[str, ...] | list[str], optional_on: Collection[str] = ()) -> list[str]:
    """What the UI says of each venue of `venues` left out of the liquidation totals (no public feed and
    no optional source turned on): its `liquidation_note`."""
    counted = set(publishing_liquidations(venues, optional_on))
    return [venue.liquidation_note for name in venues
            if name not in counted and (venue := find(name)) is not None and venue.liquidation_note]
