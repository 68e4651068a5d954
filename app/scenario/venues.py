"""Bitget, Gate, Deribit and BitMEX in the scenario: liquidations only, as each public feed carried them
on 2026-01-20 (resources/docs/feeds.md §4, §6-8, §11; the parsers in app/core/venues read exactly this).

They are planned like the first three venues (plan.py: the same market stress, heavy-tailed sizes, each
(venue, market, side) summing to its calibration target) but every random draw comes from their own
named substreams, so the Binance, Bybit, OKX and Hyperliquid frames stay byte-identical. None of them
carries marks here (Cascade subscribes only their liquidation channels); their prices follow the same
per-second paths with a small constant basis per venue.

Feed shapes on the day (before the venues' 2026 changes):
- Bitget UTA `liquidation` (usdt-futures): one push every 20 s with every liquidation of the period;
  `amount` in USDT (a whole number of lots × the liquidation price). Holds the day's largest single
  liquidation, $13.52M BTCUSDT long, on the last leg into the low.
- Gate `futures.public_liquidates` (old format): at most one liquidation per contract per second, one row
  per push, `time` in seconds, `size` in signed integer contracts (negative = a long liquidated).
- Deribit `trades.future.{BTC,ETH}.100ms`: liquidation-flagged trades (`T` mostly, some `M`), amounts in
  USD, batched per 100 ms.
- BitMEX `liquidation` table: each order `insert`ed (the counted event, stamped on receipt), then a
  partial fill or two as `update`s shrinking leavesQty, then `delete`.

Small flows on aggr's further venues (a few $M each, assumed; calibration.py):
- Bitfinex `status` / `liq:global`: each position's trigger (IS_MATCH 0, no price yet) and, a few hundred
  ms later, its market execution (IS_MATCH 1, the counted event), both under one POS_ID; AMOUNT signed
  (positive = a long), in base coins.
- dYdX v4 `v4_trades` per market: each liquidation fill a `LIQUIDATED` trade (side = the taker's, the
  liquidated account's), plus an ordinary BTC-USD trade every 20-60 s (the channel carries every trade;
  without them a quiet liquidation-only stream would look stalled).
- HTX `public.*.liquidation_orders`: one notify per liquidation order, `volume` in whole contracts,
  `amount` = volume × contract size in coins, `trade_turnover` = amount × price.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

import msgspec

from app.scenario.calibration import BITGET_WHALE_SYMBOL, BITGET_WHALE_USD, START_MS, WINDOW_END_MS
from app.scenario.frames import fmt_fixed, fmt_step
from app.scenario.markets import (
    BITFINEX,
    BITGET,
    BITMEX,
    DERIBIT,
    DYDX,
    GATE,
    HTX,
    LATER_VENUES,
    Market,
    decimals,
    markets_of,
)
from app.scenario.plan import MEDIAN_ORDER_USD, Liq, coin_share, plan_cascade, sample_binance
from app.scenario.prices import CASCADE_OFFSET_S, DURATION_S

Frame = tuple[int, int, str, str]  # as wire.Frame: (epoch ms on the wire, tie-break order, stream, text)

VENUE_BASIS = {"bitget": 1.00005, "gate": 0.99996, "deribit": 1.0001, "bitmex": 0.99992, "bitfinex": 1.00012,
               "dydx": 0.99995, "htx": 1.00003}
CALM_RATE = {"bitget": 0.16, "gate": 0.08, "deribit": 0.03, "bitmex": 0.04, "bitfinex": 0.02, "dydx": 0.02,
             "htx": 0.03}  # liquidations per calm second
FIRST_CALM_S = {"bitget": 3, "gate": 5, "deribit": 7, "bitmex": 9, "bitfinex": 11, "dydx": 13, "htx": 15}
"""Each venue shows within seconds of the start."""
WHALE_LEG_MIN = (185, 195)  # minutes after 18:50 UTC: the last leg of the slide into the low (21:55-22:05)
BITGET_PUSH_MS = 20_000  # "once every 20 seconds or every 10,000 records"

_encode = msgspec.json.Encoder().encode


def _dumps(obj: object) -> str:
    return _encode(obj).decode()


# --- planning -------------------------------------------------------------------------------------

def plan(paths: dict[str, list[float]], weights: dict[bool, list[float]], seed: int) -> list[Liq]:
    """Every liquidation of the later venues, calm minutes and cascade, the Bitget whale included."""
    out = plan_calm(seed)
    for venue in LATER_VENUES:
        reserved: dict[tuple[str, bool], float] = {}
        if venue == "bitget":
            whale = bitget_whale(weights, seed)
            reserved[(whale.market.symbol, True)] = whale.notional
            out.append(whale)
        out += plan_cascade(venue, weights, seed, reserved)
    return out


def bitget_whale(weights: dict[bool, list[float]], seed: int) -> Liq:
    """The single $13.52M BTCUSDT long, in the most stressed second of the last leg into the low."""
    (market,) = (m for m in markets_of("bitget") if m.symbol == BITGET_WHALE_SYMBOL)
    lo, hi = (minute * 60 for minute in WHALE_LEG_MIN)
    second = max(range(lo, hi), key=lambda t: (weights[True][t], -t))
    rng = random.Random(f"{seed}:bitget:whale")
    return Liq(market, START_MS + second * 1000 + rng.randrange(1000), True, BITGET_WHALE_USD.value)


def plan_calm(seed: int) -> list[Liq]:
    """The calm 10 minutes on the later venues: a few small mixed-side orders, one early on each."""
    rng = random.Random(f"{seed}:calm:later")
    out: list[Liq] = []
    for venue in LATER_VENUES:
        markets = markets_of(venue)
        shares = [coin_share(venue, m.coin) * m.share for m in markets]
        for t in range(CASCADE_OFFSET_S):
            if t != FIRST_CALM_S[venue] and rng.random() >= CALM_RATE[venue]:
                continue
            market = rng.choices(markets, shares)[0]
            size = 0.5 * MEDIAN_ORDER_USD[market.coin] * rng.lognormvariate(0.0, 1.1)
            out.append(Liq(market, START_MS + t * 1000 + rng.randrange(1000), rng.random() < 0.55, size))
    return out


# --- prices ---------------------------------------------------------------------------------------

def mark_at(paths: dict[str, list[float]], market: Market, ts_ms: int) -> float:
    path = paths[market.coin]
    x = (ts_ms - START_MS) / 1000.0
    i = min(int(x), DURATION_S - 1)
    return (path[i] + (path[i + 1] - path[i]) * (x - i)) * VENUE_BASIS[market.venue]


def _beyond(mark: float, liq: Liq, rng: random.Random, lo: float, hi: float) -> float:
    """A price a little beyond the mark, against the liquidated position."""
    return mark * (1.0 + (-1.0 if liq.long else 1.0) * rng.uniform(lo, hi))


# --- frames ---------------------------------------------------------------------------------------

def frames(paths: dict[str, list[float]], weights: dict[bool, list[float]], seed: int) -> list[Frame]:
    """The later venues' websocket frames (unsorted; the generator orders the whole recording)."""
    by_venue: dict[str, list[Liq]] = defaultdict(list)
    for liq in plan(paths, weights, seed):
        by_venue[liq.market.venue].append(liq)
    for liqs in by_venue.values():
        liqs.sort(key=lambda x: (x.ts_ms, x.market.symbol, x.long))
    return (bitget_frames(by_venue["bitget"], paths, random.Random(f"{seed}:wire:bitget"))
            + gate_frames(sample_binance(by_venue["gate"]), paths, random.Random(f"{seed}:wire:gate"))
            + deribit_frames(by_venue["deribit"], paths, random.Random(f"{seed}:wire:deribit"))
            + bitmex_frames(by_venue["bitmex"], paths, random.Random(f"{seed}:wire:bitmex"))
            + bitfinex_frames(by_venue["bitfinex"], paths, random.Random(f"{seed}:wire:bitfinex"))
            + dydx_frames(by_venue["dydx"], paths, random.Random(f"{seed}:wire:dydx"))
            + htx_frames(by_venue["htx"], paths, random.Random(f"{seed}:wire:htx")))


def bitget_frames(liqs: list[Liq], paths: dict[str, list[float]], rng: random.Random) -> list[Frame]:
    slots: dict[int, list[dict[str, str]]] = defaultdict(list)
    for liq in liqs:
        m = liq.market
        price = fmt_step(_beyond(mark_at(paths, m, liq.ts_ms), liq, rng, 0.0005, 0.004), m.tick)
        qty = fmt_step(max(liq.notional / float(price), float(m.lot)), m.lot)
        amount = fmt_fixed(float(qty) * float(price), min(8, decimals(m.tick) + decimals(m.lot)))
        slots[(liq.ts_ms - START_MS) // BITGET_PUSH_MS].append(
            {"symbol": m.symbol, "side": "buy" if liq.long else "sell", "price": price, "amount": amount,
             "ts": str(liq.ts_ms)})
    out: list[Frame] = []
    for slot in sorted(slots):
        push_ms = START_MS + (slot + 1) * BITGET_PUSH_MS + rng.randint(5, 80)
        text = _dumps({"data": slots[slot], "arg": {"instType": "usdt-futures", "topic": "liquidation"},
                       "action": "update", "ts": push_ms})
        out.append((push_ms, 3, BITGET, text))
    return out


def gate_frames(liqs: list[Liq], paths: dict[str, list[float]], rng: random.Random) -> list[Frame]:
    out: list[Frame] = []
    for liq in liqs:
        m = liq.market
        price = fmt_step(_beyond(mark_at(paths, m, liq.ts_ms), liq, rng, 0.0005, 0.005), m.tick)
        contracts = max(1, round(liq.notional / (m.contract_size * float(price))))
        push_ms = liq.ts_ms + rng.randint(10, 150)
        row = {"price": price, "size": -contracts if liq.long else contracts, "time": liq.ts_ms // 1000,
               "contract": m.symbol}
        text = _dumps({"channel": "futures.public_liquidates", "event": "update", "time": push_ms // 1000,
                       "time_ms": push_ms, "result": [row]})
        out.append((push_ms, 3, GATE, text))
    return out


def deribit_frames(liqs: list[Liq], paths: dict[str, list[float]], rng: random.Random) -> list[Frame]:
    batches: dict[tuple[str, int], list[dict[str, object]]] = defaultdict(list)
    trade_ids = {"BTC": 312_400_000, "ETH": 214_700_000}
    trade_seq = {"BTC-PERPETUAL": 181_250_000, "ETH-PERPETUAL": 143_900_000}
    for liq in liqs:
        m = liq.market
        mark = mark_at(paths, m, liq.ts_ms)
        price = float(fmt_step(_beyond(mark, liq, rng, 0.0003, 0.003), m.tick))
        contracts = max(1, round(liq.notional / m.contract_size))
        flag = "T" if rng.random() < 0.8 else "M"  # the liquidated side was the taker (T) or the maker (M)
        taker_sells = liq.long if flag == "T" else not liq.long
        currency = m.coin
        trade_ids[currency] += rng.randint(1, 60)
        trade_seq[m.symbol] += rng.randint(1, 25)
        trade_id = str(trade_ids[currency]) if currency == "BTC" else f"{currency}-{trade_ids[currency]}"
        batches[(currency, liq.ts_ms // 100)].append({
            "trade_seq": trade_seq[m.symbol], "trade_id": trade_id, "timestamp": liq.ts_ms,
            "tick_direction": 2 if taker_sells else 0, "price": price, "mark_price": round(mark, 2),
            "instrument_name": m.symbol, "index_price": round(mark * 0.9998, 2),
            "direction": "sell" if taker_sells else "buy", "contracts": float(contracts),
            "amount": float(contracts * m.contract_size), "liquidation": flag,
        })
    out: list[Frame] = []
    for (currency, slot), trades in sorted(batches.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        push_ms = (slot + 1) * 100 + rng.randint(1, 30)
        text = _dumps({"params": {"data": trades, "channel": f"trades.future.{currency}.100ms"},
                       "method": "subscription", "jsonrpc": "2.0"})
        out.append((push_ms, 3, DERIBIT, text))
    return out


def _order_id(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def bitmex_frames(liqs: list[Liq], paths: dict[str, list[float]], rng: random.Random) -> list[Frame]:
    out: list[Frame] = []
    for liq in liqs:
        m = liq.market
        price = float(fmt_step(_beyond(mark_at(paths, m, liq.ts_ms), liq, rng, 0.0005, 0.005), m.tick))
        lot = int(m.lot)
        units = liq.notional / m.contract_size if m.inverse else liq.notional / (m.contract_size * price)
        leaves = max(1, round(units / lot)) * lot
        order_id = _order_id(rng)
        at_ms = liq.ts_ms + rng.randint(5, 60)
        out.append((at_ms, 3, BITMEX, _dumps({"table": "liquidation", "action": "insert", "data": [
            {"orderID": order_id, "symbol": m.symbol, "side": "Sell" if liq.long else "Buy", "price": price,
             "leavesQty": leaves}]})))
        for _ in range(rng.choice((0, 1, 1, 2))):  # partial fills while it rests
            leaves = round(leaves * rng.uniform(0.2, 0.8) / lot) * lot
            if leaves <= 0:
                break
            at_ms += rng.randint(150, 1500)
            out.append((at_ms, 3, BITMEX, _dumps({"table": "liquidation", "action": "update", "data": [
                {"orderID": order_id, "leavesQty": leaves, "symbol": m.symbol}]})))
        at_ms += rng.randint(100, 1200)
        out.append((at_ms, 3, BITMEX, _dumps({"table": "liquidation", "action": "delete", "data": [
            {"orderID": order_id, "symbol": m.symbol}]})))
    return out


BITFINEX_CHANNEL_ID = 91684  # the chanId the replay acks `liq:global` with (bitfinex_replay.py)


def bitfinex_frames(liqs: list[Liq], paths: dict[str, list[float]], rng: random.Random) -> list[Frame]:
    out: list[Frame] = []
    position = 186_400_000
    for liq in liqs:
        m = liq.market
        mark = mark_at(paths, m, liq.ts_ms)
        price = float(fmt_step(_beyond(mark, liq, rng, 0.0005, 0.004), m.tick))
        amount = float(fmt_step(max(liq.notional / price, float(m.lot)), m.lot))
        entry = float(fmt_step(mark * (1.0 + (0.02 if liq.long else -0.02) * rng.uniform(0.5, 2.0)), m.tick))
        position += rng.randint(1, 400)
        signed = amount if liq.long else -amount
        trigger_ms = liq.ts_ms - rng.randint(80, 600)
        for at_ms, match, acquired in ((trigger_ms, 0, None), (liq.ts_ms, 1, price)):
            row = ["pos", position, at_ms, None, m.symbol, signed, entry, None, match, 1, None, acquired]
            out.append((at_ms + rng.randint(3, 40), 3, BITFINEX, _dumps([BITFINEX_CHANNEL_ID, [row]])))
    return out


def _iso(ts_ms: int) -> str:
    seconds, ms = divmod(ts_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def _dydx_trade(rng: random.Random, market: Market, ts_ms: int, sells: bool, size: str, price: str,
                kind: str, height: int) -> dict[str, str]:
    h = f"{rng.getrandbits(128):032x}"
    return {"id": f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{h[16:20]}-{h[20:]}", "size": size, "price": price,
            "side": "SELL" if sells else "BUY", "createdAt": _iso(ts_ms), "type": kind,
            "createdAtHeight": str(height)}


def dydx_frames(liqs: list[Liq], paths: dict[str, list[float]], rng: random.Random) -> list[Frame]:
    """LIQUIDATED trades (one per fill, taker = the liquidated account) and the ordinary BTC-USD trades
    that keep the channel alive between them."""
    height0 = 41_250_000  # ~1.1 s blocks
    trades: list[tuple[int, str, dict[str, str]]] = []
    for liq in liqs:
        m = liq.market
        price = fmt_step(_beyond(mark_at(paths, m, liq.ts_ms), liq, rng, 0.0005, 0.004), m.tick)
        size = fmt_step(max(liq.notional / float(price), float(m.lot)), m.lot)
        height = height0 + (liq.ts_ms - START_MS) * 10 // 11_000
        trades.append((liq.ts_ms, m.symbol, _dydx_trade(rng, m, liq.ts_ms, liq.long, size, price, "LIQUIDATED",
                                                         height)))
    (btc,) = (m for m in markets_of("dydx") if m.coin == "BTC")
    at_ms = START_MS + rng.randint(500, 4000)
    while at_ms < WINDOW_END_MS:
        mark = mark_at(paths, btc, at_ms)
        price = fmt_step(mark * (1.0 + rng.uniform(-0.0002, 0.0002)), btc.tick)
        size = fmt_step(0.0001 * rng.randint(1, 400), btc.lot)
        height = height0 + (at_ms - START_MS) * 10 // 11_000
        trades.append((at_ms, btc.symbol, _dydx_trade(rng, btc, at_ms, rng.random() < 0.5, size, price, "LIMIT",
                                                      height)))
        at_ms += rng.randint(20_000, 60_000)
    trades.sort(key=lambda x: (x[0], x[1]))
    out: list[Frame] = []
    message_id = 1
    for ts_ms, market, trade in trades:
        message_id += 1
        push_ms = ts_ms + rng.randint(40, 400)  # the indexer publishes after the block is processed
        text = _dumps({"type": "channel_data", "connection_id": "8c3b1e0e-5f7a-4e62-9d53-2a1f0c6b7d41",
                       "message_id": message_id, "id": market, "channel": "v4_trades", "version": "2.1.0",
                       "contents": {"trades": [trade]}})
        out.append((push_ms, 3, DYDX, text))
    return out


def htx_frames(liqs: list[Liq], paths: dict[str, list[float]], rng: random.Random) -> list[Frame]:
    out: list[Frame] = []
    for liq in liqs:
        m = liq.market
        price = fmt_step(_beyond(mark_at(paths, m, liq.ts_ms), liq, rng, 0.0005, 0.005), m.tick)
        contracts = max(1, round(liq.notional / (m.contract_size * float(price))))
        places = decimals(fmt_step(m.contract_size, "0.001"))
        amount = round(contracts * m.contract_size, places)
        turnover = round(amount * float(price), 8)
        push_ms = liq.ts_ms + rng.randint(20, 300)
        row = {"contract_code": m.symbol, "symbol": m.coin, "direction": "sell" if liq.long else "buy",
               "offset": "close", "volume": contracts, "amount": amount, "trade_turnover": turnover,
               "price": float(price), "created_at": liq.ts_ms, "pair": m.symbol, "business_type": "swap"}
        text = _dumps({"op": "notify", "topic": f"public.{m.symbol}.liquidation_orders", "ts": push_ms,
                       "data": [row]})
        out.append((push_ms, 3, HTX, text))
    return out
