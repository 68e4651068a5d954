"""Binance futures: USDⓈ-M `!forceOrder@arr` liquidations and `!markPrice@arr@1s` marks on the 2026
`/market` endpoint (resources/docs/feeds.md §1), and COIN-M `!forceOrder@arr` plus the majors'
`<symbol>@markPrice@1s` on `dstream` (one venue: USDⓈ-M and COIN-M symbols never collide, BTCUSDT vs
BTCUSD_PERP). Completeness `sampled` for both: "for each symbol, only the latest one liquidation order
within 1000ms will be pushed" (resources/docs/feeds.md §1.1; COIN-M's liquidation stream documents the same rule).

COIN-M `q`/`z` count contracts of `contractSize` USD each (resources/docs/feeds.md §1.1 units, §10 mapping: qty =
z × contractSize / ap, notional = z × contractSize), sized from `GET /dapi/v1/exchangeInfo` (live) or the
bundled snapshot (BTCUSD_PERP 100 USD, ETHUSD_PERP and SOLUSD_PERP 10 USD); a dated COIN-M future takes
its pair's perpetual contract size; unknown: `Unconvertible`.

COIN-M endpoint: resources/docs/feeds.md says nothing about `dstream` and the 2026 split. Binance's notice
(https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Important-WebSocket-Change-Notice,
"Base URL Split & Migration") names only `fstream.binance.com/{public,market,private}`, and SDKs that
migrated USDⓈ-M (ccxt/go-binance PR #809: "migrate USDⓈ-M futures WS"; NautilusTrader's current
constants: USD-M `wss://fstream.binance.com/market/ws`, COIN-M `wss://dstream.binance.com/ws`) keep COIN-M
on the legacy root. So COIN-M stays on `wss://dstream.binance.com/stream` (combined); one third-party
release note (NexusTrader v0.3.37) routes COIN-M klines to `/market` too: if Binance moves dstream, the
URL is a settings override (`binance/coinm/market`), no code change. 24 h connection limit for both."""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Kind, Liquidation, MarkPrice, Unconvertible, VenueNotice
from app.core.instruments import (
    Instrument,
    Instruments,
    canonical_coin,
    coin_and_multiplier,
    load_bundled,
    unit_multiplier,
)
from app.core.venues.binance_market import MARKET
from app.core.venues.binance_replay import REPLAY
from app.core.venues.common import (
    ID_BYTES,
    NonNegative,
    PerSymbol,
    Positive,
    TimestampMs,
    decode,
    decode_rows,
    decoder,
    note,
    optional_number,
    positive_or_none,
    symbol_key,
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
COINM_STREAM = "binance/coinm/market"
COMPLETENESS: Completeness = "sampled"
DEFAULT_ENDPOINTS: dict[str, str] = {
    STREAM: "wss://fstream.binance.com/market/stream",
    COINM_STREAM: "wss://dstream.binance.com/stream",
}
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


class _HotOrder(msgspec.Struct, gc=False, kw_only=True):
    """`_Order` with `T` required: an order without it takes the general path (which falls back to `E`).
    Fields in the order Binance sends them (s S o f q p ap X l z T): msgspec tries the field after the last
    one matched first, so each key matches at its first test (kw_only lets required `T` follow defaults)."""

    s: str
    S: Literal["SELL", "BUY"]
    q: Positive
    p: Positive
    ap: NonNegative = 0.0
    z: NonNegative = 0.0
    T: TimestampMs


class _ForcePayload(msgspec.Struct, gc=False, tag_field="e", tag="forceOrder"):
    """`e`, as a tag: any other value fails the decode (a tag is checked by one comparison, cheaper than a
    Literal's lookup: 220 instructions a frame). A payload with an order `o` and no `e` is read as a
    forceOrder, on either path: no other Binance payload carries an `o` order."""

    o: _HotOrder  # `E` is read only when `o.T` is missing, by the general path


class _ForceFrame(msgspec.Struct, gc=False):
    """The hot shape alone (a combined-stream forceOrder): decoded first, as it is the cheapest decode;
    anything else (marks, acks, errors, raw streams) fails it at once and takes the general decoder.
    (Picking it by the stream name's `f` instead of decoding `e` was measured: the index costs what
    skipping `e` saves.)"""

    data: _ForcePayload


_FORCE_DECODE = decoder(_ForceFrame).decode  # bound once: one attribute lookup less a frame


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
    try:
        order = _FORCE_DECODE(frame).data.o
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, UnicodeError, RecursionError):
        order = None
    if instruments is None:
        instruments = load_bundled()
    if order is not None:  # the hot path, inline: one forceOrder
        symbol = order.s
        facts = _FACTS.facts.get(symbol) if instruments is _FACTS.owner else None
        if facts is None:
            facts = _FACTS.get(instruments, symbol)
        coin, kind, inverse, factor, key, unconvertible = facts
        if unconvertible is not None:
            return [unconvertible]
        ts, long = order.T, order.S == "SELL"  # S is the forced order's side: SELL closes a long
        filled = order.z or order.q  # z and ap are >= 0 (NonNegative): `or` is `> 0`, one attribute read less
        price = order.ap or order.p
        if inverse:
            usd = filled * factor
            qty = usd / price
        else:
            qty = filled * factor
            usd = filled * price
        return [Liquidation(VENUE, symbol, coin, kind, "long" if long else "short", price, qty, usd, ts,
                            COMPLETENESS, ID_BYTES(hash((key, ts, long, qty, price))).hex())]
    message = decode(_DECODER, frame)  # everything else: the general shape (BadFrame says why)
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
    if kind == "forceOrder" or (kind is None and payload.o is not None):  # as `_ForcePayload`'s tag
        return [_liquidation(payload, instruments)]
    if kind == "markPriceUpdate":
        return _marks([payload], marks_wanted)
    return []


class _Facts(NamedTuple):
    """What a symbol's liquidations need, resolved once per symbol (see `_symbol_facts`)."""

    coin: str
    kind: Kind
    inverse: bool  # COIN-M: the size counts USD contracts of `factor` USD each
    factor: float  # linear: coins per unit (1000 for 1000PEPEUSDT, or the contract size); inverse: USD each
    key: int  # common.symbol_key, for the liquidation id
    unconvertible: Unconvertible | None = None


def _symbol_facts(instruments: Instruments, symbol: str) -> _Facts:
    pair = symbol.partition("_")[0]
    key = symbol_key(VENUE, symbol)
    if pair.endswith("USD"):
        # A dated COIN-M future has the same USD contract size as its pair's perpetual.
        instrument = instruments.get(VENUE, symbol) or instruments.get(VENUE, pair + "_PERP")
        kind: Kind = "inverse_perp" if symbol.endswith("_PERP") else "inverse_future"
        if instrument is None or not instrument.contract_size or instrument.contract_unit != "usd":
            return _Facts(canonical_coin(VENUE, symbol), kind, True, 1.0, key,
                          Unconvertible(VENUE, symbol, "COIN-M contract size unknown"))
        return _Facts(instrument.coin, kind, True, instrument.contract_size, key)
    instrument = instruments.get(VENUE, symbol)
    if instrument is None:
        fallback: Kind = "linear_future" if "_" in symbol else "linear_perp"
        return _Facts(canonical_coin(VENUE, symbol), fallback, False, unit_multiplier(symbol), key)
    inverse = instrument.kind.startswith("inverse")
    factor = instrument.contract_size or (1.0 if inverse else unit_multiplier(symbol))
    return _Facts(instrument.coin, instrument.kind, inverse, factor, key)


_FACTS = PerSymbol(_symbol_facts)


def _liquidation(payload: _Payload, instruments: Instruments) -> Event:
    """One forceOrder: one typed decode already done; the symbol's facts come from the per-symbol cache,
    the id from its cached key (Binance gives no order id)."""
    order = payload.o
    if order is None:
        raise BadFrame("forceOrder without `o`")
    ts = order.T if order.T is not None else payload.E
    if ts is None:
        raise BadFrame("forceOrder without a timestamp")
    symbol = order.s
    coin, kind, inverse, factor, key, unconvertible = _FACTS.get(instruments, symbol)
    if unconvertible is not None:
        return unconvertible
    long = order.S == "SELL"  # S is the forced order's side: SELL closes a long
    filled = order.z if order.z > 0 else order.q
    price = order.ap if order.ap > 0 else order.p
    if inverse:
        usd = filled * factor
        qty = usd / price
    else:
        qty = filled * factor
        usd = filled * price
    return Liquidation(VENUE, symbol, coin, kind, "long" if long else "short", price, qty, usd, ts, COMPLETENESS,
                       ID_BYTES(hash((key, ts, long, qty, price))).hex())  # = common.liquidation_id


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


def coinm_subscribe(symbols: Any = None) -> str:
    """COIN-M liquidations of every symbol, and 1 s marks of the given COIN-M symbols (default: the
    snapshot's perpetuals), which are also the traffic the stall watchdog needs between liquidations."""
    marks = [s for s in (symbols if symbols is not None else load_bundled().symbols(VENUE)) if _is_coinm(s)]
    if not marks:
        marks = [s for s in load_bundled().symbols(VENUE) if _is_coinm(s)]
    params = ["!forceOrder@arr", *(f"{s.lower()}@markPrice@1s" for s in marks)]
    return msgspec.json.encode({"method": "SUBSCRIBE", "params": params, "id": 1}).decode()


def _is_coinm(symbol: str) -> bool:
    return symbol.partition("_")[0].endswith("USD")


def connections(
    endpoints: dict[str, str] | None = None, instruments: Any = None, symbols: Any = None
) -> list[ConnectionSpec]:
    """The USDⓈ-M and the COIN-M combined-stream connections; `symbols` (optional) limits which marks are
    kept (and which COIN-M marks are subscribed)."""
    wanted = frozenset(symbols) if symbols else None
    coinm_wanted = frozenset(s for s in symbols if _is_coinm(s)) if symbols else None
    return [
        ConnectionSpec(
            venue=VENUE,
            stream=stream,
            url=(endpoints or {}).get(stream, DEFAULT_ENDPOINTS[stream]),
            subscribe=(subscribe,),
            heartbeat=RULES.heartbeat,
            heartbeat_interval_s=RULES.heartbeat_interval_s,
            stall_after_s=RULES.stall_after_s,
            completeness=COMPLETENESS,
            parse=parse,
            new_state=lambda marks=marks: BinanceState(marks),
            max_lifetime_s=RULES.max_lifetime_s,
        )
        for stream, subscribe, marks in (
            (STREAM, SUBSCRIBE, wanted),
            (COINM_STREAM, coinm_subscribe(symbols), coinm_wanted or None),
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


# --- REST instrument metadata, COIN-M: GET /dapi/v1/exchangeInfo ----------------------------------

COINM_EXCHANGE_INFO_PATH = "/dapi/v1/exchangeInfo"
COINM_REST_BASE = "https://dapi.binance.com"


class _CoinmRow(msgspec.Struct, gc=False):
    symbol: str
    baseAsset: str = ""
    contractType: str = ""
    contractStatus: str = ""
    contractSize: float | str | None = None
    marginAsset: str | None = None
    filters: list[_Filter] = []


_COINM_ROW = decoder(_CoinmRow)


def coinm_instruments_from_rest(payload: bytes | str, problems: list[str] | None = None) -> list[Instrument]:
    """The TRADING perpetuals of a COIN-M `exchangeInfo`: inverse, `contractSize` USD per contract (a dated
    future is sized by its pair's perpetual). Odd rows go to `problems`; a body that is not an
    exchangeInfo raises BadFrame."""
    instruments = []
    for row in decode_rows(_COINM_ROW, decode(_EXCHANGE_INFO, payload).symbols, VENUE, problems):
        if row.contractType != "PERPETUAL" or row.contractStatus != "TRADING":
            continue
        size = positive_or_none(row.contractSize)
        if size is None or not row.symbol:
            note(problems, f"{VENUE} {row.symbol or '?'}: no usable contractSize ({row.contractSize!r})")
            continue
        by_type = {f.filterType: f for f in row.filters}
        price_filter, lot_filter = by_type.get("PRICE_FILTER"), by_type.get("LOT_SIZE")
        coin = coin_and_multiplier(row.baseAsset)[0] if row.baseAsset else canonical_coin(VENUE, row.symbol)
        instruments.append(
            Instrument(
                VENUE,
                row.symbol,
                coin,
                "inverse_perp",
                contract_size=size,
                contract_unit="usd",
                tick_size=positive_or_none(price_filter.tickSize) if price_filter else None,
                lot_size=positive_or_none(lot_filter.stepSize) if lot_filter else None,
                quote="USD",
                settle=row.marginAsset or None,
            )
        )
    return instruments


def _coinm_listing_page(payload: bytes | str, problems: list[str] | None) -> ListingPage:
    return ListingPage(coinm_instruments_from_rest(payload, problems), None)


def _coinm_url(base: str, cursor: str | None) -> str:
    # COIN-M lives on its own host; an overridden base (a local test server) serves both paths.
    return (COINM_REST_BASE if base == DEFAULT_REST_BASE else base) + COINM_EXCHANGE_INFO_PATH


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="Binance",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=RestInstruments(DEFAULT_REST_BASE, (
        RestListing(lambda base, _: base + EXCHANGE_INFO_PATH, _listing_page),
        # COIN-M contract sizes: without them its liquidations stay Unconvertible, the USDⓈ-M ones stand.
        RestListing(_coinm_url, _coinm_listing_page, label="coinm", optional=True),
    )),
    replay=REPLAY,
    market=MARKET,
    # The snapshot names the two futures markets apart; events know one venue (USDⓈ-M and COIN-M
    # symbols never collide: BTCUSDT vs BTCUSD_PERP).
    snapshot_aliases=("binance_usdm", "binance_coinm"),
)
