"""Bitfinex derivatives: the public `status` channel with key `liq:global` on `wss://api-pub.bitfinex.com/ws/2`
(https://docs.bitfinex.com/reference/ws-public-status), every position the platform liquidates.

Frames (same page): the ack `{"event":"subscribed","channel":"status","chanId":CHANNEL_ID,"key":"liq:global"}`,
then arrays `[CHANNEL_ID, [["pos", POS_ID, TIME_MS, null, SYMBOL, AMOUNT, BASE_PRICE, null, IS_MATCH,
IS_MARKET_SOLD, null, LIQUIDATION_PRICE], …]]`; the field meanings are those of the REST twin
(https://docs.bitfinex.com/reference/rest-public-liquidations): AMOUNT is the position's size, positive
for a LONG, negative for a short; BASE_PRICE is the price the user ENTERED at (not a liquidation
price); IS_MATCH 0 = "initial liquidation trigger", 1 = "market execution"; IS_MARKET_SOLD 0 = acquired by
the system, 1 = sold directly into the market; the last field is the price the position was acquired
or executed at. TIME_MS may carry a fraction (the docs' example: `1574697680828.2002`).

Counting, so one liquidation is never counted twice: a liquidated position first appears as its trigger
(IS_MATCH 0) and then as its market execution(s) (IS_MATCH 1), all under the same POS_ID. The event is
the FIRST message of a POS_ID that carries a usable price; every later message of that POS_ID (further
executions, or the same rows again after a reconnect) adds nothing. Live triggers carry no price yet
(the last field is null), so in practice the first execution is the event, stamped with its own time. The POS_IDs
counted live in a bounded TTL cache (common.SeenIds: 6 h, 50,000 ids) on the connection spec, shared by
every socket it opens. A message without a positive price is not counted and not remembered, so the
execution that follows counts instead. Two rows with different POS_IDs in one frame are two events.

Completeness `all` (resources/docs/DESIGN.md: every order, possibly batched): the channel is the
platform's own liquidation feed, one message per liquidated position, not sampled or summed. Only the
derivatives (perpetual) positions are counted: symbols `t{BASE}F0:USTF0` (USDt-margined perpetuals;
coin = BASE, `tBTCF0:USTF0` → BTC). The same channel also carries margin-trading (spot) positions such
as `tBTCUSD`, which are not perpetuals and are left out; perpetuals quoted in another currency
(`…F0:EUTF0`, EURt) have no USD notional here and are `Unconvertible`, never guessed. AMOUNT counts the
base coin (Bitfinex derivatives are sized in the base currency; the listing has no contract multiplier),
so notional = |AMOUNT| × price.

Connection (https://docs.bitfinex.com/docs/ws-general): on connect an `{"event":"info","version":2,…}`;
info code 20051 asks clients to reconnect, 20060/20061 bracket maintenance (shown as notices);
`{"event":"error",…}` refuses a subscription. Every channel quiet for 15 s gets a heartbeat
`[CHANNEL_ID,"hb"]`, so 35 s with no frame at all (two heartbeats missed) is a dead connection. We also
send `{"event":"ping","cid":1}` every 20 s, answered by `{"event":"pong",…}`; Bitfinex documents no
cut-off for a client that does not ping.

Instrument metadata: `GET https://api-pub.bitfinex.com/v2/conf/pub:list:pair:futures` lists the
derivative pairs (`[["BTCF0:USTF0", …]]`), each 1 base coin per unit of AMOUNT.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Side, Unconvertible, VenueNotice
from app.core.instruments import Instrument, Instruments, coin_and_multiplier, load_bundled
from app.core.venues.bitfinex_replay import HB_INTERVAL_S, LIQ_KEY, REPLAY
from app.core.venues.common import FrameIds, SeenIds, build_liquidation, decode, decoder, note
from app.core.venues.descriptor import (
    ConnectionRules,
    ConnectRequest,
    ListingPage,
    RestInstruments,
    RestListing,
    VenueDescriptor,
)
from app.core.venues.protocol import ConnectionSpec

VENUE = "bitfinex"
STREAM = "bitfinex/public"
COMPLETENESS: Completeness = "all"
DEFAULT_ENDPOINTS: dict[str, str] = {STREAM: "wss://api-pub.bitfinex.com/ws/2"}
SUBSCRIBE = msgspec.json.encode({"event": "subscribe", "channel": "status", "key": LIQ_KEY}).decode()
PING = '{"event":"ping","cid":1}'
RULES = ConnectionRules(stall_after_s=2 * HB_INTERVAL_S + 5.0, heartbeat=PING, heartbeat_interval_s=20.0)
USD_QUOTE = "USTF0"  # USDt, the margin currency of Bitfinex's USD perpetuals
_INFO_NOTICES = {20051: ("warning", "Bitfinex is restarting its websocket server: reconnecting"),
                 20060: ("warning", "Bitfinex maintenance started"),
                 20061: ("info", "Bitfinex maintenance ended")}


class _Event(msgspec.Struct, gc=False):
    event: str
    code: int | None = None
    msg: str = ""


_FRAME = decoder(_Event | list[Any])


class SeenPositions(SeenIds):
    """POS_IDs already counted: their trigger and execution messages, and repeats after a reconnect."""

    __slots__ = ()


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: SeenPositions | None = None,
) -> list[Event]:
    message = decode(_FRAME, frame)
    if isinstance(message, _Event):
        return _event(message)
    if len(message) < 2 or not _is_int(message[0]):
        raise BadFrame("channel frame without a channel id")
    payload = message[1]
    if isinstance(payload, str):
        return []  # the channel heartbeat `hb` (and any other one-word channel message)
    if not isinstance(payload, list):
        raise BadFrame("channel frame without rows")
    rows = [payload] if payload and isinstance(payload[0], str) else payload  # one row, or a list of rows
    if instruments is None:
        instruments = load_bundled()
    seen = state if state is not None else SeenPositions()
    ids = FrameIds()
    events: list[Event] = []
    counted: list[str] = []
    for row in rows:
        if not isinstance(row, list) or len(row) < 12:
            raise BadFrame("liquidation row of an unexpected shape")
        if row[0] != "pos":
            continue
        position, ts, symbol, amount, price = _fields(row)
        if price is None:
            continue  # no price yet: the position's next message (its execution) counts instead
        key = str(position)
        if seen.known(key, received_ms) or key in counted:
            continue  # this position's trigger was counted: its executions (and repeats) add nothing
        counted.append(key)
        instrument = instruments.get(VENUE, symbol) or instrument_of(symbol)
        if instrument is None:
            if _is_derivative(symbol):
                events.append(Unconvertible(VENUE, symbol, "perpetual not quoted in USDt"))
            continue  # a margin-trading (spot) position: not a perpetual
        side: Side = "long" if amount > 0 else "short"
        events.append(build_liquidation(VENUE, COMPLETENESS, symbol, side, abs(amount), price, ts, instrument,
                                        instrument.kind, ids, price_per_coin=True, inverse=False))
    seen.remember(counted, received_ms)
    return events


def _event(message: _Event) -> list[Event]:
    if message.event == "error":
        return [VenueNotice(VENUE, "error", "" if message.code is None else str(message.code),
                            message.msg or "request refused")]
    if message.event == "info" and message.code in _INFO_NOTICES:
        level, text = _INFO_NOTICES[message.code]
        return [VenueNotice(VENUE, level, str(message.code), text)]  # type: ignore[arg-type]
    return []  # info (version), subscribed, pong, conf


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1e300 < value < 1e300:
        raise BadFrame(f"liquidation {what} {value!r}")
    return float(value)


def _fields(row: list[Any]) -> tuple[int, int, str, float, float | None]:
    position, symbol = row[1], row[4]
    if not _is_int(position):
        raise BadFrame(f"liquidation position id {position!r}")
    if not isinstance(symbol, str) or not symbol:
        raise BadFrame(f"liquidation symbol {symbol!r}")
    ts = _number(row[2], "time")
    if ts < 0 or ts > 1e15:
        raise BadFrame(f"liquidation time {row[2]!r}")
    amount = _number(row[5], "amount")
    if amount == 0.0:
        raise BadFrame("liquidation amount 0")
    price = None if row[11] is None else _number(row[11], "price")
    return position, int(ts), symbol, amount, price if price is not None and price > 0.0 else None


def _is_derivative(symbol: str) -> bool:
    base, _, quote = symbol.partition(":")
    return base.endswith("F0") and quote.endswith("F0")


@lru_cache(maxsize=4096)
def instrument_of(symbol: str) -> Instrument | None:
    """The USDt perpetual a `t{BASE}F0:USTF0` symbol names (1 base coin per unit), else None."""
    base, _, quote = symbol.removeprefix("t").partition(":")
    if quote != USD_QUOTE or not base.endswith("F0") or len(base) <= 2:
        return None
    coin, per_unit = coin_and_multiplier(base[:-2])
    return Instrument(VENUE, symbol if symbol.startswith("t") else "t" + symbol, coin, "linear_perp", per_unit,
                      "base", None, None, "USDT", "USDT")


def connections(endpoints: dict[str, str] | None = None) -> list[ConnectionSpec]:
    url = (endpoints or {}).get(STREAM, DEFAULT_ENDPOINTS[STREAM])
    return [RULES.spec(VENUE, STREAM, url, (SUBSCRIBE,), COMPLETENESS, parse,
                       state=SeenPositions())]  # the memory survives reconnects: repeated rows count once


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    return connections(request.endpoints)  # `liq:global` covers every pair


# --- REST instrument metadata: GET /v2/conf/pub:list:pair:futures ------------------------------------

DEFAULT_REST_BASE = "https://api-pub.bitfinex.com"
FUTURES_PATH = "/v2/conf/pub:list:pair:futures"
_PAIR_LISTS = decoder(list[list[Any]])


def instruments_from_rest(payload: bytes | str, problems: list[str] | None = None) -> list[Instrument]:
    """The USDt perpetuals of the futures pair list (`BTCF0:USTF0` → `tBTCF0:USTF0`, coin BTC). Pairs
    in other quotes or odd entries go to `problems`; a body that is not a list of lists raises BadFrame."""
    lists = decode(_PAIR_LISTS, payload)
    if not lists:
        raise BadFrame("empty pair list")
    instruments = []
    for name in lists[0]:
        if not isinstance(name, str):
            note(problems, f"{VENUE}: pair {name!r} is not a name")
            continue
        instrument = instrument_of("t" + name)
        if instrument is None:
            note(problems, f"{VENUE} {name}: not a USDt perpetual")
            continue
        instruments.append(instrument)
    return instruments


def _listing(payload: bytes | str, problems: list[str] | None) -> ListingPage:
    return ListingPage(instruments_from_rest(payload, problems), None)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="Bitfinex",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=RestInstruments(DEFAULT_REST_BASE, (RestListing(lambda base, _: base + FUTURES_PATH, _listing),)),
    replay=REPLAY,
)
