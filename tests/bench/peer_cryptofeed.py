"""The cryptofeed peer of bench_parsers.py, run in its own virtual environment (cryptofeed pins packages
that do not install beside Cascade's): `peers-venv/bin/python tests/bench/peer_cryptofeed.py CORPUS.json`.

It builds each exchange's own feed object offline (the symbol table set in advance instead of fetched),
then answers one line per pass on stdin: a frame kind → one pass of every frame of that kind through the
feed's `message_handler` (its json.loads with Decimal floats, dispatch and the liquidation normaliser,
with a no-op callback registered, as an application would), printed as `<frames> <CPU seconds>` (the
thread's CPU time, as bench_parsers.py measures Cascade and ccxt). `quit` ends.
Standard library plus cryptofeed only; nothing here imports Cascade.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time

import cryptofeed
from cryptofeed.defines import LIQUIDATIONS, TRADES
from cryptofeed.exchanges import BinanceFutures, Bitmex, Bybit, Deribit
from cryptofeed.symbols import Symbols

FEEDS = {
    "binance/forceOrder": (BinanceFutures, "wss://fstream.binance.com/stream"),
    "bybit/liquidation": (Bybit, "wss://stream.bybit.com/v5/public/linear"),
    "bitmex/liquidation": (Bitmex, "wss://ws.bitmex.com/realtime"),
    "deribit/trades": (Deribit, "wss://www.deribit.com/ws/api/v2"),
}


class _Conn:
    """What the handlers read off a connection: its address (Bybit picks the market from it) and uuid."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.uuid = "bench"


def _symbols_of(kind: str, frames: list[str]) -> set[str]:
    found: set[str] = set()
    for frame in frames:
        message = json.loads(frame)
        if kind.startswith("binance"):
            found.add(message["data"]["o"]["s"])
        elif kind.startswith("bybit"):
            found.add(message["data"]["symbol"])
        elif kind.startswith("bitmex"):
            found.update(row["symbol"] for row in message["data"])
        else:
            found.update(row["instrument_name"] for row in message["params"]["data"])
    return found


COUNTS: dict[str, int] = {}


async def _noop(obj: object, receipt_timestamp: float) -> None:
    return None


def _counter(kind: str):  # type: ignore[no-untyped-def]
    async def count(obj: object, receipt_timestamp: float) -> None:
        COUNTS[kind] = COUNTS.get(kind, 0) + 1
    return count


def build(kind: str, frames: list[str]):  # type: ignore[no-untyped-def]
    feed_class, address = FEEDS[kind]
    symbols = sorted(_symbols_of(kind, frames))
    normalized = {f"{symbol}-PERP": symbol for symbol in symbols}  # std name -> exchange name
    Symbols.set(feed_class.id, normalized, {})
    feed = feed_class(symbols=list(normalized), channels=[LIQUIDATIONS],
                      callbacks={LIQUIDATIONS: _noop, TRADES: _noop})
    feed.callbacks.setdefault(TRADES, [])
    return feed, _Conn(address)


async def one_pass(feed, conn: _Conn, frames: list[str]) -> float:  # type: ignore[no-untyped-def]
    handler = feed.message_handler
    started = time.thread_time()  # CPU time of this thread: other load on the machine does not count
    for frame in frames:
        await handler(frame, conn, 1.0)
    return time.thread_time() - started


def _version() -> str:
    from importlib.metadata import version

    return version("cryptofeed")


def main() -> int:
    logging.disable(logging.CRITICAL)
    with open(sys.argv[1]) as handle:
        corpus: dict[str, list[str]] = json.load(handle)
    feeds = {kind: build(kind, corpus[kind]) for kind in FEEDS if kind in corpus}
    loop = asyncio.new_event_loop()
    for kind, (feed, conn) in feeds.items():  # a checked first pass: liquidations counted, then no-op
        feed.callbacks[LIQUIDATIONS] = [_counter(kind)]
        loop.run_until_complete(one_pass(feed, conn, corpus[kind]))
        feed.callbacks[LIQUIDATIONS] = [_noop]
    version = getattr(cryptofeed, "__version__", None) or _version()
    print(json.dumps({"ready": True, "version": version, "liquidations": COUNTS}), flush=True)
    for line in sys.stdin:
        kind = line.strip()
        if kind == "quit":
            break
        if kind not in feeds:
            print("0 0", flush=True)
            continue
        feed, conn = feeds[kind]
        seconds = loop.run_until_complete(one_pass(feed, conn, corpus[kind]))
        print(f"{len(corpus[kind])} {seconds:.6f}", flush=True)
    loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
