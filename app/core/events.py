"""Immutable, cheap event records shared by parsers, engine, store and UI.

msgspec Structs (frozen, gc=False) cost a fraction of a frozen dataclass; numbers are float64.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from app.core.positions.model import Account, Position

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


class AccountState(msgspec.Struct, frozen=True, gc=False):
    """An account's positions as its venue reports them (a watched Hyperliquid address's
    clearinghouseState, a read-only key's import): the whole state, so the latest replaces the last."""

    account: Account
    positions: tuple[Position, ...]
    ts_ms: int
    source: str  # how it came: "websocket", "poll", "import"


Event = Liquidation | MarkPrice | OpenInterest | VenueNotice | Unconvertible | AccountState
