"""Daily RSI-14 (J. Welles Wilder, "New Concepts in Technical Trading Systems", 1978), pure.

RSI = 100 − 100 / (1 + RS), RS = average gain / average loss over `period` closes. The averages are
seeded with the simple mean of the first `period` changes, then smoothed the Wilder way:
avg ← (avg × (period − 1) + this change's gain or loss) / period. An average loss of zero gives 100
(no down day in the smoothing), both zero gives 50.

Only closed candles count: a venue's still-open daily candle (OKX `confirm` "0", a Binance kline whose
close time is in the future) moves all day and is dropped by `closed_candles` before anything is
computed. Candles are UTC days (OKX `bar=1Dutc`; its `1D` opens at UTC+8: resources/docs/feeds.md §3).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import msgspec

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
PERIOD = 14
DAILY_CANDLES = 100
"""Daily candles fetched per coin: Wilder's smoothing needs a long warm-up to settle (~100 days)."""
HOURLY_CANDLES = 30
"""Hourly candles fetched per coin: the open 24 h ago, with a few hours to spare."""


class Candle(msgspec.Struct, frozen=True, gc=False):
    """One candle; `open_ms` is its start, `interval_ms` its length, `closed` False for the one still
    forming (as the venue flags it)."""

    open_ms: int
    open: float
    high: float
    low: float
    close: float
    interval_ms: int = DAY_MS
    closed: bool = True

    @property
    def close_ms(self) -> int:
        return self.open_ms + self.interval_ms


def closed_candles(candles: Iterable[Candle], now_ms: int) -> list[Candle]:
    """Oldest first, one per open time, only those the venue marks closed AND whose period has ended
    at `now_ms` (a venue's flag is not trusted alone)."""
    by_open = {c.open_ms: c for c in candles if c.closed and c.close_ms <= now_ms}
    return [by_open[t] for t in sorted(by_open)]


def wilder_rsi_series(closes: Sequence[float], period: int = PERIOD) -> list[float]:
    """RSI after each close from the `period`-th change on (len(closes) − period values; [] when fewer
    than period + 1 closes)."""
    if period < 1:
        raise ValueError("period must be at least 1")
    if len(closes) < period + 1:
        return []
    changes = [b - a for a, b in itertools.pairwise(closes)]
    gain = sum(max(c, 0.0) for c in changes[:period]) / period
    loss = sum(max(-c, 0.0) for c in changes[:period]) / period
    series = [_rsi(gain, loss)]
    for change in changes[period:]:
        gain = (gain * (period - 1) + max(change, 0.0)) / period
        loss = (loss * (period - 1) + max(-change, 0.0)) / period
        series.append(_rsi(gain, loss))
    return series


def wilder_rsi(closes: Sequence[float], period: int = PERIOD) -> float | None:
    """The RSI after the last close, or None with fewer than period + 1 closes."""
    series = wilder_rsi_series(closes, period)
    return series[-1] if series else None


def _rsi(gain: float, loss: float) -> float:
    if loss == 0.0:
        return 50.0 if gain == 0.0 else 100.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


class DailyRsi(msgspec.Struct, frozen=True, gc=False):
    """RSI-14 of one coin from one labelled reference venue's closed UTC daily candles."""

    coin: str
    venue: str
    symbol: str
    value: float
    last_close_ms: int  # end of the last closed candle used (00:00 UTC of the day after it)
    candles: int  # closed candles it was computed from
    fetched_ms: int  # market time the candles were fetched

    def stale(self, now_ms: int) -> bool:
        """Yesterday's candle should be in by a couple of hourly refreshes after midnight UTC."""
        return now_ms - self.last_close_ms > DAY_MS + 2 * HOUR_MS

    def age_ms(self, now_ms: int) -> int:
        """How old the newest close in it is."""
        return max(0, now_ms - self.last_close_ms)


def daily_rsi(coin: str, venue: str, symbol: str, candles: Iterable[Candle], now_ms: int,
              period: int = PERIOD) -> DailyRsi | None:
    """The reference venue's RSI from its candles (open ones dropped); None with too few closed days."""
    closed = [c for c in closed_candles(candles, now_ms) if c.interval_ms == DAY_MS]
    value = wilder_rsi([c.close for c in closed], period)
    if value is None:
        return None
    return DailyRsi(coin, venue, symbol, value, closed[-1].close_ms, len(closed), now_ms)


def change_24h(hourly: Iterable[Candle], price_now: float, now_ms: int) -> tuple[float, int] | None:
    """(fractional change, reference ms) of `price_now` against the open of the hourly candle that
    contains now − 24 h (the price 24 h ago to within the hour); None without that candle."""
    target = now_ms - DAY_MS
    for candle in hourly:
        if candle.open_ms <= target < candle.close_ms and candle.open > 0:
            return price_now / candle.open - 1.0, candle.open_ms
    return None
