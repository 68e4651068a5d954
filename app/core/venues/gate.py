"""Gate futures: `futures.public_liquidates` with payload `["!all"]` (every contract) on the USDT-settled
and the BTC-settled websockets (resources/docs/feeds.md §8; Gate Futures WebSocket v4,
https://www.gate.com/docs/developers/futures/ws/en/ — server URLs `wss://fx-ws.gateio.ws/v4/ws/usdt` and
`…/btc`).

Completeness `all`, by the contract of resources/docs/DESIGN.md ("`all` = every order, possibly batched
or delayed (… Gate since 2026-08-20 …)"). Until 2026-08-20 Gate pushed at most one liquidation per
contract per second (then `sampled`); since then the liquidations of one contract in an aggregation
period (default 1 s) arrive together as an array, pushed early when 20 accumulate, "no longer
discarding other liquidation orders in the period" (resources/docs/feeds.md §8.1, quoting Gate's
changelog). Each row is one liquidation order (its own price, size and time), none summed, so
resources/docs/DESIGN.md's `aggregated` ("a record may sum orders") does not apply; resources/docs/feeds.md §10 says
"aggregated after" in the sense of batched pushes.

Rows: `contract`, `price` (order price), `size` (contracts, SIGNED: a negative size is a sell order,
which closes a LONG; positive closes a short — resources/docs/feeds.md §8.1, inferred from Gate's
signed-size convention), `time` (ms since 2026-08-20, seconds in older examples: below 1e12 it is taken
as seconds). `size` is an integer, or a decimal string when the `X-Gate-Size-Decimal` header is sent:
both are read. Base quantity = |size| × `quanto_multiplier` for USDT (direct) contracts; BTC-settled
inverse contracts (BTC_USD) are 1 USD each (raw `quanto_multiplier` "0"; the bundled snapshot's ccxt
row). Contract values come from the instrument metadata (`GET /api/v4/futures/{settle}/contracts`, live
in live mode): a contract without one is `Unconvertible`, never a guessed size.

Connection: application ping `{"time":…,"channel":"futures.ping"}` answered by `futures.pong`; Gate's
own demo pings every 10 s (resources/docs/feeds.md §8.3), as we do. Gate documents no idle cut-off, so the replay
enforces none. The `time` of our requests is the moment the specs are built: Gate checks request time
only on signed (private) requests [inferred: public subscriptions carry no signature].
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Side, Unconvertible, VenueNotice
from app.core.instruments import Instrument, Instruments, canonical_coin, coin_and_multiplier, load_bundled
from app.core.venues.common import (
    FrameIds,
    Positive,
    build_liquidation,
    decode,
    decode_rows,
    decoder,
    note,
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
from app.core.venues.gate_replay import HEARTBEAT_INTERVAL_S, LIQUIDATES, PING, REPLAY
from app.core.venues.protocol import ConnectionSpec

VENUE = "gate"
USDT_STREAM = "gate/usdt"
BTC_STREAM = "gate/btc"
COMPLETENESS: Completeness = "all"
DEFAULT_ENDPOINTS: dict[str, str] = {
    USDT_STREAM: "wss://fx-ws.gateio.ws/v4/ws/usdt",
    BTC_STREAM: "wss://fx-ws.gateio.ws/v4/ws/btc",
}
RULES = ConnectionRules(
    stall_after_s=30.0,  # a pong every 10 s: three missed is a dead connection
    heartbeat=f'{{"time":0,"channel":"{PING}"}}',  # the time is set when the specs are built
    heartbeat_interval_s=HEARTBEAT_INTERVAL_S,
)
_SECONDS_BELOW = 1_000_000_000_000  # a `time` under 1e12 counts seconds (pre-2026-08-20 examples)


class _Error(msgspec.Struct, gc=False):
    code: int | str | None = None
    message: str = ""


class _Envelope(msgspec.Struct, gc=False):
    channel: str | None = None
    event: str | None = None
    result: msgspec.Raw = msgspec.Raw(b"")
    error: _Error | None = None


class _Row(msgspec.Struct, gc=False):
    contract: str
    price: Positive
    size: float
    time: int


_ENVELOPE = decoder(_Envelope)
_ROWS = decoder(list[_Row])


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: object = None,
) -> list[Event]:
    message = decode(_ENVELOPE, frame)
    if message.error is not None:
        error = message.error
        return [VenueNotice(VENUE, "error", "" if error.code is None else str(error.code),
                            error.message or "request refused")]
    if message.channel != LIQUIDATES or message.event != "update":
        return []  # pongs, subscribe acks, other channels
    if not message.result:
        raise BadFrame("liquidation update without result")
    if instruments is None:
        instruments = load_bundled()
    ids = FrameIds()
    events: list[Event] = []
    for row in decode(_ROWS, message.result):
        size = row.size
        if not 0.0 < abs(size) < 1e300:
            raise BadFrame(f"liquidation size {size!r}")
        if row.time < 0:
            raise BadFrame(f"liquidation time {row.time!r}")
        instrument = instruments.get(VENUE, row.contract)
        if instrument is None or not instrument.contract_size or instrument.contract_unit not in ("base", "usd"):
            events.append(Unconvertible(VENUE, row.contract, "quanto_multiplier unknown"))
            continue
        side: Side = "long" if size < 0 else "short"  # a sell (negative) liquidation order closes a long
        ts = row.time * 1000 if row.time < _SECONDS_BELOW else row.time
        events.append(build_liquidation(VENUE, COMPLETENESS, row.contract, side, abs(size), row.price, ts,
                                        instrument, instrument.kind, ids, price_per_coin=True,
                                        inverse=instrument.contract_unit == "usd"))
    return events


def subscribe_message(now_s: int) -> str:
    return msgspec.json.encode({"time": now_s, "channel": LIQUIDATES, "event": "subscribe",
                                "payload": ["!all"]}).decode()


def connections(endpoints: dict[str, str] | None = None, now: Callable[[], float] = time.time) -> list[ConnectionSpec]:
    """Both settlements; each subscribes every contract with `!all`."""
    now_s = int(now())
    return [
        ConnectionSpec(
            venue=VENUE,
            stream=stream,
            url=(endpoints or {}).get(stream, default),
            subscribe=(subscribe_message(now_s),),
            heartbeat=msgspec.json.encode({"time": now_s, "channel": PING}).decode(),
            heartbeat_interval_s=RULES.heartbeat_interval_s,
            stall_after_s=RULES.stall_after_s,
            completeness=COMPLETENESS,
            parse=parse,
        )
        for stream, default in DEFAULT_ENDPOINTS.items()
    ]


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    return connections(request.endpoints)


# --- REST instrument metadata: GET /api/v4/futures/{usdt,btc}/contracts ---------------------------

DEFAULT_REST_BASE = "https://api.gateio.ws"
USDT_CONTRACTS_PATH = "/api/v4/futures/usdt/contracts"
BTC_CONTRACTS_PATH = "/api/v4/futures/btc/contracts"


class _ContractRow(msgspec.Struct, gc=False):
    name: str
    type: str = ""
    quanto_multiplier: str | float | None = None
    order_price_round: str | float | None = None
    order_size_min: str | float | None = None
    in_delisting: bool = False
    status: str = "trading"


_CONTRACT_ROWS = decoder(list[msgspec.Raw])
_CONTRACT_ROW = decoder(_ContractRow)


def instruments_from_rest(payload: bytes | str, problems: list[str] | None = None) -> list[Instrument]:
    """The trading perpetuals of a contracts listing: `direct` (USDT) sized by `quanto_multiplier` coins
    per contract, `inverse` (BTC-settled BTC_USD) 1 USD per contract. Odd rows go to `problems`; a body
    that is not a list of contracts raises BadFrame."""
    instruments = []
    for row in decode_rows(_CONTRACT_ROW, decode(_CONTRACT_ROWS, payload), VENUE, problems):
        if row.in_delisting or row.status != "trading":
            continue
        base, _, quote = row.name.partition("_")
        coin, per_unit = coin_and_multiplier(base) if base else (canonical_coin(VENUE, row.name), 1.0)
        tick, lot = positive_or_none(row.order_price_round), positive_or_none(row.order_size_min)
        if row.type == "direct":
            multiplier = positive_or_none(row.quanto_multiplier)
            if multiplier is None:
                note(problems, f"{VENUE} {row.name}: no usable quanto_multiplier ({row.quanto_multiplier!r})")
                continue
            instruments.append(Instrument(VENUE, row.name, coin, "linear_perp", multiplier * per_unit, "base",
                                          tick, lot, quote or None, quote or None))
        elif row.type == "inverse":
            instruments.append(Instrument(VENUE, row.name, coin, "inverse_perp", 1.0, "usd", tick, lot,
                                          quote or None, coin))
        else:
            note(problems, f"{VENUE} {row.name}: unknown contract type {row.type!r}")
    return instruments


def _listing(payload: bytes | str, problems: list[str] | None) -> ListingPage:
    return ListingPage(instruments_from_rest(payload, problems), None)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="Gate",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=RestInstruments(DEFAULT_REST_BASE, (
        RestListing(lambda base, _: base + USDT_CONTRACTS_PATH, _listing),
        RestListing(lambda base, _: base + BTC_CONTRACTS_PATH, _listing, label="btc", optional=True),
    )),
    replay=REPLAY,
)
