"""Immutable, cheap event records shared by parsers, engine, store and UI.

msgspec Structs (frozen, gc=False) cost a fraction of a frozen dataclass; numbers are float64.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Side = Literal["long", "short"]
Kind = Literal["linear_perp", "inverse_perp", "quanto_perp", "linear_future", "inverse_future"]
Completeness = Literal["all", "sampled", "aggregated", "partial"]
NoticeLevel = Literal["info", "warning", "error"]


class Liquidation(msgspec.Struct, frozen=True, gc=False):
    """One forced liquidation. `side` is the side of the liquidated POSITION; `qty` is base units."""

    venue: str
    symbol: str
    coin: str
    kind: Kind
    side: Side
    price: float
    qty: float
    notional_usd: float
    ts_ms: int
    completeness: Completeness
    id: str


class MarkPrice(msgspec.Struct, frozen=True, gc=False):
    venue: str
    symbol: str
    coin: str
    price: float
    ts_ms: int
    index_price: float | None = None
    funding_rate: float | None = None
    next_funding_ms: int | None = None


class OpenInterest(msgspec.Struct, frozen=True, gc=False):
    venue: str
    symbol: str
    coin: str
    base_qty: float
    usd: float
    ts_ms: int


class VenueNotice(msgspec.Struct, frozen=True, gc=False):
    """Error acks, deprecations, rate limits, geo refusals: shown to the user, never dropped."""

    venue: str
    level: NoticeLevel
    code: str
    text: str


class Unconvertible(msgspec.Struct, frozen=True, gc=False):
    """An instrument we cannot size: never a guessed notional."""

    venue: str
    symbol: str
    reason: str


Event = Liquidation | MarkPrice | OpenInterest | VenueNotice | Unconvertible
