"""Binance USDⓈ-M futures: `!forceOrder@arr` liquidations and `!markPrice@arr@1s` marks on the 2026
`/market` endpoint (resources/docs/feeds.md §1). The feed is sampled: at most one liquidation per symbol per second.
COIN-M forceOrder payloads (`q` in contracts) are understood too, for the day dstream is added."""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Kind, MarkPrice, Side, Unconvertible, VenueNotice
from app.core.instruments import (
    Instrument,
    Instruments,
    canonical_coin,
    coin_and_multiplier,
    load_bundled,
    unit_multiplier,
)
from app.core.venues.binance_replay import REPLAY
from app.core.venues.common import (
    NonNegative,
    Positive,
    TimestampMs,
    build_liquidation,
    decode,
    decode_rows,
    decoder,
    note,
    optional_number,
    positive_or_none,
)
from app.core.venues.descriptor import (
    ConnectionRules,
    ConnectRequest,
    ListingPage,
    RestInstruments,
    RestListing,
    VenueDescriptor,
)
from app.core.venues.protocol import ConnectionSpec

VENUE = "binance"
STREAM = "binance/usdm/market"
COMPLETENESS: Completeness = "sampled"
DEFAULT_ENDPOINTS: dict[str, str] = {STREAM: "wss://fstream.binance.com/market/stream"}
SUBSCRIBE = '{"method":"SUBSCRIBE","params":["!forceOrder@arr","!markPrice@arr@1s"],"id":1}'
RULES = ConnectionRules(
    stall_after_s=10.0,  # marks arrive every second, so 10 s of silence is a dead connection
    heartbeat=None,  # Binance pings at the protocol level; websockets answers
    # Binance cuts a connection at 24 h (resources/docs/feeds.md §1.3): rotate half an hour before, which leaves room
    # for retries if the new connection fails.
    max_lifetime_s=23.5 * 3600.0,
)


class _Order(msgspec.Struct, gc=False):
    s: str
    S: Literal["SELL", "BUY"]
    q: Positive
    p: Positive
    ap: NonNegative = 0.0
    z: NonNegative = 0.0
    T: TimestampMs | None = None


class _Payload(msgspec.Struct, gc=False):
    """forceOrder and markPriceUpdate share one shape: `e` says which fields matter."""

    e: str | None = None
    E: TimestampMs | None = None
    o: _Order | None = None
    s: str | None = None
    p: float | None = None  # a mark: checked per entry, so one bad row does not cost the whole array
    i: float | str | None = None
    r: float | str | None = None
    T: TimestampMs | None = None


class _Error(msgspec.Struct, gc=False):
    code: int | str | None = None
    msg: str = ""


class _Frame(_Payload, gc=False):
    """A combined-stream envelope, an unwrapped payload, or a request ack: all optional."""

    stream: str | None = None
    data: _Payload | list[_Payload] | None = None
    error: _Error | None = None


_DECODER = decoder(_Frame | list[_Payload])


class BinanceState:
    """Per-connection options: which symbols' marks to keep (None = all of `!markPrice@arr`)."""

    __slots__ = ("mark_symbols",)

    def __init__(self, mark_symbols: frozenset[str] | None = None) -> None:
        self.mark_symbols = mark_symbols


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: BinanceState | None = None,
) -> list[Event]:
    message = decode(_DECODER, frame)
    if instruments is None:
        instruments = load_bundled()
    marks_wanted = state.mark_symbols if state is not None else None
    if type(message) is list:
        return _marks(message, marks_wanted)
    if message.error is not None:
        error = message.error
        return [VenueNotice(VENUE, "error", str(error.code), error.msg or "request refused")]
    payload = message.data if message.data is not None else message
    if type(payload) is list:
        return _marks(payload, marks_wanted)
    kind = payload.e
    if kind == "forceOrder":
        return [_liquidation(payload, instruments)]
    if kind == "markPriceUpdate":
        return _marks([payload], marks_wanted)
    return []


def _liquidation(payload: _Payload, instruments: Instruments) -> Event:
    order = payload.o
    if order is None:
        raise BadFrame("forceOrder without `o`")
    ts = order.T if order.T is not None else payload.E
    if ts is None:
        raise BadFrame("forceOrder without a timestamp")
    symbol = order.s
    side: Side = "long" if order.S == "SELL" else "short"  # S is the forced order's side: SELL closes a long
    filled = order.z if order.z > 0 else order.q
    price = order.ap if order.ap > 0 else order.p
    pair = symbol.partition("_")[0]
    if pair.endswith("USD"):
        return _coin_margined(symbol, pair, side, filled, price, ts, instruments)
    fallback: Kind = "linear_future" if "_" in symbol else "linear_perp"
    return build_liquidation(VENUE, COMPLETENESS, symbol, side, filled, price, ts,
                             instruments.get(VENUE, symbol), fallback)


def _coin_margined(
    symbol: str, pair: str, side: Side, contracts: float, price: float, ts: int, instruments: Instruments
) -> Event:
    # A dated COIN-M future has the same USD contract size as its pair's perpetual.
    instrument = instruments.get(VENUE, symbol) or instruments.get(VENUE, pair + "_PERP")
    if instrument is None or not instrument.contract_size or instrument.contract_unit != "usd":
        return Unconvertible(VENUE, symbol, "COIN-M contract size unknown")
    kind: Kind = "inverse_perp" if symbol.endswith("_PERP") else "inverse_future"
    if instrument.kind != kind:  # the perpetual's row sizing a dated future
        instrument = msgspec.structs.replace(instrument, kind=kind)
    return build_liquidation(VENUE, COMPLETENESS, symbol, side, contracts, price, ts, instrument, kind)


def _marks(payloads: list[_Payload], wanted: frozenset[str] | None) -> list[Event]:
    events: list[Event] = []
    for payload in payloads:
        symbol, price, ts = payload.s, payload.p, payload.E
        if symbol is None or price is None or ts is None:
            if payload.e == "markPriceUpdate" or payload.e is None:
                raise BadFrame("markPriceUpdate without s, p or E")
            continue
        if wanted is not None and symbol not in wanted:
            continue
        if not (price > 0 and math.isfinite(price)):
            continue  # a settling or delisted symbol's zero mark: skipped, the rest of the second kept
        next_funding = payload.T or None  # dated futures send T=0: no funding
        events.append(
            MarkPrice(
                VENUE,
                symbol,
                canonical_coin(VENUE, symbol),
                price,
                ts,
                optional_number(payload.i),
                optional_number(payload.r),
                next_funding,
            )
        )
    return events


def connections(
    endpoints: dict[str, str] | None = None, instruments: Any = None, symbols: Any = None
) -> list[ConnectionSpec]:
    """One combined-stream connection; `symbols` (optional) limits which marks are kept."""
    url = (endpoints or {}).get(STREAM, DEFAULT_ENDPOINTS[STREAM])
    wanted = frozenset(symbols) if symbols else None
    return [
        ConnectionSpec(
            venue=VENUE,
            stream=STREAM,
            url=url,
            subscribe=(SUBSCRIBE,),
            heartbeat=RULES.heartbeat,
            heartbeat_interval_s=RULES.heartbeat_interval_s,
            stall_after_s=RULES.stall_after_s,
            completeness=COMPLETENESS,
            parse=parse,
            new_state=lambda: BinanceState(wanted),
            max_lifetime_s=RULES.max_lifetime_s,
        )
    ]


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    # `!forceOrder@arr` covers every symbol: only the marks are narrowed.
    return connections(request.endpoints, request.instruments, request.mark_symbols)


# --- REST instrument metadata: GET /fapi/v1/exchangeInfo ------------------------------------------

EXCHANGE_INFO_PATH = "/fapi/v1/exchangeInfo"
DEFAULT_REST_BASE = "https://fapi.binance.com"
# TRADIFI_PERPETUAL: the stock and commodity perpetuals Binance lists beside crypto since 2025.
_PERPETUAL_TYPES = frozenset({"PERPETUAL", "TRADIFI_PERPETUAL"})


class _Filter(msgspec.Struct, gc=False):
    filterType: str = ""
    tickSize: str | float | None = None
    stepSize: str | float | None = None


class _SymbolRow(msgspec.Struct, gc=False):
    symbol: str
    baseAsset: str
    contractType: str = ""
    status: str = ""
    quoteAsset: str | None = None
    marginAsset: str | None = None
    filters: list[_Filter] = []


class _ExchangeInfo(msgspec.Struct, gc=False):
    symbols: list[msgspec.Raw]


_EXCHANGE_INFO = decoder(_ExchangeInfo)
_SYMBOL_ROW = decoder(_SymbolRow)


def instruments_from_rest(payload: bytes | str, problems: list[str] | None = None) -> list[Instrument]:
    """The TRADING perpetuals of a USDⓈ-M `exchangeInfo` response. Quantity is in the base asset, so
    one unit is one coin, or 1000 for 1000PEPEUSDT-style symbols (counted as PEPE). Rows that do not
    fit are skipped and described in `problems`; a response that is not an exchangeInfo raises BadFrame."""
    rows = decode_rows(_SYMBOL_ROW, decode(_EXCHANGE_INFO, payload).symbols, VENUE, problems)
    instruments = []
    for row in rows:
        if row.contractType not in _PERPETUAL_TYPES or row.status != "TRADING":
            continue  # dated futures, settling and delisted symbols
        if not row.baseAsset or not row.symbol:
            note(problems, f"{VENUE} {row.symbol or '?'}: no symbol or base asset")
            continue
        coin, per_unit = coin_and_multiplier(row.baseAsset)
        if per_unit == 1.0:
            per_unit = unit_multiplier(row.symbol)
        by_type = {f.filterType: f for f in row.filters}
        price_filter, lot_filter = by_type.get("PRICE_FILTER"), by_type.get("LOT_SIZE")
        instruments.append(
            Instrument(
                VENUE,
                row.symbol,
                coin,
                "linear_perp",
                contract_size=per_unit,
                contract_unit="base",
                tick_size=positive_or_none(price_filter.tickSize) if price_filter else None,
                lot_size=positive_or_none(lot_filter.stepSize) if lot_filter else None,
                quote=row.quoteAsset or None,
                settle=row.marginAsset or None,
            )
        )
    return instruments


def _listing_page(payload: bytes | str, problems: list[str] | None) -> ListingPage:
    return ListingPage(instruments_from_rest(payload, problems), None)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="Binance",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=RestInstruments(DEFAULT_REST_BASE, (RestListing(lambda base, _: base + EXCHANGE_INFO_PATH, _listing_page),)),
    replay=REPLAY,
    # The snapshot names the two futures markets apart; events know one venue (USDⓈ-M and COIN-M
    # symbols never collide: BTCUSDT vs BTCUSD_PERP).
    snapshot_aliases=("binance_usdm", "binance_coinm"),
)
