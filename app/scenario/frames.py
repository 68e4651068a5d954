"""Venue frame text exactly as each client receives it (see resources/docs/feeds.md §1-3, §11).

Numbers are formatted from integer tick/lot counts with fixed decimals, so the text is the same on
every run and platform. Key order follows the venues' own documented samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

import msgspec

from app.scenario.markets import Market, decimals

_encode = msgspec.json.Encoder().encode


def _dumps(obj: object) -> str:
    """Compact JSON, keys in insertion order (the venues' documented order)."""
    return _encode(obj).decode()


@cache
def _step(step: str) -> tuple[float, str]:
    return float(step), f".{decimals(step)}f"


def fmt_step(value: float, step: str) -> str:
    """`value` rounded to a multiple of `step` and printed with the step's decimals."""
    size, spec = _step(step)
    return format(round(value / size) * size, spec)


def fmt_fixed(value: float, places: int) -> str:
    return f"{value:.{places}f}"


class Fill(NamedTuple):
    """One liquidation as the venue prints it: sizes and prices already in venue text."""

    market: Market
    ts_ms: int
    long: bool  # the liquidated position was long
    price: str  # Binance average price / Bybit and OKX bankruptcy price
    size: str  # Binance base qty, Bybit v, OKX sz (contracts)
    order_price: str = ""  # Binance only: the forced order's limit price
    pos_side: str = "net"  # OKX only: net | long | short


# --- Binance USDⓈ-M, combined stream on /market/stream -------------------------------------------

def binance_force_order(fill: Fill, event_ms: int) -> str:
    order = {
        "s": fill.market.symbol, "S": "SELL" if fill.long else "BUY", "o": "LIMIT", "f": "IOC",
        "q": fill.size, "p": fill.order_price, "ap": fill.price, "X": "FILLED",
        "l": fill.size, "z": fill.size, "T": fill.ts_ms,
    }
    return _dumps({"stream": "!forceOrder@arr", "data": {"e": "forceOrder", "E": event_ms, "o": order}})


class BinanceMark(NamedTuple):
    symbol: str
    mark: str
    index: str
    settle: str
    funding: str


def binance_mark_array(event_ms: int, marks: Sequence[BinanceMark], next_funding_ms: int) -> str:
    data = [
        {"e": "markPriceUpdate", "E": event_ms, "s": m.symbol, "p": m.mark, "i": m.index, "P": m.settle,
         "r": m.funding, "T": next_funding_ms}
        for m in marks
    ]
    return _dumps({"stream": "!markPrice@arr@1s", "data": data})


# --- Bybit v5 -------------------------------------------------------------------------------------

def bybit_all_liquidation(symbol: str, push_ms: int, fills: Sequence[Fill]) -> str:
    data = [{"T": f.ts_ms, "s": symbol, "S": "Buy" if f.long else "Sell", "v": f.size, "p": f.price}
            for f in fills]
    return _dumps({"topic": f"allLiquidation.{symbol}", "type": "snapshot", "ts": push_ms, "data": data})


def bybit_ticker(symbol: str, kind: str, fields: dict[str, str], cross_seq: int, ts_ms: int) -> str:
    """`kind` is "snapshot" (every field) or "delta" (changed fields only)."""
    return _dumps({"topic": f"tickers.{symbol}", "type": kind, "data": {"symbol": symbol, **fields},
                   "cs": cross_seq, "ts": ts_ms})


# --- OKX v5 ---------------------------------------------------------------------------------------

def okx_liquidation_orders(market: Market, fills: Sequence[Fill]) -> str:
    family = market.symbol.removesuffix("-SWAP")
    details = [
        {"bkLoss": "0", "bkPx": f.price, "ccy": "", "posSide": f.pos_side, "side": "sell" if f.long else "buy",
         "sz": f.size, "ts": str(f.ts_ms)}
        for f in fills
    ]
    data = [{"details": details, "instFamily": family, "instId": market.symbol, "instType": "SWAP",
             "uly": family}]
    return _dumps({"arg": {"channel": "liquidation-orders", "instType": "SWAP"}, "data": data})


def okx_mark_price(inst_id: str, mark: str, ts_ms: int) -> str:
    return _dumps({"arg": {"channel": "mark-price", "instId": inst_id},
                   "data": [{"instType": "SWAP", "instId": inst_id, "markPx": mark, "ts": str(ts_ms)}]})
