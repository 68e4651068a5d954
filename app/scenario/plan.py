"""Planning the scenario's liquidations: when, which market, which side, how much (USD).

Each venue's liquidations are drawn in time from a per-second market "stress" (how fast BTC falls,
plus self-exciting bursts), in heavy-tailed sizes scaled so each (venue, market, side) sums exactly
to its calibration target. Binance keeps at most one order per symbol per second, as its feed does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import NamedTuple

from app.scenario.calibration import COIN_SHARE, LONG_SHARE, REST_SPLIT, START_MS, VENUE_LONG_USD
from app.scenario.markets import Market, markets_of
from app.scenario.prices import CASCADE_OFFSET_S, DURATION_S

CALM_VENUE_WEIGHT = {"bybit": 0.45, "binance": 0.35, "okx": 0.20}
MEDIAN_ORDER_USD = {"BTC": 2600.0, "ETH": 1900.0, "SOL": 900.0, "XRP": 800.0, "DOGE": 600.0, "PEPE": 450.0}


class Liq(NamedTuple):
    market: Market
    ts_ms: int
    long: bool
    notional: float


# --- market stress --------------------------------------------------------------------------------

def stress(btc: list[float], rng: random.Random) -> tuple[list[float], list[float]]:
    """Per-second weights for long and short liquidations over the whole recording.

    Longs are liquidated as price falls (60 s drawdown, convex), shorts as it bounces; both carry
    self-exciting bursts (a burst is more likely while price is falling and decays over seconds).
    """
    long_w = [0.0] * DURATION_S
    short_w = [0.0] * DURATION_S
    long_burst = short_burst = 0.0
    for t in range(DURATION_S):
        move = math.log(btc[t] / btc[max(0, t - 60)])
        drop, rise = max(0.0, -move) / 4e-4, max(0.0, move) / 4e-4
        long_burst *= 0.85
        short_burst *= 0.8
        if rng.random() < 0.004 + 0.02 * min(drop, 3.0):
            long_burst += 3.0 * rng.lognormvariate(0.0, 0.9)
        if rng.random() < 0.002 + 0.01 * min(rise, 3.0):
            short_burst += 2.0 * rng.lognormvariate(0.0, 0.7)
        long_w[t] = 0.15 + drop**1.5 + long_burst
        short_w[t] = 0.3 + rise**1.5 + short_burst
    return long_w, short_w


# --- planning liquidations (notional, time, side) -------------------------------------------------

def coin_share(venue: str, coin: str) -> float:
    rest = {c: s for c, s in REST_SPLIT.items() if any(m.coin == c for m in markets_of(venue))}
    if coin in ("BTC", "ETH"):
        if not rest:  # a venue without the smaller coins (Deribit): BTC and ETH share the whole
            return COIN_SHARE[coin].value / (COIN_SHARE["BTC"].value + COIN_SHARE["ETH"].value)
        return COIN_SHARE[coin].value
    if coin not in rest:
        return 0.0
    return COIN_SHARE["rest"].value * rest[coin] / sum(rest.values())


def order_sizes(rng: random.Random, median: float, count: int) -> list[float]:
    """Heavy-tailed order sizes: lognormal body, a rare Pareto tail (whales), capped."""
    sizes = []
    for _ in range(count):
        size = median * rng.lognormvariate(0.0, 1.25)
        if rng.random() < 0.004:
            size *= min(rng.paretovariate(1.3), 60.0)
        sizes.append(min(size, median * 1500.0))
    return sizes


def plan_cascade(venue: str, weights: dict[bool, list[float]], seed: int,
                 reserved: dict[tuple[str, bool], float] | None = None) -> list[Liq]:
    """Liquidations of one venue in the 4 h window, each (market, side) summing to its target less
    what `reserved` sets aside for it ({(symbol, is_long): USD} placed by the caller)."""
    total = VENUE_LONG_USD[venue].value / LONG_SHARE.value
    seconds = range(CASCADE_OFFSET_S, DURATION_S)
    out: list[Liq] = []
    for market in markets_of(venue):
        for is_long in (True, False):
            rng = random.Random(f"{seed}:cascade:{market.stream}:{market.symbol}:{is_long}")
            side_share = LONG_SHARE.value if is_long else 1.0 - LONG_SHARE.value
            target = total * side_share * coin_share(venue, market.coin) * market.share
            target -= (reserved or {}).get((market.symbol, is_long), 0.0)
            median = MEDIAN_ORDER_USD[market.coin]
            # ~2.6 × median: the lognormal body's mean (e^(1.25²/2) ≈ 2.2) times the stress boost below.
            count = max(1, round(target / (median * 2.6)))
            w = weights[is_long]
            cum: list[float] = []
            acc = 0.0
            for t in seconds:
                acc += w[t]
                cum.append(acc)
            times = rng.choices(seconds, cum_weights=cum, k=count)
            mean_w = acc / len(cum)
            # Bigger orders land in the hottest seconds: scale by local stress, then hit the target.
            raw = [s * (0.6 + 0.4 * min(w[t] / mean_w, 6.0))
                   for s, t in zip(order_sizes(rng, median, count), times, strict=True)]
            scale = target / sum(raw)
            for size, t in zip(raw, times, strict=True):
                ts = START_MS + t * 1000 + rng.randrange(1000)
                out.append(Liq(market, ts, is_long, size * scale))
    return out


def plan_calm(seed: int) -> list[Liq]:
    """The 10 calm minutes: 1-3 liquidations per second market-wide, mixed sides, small orders.
    The first three go one to each venue so every venue shows within seconds."""
    rng = random.Random(f"{seed}:calm")
    venues = list(CALM_VENUE_WEIGHT)
    out: list[Liq] = []
    forced = ["bybit", "binance", "okx"]
    for t in range(CASCADE_OFFSET_S):
        for _ in range(rng.choice((1, 1, 2, 2, 2, 3))):
            venue = forced.pop(0) if forced else rng.choices(venues, list(CALM_VENUE_WEIGHT.values()))[0]
            candidates = markets_of(venue)
            shares = [coin_share(venue, m.coin) * m.share for m in candidates]
            market = rng.choices(candidates, shares)[0]
            size = 0.5 * MEDIAN_ORDER_USD[market.coin] * rng.lognormvariate(0.0, 1.1)
            out.append(Liq(market, START_MS + t * 1000 + rng.randrange(1000), rng.random() < 0.55, size))
    return out


def sample_binance(liqs: list[Liq]) -> list[Liq]:
    """Binance pushes at most one forced order per symbol per second: same-side orders in one second
    merge (the feed shows one, and the calibration counts what the feed shows); an opposite-side
    order moves to the nearest free second inside its own period (calm or cascade)."""
    taken: dict[tuple[str, int], Liq] = {}
    for liq in sorted(liqs, key=lambda x: (x.ts_ms, x.market.symbol, x.long)):
        second = (liq.ts_ms - START_MS) // 1000
        key = (liq.market.symbol, second)
        held = taken.get(key)
        if held is None:
            taken[key] = liq
        elif held.long == liq.long:
            taken[key] = held._replace(ts_ms=max(held.ts_ms, liq.ts_ms), notional=held.notional + liq.notional)
        else:
            lo, hi = (0, CASCADE_OFFSET_S) if second < CASCADE_OFFSET_S else (CASCADE_OFFSET_S, DURATION_S)
            for step in _spiral():
                moved = second + step
                if lo <= moved < hi and (liq.market.symbol, moved) not in taken:
                    ms = START_MS + moved * 1000 + (liq.ts_ms - START_MS) % 1000
                    taken[(liq.market.symbol, moved)] = liq._replace(ts_ms=ms)
                    break
    return sorted(taken.values(), key=lambda x: (x.ts_ms, x.market.symbol))


def _spiral() -> Iterator[int]:
    step = 1
    while True:
        yield step
        yield -step
        step += 1
