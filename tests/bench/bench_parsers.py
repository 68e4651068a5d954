"""Parser throughput: messages/s per venue and frame type (median of several runs), against a naive
stdlib-json + dict parser producing the same events, plus raw decode speed of msgspec vs orjson/json.

Run: .venv/bin/python tests/bench/bench_parsers.py [--runs 7] [--seconds 0.2] [--ccxt-path DIR]
Prints figures only; nothing here asserts on time. ccxt is never a dependency: when importable (e.g.
`pip install --target /tmp/ccxt_bench ccxt` and `--ccxt-path /tmp/ccxt_bench`), its pro clients'
`handle_liquidation` (json.loads + its normaliser, no network) is measured on the same frames.
"""

from __future__ import annotations

import argparse
import json
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
from app.core.venues.common import liquidation_id

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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    raise SystemExit(main())
