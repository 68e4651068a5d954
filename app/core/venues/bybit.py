"""Bybit v5 public linear/inverse: `allLiquidation.{symbol}` (every liquidation, 500 ms batches) and
`tickers.{symbol}` marks (snapshot, then deltas where a missing field means unchanged). resources/docs/feeds.md §2.

`S` is the POSITION side (`Buy` = a long was liquidated), the opposite of Binance's order side.
Linear `v` is base coin (of the symbol: 1000PEPEUSDT counts thousands); inverse `v` is USD contracts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, NamedTuple
from urllib.parse import quote

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Kind, Liquidation, MarkPrice, Side, VenueNotice
from app.core.instruments import (
    Instrument,
    Instruments,
    canonical_coin,
    coin_and_multiplier,
    load_bundled,
    unit_multiplier,
)
from app.core.venues.bybit_market import MARKET
from app.core.venues.bybit_replay import REPLAY
from app.core.venues.common import (
    APP_PING_INTERVAL_S,
    APP_PING_STALL_AFTER_S,
    ID_BYTES,
    Finite,
    FrameIds,
    PerSymbol,
    Positive,
    TimestampMs,
    build_liquidation,
    decode,
    decode_rows,
    decoder,
    note,
    number_repeats,
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

VENUE = "bybit"
COMPLETENESS: Completeness = "all"
LEGACY_COMPLETENESS: Completeness = "sampled"  # the deprecated `liquidation.{symbol}`: at most one per second
CATEGORIES = ("linear", "inverse")
DEFAULT_ENDPOINTS: dict[str, str] = {
    "bybit/linear": "wss://stream.bybit.com/v5/public/linear",
    "bybit/inverse": "wss://stream.bybit.com/v5/public/inverse",
}
RULES = ConnectionRules(
    stall_after_s=APP_PING_STALL_AFTER_S,
    heartbeat='{"req_id":"ping","op":"ping"}',
    heartbeat_interval_s=APP_PING_INTERVAL_S,
)
ARGS_PER_SUBSCRIBE = 100
"""Bybit caps a public request's args at 21,000 characters and sets no arg-count limit for derivatives
(resources/docs/feeds.md §2.1): 100 topics (~2.6k characters) per message keeps every listed perpetual to a handful
of subscribe messages on each (re)connect."""

Category = Literal["linear", "inverse"]


class _Envelope(msgspec.Struct, gc=False):
    topic: str | None = None
    type: str | None = None
    ts: TimestampMs | None = None
    data: msgspec.Raw = msgspec.Raw(b"")
    success: bool | None = None
    ret_msg: str | None = None
    op: str | None = None


class _Liq(msgspec.Struct, gc=False):
    T: TimestampMs
    s: str
    S: Literal["Buy", "Sell"]
    v: Positive
    p: Positive


class _LegacyLiq(msgspec.Struct, gc=False):
    updatedTime: TimestampMs
    symbol: str
    side: Literal["Buy", "Sell"]
    size: Positive
    price: Positive


class _LegacyFrame(msgspec.Struct, gc=False):
    """A frame of the deprecated `liquidation.{symbol}` topic (told by its first bytes, see `_TOPIC_AT`):
    the row complete and validated."""

    data: _LegacyLiq


class _AllFrame(msgspec.Struct, gc=False):
    """An `allLiquidation.{symbol}` frame (told by its first bytes, see `_TOPIC_AT`): the rows alone."""

    data: list[_Liq]


class _Ticker(msgspec.Struct, gc=False):
    symbol: str
    markPrice: float | str | None = None
    indexPrice: float | str | None = None
    fundingRate: float | str | None = None
    nextFundingTime: int | str | None = None


class _Row(msgspec.Struct, gc=False):
    """A `tickers` row or a legacy `liquidation` row: the object-shaped `data` of the one-decode path. The
    prices are numbers here (the venue's text read in C, as `_positive` / `optional_number` would read it:
    msgspec takes a subset of what `float()` takes, and the same value); an empty one ("" = no value, dated
    futures' funding) or one out of bounds fails this decode, and the two-step way reads it as before."""

    symbol: str | None = None
    markPrice: Positive | None = None
    indexPrice: Finite | None = None
    fundingRate: Finite | None = None
    nextFundingTime: int | str | None = None
    updatedTime: TimestampMs | None = None
    side: Literal["Buy", "Sell"] | None = None
    size: Positive | None = None
    price: Positive | None = None


class _Frame(msgspec.Struct, gc=False):
    """The whole frame in one typed decode: `data` is the allLiquidation rows (an array) or a row."""

    topic: str | None = None
    type: str | None = None
    ts: TimestampMs | None = None
    data: list[_Liq] | _Row | None = None  # (acks and errors have no topic: the two-step way reads them)


_KNOWN_TOPICS = ("allLiquidation.", "tickers.", "liquidation.")
_ENVELOPE = decoder(_Envelope)
_LIQUIDATIONS = decoder(list[_Liq])
_LEGACY = decoder(_LegacyLiq)
_TICKER = decoder(_Ticker)
_FRAME = decoder(_Frame)
_LEGACY_DECODE = decoder(_LegacyFrame).decode  # bound once: one attribute lookup less a frame
_ALL_DECODE = decoder(_AllFrame).decode
_TOPIC_AT = 10
_LEGACY_DOT = _TOPIC_AT + len("liquidation")
_ALL_DOT = _TOPIC_AT + len("allLiquidation")
"""Bybit's frames are compact JSON, topic first: `{"topic":"` then the topic. Two characters of it (`a` or
`l`, and the `.` after `allLiquidation` / `liquidation`: no other Bybit v5 topic has them there; two indexes
are far cheaper than a `startswith` or decoding the topic) pick the liquidation topics' own decoders, which
read exactly their rows; a frame laid out otherwise (and the marks) goes the general way."""


class _MergedTicker:
    """The fields of one symbol's ticker we use, as merged from snapshot + deltas (and its coin)."""

    __slots__ = ("coin", "funding", "index", "mark", "next_funding")

    def __init__(self, coin: str) -> None:
        self.coin = coin
        self.mark: float | None = None
        self.index: float | None = None
        self.funding: float | None = None
        self.next_funding: int | None = None


class BybitState:
    """Per-connection state: the connection's category and the merged tickers per symbol."""

    __slots__ = ("category", "facts", "tickers")

    def __init__(self, category: Category | None = None) -> None:
        self.category = category
        self.tickers: dict[str, _MergedTicker] = {}
        self.facts: PerSymbol = _FACTS[category]  # the category's per-symbol facts (one lookup per frame saved)


class _Facts(NamedTuple):
    """What a symbol's liquidations need, resolved once per symbol and connection category."""

    coin: str
    kind: Kind
    inverse: bool  # `v` counts USD contracts of `factor` USD each
    factor: float  # linear: coins per unit of `v` (1000 for 1000PEPEUSDT, or the contract size)
    key: int  # common.symbol_key, for the liquidation id


def _facts_for(category: Category | None):  # type: ignore[no-untyped-def]
    def compute(instruments: Instruments, symbol: str) -> _Facts:
        instrument = instruments.get(VENUE, symbol)
        if instrument is None:
            coin, kind, size = canonical_coin(VENUE, symbol), _infer_kind(symbol, category), None
        else:
            coin, kind, size = instrument.coin, instrument.kind, instrument.contract_size
        inverse = kind.startswith("inverse")
        factor = size or (1.0 if inverse else unit_multiplier(symbol))
        return _Facts(coin, kind, inverse, factor, symbol_key(VENUE, symbol))

    return PerSymbol(compute)


_FACTS = {category: _facts_for(category) for category in (None, *CATEGORIES)}


_ALL, _TICKERS, _LEGACY_TOPIC, _OTHER = 1, 2, 3, 4  # all truthy: `_TOPIC_KINDS.get(t) or _topic_kind(t)`
_TOPIC_KINDS: dict[str, int] = {}
"""topic -> which of the above, resolved once per topic (one dict lookup instead of prefix tests)."""


def _topic_kind(topic: str) -> int:
    kind = (_ALL if topic.startswith("allLiquidation.") else _TICKERS if topic.startswith("tickers.")
            else _LEGACY_TOPIC if topic.startswith("liquidation.") else _OTHER)
    if len(_TOPIC_KINDS) < 65_536:
        _TOPIC_KINDS[topic] = kind
    return kind


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: BybitState | None = None,
) -> list[Event]:
    """One typed decode of the whole frame (rows included); a frame that does not fit that shape goes
    the two-step way (envelope, then rows), which tells an unknown topic (ignored) from a bad row."""
    try:
        head = frame[_TOPIC_AT]  # bytes give ints here: the general way
    except (IndexError, TypeError, KeyError):
        head = None
    if head == "l":  # `liquidation.…`, the deprecated topic (at most one order a second per symbol)
        try:
            row = _LEGACY_DECODE(frame).data if frame[_LEGACY_DOT] == "." else None
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, IndexError):
            return _parse_two_step(frame, received_ms, instruments, state)  # says what is wrong
        if row is not None:
            cache = state.facts if state is not None else _FACTS[None]
            symbol = row.symbol
            facts = cache.facts.get(symbol) if instruments is cache.owner else None
            if facts is None:
                facts = cache.get(load_bundled() if instruments is None else instruments, symbol)
            coin, kind_of, inverse, factor, key = facts
            size = row.size
            price = row.price
            ts = row.updatedTime
            long = row.side == "Buy"  # the POSITION side, as allLiquidation's S
            if inverse:
                usd = size * factor
                qty = usd / price
            else:
                qty = size * factor
                usd = size * price
            return [Liquidation(VENUE, symbol, coin, kind_of, "long" if long else "short", price, qty, usd, ts,
                                LEGACY_COMPLETENESS, ID_BYTES(hash((key, ts, long, qty, price))).hex())]
    elif head == "a":  # `allLiquidation.…`: the rows alone
        try:
            rows = _ALL_DECODE(frame).data if frame[_ALL_DOT] == "." else None
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, IndexError):
            return _parse_two_step(frame, received_ms, instruments, state)  # says what is wrong
        if rows is not None:
            return _all_liquidations(rows, load_bundled() if instruments is None else instruments, state)
    try:
        message = _FRAME.decode(frame)
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, UnicodeError, RecursionError):
        return _parse_two_step(frame, received_ms, instruments, state)
    topic, data = message.topic, message.data
    if topic is None or data is None:
        return _parse_two_step(frame, received_ms, instruments, state)
    kind = _TOPIC_KINDS.get(topic) or _topic_kind(topic)
    if instruments is None:
        instruments = load_bundled()
    if type(data) is list:  # allLiquidation rows of a frame laid out otherwise
        if kind != _ALL:
            return _parse_two_step(frame, received_ms, instruments, state)
        return _all_liquidations(data, instruments, state)
    if kind == _TICKERS:  # marks, the most frequent frame: merged inline (see `_merge_ticker`)
        symbol = data.symbol
        ts = message.ts
        if symbol is None:
            raise BadFrame("tickers row without symbol")
        if ts is None:
            raise BadFrame("tickers frame without ts")
        tickers = (state if state is not None else BybitState()).tickers
        merged = tickers.get(symbol)
        if merged is None or message.type == "snapshot":
            merged = tickers[symbol] = _MergedTicker(canonical_coin(VENUE, symbol))
        value = data.markPrice  # deltas leave out unchanged fields
        if value is not None:
            merged.mark = value
        value = data.indexPrice
        if value is not None:
            merged.index = value
        value = data.fundingRate
        if value is not None:
            merged.funding = value
        next_funding = data.nextFundingTime
        if next_funding is not None:
            merged.next_funding = _timestamp(next_funding)
        mark = merged.mark
        if mark is None:
            return []  # a delta before any snapshot: nothing to show yet
        return [MarkPrice(VENUE, symbol, merged.coin, mark, ts, merged.index, merged.funding, merged.next_funding)]
    if kind != _LEGACY_TOPIC:
        return _parse_two_step(frame, received_ms, instruments, state)
    symbol = data.symbol
    size = data.size
    price = data.price
    ts = data.updatedTime
    side = data.side
    if symbol is None or side is None or size is None or price is None or ts is None:
        return _parse_two_step(frame, received_ms, instruments, state)  # says which field is missing
    cache = state.facts if state is not None else _FACTS[None]
    facts = cache.facts.get(symbol) if instruments is cache.owner else None
    if facts is None:
        facts = cache.get(instruments, symbol)
    coin, kind_of, inverse, factor, key = facts
    long = side == "Buy"
    if inverse:
        usd = size * factor
        qty = usd / price
    else:
        qty = size * factor
        usd = size * price
    return [Liquidation(VENUE, symbol, coin, kind_of, "long" if long else "short", price, qty, usd, ts,
                        LEGACY_COMPLETENESS, ID_BYTES(hash((key, ts, long, qty, price))).hex())]


def _parse_two_step(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: BybitState | None = None,
) -> list[Event]:
    message = decode(_ENVELOPE, frame)
    topic = message.topic
    if topic is None:
        if message.success is False:
            text = message.ret_msg or "request refused"
            return [VenueNotice(VENUE, "error", message.op or "error", text)]
        return []  # pong, subscribe ack, anything else without a topic
    if not topic.startswith(_KNOWN_TOPICS):
        return []
    if not message.data:
        raise BadFrame(f"{topic} without data")
    if instruments is None:
        instruments = load_bundled()
    if state is None:
        state = BybitState()
    if topic.startswith("allLiquidation."):
        rows = decode(_LIQUIDATIONS, message.data)
        ids = FrameIds()
        return [_liquidation(r.s, r.S, r.v, r.p, r.T, COMPLETENESS, instruments, state, ids) for r in rows]
    if topic.startswith("tickers."):
        return _ticker(message, state)
    row = decode(_LEGACY, message.data)
    return [
        _liquidation(
            row.symbol,
            row.side,
            row.size,
            row.price,
            row.updatedTime,
            LEGACY_COMPLETENESS,
            instruments,
            state,
            FrameIds(),
        )
    ]


def _liquidation(
    symbol: str,
    side_field: str,
    size: float,
    price: float,
    ts: int,
    completeness: Completeness,
    instruments: Instruments,
    state: BybitState,
    ids: FrameIds,
) -> Liquidation:
    side: Side = "long" if side_field == "Buy" else "short"
    instrument = instruments.get(VENUE, symbol)
    fallback = _infer_kind(symbol, state.category) if instrument is None else "linear_perp"
    return build_liquidation(VENUE, completeness, symbol, side, size, price, ts, instrument, fallback, ids)


def _ticker(message: _Envelope, state: BybitState) -> list[Event]:
    row = decode(_TICKER, message.data)
    return _merge_ticker(message.ts, message.type, row.symbol, row.markPrice, row.indexPrice, row.fundingRate,
                         row.nextFundingTime, state)


def _all_liquidations(rows: list[_Liq], instruments: Instruments, state: BybitState | None) -> list[Event]:
    """allLiquidation rows: coin, kind and id key per symbol from the cache, the id a cheap hash of the row
    (`common.liquidation_id`'s value: Bybit gives none)."""
    cache = state.facts if state is not None else _FACTS[None]
    known = cache.facts if instruments is cache.owner else None
    events: list[Event] = []
    for row in rows:  # S is the POSITION side here: Buy = a long was liquidated
        symbol = row.s  # one field a statement: `a, b, c = x.a, x.b, x.c` builds a tuple first
        size = row.v
        price = row.p
        ts = row.T
        facts = known.get(symbol) if known is not None else None
        if facts is None:
            facts = cache.get(instruments, symbol)
        coin, kind_of, inverse, factor, key = facts
        long = row.S == "Buy"
        if inverse:
            usd = size * factor
            qty = usd / price
        else:
            qty = size * factor
            usd = size * price
        events.append(Liquidation(VENUE, symbol, coin, kind_of, "long" if long else "short", price, qty, usd, ts,
                                  COMPLETENESS, ID_BYTES(hash((key, ts, long, qty, price))).hex()))
    if len(events) > 1 and len({event.id for event in events}) != len(events):
        number_repeats(events)  # identical rows in one batch: both kept, `-2` on the second
    return events


def _merge_ticker(
    ts: int | None,
    kind: str | None,
    symbol: str,
    mark: float | str | None,
    index: float | str | None,
    funding: float | str | None,
    next_funding: int | str | None,
    state: BybitState,
) -> list[Event]:
    if ts is None:
        raise BadFrame("tickers frame without ts")
    if kind == "snapshot" or symbol not in state.tickers:
        merged = state.tickers[symbol] = _MergedTicker(canonical_coin(VENUE, symbol))
    else:
        merged = state.tickers[symbol]
    # Deltas leave out unchanged fields; "" also means "no value" (funding of dated futures).
    if mark is not None:
        merged.mark = _positive(mark)
    if index is not None:
        merged.index = optional_number(index)
    if funding is not None:
        merged.funding = optional_number(funding)
    if next_funding is not None:
        merged.next_funding = _timestamp(next_funding)
    if merged.mark is None:
        return []  # a delta before any snapshot: nothing to show yet
    return [
        MarkPrice(
            VENUE,
            symbol,
            merged.coin,
            merged.mark,
            ts,
            merged.index,
            merged.funding,
            merged.next_funding,
        )
    ]


def _positive(value: float | str) -> float | None:
    number = optional_number(value)
    if number is not None and number <= 0:
        raise BadFrame(f"non-positive price {value!r}")
    if number is not None and number >= 1e300:  # the bound every other price field has (common.Positive)
        raise BadFrame(f"implausible price {value!r}")
    return number


def _timestamp(value: int | str) -> int | None:
    if value == "" or value == "0" or value == 0:
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadFrame(f"not a timestamp: {value!r}") from None
    if number < 0:
        raise BadFrame(f"negative timestamp {value!r}")
    return number


_INVERSE_FUTURE = re.compile(r"USD[FGHJKMNQUVXZ]\d{2}$")  # BTCUSDH26


def category_of(symbol: str, instruments: Instruments | None = None) -> Category:
    """Which public endpoint carries a symbol: inverse for XXXUSD and XXXUSD<month><yy>, else linear."""
    instrument = instruments.get(VENUE, symbol) if instruments is not None else None
    if instrument is not None:
        return "inverse" if instrument.kind.startswith("inverse") else "linear"
    return "inverse" if symbol.endswith("USD") or _INVERSE_FUTURE.search(symbol) else "linear"


def _infer_kind(symbol: str, category: Category | None) -> Kind:
    if (category or category_of(symbol)) == "inverse":
        return "inverse_future" if _INVERSE_FUTURE.search(symbol) else "inverse_perp"
    return "linear_future" if "-" in symbol else "linear_perp"


def subscribe_messages(symbols: Iterable[str], mark_symbols: Iterable[str] | None = None) -> tuple[str, ...]:
    """`allLiquidation` for each symbol and `tickers` for each mark symbol (default: the same symbols),
    at most ARGS_PER_SUBSCRIBE args per message. Marks stay few: every ticker pushes at 10 Hz."""
    symbols = list(symbols)
    marks = set(symbols if mark_symbols is None else mark_symbols)
    args = [f"{topic}.{s}" for s in symbols for topic in ("allLiquidation", "tickers")
            if topic == "allLiquidation" or s in marks]
    chunks = [args[i : i + ARGS_PER_SUBSCRIBE] for i in range(0, len(args), ARGS_PER_SUBSCRIBE)]
    return tuple(
        msgspec.json.encode({"req_id": f"sub-{n}", "op": "subscribe", "args": chunk}).decode()
        for n, chunk in enumerate(chunks, start=1)
    )


def connections(
    endpoints: dict[str, str] | None = None,
    instruments: Instruments | None = None,
    symbols: Iterable[str] | None = None,
    mark_symbols: Iterable[str] | None = None,
) -> list[ConnectionSpec]:
    """One connection per category that has symbols (default: the snapshot's Bybit symbols); marks
    (`tickers`) only for `mark_symbols` when given."""
    if instruments is None:
        instruments = load_bundled()
    chosen = list(symbols) if symbols is not None else instruments.symbols(VENUE)
    endpoints = endpoints or {}
    specs = []
    for category in CATEGORIES:
        stream = f"bybit/{category}"
        mine = [s for s in chosen if category_of(s, instruments) == category]
        if not mine:
            continue
        specs.append(
            ConnectionSpec(
                venue=VENUE,
                stream=stream,
                url=endpoints.get(stream, DEFAULT_ENDPOINTS[stream]),
                subscribe=subscribe_messages(mine, None if mark_symbols is None else list(mark_symbols)),
                heartbeat=RULES.heartbeat,
                heartbeat_interval_s=RULES.heartbeat_interval_s,
                stall_after_s=RULES.stall_after_s,
                completeness=COMPLETENESS,
                parse=parse,
                new_state=_state_factory(category),
            )
        )
    return specs


def _state_factory(category: Category):  # type: ignore[no-untyped-def]
    return lambda: BybitState(category)


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    # One `allLiquidation` topic per symbol: every listed symbol when known, else the mark symbols.
    return connections(request.endpoints, request.instruments,
                       symbols=request.liquidation_symbols or request.mark_symbols,
                       mark_symbols=request.mark_symbols)


# --- REST instrument metadata: GET /v5/market/instruments-info (paginated by cursor) -------------

INSTRUMENTS_PATH = "/v5/market/instruments-info"
INSTRUMENTS_PAGE_LIMIT = 1000  # the endpoint's maximum
DEFAULT_REST_BASE = "https://api.bybit.com"
_PERPETUAL_KINDS: dict[str, Kind] = {"LinearPerpetual": "linear_perp", "InversePerpetual": "inverse_perp"}


class _PriceFilter(msgspec.Struct, gc=False):
    tickSize: str | float | None = None


class _LotSizeFilter(msgspec.Struct, gc=False):
    qtyStep: str | float | None = None


class _InstrumentRow(msgspec.Struct, gc=False):
    symbol: str
    contractType: str = ""
    status: str = ""
    baseCoin: str = ""
    quoteCoin: str | None = None
    settleCoin: str | None = None
    priceFilter: _PriceFilter | None = None
    lotSizeFilter: _LotSizeFilter | None = None


class _InstrumentsResult(msgspec.Struct, gc=False):
    rows: list[msgspec.Raw] = msgspec.field(default_factory=list, name="list")
    nextPageCursor: str | None = None
    category: str | None = None


class _InstrumentsResponse(msgspec.Struct, gc=False):
    retCode: int | str | None = None
    retMsg: str | None = None
    result: _InstrumentsResult | None = None


_INSTRUMENTS_RESPONSE = decoder(_InstrumentsResponse)
_INSTRUMENT_ROW = decoder(_InstrumentRow)


def instruments_url(base: str, category: Category, cursor: str | None = None) -> str:
    url = f"{base.rstrip('/')}{INSTRUMENTS_PATH}?category={category}&limit={INSTRUMENTS_PAGE_LIMIT}"
    return url if not cursor else f"{url}&cursor={quote(cursor, safe='')}"


def instruments_page(payload: bytes | str, problems: list[str] | None = None) -> ListingPage:
    """One page of `instruments-info` (linear or inverse): its Trading perpetuals and the cursor of the
    next page. Linear qty is in the base coin (1000 PEPE per unit of 1000PEPEUSDT); inverse contracts
    are 1 USD each. Odd rows are skipped into `problems`; an error response (retCode ≠ 0) or a body
    without `result` raises BadFrame."""
    response = decode(_INSTRUMENTS_RESPONSE, payload)
    if response.retCode not in (None, 0, "0"):
        raise BadFrame(f"retCode {response.retCode}: {response.retMsg or 'no message'}")
    if response.result is None:
        raise BadFrame("instruments-info without result")
    instruments = []
    for row in decode_rows(_INSTRUMENT_ROW, response.result.rows, VENUE, problems):
        kind = _PERPETUAL_KINDS.get(row.contractType)
        if kind is None or row.status != "Trading":
            continue  # dated futures, pre-launch and closed symbols
        if not row.symbol or not row.baseCoin:
            note(problems, f"{VENUE} {row.symbol or '?'}: no symbol or base coin")
            continue
        coin, per_unit = coin_and_multiplier(row.baseCoin)
        if per_unit == 1.0:
            per_unit = unit_multiplier(row.symbol)
        inverse = kind == "inverse_perp"
        instruments.append(
            Instrument(
                VENUE,
                row.symbol,
                coin,
                kind,
                contract_size=1.0 if inverse else per_unit,
                contract_unit="usd" if inverse else "base",
                tick_size=positive_or_none(row.priceFilter.tickSize) if row.priceFilter else None,
                lot_size=positive_or_none(row.lotSizeFilter.qtyStep) if row.lotSizeFilter else None,
                quote=row.quoteCoin or None,
                settle=row.settleCoin or None,
            )
        )
    return ListingPage(instruments, response.result.nextPageCursor or None)


def instruments_from_rest(payload: bytes | str, problems: list[str] | None = None) -> list[Instrument]:
    """The instruments of one `instruments-info` page (see `instruments_page` for the cursor)."""
    return instruments_page(payload, problems).instruments


def _listing(category: Category) -> RestListing:
    return RestListing(lambda base, cursor: instruments_url(base, category, cursor), instruments_page, label=category)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="Bybit",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=RestInstruments(DEFAULT_REST_BASE, tuple(_listing(c) for c in CATEGORIES)),
    replay=REPLAY,
    market=MARKET,
)
