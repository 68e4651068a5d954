"""BitMEX realtime `liquidation` table (resources/docs/feeds.md §6; https://www.bitmex.com/app/wsAPI): the
RESTING liquidation orders of every instrument, as `partial` (the table's current rows, sent on every
(re)subscribe), `insert` (a new liquidation order), `update` (its leavesQty shrinking as it fills) and
`delete` (gone, no price or size).

The event is the order's arrival: each `insert` row, and each `partial` row (orders already resting
when we subscribed), sized by `leavesQty` at that moment (resources/docs/feeds.md §6.1: "count the insert as the
event"). A `partial` repeats every order still resting each time we resubscribe, so rows are kept once
per `orderID` across frames and reconnects: a bounded TTL cache (a few hours, tens of thousands of ids)
on the connection spec, shared by every socket it opens. Rows within one frame are never deduplicated
against each other. Updates and deletes add nothing.

Completeness `all`: BitMEX publishes every liquidation order (resources/docs/feeds.md §10: "all resting liq orders").
The size is the order's size when seen (leavesQty), not what it finally filled.

Side: the liquidation ORDER's side, `Sell` closes a LONG, `Buy` a short (resources/docs/feeds.md §6.1). No timestamp in
the payload: the receipt time is the event time (resources/docs/feeds.md §6.1, §10).

Units (resources/docs/feeds.md §6.1; the bundled snapshot from BitMEX /instrument rows): inverse XBTUSD counts USD
contracts (1 USD each: notional = leavesQty, qty = leavesQty / price); linear (XBTUSDT, ETHUSDT …)
contracts are 1 / underlyingToPositionMultiplier coins; quanto (ETHUSD) contracts are worth a
multiplier in XBT per USD of price, which needs the XBT price as well: `Unconvertible`, never guessed.
Contract values come from `GET /api/v1/instrument/active` (live) or the snapshot.

Heartbeat: text `ping`, answered by `pong`, every 5 s (BitMEX's advice, resources/docs/feeds.md §6.3: ping after 5 s
without a message, expect the pong within 5 s).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Kind, Liquidation, Side, Unconvertible, VenueNotice
from app.core.instruments import Instrument, Instruments, canonical_coin, load_bundled
from app.core.venues.bitmex_replay import REPLAY
from app.core.venues.common import (
    FrameIds,
    PerSymbol,
    Positive,
    SeenIds,
    build_liquidation,
    decode,
    decode_rows,
    decoder,
    note,
    number_repeats,
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

VENUE = "bitmex"
STREAM = "bitmex/realtime"
COMPLETENESS: Completeness = "all"
DEFAULT_ENDPOINTS: dict[str, str] = {STREAM: "wss://ws.bitmex.com/realtime"}
SUBSCRIBE = '{"op":"subscribe","args":["liquidation"]}'
RULES = ConnectionRules(stall_after_s=12.0, heartbeat="ping", heartbeat_interval_s=5.0)
SEEN_TTL_MS = 6 * 3600 * 1000
"""How long an orderID is remembered: far longer than a liquidation order rests."""
SEEN_MAX = 50_000
"""Order ids remembered at most (oldest forgotten first): bounds the memory whatever the market does."""


class SeenOrders(SeenIds):
    """orderIDs already counted (common.SeenIds with BitMEX's bounds)."""

    __slots__ = ()

    def __init__(self, ttl_ms: int = SEEN_TTL_MS, max_size: int = SEEN_MAX) -> None:
        super().__init__(ttl_ms, max_size)


_SIDES: dict[str, Side] = {"Sell": "long", "Buy": "short"}


class _Row(msgspec.Struct, gc=False):
    orderID: str
    symbol: str
    side: Literal["Buy", "Sell"]
    price: Positive
    leavesQty: Positive


class _Frame(msgspec.Struct, gc=False):
    table: str | None = None
    action: str | None = None
    data: msgspec.Raw = msgspec.Raw(b"")
    error: str | None = None
    status: int | None = None


class _Insert(msgspec.Struct, gc=False, tag_field="action", tag="insert"):
    """The counted actions of the liquidation table, told apart by `action` while decoding: their rows
    complete (`_Row`). Another table's rows fail `table` and go the two-step way (which ignores them)."""

    table: Literal["liquidation"]
    data: list[_Row]


class _Partial(_Insert, tag="partial"):
    pass


class _Update(msgspec.Struct, gc=False, tag_field="action", tag="update"):
    """Updates and deletes add nothing: their rows are skipped unread (`data` is always empty here)."""

    data: ClassVar[tuple[()]] = ()


class _Delete(_Update, tag="delete"):
    pass


_FRAME = decoder(_Frame)
_ROWS = decoder(list[_Row])
_ACTION_DECODE = decoder(_Insert | _Partial | _Update | _Delete).decode  # bound once
_COUNTED = frozenset({"partial", "insert"})  # the two-step path; the typed one tells them by class


def _symbol_facts(instruments: Instruments, symbol: str) -> tuple[str, Kind, bool, float, Unconvertible | None]:
    """(coin, kind, inverse, contract size, why unconvertible), once per symbol."""
    instrument = instruments.get(VENUE, symbol)
    if instrument is None or not instrument.contract_size:
        return "", "linear_perp", False, 0.0, Unconvertible(VENUE, symbol, "contract value unknown")
    unit = instrument.contract_unit
    if unit not in ("base", "usd"):
        return "", "linear_perp", False, 0.0, Unconvertible(VENUE, symbol,
                                                            "quanto contract: its value needs the XBT price")
    return instrument.coin, instrument.kind, unit == "usd", instrument.contract_size, None


_FACTS = PerSymbol(_symbol_facts)
_NO_FACTS: dict[str, tuple[str, Kind, bool, float, Unconvertible | None]] = {}
"""Read instead of `_FACTS.facts` when the instruments are not its owner's: every symbol then goes through
`_FACTS.get` (never written to)."""


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: SeenOrders | None = None,
) -> list[Event]:
    """One typed decode; the id is BitMEX's `orderID` (`-2`, `-3`… for a repeat within one frame, never
    deduplicated there); a frame that does not fit goes the two-step way, which says what is wrong."""
    try:  # one typed decode, the action telling the shape; anything else (welcome, acks, errors, rows
        rows = _ACTION_DECODE(frame).data  # that do not fit, other tables) goes the two-step way
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, UnicodeError, RecursionError):
        if frame == "pong" or frame == b"pong":  # the heartbeat's answer: not JSON, so only ever here
            return []
        return _parse_two_step(frame, received_ms, instruments, state)
    if not rows:
        return []  # updates and deletes of orders already counted (no rows read), or an empty table
    if instruments is None:
        instruments = load_bundled()
    seen = state if state is not None else SeenOrders()
    # SeenIds.known + remember, inline: an id not in the memory (the usual case: one `in` test) is counted
    # and remembered last; the first row whose id is there hands the rest of the frame to `_rows_after_known`,
    # which tells a known order (skipped), an expired one (counted again) and a repeat within this frame.
    remembered = seen._expiry
    expires = received_ms + seen.ttl_ms
    known = _FACTS.facts if instruments is _FACTS.owner else _NO_FACTS
    events: list[Event] = []
    for row in rows:
        order_id = row.orderID  # one field a statement: `a, b, c = x.a, x.b, x.c` builds a tuple first
        if order_id in remembered:
            return _rows_after_known(rows, row, events, received_ms, instruments, seen)
        remembered[order_id] = expires
        symbol = row.symbol
        facts = known.get(symbol)
        if facts is None:
            facts = _FACTS.get(instruments, symbol)
        coin, kind, inverse, size, unconvertible = facts
        if unconvertible is not None:
            events.append(unconvertible)
            continue
        price = row.price
        if inverse:
            usd = row.leavesQty * size
            qty = usd / price
        else:
            qty = row.leavesQty * size
            usd = qty * price
        events.append(Liquidation(VENUE, symbol, coin, kind, "long" if row.side == "Sell" else "short", price, qty,
                                  usd, received_ms, COMPLETENESS, order_id))
    if received_ms >= seen._prune_at or len(remembered) > seen.max_size:
        seen.prune(received_ms)
    return events


def _rows_after_known(
    rows: list[_Row], first: _Row, events: list[Event], received_ms: int, instruments: Instruments, seen: SeenOrders
) -> list[Event]:
    """`parse`'s rows from `first` on (the first whose orderID is in the memory; the rows before it were new,
    counted and remembered): SeenIds.known + remember, row by row."""
    remembered = seen._expiry
    expires = received_ms + seen.ttl_ms
    known = _FACTS.facts if instruments is _FACTS.owner else _NO_FACTS
    repeated = False
    skipped: tuple[str, ...] = ()  # known ids skipped in this frame that carry this frame's expiry
    for row in rows[_index_of(rows, first):]:
        order_id = row.orderID
        expiry = remembered.get(order_id)
        if expiry is None:  # new
            remembered[order_id] = expires
        elif expiry == expires and order_id not in skipped and _earlier_in_frame(rows, row, order_id):
            # This frame's expiry on a known id: counted earlier in this frame (a repeat, counted again),
            # or by an earlier frame received in the same millisecond (skipped below, as any known id).
            repeated = True  # the same orderID twice in this frame: both kept, `-2` on the second
            del remembered[order_id]  # and it moves last, as SeenIds.remember would move it
            remembered[order_id] = expires
        elif expiry > received_ms:
            if expiry == expires:
                skipped = (*skipped, order_id)
            continue  # a resubscribe's partial repeating an order already counted (SeenOrders.known)
        else:
            del remembered[order_id]  # expired: counted again, remembered afresh (last)
            remembered[order_id] = expires
        symbol = row.symbol
        facts = known.get(symbol)
        if facts is None:
            facts = _FACTS.get(instruments, symbol)
        coin, kind, inverse, size, unconvertible = facts
        if unconvertible is not None:
            events.append(unconvertible)
            continue
        price = row.price
        if inverse:
            usd = row.leavesQty * size
            qty = usd / price
        else:
            qty = row.leavesQty * size
            usd = qty * price
        events.append(Liquidation(VENUE, symbol, coin, kind, "long" if row.side == "Sell" else "short", price, qty,
                                  usd, received_ms, COMPLETENESS, order_id))
    if repeated:
        number_repeats(events)
    if received_ms >= seen._prune_at or len(remembered) > seen.max_size:
        seen.prune(received_ms)
    return events


def _index_of(rows: list[_Row], row: _Row) -> int:
    """The position of `row` itself (not of an equal row before it)."""
    for index, candidate in enumerate(rows):
        if candidate is row:
            return index
    raise ValueError("row not in rows")


def _earlier_in_frame(rows: list[_Row], row: _Row, order_id: str) -> bool:
    """Whether a row before `row` in this frame has `order_id` (asked only of an id remembered with this
    frame's expiry and not skipped in this frame as known: then that earlier row counted it)."""
    for earlier in rows:
        if earlier is row:
            return False
        if earlier.orderID == order_id:
            return True
    return False


def _parse_two_step(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: SeenOrders | None = None,
) -> list[Event]:
    message = decode(_FRAME, frame)
    if message.error is not None:
        return [VenueNotice(VENUE, "error", "" if message.status is None else str(message.status), message.error)]
    if message.table != "liquidation" or message.action not in _COUNTED:
        return []  # welcome, acks, updates and deletes of orders already counted
    if not message.data:
        raise BadFrame(f"liquidation {message.action} without data")
    rows = decode(_ROWS, message.data)
    if instruments is None:
        instruments = load_bundled()
    seen = state if state is not None else SeenOrders()
    ids = FrameIds()
    events: list[Event] = []
    counted: list[str] = []
    for row in rows:
        if seen.known(row.orderID, received_ms):
            continue  # a resubscribe's partial repeating an order already counted
        counted.append(row.orderID)
        events.append(_liquidation(row, received_ms, instruments, ids))
    seen.remember(counted, received_ms)
    return events


def _liquidation(row: _Row, ts: int, instruments: Instruments, ids: FrameIds) -> Event:
    instrument = instruments.get(VENUE, row.symbol)
    if instrument is None or not instrument.contract_size:
        return Unconvertible(VENUE, row.symbol, "contract value unknown")
    unit = instrument.contract_unit
    if unit not in ("base", "usd"):
        return Unconvertible(VENUE, row.symbol, "quanto contract: its value needs the XBT price")
    return build_liquidation(VENUE, COMPLETENESS, row.symbol, _SIDES[row.side], row.leavesQty, row.price, ts,
                             instrument, instrument.kind, ids, price_per_coin=True, inverse=unit == "usd")


def connections(endpoints: dict[str, str] | None = None) -> list[ConnectionSpec]:
    url = (endpoints or {}).get(STREAM, DEFAULT_ENDPOINTS[STREAM])
    return [RULES.spec(VENUE, STREAM, url, (SUBSCRIBE,), COMPLETENESS, parse,
                       state=SeenOrders())]  # survives reconnects: a resubscribe's partial is not counted twice


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    # The liquidation table covers every instrument.
    return connections(request.endpoints)


# --- REST instrument metadata: GET /api/v1/instrument/active --------------------------------------

DEFAULT_REST_BASE = "https://www.bitmex.com"
ACTIVE_PATH = "/api/v1/instrument/active"
_PERPETUAL_TYP = "FFWCSX"
_FUTURE_TYP = "FFCCSX"


class _InstrumentRow(msgspec.Struct, gc=False):
    symbol: str
    typ: str = ""
    state: str = ""
    isInverse: bool = False
    isQuanto: bool = False
    underlyingToPositionMultiplier: float | None = None
    quoteCurrency: str = ""
    settlCurrency: str = ""
    tickSize: float | None = None
    lotSize: float | None = None


_INSTRUMENT_ROWS = decoder(list[msgspec.Raw])
_INSTRUMENT_ROW = decoder(_InstrumentRow)


def instruments_from_rest(payload: bytes | str, problems: list[str] | None = None) -> list[Instrument]:
    """The open perpetuals and futures of `instrument/active`: inverse USD-quoted contracts are 1 USD each,
    linear ones 1 / underlyingToPositionMultiplier coins; quanto contracts are left out (their value
    needs the XBT price). Odd rows go to `problems`; a body that is not a list raises BadFrame."""
    instruments = []
    for row in decode_rows(_INSTRUMENT_ROW, decode(_INSTRUMENT_ROWS, payload), VENUE, problems):
        if row.typ not in (_PERPETUAL_TYP, _FUTURE_TYP) or row.state != "Open" or row.isQuanto:
            continue
        perpetual = row.typ == _PERPETUAL_TYP
        coin = canonical_coin(VENUE, row.symbol)
        tick, lot = positive_or_none(row.tickSize), positive_or_none(row.lotSize)
        quote, settle = row.quoteCurrency or None, row.settlCurrency or None
        if row.isInverse:
            if row.quoteCurrency != "USD":
                note(problems, f"{VENUE} {row.symbol}: inverse quoted in {row.quoteCurrency!r}, not USD")
                continue
            kind: Kind = "inverse_perp" if perpetual else "inverse_future"
            instruments.append(Instrument(VENUE, row.symbol, coin, kind, 1.0, "usd", tick, lot, quote, settle))
            continue
        per_position = positive_or_none(row.underlyingToPositionMultiplier)
        if per_position is None:
            note(problems, f"{VENUE} {row.symbol}: no underlyingToPositionMultiplier")
            continue
        kind = "linear_perp" if perpetual else "linear_future"
        instruments.append(Instrument(VENUE, row.symbol, coin, kind, 1.0 / per_position, "base", tick, lot,
                                      quote, settle))
    return instruments


def _listing(payload: bytes | str, problems: list[str] | None) -> ListingPage:
    return ListingPage(instruments_from_rest(payload, problems), None)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="BitMEX",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=RestInstruments(DEFAULT_REST_BASE, (RestListing(lambda base, _: base + ACTIVE_PATH, _listing),)),
    replay=REPLAY,
)
