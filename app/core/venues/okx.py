"""OKX v5 public: `liquidation-orders` by instType (sizes in contracts × ctVal) and `mark-price` per
instId. resources/docs/feeds.md §3. OKX says the feed "doesn't represent the total number of liquidations" and is
not chronological: completeness is `partial`. Sizing needs ctVal, so an instrument missing from the
metadata gives `Unconvertible`, never a guessed size."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Kind, Liquidation, MarkPrice, Side, Unconvertible, VenueNotice
from app.core.instruments import (
    ContractUnit,
    Instrument,
    Instruments,
    canonical_coin,
    coin_and_multiplier,
    load_bundled,
)
from app.core.venues.common import (
    APP_PING_INTERVAL_S,
    APP_PING_STALL_AFTER_S,
    ID_BYTES,
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
from app.core.venues.okx_market import MARKET
from app.core.venues.okx_replay import REPLAY
from app.core.venues.protocol import ConnectionSpec

VENUE = "okx"
STREAM = "okx/public"
COMPLETENESS: Completeness = "partial"
DEFAULT_ENDPOINTS: dict[str, str] = {STREAM: "wss://ws.okx.com:8443/ws/v5/public"}
RULES = ConnectionRules(
    stall_after_s=APP_PING_STALL_AFTER_S,
    heartbeat="ping",  # text, answered by text `pong`; OKX drops a connection idle for 30 s
    heartbeat_interval_s=APP_PING_INTERVAL_S,
)
LIQUIDATION_INST_TYPES = ("SWAP", "FUTURES")
ARGS_PER_SUBSCRIBE = 20


class _Arg(msgspec.Struct, gc=False):
    channel: str | None = None


class _Envelope(msgspec.Struct, gc=False):
    arg: _Arg | None = None
    data: msgspec.Raw = msgspec.Raw(b"")
    event: str | None = None
    code: str | int | None = None
    msg: str | None = None


class _Detail(msgspec.Struct, gc=False, kw_only=True):
    """Fields in the order OKX sends them (bkLoss bkPx ccy posSide side sz ts): msgspec tries the field after
    the last one matched first, so each key matches at its first test (kw_only: optional `posSide` among them)."""

    bkPx: Positive
    posSide: Literal["long", "short", "net", ""] | None = None
    side: Literal["buy", "sell"]
    sz: Positive
    ts: TimestampMs


class _LiquidationRow(msgspec.Struct, gc=False):
    details: list[_Detail]  # OKX sends details first (details instFamily instId instType uly)
    instId: str


class _MarkRow(msgspec.Struct, gc=False):
    instId: str
    markPx: Positive
    ts: TimestampMs


class _UntaggedRow(msgspec.Struct, gc=False):
    """A push without `arg` (seen in third-party captures): the fields say which channel it is."""

    instId: str
    details: list[_Detail] | None = None
    markPx: Positive | None = None
    ts: TimestampMs | None = None


_NET_SIDE: dict[str, Side] = {"sell": "long", "buy": "short"}
_ENVELOPE = decoder(_Envelope)
_LIQUIDATIONS = decoder(list[_LiquidationRow])
_MARKS = decoder(list[_MarkRow])
_UNTAGGED = decoder(list[_UntaggedRow])
_QUIET_EVENTS = frozenset({"subscribe", "unsubscribe", "channel-conn-count", "login"})


class _Frame(msgspec.Struct, gc=False):
    """The whole push in one typed decode (liquidation and mark rows share `_UntaggedRow`'s shape)."""

    arg: _Arg | None = None
    data: list[_UntaggedRow] | None = None
    event: str | None = None


_FRAME_DECODE = decoder(_Frame).decode  # bound once: one attribute lookup less a frame


class _LiquidationFrame(msgspec.Struct, gc=False):
    """A compact `liquidation-orders` push, picked by its channel's characters: its rows alone."""

    data: list[_LiquidationRow]


_LIQUIDATION_DECODE = decoder(_LiquidationFrame).decode
_CHANNEL_AT = len('{"arg":{"channel":"')
_ORDERS_AT = _CHANNEL_AT + len("liquidation-")
"""OKX pushes compact JSON, `arg` first: `{"arg":{"channel":"` then the channel. Two characters of it (`l`,
and the `o` after `liquidation-`: no other OKX v5 channel has them there; two indexes are far cheaper than
decoding `arg` or a `startswith`) pick the liquidation rows' own decoder, which reads exactly the rows (every
field required and checked, so anything else fails it and goes the two-step way); a frame laid out otherwise
(spaced, reordered, bytes) and the marks go the general way."""


def _symbol_facts(instruments: Instruments, inst_id: str) -> tuple[str, Kind, bool, float, int, Unconvertible | None]:
    """(coin, kind, inverse, contract size, id key, why unconvertible): once per instId."""
    instrument = instruments.get(VENUE, inst_id)
    key = symbol_key(VENUE, inst_id)
    if instrument is None or not instrument.contract_size:
        reason = "not in instrument metadata" if instrument is None else "ctVal unknown"
        return "", "linear_perp", False, 0.0, key, Unconvertible(VENUE, inst_id, reason)
    unit = instrument.contract_unit
    if unit not in ("base", "usd"):
        return "", "linear_perp", False, 0.0, key, Unconvertible(VENUE, inst_id, f"contract unit {unit} not supported")
    return instrument.coin, instrument.kind, unit == "usd", instrument.contract_size, key, None


_FACTS = PerSymbol(_symbol_facts)


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: object = None,
) -> list[Event]:
    """A compact liquidation push: its rows' own typed decode (see `_CHANNEL_AT`); anything else one typed
    decode of the whole push; what fits neither (events, odd rows) goes the two-step way (envelope, then
    rows), which says precisely what is wrong."""
    try:
        head = frame[_CHANNEL_AT]  # bytes give ints here: the general way
    except (IndexError, TypeError, KeyError):
        head = None
    if head == "l":
        try:
            rows = _LIQUIDATION_DECODE(frame).data if frame[_ORDERS_AT] == "o" else None
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, IndexError):
            return _parse_two_step(frame, received_ms, instruments, state)  # says what is wrong
        if rows is not None:
            if instruments is None:
                instruments = load_bundled()
            events: list[Event] = []
            known = _FACTS.facts if instruments is _FACTS.owner else None
            for row in rows:
                inst_id = row.instId
                facts = known.get(inst_id) if known is not None else None
                if facts is None:
                    facts = _FACTS.get(instruments, inst_id)
                coin, kind, inverse, size, key, unconvertible = facts
                if unconvertible is not None:
                    events.append(unconvertible)
                    continue
                for detail in row.details:
                    # Hedge mode names the position; net mode gives only the closing order's side (sell closes a long).
                    pos_side = detail.posSide
                    long = pos_side == "long" if pos_side == "long" or pos_side == "short" else detail.side == "sell"
                    contracts, price, ts = detail.sz, detail.bkPx, detail.ts
                    if inverse:
                        usd = contracts * size
                        qty = usd / price
                    else:
                        qty = contracts * size
                        usd = qty * price  # bkPx is per coin
                    events.append(Liquidation(VENUE, inst_id, coin, kind, "long" if long else "short", price, qty,
                                              usd, ts, COMPLETENESS, ID_BYTES(hash((key, ts, long, qty, price))).hex()))
            if len(events) > 1:  # identical orders in one push: both kept, `-2` on the second
                number_repeats(events)  # (not inline: an Unconvertible row among them has no id)
            return events
    try:
        message = _FRAME_DECODE(frame)
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, UnicodeError, RecursionError):
        if frame == "pong" or frame == b"pong":  # the heartbeat's answer: not JSON, so only ever here
            return []
        return _parse_two_step(frame, received_ms, instruments, state)
    rows, arg = message.data, message.arg
    if message.event is not None or not rows or arg is None:
        return _parse_two_step(frame, received_ms, instruments, state)
    if instruments is None:
        instruments = load_bundled()
    channel = arg.channel
    if channel == "liquidation-orders":
        if any(row.details is None for row in rows):
            return _parse_two_step(frame, received_ms, instruments, state)
        return _liquidations(rows, instruments)  # type: ignore[arg-type]
    if channel == "mark-price":
        marks: list[Event] = []
        for row in rows:
            if row.markPx is None or row.ts is None:
                return _parse_two_step(frame, received_ms, instruments, state)
            marks.append(_mark(row.instId, row.markPx, row.ts, instruments))
        return marks
    return []


def _parse_two_step(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: object = None,
) -> list[Event]:
    message = decode(_ENVELOPE, frame)
    if message.event is not None:
        return _event(message)
    if instruments is None:
        instruments = load_bundled()
    channel = message.arg.channel if message.arg is not None else None
    if channel == "liquidation-orders":
        return _liquidations(decode(_LIQUIDATIONS, _data(message)), instruments)
    if channel == "mark-price":
        return [_mark(row.instId, row.markPx, row.ts, instruments) for row in decode(_MARKS, _data(message))]
    if message.arg is None and message.data:
        return _untagged(decode(_UNTAGGED, message.data), instruments)
    return []


def _data(message: _Envelope) -> msgspec.Raw:
    if not message.data:
        raise BadFrame("push without data")
    return message.data


def _event(message: _Envelope) -> list[Event]:
    event = message.event
    if event in _QUIET_EVENTS:
        return []
    code = "" if message.code is None else str(message.code)
    text = message.msg or event or ""
    if event == "error" or event.endswith("-error"):
        return [VenueNotice(VENUE, "error", code, text)]
    return [VenueNotice(VENUE, "warning" if event == "notice" else "info", code or event, text)]


def _liquidations(rows: list[_LiquidationRow], instruments: Instruments) -> list[Event]:
    events: list[Event] = []
    ids = FrameIds()
    for row in rows:
        _append_liquidations(events, row.instId, row.details, instruments, ids)
    return events


def _append_liquidations(
    events: list[Event], inst_id: str, details: list[_Detail], instruments: Instruments, ids: FrameIds
) -> None:
    instrument = instruments.get(VENUE, inst_id)
    if instrument is None or not instrument.contract_size:
        reason = "not in instrument metadata" if instrument is None else "ctVal unknown"
        events.append(Unconvertible(VENUE, inst_id, reason))
        return
    unit = instrument.contract_unit
    if unit not in ("base", "usd"):
        events.append(Unconvertible(VENUE, inst_id, f"contract unit {unit} not supported"))
        return
    for detail in details:
        # Hedge mode names the position; net mode gives only the closing order's side (sell closes a long).
        pos_side = detail.posSide
        side: Side = pos_side if pos_side == "long" or pos_side == "short" else _NET_SIDE[detail.side]
        events.append(build_liquidation(VENUE, COMPLETENESS, inst_id, side, detail.sz, detail.bkPx, detail.ts,
                                        instrument, instrument.kind, ids, price_per_coin=True,
                                        inverse=unit == "usd"))


def _mark(inst_id: str, price: float, ts: int, instruments: Instruments) -> MarkPrice:
    instrument = instruments.get(VENUE, inst_id)
    coin = instrument.coin if instrument is not None else canonical_coin(VENUE, inst_id)
    return MarkPrice(VENUE, inst_id, coin, price, ts)


def _untagged(rows: list[_UntaggedRow], instruments: Instruments) -> list[Event]:
    events: list[Event] = []
    ids = FrameIds()
    for row in rows:
        if row.details is not None:
            _append_liquidations(events, row.instId, row.details, instruments, ids)
        elif row.markPx is not None and row.ts is not None:
            events.append(_mark(row.instId, row.markPx, row.ts, instruments))
    return events


def subscribe_messages(inst_ids: Iterable[str]) -> tuple[str, ...]:
    """Liquidations of every SWAP and FUTURES instrument, plus mark prices of the given instIds."""
    liquidation_args = [{"channel": "liquidation-orders", "instType": t} for t in LIQUIDATION_INST_TYPES]
    mark_args = [{"channel": "mark-price", "instId": i} for i in inst_ids]
    messages = [liquidation_args] + [
        mark_args[i : i + ARGS_PER_SUBSCRIBE] for i in range(0, len(mark_args), ARGS_PER_SUBSCRIBE)
    ]
    return tuple(msgspec.json.encode({"op": "subscribe", "args": args}).decode() for args in messages)


def connections(
    endpoints: dict[str, str] | None = None,
    instruments: Instruments | None = None,
    symbols: Iterable[str] | None = None,
) -> list[ConnectionSpec]:
    """One public connection; marks for `symbols` (default: the snapshot's OKX instIds)."""
    if instruments is None:
        instruments = load_bundled()
    inst_ids = list(symbols) if symbols is not None else instruments.symbols(VENUE)
    return [
        ConnectionSpec(
            venue=VENUE,
            stream=STREAM,
            url=(endpoints or {}).get(STREAM, DEFAULT_ENDPOINTS[STREAM]),
            subscribe=subscribe_messages(inst_ids),
            heartbeat=RULES.heartbeat,
            heartbeat_interval_s=RULES.heartbeat_interval_s,
            stall_after_s=RULES.stall_after_s,
            completeness=COMPLETENESS,
            parse=parse,
            new_state=None,
        )
    ]


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    # `liquidation-orders` by instType covers every instrument: only the marks are per instId.
    return connections(request.endpoints, request.instruments, request.mark_symbols)


# --- REST instrument metadata: GET /api/v5/public/instruments?instType=SWAP -----------------------

INSTRUMENTS_PATH = "/api/v5/public/instruments?instType=SWAP"
FUTURES_INSTRUMENTS_PATH = "/api/v5/public/instruments?instType=FUTURES"  # dated futures: liquidated too
DEFAULT_REST_BASE = "https://www.okx.com"


class _InstrumentRow(msgspec.Struct, gc=False):
    instId: str
    instType: str = "SWAP"
    ctType: str = ""
    ctVal: str | float | None = None
    ctMult: str | float | None = None
    ctValCcy: str = ""
    uly: str = ""
    instFamily: str = ""
    settleCcy: str | None = None
    tickSz: str | float | None = None
    lotSz: str | float | None = None
    state: str = ""


class _InstrumentsResponse(msgspec.Struct, gc=False):
    code: str | int | None = None
    msg: str | None = None
    data: list[msgspec.Raw] | None = None


_INSTRUMENTS_RESPONSE = decoder(_InstrumentsResponse)
_INSTRUMENT_ROW = decoder(_InstrumentRow)


def instruments_from_rest(payload: bytes | str, problems: list[str] | None = None,
                          inst_type: str = "SWAP") -> list[Instrument]:
    """The live SWAPs (or FUTURES) of a `public/instruments` response, sized by ctVal × ctMult: base coin per
    contract for linear (ctValCcy is the coin), USD per contract for inverse. A row without a usable
    ctVal is skipped into `problems` (liquidations of it stay Unconvertible, never guessed); an error
    response (code ≠ "0") or a body without `data` raises BadFrame."""
    response = decode(_INSTRUMENTS_RESPONSE, payload)
    if response.code not in (None, 0, "0"):
        raise BadFrame(f"code {response.code}: {response.msg or 'no message'}")
    if response.data is None:
        raise BadFrame("instruments response without data")
    instruments = []
    for row in decode_rows(_INSTRUMENT_ROW, response.data, VENUE, problems):
        if row.instType != inst_type or row.state != "live":
            continue  # suspended, pre-open and test instruments
        instrument = _swap(row, problems)
        if instrument is not None:
            instruments.append(instrument)
    return instruments


def _swap(row: _InstrumentRow, problems: list[str] | None) -> Instrument | None:
    inst_id = row.instId
    family = row.instFamily or row.uly or inst_id.rpartition("-")[0]  # BTC-USDT
    base, _, quote = family.partition("-")
    coin, per_coin_unit = coin_and_multiplier(base) if base else (canonical_coin(VENUE, inst_id), 1.0)
    ct_val = positive_or_none(row.ctVal)
    if ct_val is None:
        note(problems, f"{VENUE} {inst_id}: no usable ctVal ({row.ctVal!r})")
        return None
    size = ct_val * (positive_or_none(row.ctMult) or 1.0)
    if row.ctType == "linear":
        # ctVal counts ctValCcy units (the base, by name, when absent): 1000 per unit of a "1000X".
        value_coin, per_value_unit = coin_and_multiplier(row.ctValCcy) if row.ctValCcy else (coin, per_coin_unit)
        if value_coin != coin:
            note(problems, f"{VENUE} {inst_id}: ctValCcy {row.ctValCcy} is not the base coin {coin}")
            return None
        kind: Kind = "linear_perp" if row.instType == "SWAP" else "linear_future"
        size *= per_value_unit
        unit: ContractUnit = "base"
    elif row.ctType == "inverse":
        if row.ctValCcy and row.ctValCcy.upper() != "USD":
            note(problems, f"{VENUE} {inst_id}: inverse ctValCcy {row.ctValCcy} is not USD")
            return None
        kind, unit = ("inverse_perp" if row.instType == "SWAP" else "inverse_future"), "usd"
    else:
        note(problems, f"{VENUE} {inst_id}: unknown ctType {row.ctType!r}")
        return None
    return Instrument(
        VENUE,
        inst_id,
        coin,
        kind,
        contract_size=size,
        contract_unit=unit,
        tick_size=positive_or_none(row.tickSz),
        lot_size=positive_or_none(row.lotSz),
        quote=quote or None,
        settle=row.settleCcy or None,
    )


def _swaps(payload: bytes | str, problems: list[str] | None) -> ListingPage:
    return ListingPage(instruments_from_rest(payload, problems), None)


def _futures(payload: bytes | str, problems: list[str] | None) -> ListingPage:
    return ListingPage(instruments_from_rest(payload, problems, inst_type="FUTURES"), None)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="OKX",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=RestInstruments(DEFAULT_REST_BASE, (
        RestListing(lambda base, _: base + INSTRUMENTS_PATH, _swaps),
        # Dated futures are subscribed too; without their ctVal they stay Unconvertible, so a failed
        # futures listing leaves the swaps standing.
        RestListing(lambda base, _: base + FUTURES_INSTRUMENTS_PATH, _futures, label="futures", optional=True),
    )),
    replay=REPLAY,
    market=MARKET,
)
