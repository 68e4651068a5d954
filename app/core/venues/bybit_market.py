"""Bybit v5 open interest over REST (resources/docs/feeds.md §2.4).

`GET /v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=5min&limit=1` →
`{"retCode":0,"result":{"symbol","category","list":[{"openInterest","singleOpenInterest","timestamp"}]}}`.
Since 2026-06 `openInterest` is the SUM OF BOTH SIDES and `singleOpenInterest` the one-sided figure every
other venue reports (docs/v5/market/open-interest.mdx, commit "add single side OI fields", 2026-06-09):
only `singleOpenInterest` is read, and a response without it is rejected rather than halved or guessed.
Units: linear = the symbol's base coin (1000PEPEUSDT: thousands), inverse = USD. The tickers stream's
`openInterest` is not used for the same reason. Rate limit: 600 requests / 5 s per IP.
https://bybit-exchange.github.io/docs/v5/market/open-interest
"""

from __future__ import annotations

import msgspec

from app.core.errors import BadFrame
from app.core.events import Event
from app.core.instruments import Instruments
from app.core.open_interest import open_interest
from app.core.venues.common import NonNegative, TimestampMs, decode, decoder
from app.core.venues.descriptor import MarketRest

VENUE = "bybit"
DEFAULT_REST_BASE = "https://api.bybit.com"
OI_PATH = "/v5/market/open-interest"
MIN_GAP_S = 0.1


class _Row(msgspec.Struct, gc=False):
    timestamp: TimestampMs
    singleOpenInterest: NonNegative | None = None


class _Result(msgspec.Struct, gc=False):
    rows: list[_Row] = msgspec.field(name="list")
    symbol: str | None = None
    category: str | None = None


class _Response(msgspec.Struct, gc=False):
    retCode: int
    retMsg: str = ""
    result: _Result | None = None


_RESPONSE = decoder(_Response)


def _category(symbol: str, instruments: Instruments) -> str:
    instrument = instruments.get(VENUE, symbol)
    if instrument is not None:
        return "inverse" if instrument.kind.startswith("inverse") else "linear"
    return "inverse" if symbol.endswith("USD") else "linear"


def oi_path(symbol: str, instruments: Instruments) -> str:
    return f"{OI_PATH}?category={_category(symbol, instruments)}&symbol={symbol}&intervalTime=5min&limit=1"


def parse_oi(body: bytes | str, symbol: str, received_ms: int, instruments: Instruments,
             price: float | None = None) -> list[Event]:
    response = decode(_RESPONSE, body)
    if response.retCode != 0:
        raise BadFrame(f"retCode {response.retCode}: {response.retMsg or 'no message'}")
    if response.result is None or not response.result.rows:
        raise BadFrame(f"no open interest rows for {symbol}")
    row = max(response.result.rows, key=lambda r: r.timestamp)
    if row.singleOpenInterest is None:
        raise BadFrame("no singleOpenInterest (openInterest is two-sided since 2026-06)")
    unit = "usd" if _category(symbol, instruments) == "inverse" else "base"
    event = open_interest(VENUE, symbol, row.singleOpenInterest, unit, row.timestamp, price,
                          instruments.get(VENUE, symbol))
    return [event] if event is not None else []


def oi_symbols(instruments: Instruments) -> list[str]:
    return instruments.symbols(VENUE, "linear_perp") + instruments.symbols(VENUE, "inverse_perp")


MARKET = MarketRest(DEFAULT_REST_BASE, MIN_GAP_S, oi_path=oi_path, parse_oi=parse_oi, oi_symbols=oi_symbols)
