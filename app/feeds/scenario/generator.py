"""Seeded generator of the bundled 2026-01-20 demo scenario.

    python -m app.feeds.scenario.generator [--out PATH]

writes resources/scenarios/2026-01-20.jsonl.gz (the recording format of app.feeds.recording):
10 calm minutes from 18:50 UTC, then the sharp 4 hours 19:00-23:00 UTC, for Binance USDⓈ-M,
Bybit (linear, inverse) and OKX (SWAP). Same seed, same bytes: every random draw comes from a named
`random.Random` substream and every number is printed from integer tick/lot counts.

How it works: per-second price paths (prices.py) give a market "stress" per second (how fast BTC
falls, plus self-exciting bursts); each venue's liquidations are drawn in time from that stress, in
heavy-tailed sizes scaled so each (venue, coin, side) hits its calibration target, then printed as
the venue prints them. Binance keeps at most one order per symbol per second, as its feed does.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from app.feeds.recording import RecordingWriter
from app.feeds.scenario import frames
from app.feeds.scenario.calibration import (
    COIN_SHARE,
    LONG_SHARE,
    REST_SPLIT,
    SCENARIO,
    SEED,
    START_MS,
    STREAMS,
    VENUE_LONG_USD,
    WINDOW_END_MS,
    WINDOW_START_MS,
)
from app.feeds.scenario.frames import BinanceMark, Fill, fmt_fixed, fmt_step
from app.feeds.scenario.markets import BINANCE, VENUES, Market, decimals, markets_of
from app.feeds.scenario.prices import CASCADE_OFFSET_S, DURATION_S, price_paths
from app.resources import resource_path

NEXT_FUNDING_MS = 1_768_953_600_000  # 2026-01-21T00:00Z, the next 8-hourly funding on all three
VENUE_BASIS = {"binance": 1.0, "bybit": 1.00008, "okx": 0.99994}  # small constant mark differences
CALM_VENUE_WEIGHT = {"bybit": 0.45, "binance": 0.35, "okx": 0.20}
MEDIAN_ORDER_USD = {"BTC": 2600.0, "ETH": 1900.0, "SOL": 900.0, "XRP": 800.0, "DOGE": 600.0, "PEPE": 450.0}


class Liq(NamedTuple):
    market: Market
    ts_ms: int
    long: bool
    notional: float


def default_out() -> Path:
    return resource_path("scenarios", f"{SCENARIO}.jsonl.gz")


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
    if coin in ("BTC", "ETH"):
        return COIN_SHARE[coin].value
    rest = {c: s for c, s in REST_SPLIT.items() if any(m.coin == c for m in markets_of(venue))}
    return COIN_SHARE["rest"].value * rest.get(coin, 0.0) / sum(rest.values())


def order_sizes(rng: random.Random, median: float, count: int) -> list[float]:
    """Heavy-tailed order sizes: lognormal body, a rare Pareto tail (whales), capped."""
    sizes = []
    for _ in range(count):
        size = median * rng.lognormvariate(0.0, 1.25)
        if rng.random() < 0.004:
            size *= min(rng.paretovariate(1.3), 60.0)
        sizes.append(min(size, median * 1500.0))
    return sizes


def plan_cascade(venue: str, weights: dict[bool, list[float]], seed: int) -> list[Liq]:
    """Liquidations of one venue in the 4 h window, each (market, side) summing to its target."""
    total = VENUE_LONG_USD[venue].value / LONG_SHARE.value
    seconds = range(CASCADE_OFFSET_S, DURATION_S)
    out: list[Liq] = []
    for market in markets_of(venue):
        for is_long in (True, False):
            rng = random.Random(f"{seed}:cascade:{market.stream}:{market.symbol}:{is_long}")
            side_share = LONG_SHARE.value if is_long else 1.0 - LONG_SHARE.value
            target = total * side_share * coin_share(venue, market.coin) * market.share
            median = MEDIAN_ORDER_USD[market.coin]
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


# --- printing liquidations as venue fills ---------------------------------------------------------

def mark_at(paths: dict[str, list[float]], market: Market, ts_ms: int) -> float:
    """The venue's mark for the coin at `ts_ms` (linear between whole seconds)."""
    path = paths[market.coin]
    x = (ts_ms - START_MS) / 1000.0
    i = min(int(x), DURATION_S - 1)
    return (path[i] + (path[i + 1] - path[i]) * (x - i)) * VENUE_BASIS[market.venue]


def _lots(value: float, lot: str) -> str:
    """A size of at least one lot, printed at the lot's decimals."""
    return fmt_step(max(value, float(lot)), lot)


def to_fill(liq: Liq, paths: dict[str, list[float]], rng: random.Random) -> Fill:
    m = liq.market
    sign = -1.0 if liq.long else 1.0  # fills land beyond the mark, against the liquidated position
    mark = mark_at(paths, m, liq.ts_ms)
    if m.venue == "binance":
        unit_price = mark * m.contract_size * (1.0 + sign * rng.uniform(0.0002, 0.0015))
        average = fmt_step(unit_price, m.tick)
        limit = fmt_step(float(average) * (1.0 + sign * rng.uniform(0.001, 0.006)), m.tick)
        size = _lots(liq.notional / float(average), m.lot)
        return Fill(m, liq.ts_ms, liq.long, average, size, order_price=limit)
    bankruptcy = fmt_step(mark * (1.0 + sign * rng.uniform(0.001, 0.006)), m.tick)
    price = float(bankruptcy)
    if m.inverse:
        size = _lots(liq.notional / m.contract_size, m.lot)
    else:
        size = _lots(liq.notional / (m.contract_size * price), m.lot)
    pos_side = "net"
    if m.venue == "okx" and rng.random() < 0.3:
        pos_side = "long" if liq.long else "short"
    return Fill(m, liq.ts_ms, liq.long, bankruptcy, size, pos_side=pos_side)


# --- frames ---------------------------------------------------------------------------------------

Frame = tuple[int, int, str, str]  # (epoch ms on the wire, tie-break order, stream, text)


def liquidation_frames(fills: list[Fill], rng: random.Random) -> list[Frame]:
    out: list[Frame] = []
    bybit: dict[tuple[Market, int], list[Fill]] = defaultdict(list)
    okx: dict[tuple[Market, int], list[Fill]] = defaultdict(list)
    for fill in fills:
        venue = fill.market.venue
        if venue == "binance":
            event_ms = fill.ts_ms + rng.randint(1, 8)
            out.append((event_ms, 3, fill.market.stream, frames.binance_force_order(fill, event_ms)))
        elif venue == "bybit":
            bybit[(fill.market, fill.ts_ms // 500)].append(fill)
        else:
            okx[(fill.market, fill.ts_ms // 1000)].append(fill)
    for (market, slot), batch in bybit.items():  # one push per topic per 500 ms
        push_ms = (slot + 1) * 500 + rng.randint(2, 40)
        out.append((push_ms, 3, market.stream, frames.bybit_all_liquidation(market.symbol, push_ms, batch)))
    for (market, slot), batch in okx.items():
        # OKX merges sources and says its feed is not chronological: arrivals straggle.
        arrive_ms = (slot + 1) * 1000 + rng.randint(20, 900)
        out.append((arrive_ms, 3, market.stream, frames.okx_liquidation_orders(market, batch)))
    return out


def funding_rate(path: list[float], t: int) -> float:
    """Funding drifts from +0.01% toward zero and below as longs are flushed."""
    move = math.log(path[t] / path[CASCADE_OFFSET_S])
    return max(-0.0003, min(0.0001, 0.0001 * (1.0 + 25.0 * move)))


def _pad8(text: str) -> str:
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(8, '0')}"


def mark_frames(paths: dict[str, list[float]]) -> list[Frame]:
    out: list[Frame] = []
    binance = markets_of("binance")
    bybit = markets_of("bybit")
    okx = markets_of("okx")
    for t in range(DURATION_S):
        second_ms = START_MS + t * 1000
        marks = []
        for m in binance:
            mark = paths[m.coin][t] * m.contract_size
            places = decimals(m.tick)
            index = fmt_fixed(mark * 0.99985, min(8, places + 2))
            marks.append(BinanceMark(m.symbol, _pad8(fmt_step(mark, m.tick)), _pad8(index), _pad8(index),
                                     fmt_fixed(funding_rate(paths[m.coin], t), 8)))
        out.append((second_ms, 0, BINANCE, frames.binance_mark_array(second_ms, marks, NEXT_FUNDING_MS)))
        for m in bybit:
            ts = second_ms + 250
            mark = paths[m.coin][t] * VENUE_BASIS["bybit"]
            fields = {"markPrice": fmt_step(mark, m.tick), "indexPrice": fmt_step(mark * 0.99985, m.tick)}
            if t == 0:
                fields = bybit_snapshot_fields(m, mark, paths[m.coin], t) | fields
            kind = "snapshot" if t == 0 else "delta"
            out.append((ts, 1, m.stream, frames.bybit_ticker(m.symbol, kind, fields, 40_000_000 + t, ts)))
        for m in okx:
            ts = second_ms + 600
            mark = paths[m.coin][t] * VENUE_BASIS["okx"]
            out.append((ts, 2, m.stream, frames.okx_mark_price(m.symbol, fmt_step(mark, m.tick), ts)))
    return out


def bybit_snapshot_fields(m: Market, mark: float, path: list[float], t: int) -> dict[str, str]:
    """The first `tickers` push carries every field; later deltas only what changed."""
    last = fmt_step(mark * 1.00002, m.tick)
    return {
        "tickDirection": "MinusTick", "price24hPcnt": "-0.0125", "lastPrice": last,
        "prevPrice24h": fmt_step(mark * 1.0127, m.tick), "highPrice24h": fmt_step(mark * 1.021, m.tick),
        "lowPrice24h": fmt_step(mark * 0.993, m.tick), "prevPrice1h": fmt_step(mark * 1.002, m.tick),
        "fundingRate": fmt_fixed(funding_rate(path, t), 6), "nextFundingTime": str(NEXT_FUNDING_MS),
        "bid1Price": fmt_step(mark * 0.99999, m.tick), "bid1Size": "1.25",
        "ask1Price": last, "ask1Size": "0.84",
    }


# --- the whole recording --------------------------------------------------------------------------

def generate(seed: int = SEED) -> Iterator[tuple[int, str, str]]:
    """(offset_ms, stream, frame) for the whole recording, in wire order."""
    paths = price_paths(seed)
    long_w, short_w = stress(paths["BTC"], random.Random(f"{seed}:stress"))
    weights = {True: long_w, False: short_w}
    liqs = plan_calm(seed)
    for venue in VENUES:
        liqs += plan_cascade(venue, weights, seed)
    binance = sample_binance([x for x in liqs if x.market.venue == "binance"])
    others = sorted((x for x in liqs if x.market.venue != "binance"),
                    key=lambda x: (x.ts_ms, x.market.stream, x.market.symbol))
    price_rng = random.Random(f"{seed}:prices")
    fills = [to_fill(x, paths, price_rng) for x in binance + others]
    wire = mark_frames(paths) + liquidation_frames(fills, random.Random(f"{seed}:wire"))
    wire.sort(key=lambda f: (f[0], f[1]))
    for at_ms, _, stream, text in wire:
        if at_ms < WINDOW_END_MS:  # nothing after the scenario's end
            yield at_ms - START_MS, stream, text


def write(out: Path, seed: int = SEED) -> None:
    meta = {
        "scenario": SCENARIO, "start_ms": START_MS, "end_ms": WINDOW_END_MS, "streams": list(STREAMS),
        "window_ms": [WINDOW_START_MS, WINDOW_END_MS], "seed": seed, "synthetic": True,
        "generator": "python -m app.feeds.scenario.generator",
        "description": "Calibrated reconstruction of what public Binance, Bybit and OKX feeds would have "
                       "carried on 2026-01-20 18:50-23:00 UTC (see reference/scenarios.md).",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with RecordingWriter(tmp, meta) as writer:
        for offset_ms, stream, text in generate(seed):
            writer.write(offset_ms, stream, text)
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.feeds.scenario.generator",
                                     description="Write the bundled 2026-01-20 demo scenario.")
    parser.add_argument("--out", type=Path, default=None, help="output path (default: the bundled file)")
    args = parser.parse_args(argv)
    out = args.out or default_out()
    started = time.perf_counter()
    write(out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
