"""OKX public market data over REST (resources/docs/feeds.md §3.4): open interest and UTC daily candles.

- OI: `GET /api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP` →
  `{"code":"0","data":[{"instId","oi","oiCcy","oiUsd","ts"}]}`: `oi` contracts, `oiCcy` coins, `oiUsd`
  USD (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-open-interest). Rate limit 20 requests /
  2 s per IP and instId.
- Candles: `GET /api/v5/market/candles?instId=…&bar=1Dutc&limit=100` (the recent endpoint, up to 300
  rows) → rows `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`, newest first, `confirm` "0" for the
  candle still forming (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks).
  `1D` opens at UTC+8 (Hong Kong): `1Dutc` is the UTC day. Hourly: `bar=1H`. Rate limit 40 / 2 s.
OKX is the labelled reference venue of the daily RSI for every coin it lists as a USDT swap.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from app.core.errors import BadFrame
from app.core.events import Event, OpenInterest
from app.core.instruments import Instruments, canonical_coin
from app.core.rsi import DAY_MS, HOUR_MS, Candle
from app.core.venues.common import NonNegative, TimestampMs, decode, decoder
from app.core.venues.descriptor import MarketRest

VENUE = "okx"
DEFAULT_REST_BASE = "https://www.okx.com"
OI_PATH = "/api/v5/public/open-interest"
CANDLES_PATH = "/api/v5/market/candles"
BARS = {"1d": ("1Dutc", DAY_MS), "1h": ("1H", HOUR_MS)}
MIN_GAP_S = 0.2  # 10 requests/s: half of OKX's 20 per 2 s


class _OiRow(msgspec.Struct, gc=False):
    instId: str
    oiUsd: NonNegative
    ts: TimestampMs
    oiCcy: NonNegative


class _Response(msgspec.Struct, gc=False):
    code: str | int | None = None
    msg: str | None = None
    data: msgspec.Raw = msgspec.Raw(b"")


_RESPONSE = decoder(_Response)
_OI_ROWS = decoder(list[_OiRow])
_CANDLE_ROWS = decoder(list[Annotated[list[str], msgspec.Meta(min_length=5)]])


def _data(body: bytes | str) -> msgspec.Raw:
    response = decode(_RESPONSE, body)
    if response.code not in (None, 0, "0"):
        raise BadFrame(f"code {response.code}: {response.msg or 'no message'}")
    if not response.data:
        raise BadFrame("response without data")
    return response.data


def oi_path(symbol: str, instruments: Instruments) -> str:
    return f"{OI_PATH}?instType=SWAP&instId={symbol}"


def parse_oi(body: bytes | str, symbol: str, received_ms: int, instruments: Instruments,
             price: float | None = None) -> list[Event]:
    """OKX states both USD (`oiUsd`) and coins (`oiCcy`): no price needed."""
    rows = [row for row in decode(_OI_ROWS, _data(body)) if row.instId == symbol]
    if not rows:
        raise BadFrame(f"no open interest row for {symbol}")
    row = rows[0]
    instrument = instruments.get(VENUE, symbol)
    coin = instrument.coin if instrument is not None else canonical_coin(VENUE, symbol)
    return [OpenInterest(VENUE, symbol, coin, row.oiCcy, row.oiUsd, row.ts)]


def oi_symbols(instruments: Instruments) -> list[str]:
    return [s for s in instruments.symbols(VENUE) if s.endswith("-SWAP")]


def candles_path(symbol: str, interval: str, limit: int) -> str:
    return f"{CANDLES_PATH}?instId={symbol}&bar={BARS[interval][0]}&limit={limit}"


def parse_candles(body: bytes | str, interval: str) -> list[Candle]:
    """Oldest first; a row with `confirm` "0" is the open candle."""
    length = BARS[interval][1]
    candles = []
    for row in decode(_CANDLE_ROWS, _data(body)):
        try:
            ts = int(row[0])
            o, h, low, c = (float(x) for x in row[1:5])
        except ValueError:
            raise BadFrame(f"not a candle row: {row[:5]!r}") from None
        if ts < 0 or not all(0 < x < 1e300 for x in (o, h, low, c)):
            raise BadFrame(f"implausible candle {row[:5]!r}")
        closed = len(row) < 9 or row[8] != "0"
        candles.append(Candle(ts, o, h, low, c, length, closed))
    candles.sort(key=lambda candle: candle.open_ms)
    return candles


def candle_symbol(coin: str, instruments: Instruments) -> str | None:
    for symbol in instruments.symbols(VENUE, "linear_perp"):
        instrument = instruments.get(VENUE, symbol)
        if instrument is not None and instrument.coin == coin and symbol.endswith("-USDT-SWAP"):
            return symbol
    return None


MARKET = MarketRest(DEFAULT_REST_BASE, MIN_GAP_S, oi_path=oi_path, parse_oi=parse_oi, oi_symbols=oi_symbols,
                    candles_path=candles_path, parse_candles=parse_candles, candle_symbol=candle_symbol)
