"""The liquidation tape's state, independent of Qt: filtering, pausing, bounded rows.

The Qt model applies `TapeUpdate`s as row inserts at the top and removals at the bottom, so the
view never needs a model reset on the hot path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import msgspec

from app.core.events import Liquidation
from app.core.watchlist import Scope


def units_per_price(liq: Liquidation) -> float:
    """Coins the quoted price is for: 1 for most contracts, 1000 for 1000PEPEUSDT-style multiplied ones
    (Binance quotes those per 1000 coins; the notional says so: price × qty = multiplier × notional)."""
    if liq.qty <= 0 or liq.notional_usd <= 0 or liq.kind.startswith("inverse"):
        return 1.0
    ratio = liq.price * liq.qty / liq.notional_usd
    if ratio < 1.5:  # rounding noise, or a venue quoting per coin already
        return 1.0
    return float(round(ratio))


def coin_price(liq: Liquidation) -> float:
    """The price of one coin (per-coin for multiplied contracts)."""
    return liq.price / units_per_price(liq)


class TapeUpdate(msgspec.Struct, frozen=True):
    inserted: list[Liquidation]  # newest first, to go on top
    removed_from_bottom: int


class TapeFilter(msgspec.Struct, frozen=True):
    min_usd: float = 0.0
    venues: frozenset[str] | None = None  # None = every venue
    coins: frozenset[str] | None = None
    scope: Scope | None = None  # a watchlist's: None = everything

    def accepts(self, liq: Liquidation) -> bool:
        return (
            liq.notional_usd >= self.min_usd
            and (self.venues is None or liq.venue in self.venues)
            and (self.coins is None or liq.coin in self.coins)
            and (self.scope is None or self.scope.matches(liq.venue, liq.symbol, liq.coin))
        )


class Tape:
    """Newest-first rows, at most `max_rows`; while paused new rows wait and are counted."""

    def __init__(self, max_rows: int = 500, tape_filter: TapeFilter | None = None, memory: int = 5000) -> None:
        self.max_rows = max(1, max_rows)
        self.filter = tape_filter or TapeFilter()
        self._shown = 0
        self._pending: list[Liquidation] = []  # oldest first
        self._trimmed = 0  # waiting rows beyond max_rows: never shown, still counted in the badge
        self._recent: deque[Liquidation] = deque(maxlen=max(memory, self.max_rows))  # unfiltered
        self.paused = False

    @property
    def new_count(self) -> int:
        """Rows waiting while the user scrolls or hovers: the "N new" badge."""
        return len(self._pending) + self._trimmed

    @property
    def shown(self) -> int:
        return self._shown

    def push(self, liquidations: Iterable[Liquidation]) -> None:
        accepts = self.filter.accepts
        for liq in liquidations:
            self._recent.append(liq)
            if accepts(liq):
                self._pending.append(liq)
        excess = len(self._pending) - self.max_rows
        if excess > 0:  # only the newest max_rows can ever be shown
            del self._pending[:excess]
            self._trimmed += excess

    def take_update(self) -> TapeUpdate | None:
        """What changed since the last take, or None (paused, or nothing new)."""
        if self.paused or not self._pending:
            return None
        inserted = sorted(self._pending, key=lambda liq: liq.ts_ms, reverse=True)
        self._pending = []
        self._trimmed = 0
        total = self._shown + len(inserted)
        removed = max(0, total - self.max_rows)
        self._shown = total - removed
        return TapeUpdate(inserted=inserted, removed_from_bottom=removed)

    def clear(self) -> None:
        """The user's "clear": nothing shown, waiting or remembered (the view empties its rows too)."""
        self._recent.clear()
        self._pending = []
        self._trimmed = 0
        self._shown = 0

    def recent(self) -> list[Liquidation]:
        """What this tape remembers, unfiltered, oldest first (a new tape pane starts from it)."""
        return list(self._recent)

    def refilter(self, tape_filter: TapeFilter) -> list[Liquidation]:
        """A new filter: the rows to show from recent history (newest first). Resets the view."""
        self.filter = tape_filter
        rows = [liq for liq in reversed(self._recent) if tape_filter.accepts(liq)][: self.max_rows]
        rows.sort(key=lambda liq: liq.ts_ms, reverse=True)
        self._pending = []
        self._trimmed = 0
        self._shown = len(rows)
        return rows
