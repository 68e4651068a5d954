"""Bitget UTA v3 public `liquidation` channel (resources/docs/feeds.md §4): one subscription per instType
(`usdt-futures`, `coin-futures`, `usdc-futures`) covers every symbol of that type.

Completeness `sampled`, by the contract of resources/docs/DESIGN.md ("`sampled` = a subset of individual
orders (… Bitget if its reported 2026-06 change holds); `aggregated` = a record may sum orders").
Bitget's page (https://www.bitget.com/api-doc/uta/websocket/public/Liquidation-Channel, quoted in
resources/docs/feeds.md §4.1) pushes "once every 20 seconds or every 10,000 records"; a changelog note
(third-party, same section) says that since 2026-06-23 each 1 s push carries at most the largest long
and the largest short liquidation per pair. Each row is one liquidation with its own price and amount,
so nothing says a row sums orders; what is missing is the other orders of the second: a subset of
individual orders. (resources/docs/feeds.md §10 labels Bitget `aggregated` in the sense of pushes
gathered per window; §4.1 says "treat Bitget as aggregated/sampled, not all-events". Either way the
totals are a floor, never complete.)

Row fields: `side` is the POSITION side (`buy` = a long was liquidated), `price` the liquidation price,
`amount` the liquidation amount in the QUOTE coin (USDT/USDC, USD for coin-futures), `ts` ms. So the USD
notional is `amount` and the base quantity `amount / price` (resources/docs/feeds.md §4.1, §10); no
contract size is needed, so Bitget has no REST instrument listing here (the snapshot's majors only give coin and kind).

Connection (https://www.bitget.com/api-doc/common/websocket-intro, resources/docs/feeds.md §4.3): text
`ping` every 30 s answered by `pong`, the server cuts a client without a ping for 2 min, and every connection is closed
after 24 h: rotated make-before-break half an hour before, as Binance's.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Kind, Side, VenueNotice
from app.core.instruments import Instruments, load_bundled
from app.core.venues.bitget_replay import HEARTBEAT_INTERVAL_S, REPLAY
from app.core.venues.common import FrameIds, Positive, TimestampMs, build_liquidation, decode, decoder
from app.core.venues.descriptor import ConnectionRules, ConnectRequest, VenueDescriptor
from app.core.venues.protocol import ConnectionSpec

VENUE = "bitget"
STREAM = "bitget/public"
COMPLETENESS: Completeness = "sampled"
DEFAULT_ENDPOINTS: dict[str, str] = {STREAM: "wss://ws.bitget.com/v3/ws/public"}
INST_TYPES: tuple[str, ...] = ("usdt-futures", "coin-futures", "usdc-futures")
RULES = ConnectionRules(
    stall_after_s=75.0,  # liquidations may be quiet for long: the pongs (every 30 s) are the traffic
    heartbeat="ping",
    heartbeat_interval_s=HEARTBEAT_INTERVAL_S,
    max_lifetime_s=23.5 * 3600.0,  # Bitget closes every connection at 24 h
)
SUBSCRIBE = msgspec.json.encode(
    {"op": "subscribe", "args": [{"instType": t, "topic": "liquidation"} for t in INST_TYPES]}
).decode()
_KINDS: dict[str, Kind] = {"usdt-futures": "linear_perp", "usdc-futures": "linear_perp", "coin-futures": "inverse_perp"}
_SIDES: dict[str, Side] = {"buy": "long", "sell": "short"}


class _Arg(msgspec.Struct, gc=False):
    instType: str | None = None
    topic: str | None = None


class _Row(msgspec.Struct, gc=False):
    symbol: str
    side: Literal["buy", "sell"]
    price: Positive
    amount: Positive
    ts: TimestampMs


class _Frame(msgspec.Struct, gc=False):
    arg: _Arg | None = None
    data: list[_Row] | None = None
    event: str | None = None
    code: int | str | None = None
    msg: str | None = None


_DECODER = decoder(_Frame)


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: object = None,
) -> list[Event]:
    if frame == "pong" or frame == b"pong":
        return []
    message = decode(_DECODER, frame)
    if message.event is not None:
        if message.event == "error":
            code = "" if message.code is None else str(message.code)
            return [VenueNotice(VENUE, "error", code, message.msg or "request refused")]
        return []  # subscribe / unsubscribe acks
    if message.arg is None or message.arg.topic != "liquidation":
        return []
    if message.data is None:
        raise BadFrame("liquidation push without data")
    if instruments is None:
        instruments = load_bundled()
    fallback = _KINDS.get(message.arg.instType or "", "linear_perp")
    ids = FrameIds()
    events: list[Event] = []
    for row in message.data:
        instrument = instruments.get(VENUE, row.symbol)
        if instrument is not None and instrument.contract_unit != "base":
            instrument = None  # a coin-futures row: coin from the symbol, the amount is USD all the same
        # `amount` is quote: amount / price units of the symbol, each worth the symbol's coin multiplier
        # (1 for BTCUSDT); the notional stays `amount`. Never the inverse path: the amount already is USD.
        events.append(build_liquidation(VENUE, COMPLETENESS, row.symbol, _SIDES[row.side], row.amount / row.price,
                                        row.price, row.ts, instrument, fallback, ids, inverse=False))
    return events


def connections(endpoints: dict[str, str] | None = None) -> list[ConnectionSpec]:
    return [
        ConnectionSpec(
            venue=VENUE,
            stream=STREAM,
            url=(endpoints or {}).get(STREAM, DEFAULT_ENDPOINTS[STREAM]),
            subscribe=(SUBSCRIBE,),
            heartbeat=RULES.heartbeat,
            heartbeat_interval_s=RULES.heartbeat_interval_s,
            stall_after_s=RULES.stall_after_s,
            completeness=COMPLETENESS,
            parse=parse,
            max_lifetime_s=RULES.max_lifetime_s,
        )
    ]


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    # One subscription per instType covers every symbol; Bitget's marks are not subscribed (yet).
    return connections(request.endpoints)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="Bitget",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=None,  # sizing needs no contract values (amounts are quote)
    replay=REPLAY,
)
