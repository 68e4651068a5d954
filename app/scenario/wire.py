"""Turning planned liquidations and price paths into timed venue frames.

Fills land a little beyond the venue's mark (against the liquidated position); batches follow each
venue's cadence: Binance one forceOrder per push, Bybit one push per topic per 500 ms, OKX one push
per instrument per second arriving out of order; marks ~1 Hz on every stream.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

from app.scenario import frames
from app.scenario.calibration import START_MS
from app.scenario.frames import BinanceMark, Fill, fmt_fixed, fmt_step
from app.scenario.markets import BINANCE, Market, decimals, markets_of
from app.scenario.plan import Liq
from app.scenario.prices import CASCADE_OFFSET_S, DURATION_S

NEXT_FUNDING_MS = 1_768_953_600_000  # 2026-01-21T00:00Z, the next 8-hourly funding on all three
VENUE_BASIS = {"binance": 1.0, "bybit": 1.00008, "okx": 0.99994}  # small constant mark differences


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
