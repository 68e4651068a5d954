"""A seeded corpus of liquidation frames in each venue's documented layout (resources/docs/feeds.md and
the venues' own API pages), for comparing Cascade's parsers with the peers' handlers on the same frames.
Standard library only: the cryptofeed peer runs in its own virtual environment and reads the corpus as
JSON. Same seed, same frames, byte for byte.

Keys are `<venue>/<frame kind>`; each frame kind is one documented message layout:
- `binance/forceOrder`: the combined-stream `!forceOrder@arr` envelope (USDⓈ-M).
- `bybit/liquidation`: v5 `liquidation.{symbol}` (one order per frame; the layout cryptofeed reads).
- `bybit/allLiquidation`: v5 `allLiquidation.{symbol}` (500 ms batches of 1–5 orders).
- `okx/liquidation-orders`: `liquidation-orders` SWAP pushes (1–3 details); `… x1`: one detail each, as
  OKX's own example (ccxt's handler reads only `details[0]`, so only `x1` compares like with like).
- `bitmex/liquidation`: the `liquidation` table's `insert` action (1–3 resting liquidation orders).
- `deribit/trades`: `trades.{instrument}.100ms` notifications whose trades carry `liquidation` M/T/MT.
- `bybit/tickers`: v5 `tickers.{symbol}` marks (no peer: neither cryptofeed nor ccxt reads them as
  liquidations; here so that a change to the liquidation paths is seen not to slow the most frequent frame
  Cascade parses): a `snapshot` of every documented field per symbol, then `delta`s of the changed fields.
"""

from __future__ import annotations

import json
import random

SEED = 20260120
T0 = 1_768_935_600_000  # 2026-01-20 19:00 UTC

_LINEAR = [("BTCUSDT", 91_900.0, 0.001, 3), ("ETHUSDT", 3_010.0, 0.01, 2), ("SOLUSDT", 127.0, 0.1, 1),
           ("XRPUSDT", 1.91, 1.0, 0), ("DOGEUSDT", 0.128, 10.0, 0), ("1000PEPEUSDT", 0.0105, 100.0, 0)]
_OKX = [("BTC-USDT-SWAP", 91_900.0), ("ETH-USDT-SWAP", 3_010.0), ("SOL-USDT-SWAP", 127.0),
        ("DOGE-USDT-SWAP", 0.128), ("BTC-USD-SWAP", 91_900.0)]
_BITMEX = [("XBTUSD", 91_900.0), ("ETHUSD", 3_010.0), ("XBTUSDT", 91_900.0), ("SOLUSDT", 127.0)]
_DERIBIT = [("BTC-PERPETUAL", 91_900.0), ("ETH-PERPETUAL", 3_010.0)]


def _j(document: object) -> str:
    return json.dumps(document, separators=(",", ":"))


def _px(rng: random.Random, price: float) -> float:
    return price * (1 + rng.uniform(-0.02, 0.02))


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def binance_force_order(rng: random.Random, i: int) -> str:
    symbol, price, step, decimals = rng.choice(_LINEAR)
    qty = step * rng.randint(1, 500)
    px = _px(rng, price)
    ts = T0 + i * 37
    order = {"s": symbol, "S": rng.choice(("SELL", "BUY")), "o": "LIMIT", "f": "IOC", "q": _fmt(qty, decimals),
             "p": _fmt(px * 0.999, 6), "ap": _fmt(px, 6), "X": "FILLED", "l": _fmt(qty, decimals),
             "z": _fmt(qty, decimals), "T": ts}
    return _j({"stream": "!forceOrder@arr", "data": {"e": "forceOrder", "E": ts + 2, "o": order}})


def bybit_liquidation(rng: random.Random, i: int) -> str:
    symbol, price, step, decimals = rng.choice(_LINEAR)
    ts = T0 + i * 41
    data = {"updatedTime": ts, "symbol": symbol, "side": rng.choice(("Buy", "Sell")),
            "size": _fmt(step * rng.randint(1, 500), decimals), "price": _fmt(_px(rng, price), 6)}
    return _j({"topic": f"liquidation.{symbol}", "type": "snapshot", "ts": ts + 1, "data": data})


def bybit_all_liquidation(rng: random.Random, i: int) -> str:
    symbol, price, step, decimals = rng.choice(_LINEAR)
    ts = T0 + i * 500
    rows = [{"T": ts - rng.randint(0, 499), "s": symbol, "S": rng.choice(("Buy", "Sell")),
             "v": _fmt(step * rng.randint(1, 500), decimals), "p": _fmt(_px(rng, price), 6)}
            for _ in range(rng.randint(1, 5))]
    return _j({"topic": f"allLiquidation.{symbol}", "type": "snapshot", "ts": ts, "data": rows})


def okx_liquidation_orders(rng: random.Random, i: int, most: int = 3) -> str:
    inst, price = rng.choice(_OKX)
    family = inst.rsplit("-", 1)[0]
    details = []
    for k in range(rng.randint(1, most)):
        long = rng.random() < 0.5
        details.append({"bkLoss": "0", "bkPx": _fmt(_px(rng, price), 2), "ccy": "", "posSide": "long" if long else
                        "short", "side": "sell" if long else "buy", "sz": str(rng.randint(1, 300)),
                        "ts": str(T0 + i * 53 + k)})
    return _j({"arg": {"channel": "liquidation-orders", "instType": "SWAP"},
               "data": [{"details": details, "instFamily": family, "instId": inst, "instType": "SWAP",
                         "uly": family}]})


def bitmex_liquidation(rng: random.Random, i: int) -> str:
    rows = []
    for _ in range(rng.randint(1, 3)):
        symbol, price = rng.choice(_BITMEX)
        rows.append({"orderID": f"{rng.getrandbits(128):032x}", "symbol": symbol, "side": rng.choice(("Buy", "Sell")),
                     "price": round(_px(rng, price), 1), "leavesQty": 100 * rng.randint(1, 2_000)})
    return _j({"table": "liquidation", "action": "insert", "data": rows})


def deribit_trades(rng: random.Random, i: int) -> str:
    instrument, price = rng.choice(_DERIBIT)
    ts = T0 + i * 100
    trades = [{"trade_seq": i * 10 + k, "trade_id": f"{i * 10 + k}", "timestamp": ts, "tick_direction": 0,
               "price": round(_px(rng, price), 1), "mark_price": round(price, 2), "instrument_name": instrument,
               "index_price": round(price, 2), "direction": rng.choice(("buy", "sell")),
               "amount": float(10 * rng.randint(1, 500)), "liquidation": rng.choice(("M", "T", "MT"))}
              for k in range(rng.randint(1, 3))]
    return _j({"jsonrpc": "2.0", "method": "subscription",
               "params": {"channel": f"trades.{instrument}.100ms", "data": trades}})


_TICKER_SYMBOLS = [(symbol, price, decimals) for symbol, price, _, decimals in _LINEAR]


def bybit_tickers(rng: random.Random, i: int) -> str:
    symbol, price, _ = _TICKER_SYMBOLS[i % len(_TICKER_SYMBOLS)]
    ts = T0 + i * 17
    mark = _px(rng, price)
    data = {"symbol": symbol, "tickDirection": rng.choice(("PlusTick", "ZeroMinusTick")), "markPrice": _fmt(mark, 4),
            "indexPrice": _fmt(mark * 0.9998, 4), "bid1Price": _fmt(mark * 0.9999, 4),
            "bid1Size": str(rng.randint(1, 900)), "ask1Price": _fmt(mark * 1.0001, 4),
            "ask1Size": str(rng.randint(1, 900))}
    kind = "delta"
    if i < len(_TICKER_SYMBOLS):  # each symbol's first frame: the snapshot
        kind = "snapshot"
        data |= {"lastPrice": _fmt(mark, 4), "prevPrice24h": _fmt(price, 4), "price24hPcnt": "0.0171",
                 "highPrice24h": _fmt(price * 1.03, 4), "lowPrice24h": _fmt(price * 0.97, 4),
                 "prevPrice1h": _fmt(price, 4), "openInterest": "68744.761", "openInterestValue": "1183601235.91",
                 "turnover24h": "1570383121.94", "volume24h": "91705.276", "nextFundingTime": str(T0 + 3_600_000),
                 "fundingRate": "-0.000212"}
    elif rng.random() < 0.1:
        data["fundingRate"] = _fmt(rng.uniform(-0.0005, 0.0005), 6)
    return _j({"topic": f"tickers.{symbol}", "type": kind, "data": data, "cs": 24_987_956_059 + i, "ts": ts})


KINDS = {
    "binance/forceOrder": binance_force_order,
    "bybit/liquidation": bybit_liquidation,
    "bybit/allLiquidation": bybit_all_liquidation,
    "okx/liquidation-orders": okx_liquidation_orders,
    "okx/liquidation-orders x1": lambda rng, i: okx_liquidation_orders(rng, i, most=1),
    "bitmex/liquidation": bitmex_liquidation,
    "deribit/trades": deribit_trades,
    "bybit/tickers": bybit_tickers,
}


def corpus(frames_per_kind: int = 2_000, seed: int = SEED) -> dict[str, list[str]]:
    """`frames_per_kind` frames of every kind, from one seeded generator per kind (stable on its own)."""
    return {kind: [make(random.Random(f"{seed}/{kind}/{i}"), i) for i in range(frames_per_kind)]
            for kind, make in KINDS.items()}
