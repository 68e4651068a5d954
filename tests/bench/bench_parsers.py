"""Parser throughput: messages/s per venue and frame type (median of several runs), against a naive
stdlib-json + dict parser producing the same events, plus raw decode speed of msgspec vs orjson/json.

Run: .venv/bin/python tests/bench/bench_parsers.py [--runs 7] [--seconds 0.2] [--ccxt-path DIR]
Prints figures only; nothing here asserts on time. ccxt is never a dependency: when importable (e.g.
`pip install --target /tmp/ccxt_bench ccxt` and `--ccxt-path /tmp/ccxt_bench`), its pro clients'
`handle_liquidation` (json.loads + its normaliser, no network) is measured on the same frames.

Against the peers (issue 14 item 1): `--peers` runs Cascade's parsers, cryptofeed's own feed handlers and
ccxt's `handle_liquidation` on one seeded corpus of documented frame layouts (tests/bench/parser_corpus.py),
pass by pass in turn (ours, cryptofeed, ccxt, for each frame kind), and prints the median msgs/s of the
passes (messages per CPU-second of the measuring thread, so other load on the machine does not count),
the ratios and the machine's speed (`sum(range(10**8))`, wall and CPU seconds). cryptofeed pins packages that do not sit
beside Cascade's, so it runs in its own virtual environment as a subprocess (tests/bench/peer_cryptofeed.py);
make it with tests/bench/install_peers.sh (default ../peers-venv) and point `--peers-python` at it.
The `bybit/tickers` row (marks) has no peer: it is there so that a change to a liquidation path is seen
not to slow the most frequent frame Cascade parses (its ceiling: one typed decode + the same merged marks).

    tests/bench/install_peers.sh ../peers-venv
    .venv/bin/python tests/bench/bench_parsers.py --peers --peers-python ../peers-venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import msgspec

from app.core.events import Liquidation, MarkPrice
from app.core.instruments import canonical_coin, load_bundled
from app.core.venues import binance, bybit, okx
from app.core.venues.binance import BinanceState
from app.core.venues.bybit import BybitState
from app.core.venues.common import ID_BYTES, liquidation_id

try:
    import orjson
except ImportError:  # the `bench` extra
    orjson = None  # type: ignore[assignment]

MAJORS = ["BTC", "ETH", "SOL", "XRP", "DOGE"]


def _binance_force_order(i: int) -> str:
    order = {
        "s": "BTCUSDT",
        "S": "SELL",
        "o": "LIMIT",
        "f": "IOC",
        "q": "0.014",
        "p": "91910.10",
        "ap": "91912.40",
        "X": "FILLED",
        "l": "0.014",
        "z": "0.014",
        "T": 1768935600000 + i,
    }
    return json.dumps({"stream": "!forceOrder@arr", "data": {"e": "forceOrder", "E": 1768935600001 + i, "o": order}})


def _binance_marks(count: int) -> str:
    rows = [
        {
            "e": "markPriceUpdate",
            "E": 1768935600000,
            "s": f"C{n}USDT",
            "p": "91910.10000000",
            "i": "91905.62659091",
            "P": "91904.25641265",
            "r": "0.00010000",
            "T": 1768953600000,
        }
        for n in range(count)
    ]
    return json.dumps({"stream": "!markPrice@arr@1s", "data": rows})


def _bybit_liquidations(rows: int) -> str:
    data = [{"T": 1768935600000 + n, "s": "ETHUSDT", "S": "Buy", "v": "12.5", "p": "3011.25"} for n in range(rows)]
    return json.dumps({"topic": "allLiquidation.ETHUSDT", "type": "snapshot", "ts": 1768935600500, "data": data})


BYBIT_TICKER_DELTA = json.dumps(
    {
        "topic": "tickers.BTCUSDT",
        "type": "delta",
        "cs": 9532239429,
        "ts": 1768935600100,
        "data": {
            "symbol": "BTCUSDT",
            "markPrice": "91910.10",
            "indexPrice": "91905.62",
            "bid1Price": "91910.00",
            "bid1Size": "1.2",
            "ask1Price": "91910.10",
            "ask1Size": "0.8",
            "fundingRate": "0.0001",
        },
    }
)
BYBIT_TICKER_SNAPSHOT = BYBIT_TICKER_DELTA.replace('"delta"', '"snapshot"')
OKX_LIQUIDATION = json.dumps(
    {
        "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
        "data": [
            {
                "details": [
                    {
                        "bkLoss": "0",
                        "bkPx": "91850.1",
                        "ccy": "",
                        "posSide": "long",
                        "side": "sell",
                        "sz": "13",
                        "ts": "1768935600000",
                    }
                ],
                "instFamily": "BTC-USDT",
                "instId": "BTC-USDT-SWAP",
                "instType": "SWAP",
                "uly": "BTC-USDT",
            }
        ],
    }
)
OKX_MARK = json.dumps(
    {
        "arg": {"channel": "mark-price", "instId": "BTC-USDT-SWAP"},
        "data": [{"instType": "SWAP", "instId": "BTC-USDT-SWAP", "markPx": "91910.1", "ts": "1768935600000"}],
    }
)

# --- the in-process peer: stdlib json + dict access, same events out ---------------------------------

_INSTRUMENTS = load_bundled()


def naive_binance(frame: str, received_ms: int) -> list[Any]:
    message = json.loads(frame)
    payload = message.get("data", message)
    if isinstance(payload, list):
        return [
            MarkPrice(
                "binance",
                m["s"],
                canonical_coin("binance", m["s"]),
                float(m["p"]),
                int(m["E"]),
                float(m["i"]),
                float(m["r"]) if m["r"] else None,
                int(m["T"]) or None,
            )
            for m in payload
        ]
    order = payload["o"]
    side = "long" if order["S"] == "SELL" else "short"
    qty, price, ts = float(order["z"]), float(order["ap"]), int(order["T"])
    symbol = order["s"]
    return [
        Liquidation(
            "binance",
            symbol,
            canonical_coin("binance", symbol),
            "linear_perp",
            side,
            price,
            qty,
            qty * price,
            ts,
            "sampled",
            liquidation_id("binance", symbol, ts, side, qty, price),
        )
    ]


def naive_bybit(frame: str, received_ms: int, state: dict[str, dict[str, Any]]) -> list[Any]:
    message = json.loads(frame)
    topic = message.get("topic", "")
    if topic.startswith("allLiquidation."):
        events = []
        for row in message["data"]:
            side = "long" if row["S"] == "Buy" else "short"
            qty, price, ts, symbol = float(row["v"]), float(row["p"]), int(row["T"]), row["s"]
            events.append(
                Liquidation(
                    "bybit",
                    symbol,
                    canonical_coin("bybit", symbol),
                    "linear_perp",
                    side,
                    price,
                    qty,
                    qty * price,
                    ts,
                    "all",
                    liquidation_id("bybit", symbol, ts, side, qty, price),
                )
            )
        return events
    if topic.startswith("tickers."):
        data = message["data"]
        merged = state.setdefault(data["symbol"], {})
        if message["type"] == "snapshot":
            merged.clear()
        merged.update(data)
        symbol = data["symbol"]
        return [
            MarkPrice(
                "bybit",
                symbol,
                canonical_coin("bybit", symbol),
                float(merged["markPrice"]),
                int(message["ts"]),
                float(merged["indexPrice"]),
                float(merged["fundingRate"]),
            )
        ]
    return []


def naive_okx(frame: str, received_ms: int) -> list[Any]:
    if frame == "pong":
        return []
    message = json.loads(frame)
    channel = message["arg"]["channel"]
    events: list[Any] = []
    if channel == "mark-price":
        for row in message["data"]:
            events.append(
                MarkPrice(
                    "okx", row["instId"], canonical_coin("okx", row["instId"]), float(row["markPx"]), int(row["ts"])
                )
            )
        return events
    for row in message["data"]:
        instrument = _INSTRUMENTS.get("okx", row["instId"])
        for d in row["details"]:
            side = d["posSide"] if d["posSide"] in ("long", "short") else ("long" if d["side"] == "sell" else "short")
            price, ts = float(d["bkPx"]), int(d["ts"])
            qty = float(d["sz"]) * instrument.contract_size
            events.append(
                Liquidation(
                    "okx",
                    row["instId"],
                    instrument.coin,
                    instrument.kind,
                    side,
                    price,
                    qty,
                    qty * price,
                    ts,
                    "partial",
                    liquidation_id("okx", row["instId"], ts, side, qty, price),
                )
            )
    return events


# --- measurement ---------------------------------------------------------------------------------


def rate(call: Callable[[], object], seconds: float, runs: int) -> float:
    """Median calls/s over `runs` runs of about `seconds` each."""
    batch = 1
    while True:  # size a batch to ~seconds/10
        start = time.perf_counter()
        for _ in range(batch):
            call()
        if time.perf_counter() - start > seconds / 10:
            break
        batch *= 2
    rates = []
    for _ in range(runs):
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(batch):
                call()
            done += batch
        rates.append(done / (time.perf_counter() - start))
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2)
    parser.add_argument("--ccxt-path", help="a directory where ccxt is installed (optional peer)")
    parser.add_argument("--peers", action="store_true", help="Cascade vs cryptofeed vs ccxt on the seeded corpus")
    parser.add_argument("--peers-python", default=str(DEFAULT_PEERS_PYTHON),
                        help="the python of the virtual environment holding cryptofeed (install_peers.sh)")
    parser.add_argument("--frames", type=int, default=2_000, help="corpus frames per kind (--peers)")
    parser.add_argument("--passes", type=int, default=9, help="passes per peer, median taken (--peers, >= 5)")
    parser.add_argument("--ceiling", action="store_true",
                        help="with --peers: also the measured ceiling (one typed decode + the same records)")
    args = parser.parse_args(argv)
    if args.peers:
        return bench_peers(args.peers_python, args.frames, max(args.passes, 5), args.ccxt_path, args.ceiling)
    runs, seconds = args.runs, args.seconds

    binance_state = BinanceState()
    marks_20, marks_600 = _binance_marks(20), _binance_marks(600)
    force_order = _binance_force_order(1)
    cases: list[tuple[str, str, Callable[[], object], Callable[[], object]]] = [
        (
            "binance",
            "forceOrder (combined)",
            lambda: binance.parse(force_order, 0, _INSTRUMENTS),
            lambda: naive_binance(force_order, 0),
        ),
        (
            "binance",
            "markPrice@arr x20",
            lambda: binance.parse(marks_20, 0, _INSTRUMENTS, binance_state),
            lambda: naive_binance(marks_20, 0),
        ),
        (
            "binance",
            "markPrice@arr x600",
            lambda: binance.parse(marks_600, 0, _INSTRUMENTS, binance_state),
            lambda: naive_binance(marks_600, 0),
        ),
    ]
    bybit_state, naive_state = BybitState("linear"), {}
    bybit.parse(BYBIT_TICKER_SNAPSHOT, 0, _INSTRUMENTS, bybit_state)
    naive_bybit(BYBIT_TICKER_SNAPSHOT, 0, naive_state)
    for rows in (1, 10):
        frame = _bybit_liquidations(rows)
        cases.append(
            (
                "bybit",
                f"allLiquidation x{rows}",
                lambda f=frame: bybit.parse(f, 0, _INSTRUMENTS),
                lambda f=frame: naive_bybit(f, 0, {}),
            )
        )
    cases += [
        (
            "bybit",
            "tickers delta",
            lambda: bybit.parse(BYBIT_TICKER_DELTA, 0, _INSTRUMENTS, bybit_state),
            lambda: naive_bybit(BYBIT_TICKER_DELTA, 0, naive_state),
        ),
        (
            "okx",
            "liquidation-orders",
            lambda: okx.parse(OKX_LIQUIDATION, 0, _INSTRUMENTS),
            lambda: naive_okx(OKX_LIQUIDATION, 0),
        ),
        ("okx", "mark-price", lambda: okx.parse(OKX_MARK, 0, _INSTRUMENTS), lambda: naive_okx(OKX_MARK, 0)),
        ("okx", "pong", lambda: okx.parse("pong", 0, _INSTRUMENTS), lambda: naive_okx("pong", 0)),
    ]

    print(f"Python {sys.version.split()[0]}, msgspec {msgspec.__version__}; median of {runs} runs x {seconds}s")
    print(f"{'venue':8} {'frame':24} {'cascade msg/s':>14} {'naive msg/s':>12} {'ratio':>6}")
    for venue, name, ours, naive in cases:
        assert ours() == naive(), f"{venue} {name}: the peer must produce the same events"
        fast, slow = rate(ours, seconds, runs), rate(naive, seconds, runs)
        print(f"{venue:8} {name:24} {fast:14,.0f} {slow:12,.0f} {fast / slow:5.2f}x")

    print()
    print("Decode only (frame -> Python objects), msgs/s:")
    print(f"{'frame':24} {'json':>10} {'orjson':>10} {'msgspec':>10} {'msgspec typed':>14}")
    typed = {
        "forceOrder (combined)": (_binance_force_order(1), binance._DECODER),
        "markPrice@arr x600": (marks_600, binance._DECODER),
        "allLiquidation x10": (_bybit_liquidations(10), None),
        "okx liquidation-orders": (OKX_LIQUIDATION, None),
    }
    for name, (frame, decoder) in typed.items():
        frame_bytes = frame.encode()
        json_rate = rate(lambda f=frame: json.loads(f), seconds, runs)
        orjson_rate = rate(lambda f=frame_bytes: orjson.loads(f), seconds, runs) if orjson else float("nan")
        msgspec_rate = rate(lambda f=frame_bytes: msgspec.json.decode(f), seconds, runs)
        typed_text = "-"
        if decoder is not None:
            typed_text = f"{rate(lambda f=frame_bytes, d=decoder: d.decode(f), seconds, runs):,.0f}"
        print(f"{name:24} {json_rate:10,.0f} {orjson_rate:10,.0f} {msgspec_rate:10,.0f} {typed_text:>14}")
    bench_ccxt(args.ccxt_path, force_order, runs, seconds)
    return 0


def bench_ccxt(path: str | None, force_order: str, runs: int, seconds: float) -> None:
    if path:
        sys.path.insert(0, path)
    try:
        import ccxt.pro as ccxt_pro
    except ImportError:
        print("\nccxt not importable: skipped (see --ccxt-path)")
        return

    class _Client:  # what handle_liquidation resolves futures on; nothing listens here
        def resolve(self, *_: object) -> None:
            pass

    client = _Client()
    bybit_frame = _bybit_liquidations(1)
    peers = [
        ("binance", "forceOrder", ccxt_pro.binance(), force_order, lambda f: binance.parse(f, 0, _INSTRUMENTS)),
        ("bybit", "allLiquidation x1", ccxt_pro.bybit(), bybit_frame, lambda f: bybit.parse(f, 0, _INSTRUMENTS)),
        ("okx", "liquidation-orders", ccxt_pro.okx(), OKX_LIQUIDATION, lambda f: okx.parse(f, 0, _INSTRUMENTS)),
    ]
    print(f"\nccxt {ccxt_pro.__version__} pro handle_liquidation (json.loads + normalise), msgs/s:")
    print(f"{'venue':8} {'frame':24} {'cascade msg/s':>14} {'ccxt msg/s':>12} {'ratio':>6}")
    for venue, name, exchange, frame, ours in peers:
        payload_of = (lambda f: json.loads(f)["data"]) if venue == "binance" else json.loads

        def theirs(exchange=exchange, frame=frame, payload_of=payload_of) -> None:
            exchange.handle_liquidation(client, payload_of(frame))

        fast, slow = rate(lambda f=frame, ours=ours: ours(f), seconds, runs), rate(theirs, seconds, runs)
        print(f"{venue:8} {name:24} {fast:14,.0f} {slow:12,.0f} {fast / slow:5.1f}x")


# --- the ceiling: what one typed msgspec decode + the same records cost, nothing else ---------------


class _CeilOrder(msgspec.Struct, gc=False):
    s: str
    S: str
    q: float
    p: float
    ap: float
    z: float
    T: int


class _CeilForce(msgspec.Struct, gc=False):
    o: _CeilOrder


class _CeilBinance(msgspec.Struct, gc=False):
    data: _CeilForce


class _CeilLegacyRow(msgspec.Struct, gc=False):
    updatedTime: int
    symbol: str
    side: str
    size: float
    price: float


class _CeilBybitLegacy(msgspec.Struct, gc=False):
    data: _CeilLegacyRow


class _CeilAllRow(msgspec.Struct, gc=False):
    T: int
    s: str
    S: str
    v: float
    p: float


class _CeilBybitAll(msgspec.Struct, gc=False):
    data: list[_CeilAllRow]


class _CeilOkxDetail(msgspec.Struct, gc=False):
    bkPx: float
    sz: float
    side: str
    posSide: str
    ts: int


class _CeilOkxRow(msgspec.Struct, gc=False):
    instId: str
    details: list[_CeilOkxDetail]


class _CeilOkx(msgspec.Struct, gc=False):
    data: list[_CeilOkxRow]


class _CeilBitmexRow(msgspec.Struct, gc=False):
    orderID: str
    symbol: str
    side: str
    price: float
    leavesQty: float


class _CeilBitmex(msgspec.Struct, gc=False):
    data: list[_CeilBitmexRow]


class _CeilTrade(msgspec.Struct, gc=False):
    instrument_name: str
    timestamp: int
    direction: str
    price: float
    amount: float
    trade_id: str
    liquidation: str | None = None


class _CeilTradesParams(msgspec.Struct, gc=False):
    data: list[_CeilTrade]


class _CeilDeribit(msgspec.Struct, gc=False):
    params: _CeilTradesParams


class _CeilTicker(msgspec.Struct, gc=False):
    symbol: str
    markPrice: float | None = None
    indexPrice: float | None = None
    fundingRate: float | None = None
    nextFundingTime: int | None = None


class _CeilTickers(msgspec.Struct, gc=False):
    type: str
    ts: int
    data: _CeilTicker


def _ceiling(kind: str) -> Callable[[str], list[Any]]:
    """The measured ceiling of a normaliser on these frames (issue 14): one typed msgspec decode of the
    frame kind known in advance (no dispatch, no constraints, no Literal checks, no fallback paths), then
    the same records as Cascade's parser: the same coin, kind, sizes and ids (the symbol's facts from a
    plain dict, filled once by the parser's own per-symbol function; `common`'s content-hash id where the
    venue gives none), and nothing else: no cross-frame state (BitMEX's orderID memory), no numbering of
    repeats within a frame, no validation. One call per frame, as Cascade's `parse`; `bench_peers` checks
    that it makes exactly Cascade's records from the corpus."""
    from app.core.venues import bitmex, deribit

    facts: dict[str, Any] = {}
    if kind == "binance/forceOrder":
        decode_binance = msgspec.json.Decoder(_CeilBinance, strict=False).decode

        def binance_frame(frame: str) -> list[Any]:
            order = decode_binance(frame).data.o
            symbol = order.s
            fact = facts.get(symbol)
            if fact is None:
                fact = facts[symbol] = binance._symbol_facts(_INSTRUMENTS, symbol)
            coin, kind_, inverse, factor, key, _ = fact
            ts, long = order.T, order.S == "SELL"
            filled = order.z if order.z > 0 else order.q
            price = order.ap if order.ap > 0 else order.p
            if inverse:
                usd = filled * factor
                qty = usd / price
            else:
                qty = filled * factor
                usd = filled * price
            return [Liquidation("binance", symbol, coin, kind_, "long" if long else "short", price, qty, usd, ts,
                                "sampled", ID_BYTES(hash((key, ts, long, qty, price))).hex())]

        return binance_frame
    if kind == "bybit/liquidation":
        legacy_facts = bybit._FACTS["linear"]._compute
        decode_legacy = msgspec.json.Decoder(_CeilBybitLegacy, strict=False).decode

        def bybit_legacy_frame(frame: str) -> list[Any]:
            row = decode_legacy(frame).data
            symbol, size, price, ts = row.symbol, row.size, row.price, row.updatedTime
            fact = facts.get(symbol)
            if fact is None:
                fact = facts[symbol] = legacy_facts(_INSTRUMENTS, symbol)
            coin, kind_, inverse, factor, key = fact
            long = row.side == "Buy"
            if inverse:
                usd = size * factor
                qty = usd / price
            else:
                qty = size * factor
                usd = size * price
            return [Liquidation("bybit", symbol, coin, kind_, "long" if long else "short", price, qty, usd, ts,
                                "sampled", ID_BYTES(hash((key, ts, long, qty, price))).hex())]

        return bybit_legacy_frame
    if kind == "bybit/allLiquidation":
        all_facts = bybit._FACTS["linear"]._compute
        decode_all = msgspec.json.Decoder(_CeilBybitAll, strict=False).decode

        def bybit_all_frame(frame: str) -> list[Any]:
            events: list[Any] = []
            for row in decode_all(frame).data:
                symbol, size, price, ts = row.s, row.v, row.p, row.T
                fact = facts.get(symbol)
                if fact is None:
                    fact = facts[symbol] = all_facts(_INSTRUMENTS, symbol)
                coin, kind_, inverse, factor, key = fact
                long = row.S == "Buy"
                if inverse:
                    usd = size * factor
                    qty = usd / price
                else:
                    qty = size * factor
                    usd = size * price
                events.append(Liquidation("bybit", symbol, coin, kind_, "long" if long else "short", price, qty, usd,
                                          ts, "all", ID_BYTES(hash((key, ts, long, qty, price))).hex()))
            return events

        return bybit_all_frame
    if kind == "bybit/tickers":  # marks: the snapshot's fields, then each delta's changed ones, merged per symbol
        decode_tickers = msgspec.json.Decoder(_CeilTickers, strict=False).decode
        merged: dict[str, list[Any]] = {}

        def bybit_tickers_frame(frame: str) -> list[Any]:
            message = decode_tickers(frame)
            row = message.data
            symbol = row.symbol
            fields = merged.get(symbol)
            if fields is None or message.type == "snapshot":
                coin = facts.get(symbol)
                if coin is None:
                    coin = facts[symbol] = canonical_coin("bybit", symbol)
                fields = merged[symbol] = [coin, None, None, None, None]
            if row.markPrice is not None:
                fields[1] = row.markPrice
            if row.indexPrice is not None:
                fields[2] = row.indexPrice
            if row.fundingRate is not None:
                fields[3] = row.fundingRate
            if row.nextFundingTime is not None:
                fields[4] = row.nextFundingTime
            return [MarkPrice("bybit", symbol, fields[0], fields[1], message.ts, fields[2], fields[3], fields[4])]

        return bybit_tickers_frame
    if kind.startswith("okx/"):
        decode_okx = msgspec.json.Decoder(_CeilOkx, strict=False).decode

        def okx_frame(frame: str) -> list[Any]:
            events: list[Any] = []
            for row in decode_okx(frame).data:
                inst_id = row.instId
                fact = facts.get(inst_id)
                if fact is None:
                    fact = facts[inst_id] = okx._symbol_facts(_INSTRUMENTS, inst_id)
                coin, kind_, inverse, size, key, unconvertible = fact
                if unconvertible is not None:
                    events.append(unconvertible)
                    continue
                for detail in row.details:
                    pos_side = detail.posSide
                    long = pos_side == "long" if pos_side == "long" or pos_side == "short" else detail.side == "sell"
                    contracts, price, ts = detail.sz, detail.bkPx, detail.ts
                    if inverse:
                        usd = contracts * size
                        qty = usd / price
                    else:
                        qty = contracts * size
                        usd = qty * price
                    events.append(Liquidation("okx", inst_id, coin, kind_, "long" if long else "short", price, qty,
                                              usd, ts, "partial",
                                              ID_BYTES(hash((key, ts, long, qty, price))).hex()))
            return events

        return okx_frame
    if kind == "bitmex/liquidation":
        decode_bitmex = msgspec.json.Decoder(_CeilBitmex, strict=False).decode
        sides = {"Sell": "long", "Buy": "short"}

        def bitmex_frame(frame: str) -> list[Any]:
            events: list[Any] = []
            for row in decode_bitmex(frame).data:
                symbol = row.symbol
                fact = facts.get(symbol)
                if fact is None:
                    fact = facts[symbol] = bitmex._symbol_facts(_INSTRUMENTS, symbol)
                coin, kind_, inverse, size, unconvertible = fact
                if unconvertible is not None:
                    events.append(unconvertible)
                    continue
                price, contracts = row.price, row.leavesQty
                if inverse:
                    usd = contracts * size
                    qty = usd / price
                else:
                    qty = contracts * size
                    usd = qty * price
                events.append(Liquidation("bitmex", symbol, coin, kind_, sides[row.side], price, qty, usd, 0, "all",
                                          row.orderID))
            return events

        return bitmex_frame
    if kind == "deribit/trades":
        decode_deribit = msgspec.json.Decoder(_CeilDeribit, strict=False).decode
        liquidated = deribit._LIQUIDATED

        def deribit_frame(frame: str) -> list[Any]:
            events: list[Any] = []
            for trade in decode_deribit(frame).params.data:
                flag = trade.liquidation
                if flag is None:
                    continue
                name, amount, price, ts = trade.instrument_name, trade.amount, trade.price, trade.timestamp
                fact = facts.get(name)
                if fact is None:
                    fact = facts[name] = deribit._symbol_facts(_INSTRUMENTS, name)
                coin, kind_, inverse, _ = fact
                if inverse:
                    usd = amount
                    qty = amount / price
                else:
                    qty = amount
                    usd = amount * price
                sides = liquidated[(flag, trade.direction)]
                for side in sides:
                    ident = trade.trade_id if len(sides) == 1 else f"{trade.trade_id}-{side}"
                    events.append(Liquidation("deribit", name, coin, kind_, side, price, qty, usd, ts, "all", ident))
            return events

        return deribit_frame
    raise KeyError(kind)


# --- against the peers, on one seeded corpus ---------------------------------------------------------

DEFAULT_PEERS_PYTHON = Path(__file__).resolve().parents[3] / "peers-venv" / "bin" / "python"


def machine_seconds() -> tuple[float, float]:
    """The machine's speed as the issue reports it: (wall, CPU) seconds for `sum(range(10**8))`."""
    started, cpu = time.perf_counter(), time.thread_time()
    sum(range(10**8))
    return time.perf_counter() - started, time.thread_time() - cpu


def _ours(kind: str) -> Callable[[list[str]], int]:
    """One pass of Cascade's parser over the frames (fresh per-connection state each pass, as a new
    connection would have), returning the events made."""
    from app.core.venues import bitmex, deribit

    parse: Callable[..., list[Any]]
    state: Callable[[], Any]
    parse, state = {
        "binance": (binance.parse, BinanceState),
        "bybit": (bybit.parse, lambda: BybitState("linear")),
        "okx": (okx.parse, lambda: None),
        "bitmex": (bitmex.parse, bitmex.SeenOrders),
        "deribit": (deribit.parse, lambda: None),
    }[kind.split("/", 1)[0]]

    def run(frames: list[str]) -> int:
        made, current = 0, state()
        for frame in frames:
            made += len(parse(frame, 0, _INSTRUMENTS, current))
        return made

    return run


def _per_frame(normalise: Callable[[str], list[Any]]) -> Callable[[list[str]], int]:
    """One pass of a per-frame normaliser (the ceiling), in the same loop as `_ours`."""

    def run(frames: list[str]) -> int:
        made = 0
        for frame in frames:
            made += len(normalise(frame))
        return made

    return run


def _ccxt_peers(path: str | None) -> tuple[str, dict[str, Callable[[list[str]], int]]]:
    """ccxt's own `handle_liquidation` per frame kind it handles (json.loads first: its client decodes)."""
    if path:
        sys.path.insert(0, path)
    try:
        import ccxt.pro as ccxt_pro
    except ImportError:
        return "", {}

    class _Client:  # what handle_liquidation resolves futures on; nothing listens here
        def resolve(self, *_: object) -> None:
            pass

    client = _Client()

    def make(exchange: Any, unwrap: bool) -> Callable[[list[str]], int]:
        handle = exchange.handle_liquidation
        loads = json.loads

        def run(frames: list[str]) -> int:
            for frame in frames:
                message = loads(frame)
                handle(client, message["data"] if unwrap else message)
            return len(frames)

        return run

    bybit_exchange = ccxt_pro.bybit()
    return ccxt_pro.__version__, {
        "binance/forceOrder": make(ccxt_pro.binance(), True),
        "bybit/liquidation": make(bybit_exchange, False),
        "bybit/allLiquidation": make(bybit_exchange, False),
        "okx/liquidation-orders": make(ccxt_pro.okx(), False),  # ccxt normalises details[0] only
        "okx/liquidation-orders x1": make(ccxt_pro.okx(), False),
    }


class _CryptofeedPeer:
    """tests/bench/peer_cryptofeed.py in its own interpreter: one pass per request line."""

    def __init__(self, python: str, corpus_path: Path) -> None:
        import subprocess

        script = Path(__file__).resolve().with_name("peer_cryptofeed.py")
        self.process = subprocess.Popen([python, str(script), str(corpus_path)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        ready = json.loads(self.process.stdout.readline())
        self.version: str = ready["version"]
        self.liquidations: dict[str, int] = ready["liquidations"]

    def kinds(self) -> set[str]:
        return set(self.liquidations)

    def one_pass(self, kind: str) -> float:
        """msgs/s of one pass over `kind`'s frames."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(kind + "\n")
        self.process.stdin.flush()
        frames, seconds = self.process.stdout.readline().split()
        return int(frames) / float(seconds)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _timed(run: Callable[[list[str]], int], frames: list[str]) -> float:
    """msgs per CPU-second of this thread: a loaded machine preempting a pass does not count against it
    (wall time on a busy 2-core box varies 3x between passes; CPU time is what the parser costs)."""
    started = time.thread_time()
    run(frames)
    return len(frames) / (time.thread_time() - started)


def bench_peers(peers_python: str, frames_per_kind: int, passes: int, ccxt_path: str | None,
                with_ceiling: bool = False) -> int:
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from parser_corpus import SEED, corpus

    frames = corpus(frames_per_kind)
    speed = machine_seconds()
    ccxt_version, ccxt_runs = _ccxt_peers(ccxt_path)
    peer: _CryptofeedPeer | None = None
    with tempfile.TemporaryDirectory() as directory:
        corpus_path = Path(directory) / "corpus.json"
        corpus_path.write_text(json.dumps(frames))
        if Path(peers_python).exists():
            peer = _CryptofeedPeer(peers_python, corpus_path)
        else:
            print(f"cryptofeed peer skipped: no {peers_python} (tests/bench/install_peers.sh makes it)")
        ours = {kind: _ours(kind) for kind in frames}
        ceilings: dict[str, Callable[[list[str]], int]] = {}
        events_made: dict[str, int] = {}
        for kind, run in ours.items():  # warm-up, and a check that every frame gives events
            made = events_made[kind] = run(frames[kind])
            assert made >= len(frames[kind]), f"{kind}: {made} events from {len(frames[kind])} frames"
            if with_ceiling:
                normalise = _ceiling(kind)
                parse_one = _parse_one(kind)
                for frame in frames[kind]:  # the ceiling makes exactly Cascade's records, frame by frame
                    assert normalise(frame) == parse_one(frame), f"{kind}: the ceiling differs on {frame}"
                ceilings[kind] = _per_frame(normalise)
        names = ("ours", "ceiling", "cryptofeed", "ccxt")
        rates: dict[str, dict[str, list[float]]] = {kind: {name: [] for name in names} for kind in frames}
        for _ in range(passes):  # pass by pass, in turn: a machine slowing down hits every peer alike
            for kind, kind_frames in frames.items():
                rates[kind]["ours"].append(_timed(ours[kind], kind_frames))
                if kind in ceilings:
                    rates[kind]["ceiling"].append(_timed(ceilings[kind], kind_frames))
                if peer is not None and kind in peer.kinds():
                    rates[kind]["cryptofeed"].append(peer.one_pass(kind))
                if kind in ccxt_runs:
                    rates[kind]["ccxt"].append(_timed(ccxt_runs[kind], kind_frames))
        if peer is not None:
            peer.close()
    cf_version = peer.version if peer is not None else "-"
    print(f"Parsers vs peers: Python {sys.version.split()[0]}, msgspec {msgspec.__version__}, cryptofeed "
          f"{cf_version}, ccxt {ccxt_version or '-'}; corpus seed {SEED}, {frames_per_kind} frames per kind; "
          f"median of {passes} passes")
    print(f"machine speed: sum(range(10**8)) = {speed[0]:.2f} s wall, {speed[1]:.2f} s CPU; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print("figures: messages per CPU-second of the measuring thread (median of the passes); ratios: the median "
          "of each round's ratio (a round's passes run back to back, so they share the machine's state)")
    header = (f"{'venue/frames':26} {'cascade msg/s':>14} {'cryptofeed':>12} {'ccxt':>12} "
              f"{'vs cryptofeed':>14} {'vs ccxt':>8}")
    if with_ceiling:
        header += f" {'ceiling msg/s':>14} {'ceil/cf':>8} {'ceil/ccxt':>9} {'of ceiling':>11}"
    print(header)
    for kind, by_peer in rates.items():
        ours_rate = statistics.median(by_peer["ours"])
        cells = [statistics.median(by_peer[name]) if by_peer[name] else None for name in ("cryptofeed", "ccxt")]
        ratios = [f"{_paired(by_peer['ours'], by_peer[name]):.2f}x" if by_peer[name] else "-"
                  for name in ("cryptofeed", "ccxt")]
        shown = [f"{rate:,.0f}" if rate else "-" for rate in cells]
        line = f"{kind:26} {ours_rate:14,.0f} {shown[0]:>12} {shown[1]:>12} {ratios[0]:>14} {ratios[1]:>8}"
        if with_ceiling and by_peer["ceiling"]:
            top = statistics.median(by_peer["ceiling"])
            over = [f"{_paired(by_peer['ceiling'], by_peer[name]):.2f}x" if by_peer[name] else "-"
                    for name in ("cryptofeed", "ccxt")]
            line += f" {top:14,.0f} {over[0]:>8} {over[1]:>9} {_paired(by_peer['ours'], by_peer['ceiling']):10.0%}"
        print(line)
    if peer is not None:  # the same frames, and (but for Deribit's MT trades) the same events out
        print("events per pass, Cascade / cryptofeed: " + ", ".join(
            f"{kind} {events_made[kind]:,} / {peer.liquidations[kind]:,}" for kind in frames if kind in peer.kinds()))
        print("(a Deribit `MT` trade liquidated both sides: two records here, one in cryptofeed; ccxt's OKX handler "
              "reads only details[0], so `okx/liquidation-orders x1` is the like-for-like row)")
    return 0


def _paired(ours: list[float], theirs: list[float]) -> float:
    """The median of the per-round ratios: each round's two passes ran back to back, so a burst of load on
    a shared machine hits both (the ratio of the two medians mixes passes from different moments)."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def _parse_one(kind: str) -> Callable[[str], list[Any]]:
    """Cascade's parser on one frame, with the state a connection would carry across frames."""
    from app.core.venues import bitmex, deribit

    venue = kind.split("/", 1)[0]
    parse, state = {
        "binance": (binance.parse, BinanceState()),
        "bybit": (bybit.parse, BybitState("linear")),
        "okx": (okx.parse, None),
        "bitmex": (bitmex.parse, bitmex.SeenOrders()),
        "deribit": (deribit.parse, None),
    }[venue]
    return lambda frame: parse(frame, 0, _INSTRUMENTS, state)


if __name__ == "__main__":
    raise SystemExit(main())
