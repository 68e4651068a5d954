"""Daily RSI-14 (Wilder): checked against a 30-candle series computed by hand below, in exact fractions,
step by step, without the implementation."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from app.core.rsi import DAY_MS, HOUR_MS, Candle, change_24h, closed_candles, daily_rsi, wilder_rsi, wilder_rsi_series

CLOSES = [100, 102, 101, 104, 107, 106, 103, 105, 108, 110, 109, 111, 114, 113, 112,
          115, 117, 116, 113, 110, 112, 111, 114, 118, 121, 119, 120, 123, 122, 125]

# The hand computation. 29 changes (close[i] − close[i−1]):
CHANGES = [2, -1, 3, 3, -1, -3, 2, 3, 2, -1, 2, 3, -1, -1,  # the first 14: the SMA seed
           3, 2, -1, -3, -3, 2, -1, 3, 4, 3, -2, 1, 3, -1, 3]  # the 15 smoothed steps
GAINS = [2, 0, 3, 3, 0, 0, 2, 3, 2, 0, 2, 3, 0, 0, 3, 2, 0, 0, 0, 2, 0, 3, 4, 3, 0, 1, 3, 0, 3]
LOSSES = [0, 1, 0, 0, 1, 3, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 3, 3, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0]
# Seed: gains of the first 14 changes sum to 2+3+3+2+3+2+2+3 = 20, losses to 1+1+3+1+1+1 = 8:
SEED_GAIN = Fraction(20, 14)  # = 10/7
SEED_LOSS = Fraction(8, 14)  # = 4/7
# RSI after close 15: RS = (10/7)/(4/7) = 2.5 → 100 − 100/3.5 = 71.428571…
FIRST_RSI = 100 - Fraction(100, 1) / (1 + Fraction(5, 2))


def _hand_rsi() -> list[Fraction]:
    """Wilder's recursion written out: avg ← (13 × avg + today) / 14 for gains and losses alike."""
    assert [b - a for a, b in itertools.pairwise(CLOSES)] == CHANGES
    gain, loss = SEED_GAIN, SEED_LOSS
    values = [100 - 100 / (1 + gain / loss)]
    for up, down in zip(GAINS[14:], LOSSES[14:], strict=True):
        gain = (13 * gain + up) / 14
        loss = (13 * loss + down) / 14
        values.append(100 - 100 / (1 + gain / loss))
    return values


def test_rsi_matches_the_hand_computation_to_1e_6() -> None:
    hand = _hand_rsi()
    assert hand[0] == FIRST_RSI
    assert len(hand) == 16
    series = wilder_rsi_series([float(c) for c in CLOSES])
    assert len(series) == 16
    for ours, theirs in zip(series, hand, strict=True):
        assert ours == pytest.approx(float(theirs), abs=1e-6)
    # The last value, as the exact fraction's decimal (computed once, by hand arithmetic above):
    assert wilder_rsi([float(c) for c in CLOSES]) == pytest.approx(71.722964831661, abs=1e-6)


def test_simple_average_would_differ() -> None:
    """A plain 14-day SMA RSI of the last 14 changes is not what we compute (Wilder smoothing is)."""
    last = CHANGES[-14:]
    sma = sum(max(c, 0) for c in last) / (sum(max(c, 0) for c in last) + sum(max(-c, 0) for c in last)) * 100
    assert abs(wilder_rsi([float(c) for c in CLOSES]) - sma) > 1.0  # type: ignore[operator]


def test_too_few_closes_and_flat_markets() -> None:
    assert wilder_rsi([1.0] * 14) is None
    assert wilder_rsi([1.0] * 15) == 50.0
    assert wilder_rsi([float(x) for x in range(1, 16)]) == 100.0
    assert wilder_rsi([float(x) for x in range(15, 0, -1)]) == 0.0


def _days(closes: list[float], first_open_ms: int) -> list[Candle]:
    return [Candle(first_open_ms + i * DAY_MS, c, c, c, c) for i, c in enumerate(closes)]


def test_the_open_daily_candle_is_excluded() -> None:
    start = 1_766_361_600_000  # 2025-12-22T00:00Z
    candles = _days([float(c) for c in CLOSES], start)
    now = start + 30 * DAY_MS + 5 * HOUR_MS  # 05:00 on the day after the 30th candle
    # The venue also lists today's forming candle (flagged open) with a wild price: it must not count.
    forming = Candle(start + 30 * DAY_MS, 125.0, 200.0, 1.0, 1.0, closed=False)
    rsi = daily_rsi("BTC", "okx", "BTC-USDT-SWAP", [*reversed(candles), forming], now)
    assert rsi is not None
    assert rsi.value == pytest.approx(float(_hand_rsi()[-1]), abs=1e-6)
    assert rsi.candles == 30 and rsi.last_close_ms == start + 30 * DAY_MS
    assert not rsi.stale(now)
    # A candle the venue wrongly flags closed before its day has ended is dropped too.
    early = Candle(start + 30 * DAY_MS, 125.0, 200.0, 1.0, 1.0, closed=True)
    assert closed_candles([*candles, early], now)[-1].open_ms == start + 29 * DAY_MS
    # Two days on without a refresh: stale, with its age.
    later = now + 2 * DAY_MS
    assert rsi.stale(later) and rsi.age_ms(later) == later - rsi.last_close_ms


def test_change_24h_uses_the_hour_24_hours_ago() -> None:
    start = 1_768_845_600_000  # 2026-01-19T18:00Z
    hourly = [Candle(start + h * HOUR_MS, 100.0 + h, 0, 0, 0, interval_ms=HOUR_MS) for h in range(26)]
    now = start + 25 * HOUR_MS + 30 * 60_000  # 19:30 the next day: 24 h before is 19:30 the day before
    change = change_24h(hourly, 110.0, now)
    assert change is not None
    assert change[1] == start + HOUR_MS  # the 19:00 candle of the day before holds 19:30 − 24 h
    assert change[0] == pytest.approx(110.0 / 101.0 - 1.0)
    assert change_24h(hourly, 110.0, start - HOUR_MS) is None
