"""Binance USDⓈ-M open interest over REST (resources/docs/feeds.md §1.4).

`GET /fapi/v1/openInterest?symbol=BTCUSDT` (weight 1) → `{"openInterest":"10659.509","symbol":"BTCUSDT",
"time":1589437530011}`, in the symbol's base asset (1000PEPEUSDT: thousands of PEPE), valued at the
symbol's latest mark. https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Open-Interest
Budget: 2,400 weight / min per IP, shared with the instrument listing.
"""

from __future__ import annotations

import msgspec

from app.core.errors import BadFrame
from app.core.events import Event
from app.core.instruments import Instruments
from app.core.open_interest import open_interest
from app.core.venues.common import NonNegative, TimestampMs, decode, decoder
from app.core.venues.descriptor import MarketRest

VENUE = "binance"
DEFAULT_REST_BASE = "https://fapi.binance.com"
OI_PATH = "/fapi/v1/openInterest"
MIN_GAP_S = 0.1


class _Response(msgspec.Struct, gc=False):
    symbol: str
    openInterest: NonNegative
    time: TimestampMs


_RESPONSE = decoder(_Response)


def oi_path(symbol: str, instruments: Instruments) -> str:
    return f"{OI_PATH}?symbol={symbol}"


def parse_oi(body: bytes | str, symbol: str, received_ms: int, instruments: Instruments,
             price: float | None = None) -> list[Event]:
    row = decode(_RESPONSE, body)
    if row.symbol != symbol:
        raise BadFrame(f"open interest of {row.symbol[:32]!r}, asked {symbol}")
    event = open_interest(VENUE, symbol, row.openInterest, "base", row.time, price, instruments.get(VENUE, symbol))
    return [event] if event is not None else []


def oi_symbols(instruments: Instruments) -> list[str]:
    return instruments.symbols(VENUE, "linear_perp")


MARKET = MarketRest(DEFAULT_REST_BASE, MIN_GAP_S, oi_path=oi_path, parse_oi=parse_oi, oi_symbols=oi_symbols)
