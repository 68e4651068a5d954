"""The prices strip's figures per coin: latest mark, its change over 24 h, and 24 h liquidations.

Pure and bounded: marks are kept as one sample per BUCKET_MS per tracked (venue, symbol), for 24 h;
liquidations as long/short USD per coin per BUCKET_MS, for 24 h. No venue publishes a 24 h-ago mark
on the streams we use, so the change is measured from what Cascade itself saw: until it has watched
a symbol for 24 h the change is labelled with the moment it starts from ("since 14:05"), never
presented as a 24 h figure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import msgspec

from app.core.events import Liquidation, MarkPrice

DAY_MS = 24 * 3_600_000
BUCKET_MS = 5 * 60_000
_BUCKETS = DAY_MS // BUCKET_MS + 1


class CoinPrice(msgspec.Struct, frozen=True):
    coin: str
    venue: str | None  # whose mark is shown (None: no mark yet)
    symbol: str | None
    mark: float | None
    change_pct: float | None  # against the oldest sample within 24 h
    change_since_ms: int | None  # when that sample was taken
    full_day: bool  # the change spans (about) 24 h, not less
    liq_long_usd: float
    liq_short_usd: float
    liq_since_ms: int | None  # the liquidation sums cover [this, now); None = a full 24 h


class WatchStats:
    """Fed per tick with liquidations and marks; read by the prices strip."""

    def __init__(self) -> None:
        self._tracked: frozenset[tuple[str, str]] = frozenset()
        self._marks: dict[tuple[str, str], MarkPrice] = {}
        self._samples: dict[tuple[str, str], deque[tuple[int, float]]] = {}  # (bucket start, price)
        self._liqs: dict[str, deque[list[float]]] = {}  # coin -> [bucket start, long, short]
        self.liq_since_ms: int | None = None  # the first moment liquidations were counted from

    def track(self, keys: Iterable[tuple[str, str]]) -> None:
        """The (venue, symbol) pairs whose mark history is kept (the watched coins' price symbols)."""
        self._tracked = frozenset(keys)
        for key in list(self._samples):
            if key not in self._tracked:
                del self._samples[key]
        for key in list(self._marks):
            if key not in self._tracked:
                del self._marks[key]

    def add_marks(self, marks: Iterable[MarkPrice]) -> None:
        tracked = self._tracked
        for mark in marks:
            key = (mark.venue, mark.symbol)
            if key not in tracked or not mark.price > 0:
                continue
            self._marks[key] = mark
            bucket = mark.ts_ms - mark.ts_ms % BUCKET_MS
            samples = self._samples.get(key)
            if samples is None:
                samples = self._samples[key] = deque(maxlen=_BUCKETS)
            if not samples or samples[-1][0] < bucket:
                samples.append((bucket, mark.price))

    def add_liquidations(self, liquidations: Iterable[Liquidation], since_ms: int | None = None) -> None:
        """`since_ms`: the first call (or a history refill) says from when the sums count."""
        for liq in liquidations:
            bucket = liq.ts_ms - liq.ts_ms % BUCKET_MS
            buckets = self._liqs.get(liq.coin)
            if buckets is None:
                buckets = self._liqs[liq.coin] = deque()
            if buckets and buckets[-1][0] == bucket:
                row = buckets[-1]  # the usual case: the latest bucket
            elif not buckets or buckets[-1][0] < bucket:
                buckets.append([bucket, 0.0, 0.0])
                row = buckets[-1]
                while buckets[0][0] + DAY_MS + BUCKET_MS <= bucket:  # bounded even for a coin nobody shows
                    buckets.popleft()
            else:  # a late event: its own bucket if still kept (events are nearly in order)
                row = next((b for b in reversed(buckets) if b[0] <= bucket), buckets[0])
            row[1 if liq.side == "long" else 2] += liq.notional_usd
        if since_ms is not None:
            self.liq_since_ms = since_ms if self.liq_since_ms is None else min(self.liq_since_ms, since_ms)

    def price(self, coin: str, keys: Iterable[tuple[str, str]], now_ms: int) -> CoinPrice:
        """`keys`: the coin's price symbols in preference order; the first with a mark is shown."""
        cutoff = now_ms - DAY_MS
        chosen: MarkPrice | None = None
        for key in keys:
            mark = self._marks.get(key)
            if mark is not None:
                chosen = mark
                break
        change = since = None
        full = False
        if chosen is not None:
            samples = self._samples.get((chosen.venue, chosen.symbol))
            while samples and samples[0][0] < cutoff - BUCKET_MS:
                samples.popleft()
            if samples:
                since, old = samples[0]
                if old > 0 and since < chosen.ts_ms:
                    change = (chosen.price / old - 1.0) * 100.0
                    full = since <= cutoff + BUCKET_MS
                else:
                    since = None
        long_usd = short_usd = 0.0
        buckets = self._liqs.get(coin)
        if buckets:
            while buckets and buckets[0][0] + BUCKET_MS <= cutoff:
                buckets.popleft()
            for _, long_part, short_part in buckets:
                long_usd += long_part
                short_usd += short_part
        liq_since = self.liq_since_ms if self.liq_since_ms is not None and self.liq_since_ms > cutoff else None
        return CoinPrice(coin, chosen.venue if chosen else None, chosen.symbol if chosen else None,
                         chosen.price if chosen else None, change, since if change is not None else None, full,
                         long_usd, short_usd, liq_since)
