"""Deribit: liquidations are trades flagged `liquidation` on the public `trades.future.{currency}.100ms`
channels (resources/docs/feeds.md §7; https://docs.deribit.com/subscriptions/trades/tradeskindcurrencyinterval.md:
every instrument of a kind and currency, `future` covering perpetuals and dated futures). Currencies
BTC, ETH (inverse) and USDC (the linear USDC perpetuals such as SOL_USDC-PERPETUAL): the currency values
Deribit's channel pages list are BTC, ETH, USDC, USDT, EURR, any. `.raw` needs authentication, so the
100 ms channels (resources/docs/feeds.md §7.1).

Completeness `all`: Deribit flags every trade caused by a liquidation; the 100 ms channel only batches
trades into one notification, each trade stays its own row (resources/docs/feeds.md §10: "every liquidation trade").

Side (resources/docs/feeds.md §7.1, the flag is documented, the mapping inferred there): `liquidation` is "M" when the
maker side was under liquidation, "T" the taker, "MT" both; `direction` is the TAKER's. `T`: taker sold
⇒ a LONG was liquidated, bought ⇒ short. `M`: the maker took the other side, so direction buy ⇒ the
maker sold ⇒ LONG, sell ⇒ short. `MT`: two records, one long and one short, both the full amount.

Units (Deribit API reference, quoted in resources/docs/feeds.md §7.1): "For perpetual and inverse futures the amount is
in USD units. For options and linear futures … underlying base currency coin." So inverse: notional =
amount USD, qty = amount / price; linear (`_USDC`/`_USDT` names): qty = amount, notional = amount ×
price. No contract size is involved (the `contracts` field is amount ÷ contract size), so no REST
listing; instruments give coin and kind, the name otherwise.

Heartbeat: `public/set_heartbeat` with interval 30 s is sent with the subscription; Deribit then sends
`{"method":"heartbeat","params":{"type":"test_request"}}` which must be answered with `public/test` or it
closes the connection (https://docs.deribit.com/api-reference/session-management/public-set_heartbeat.md):
the spec's `reply` answers it. Those test requests are the traffic the stall watchdog sees when the
market is quiet.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Kind, Liquidation, Side, VenueNotice
from app.core.instruments import Instrument, Instruments, canonical_coin, load_bundled
from app.core.venues.common import (
    ID_BYTES,
    FrameIds,
    PerSymbol,
    Positive,
    TimestampMs,
    build_liquidation,
    decode,
    decoder,
    symbol_key,
)
from app.core.venues.deribit_replay import HEARTBEAT_INTERVAL_S, REPLAY
from app.core.venues.descriptor import ConnectionRules, ConnectRequest, VenueDescriptor
from app.core.venues.protocol import ConnectionSpec

VENUE = "deribit"
STREAM = "deribit/public"
COMPLETENESS: Completeness = "all"
DEFAULT_ENDPOINTS: dict[str, str] = {STREAM: "wss://www.deribit.com/ws/api/v2"}
CURRENCIES = ("BTC", "ETH", "USDC")
CHANNELS = tuple(f"trades.future.{currency}.100ms" for currency in CURRENCIES)
# A test request every 30 s at the least: 50 s of silence is a dead connection, noticed before Deribit's own
# cut for a missed answer would be.
RULES = ConnectionRules(stall_after_s=HEARTBEAT_INTERVAL_S + 20.0)
SET_HEARTBEAT = msgspec.json.encode({"jsonrpc": "2.0", "id": 1, "method": "public/set_heartbeat",
                                     "params": {"interval": int(HEARTBEAT_INTERVAL_S)}}).decode()
SUBSCRIBE = msgspec.json.encode({"jsonrpc": "2.0", "id": 2, "method": "public/subscribe",
                                 "params": {"channels": list(CHANNELS)}}).decode()
TEST = '{"jsonrpc":"2.0","id":3,"method":"public/test","params":{}}'


class _Trade(msgspec.Struct, gc=False):
    instrument_name: str
    timestamp: TimestampMs
    direction: Literal["buy", "sell"]
    price: Positive
    amount: Positive
    liquidation: Literal["M", "T", "MT"] | None = None
    trade_id: str | None = None


class _Params(msgspec.Struct, gc=False):
    channel: str | None = None
    data: msgspec.Raw = msgspec.Raw(b"")
    type: str | None = None


class _Error(msgspec.Struct, gc=False):
    code: int | str | None = None
    message: str = ""


class _Frame(msgspec.Struct, gc=False):
    method: str | None = None
    params: _Params | None = None
    error: _Error | None = None


class _TradesParams(msgspec.Struct, gc=False):
    channel: str | None = None
    data: list[_Trade] | None = None


class _TradesFrame(msgspec.Struct, gc=False):
    """A trades notification in one typed decode (anything else goes the two-step way)."""

    method: str | None = None
    params: _TradesParams | None = None
    error: _Error | None = None


_FRAME = decoder(_Frame)
_TRADES = decoder(list[_Trade])
_TRADES_FRAME = decoder(_TradesFrame)
# Which position a flagged trade liquidated, by (flag, taker direction).
_LIQUIDATED: dict[tuple[str, str], tuple[Side, ...]] = {
    ("T", "sell"): ("long",), ("T", "buy"): ("short",),
    ("M", "buy"): ("long",), ("M", "sell"): ("short",),
    ("MT", "buy"): ("long", "short"), ("MT", "sell"): ("long", "short"),
}


def _symbol_facts(instruments: Instruments, name: str) -> tuple[str, Kind, bool, int]:
    """(coin, kind, inverse, id key) of an instrument name, once per name (see `_sizing`)."""
    instrument, kind, linear = _sizing(instruments, name)
    return instrument.coin, kind, not linear, symbol_key(VENUE, name)


_FACTS = PerSymbol(_symbol_facts)


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: object = None,
) -> list[Event]:
    """One typed decode of a trades notification; ids from Deribit's `trade_id` (`<id>` for one side,
    `<id>-long` / `<id>-short` for the two records of an `MT` trade), a content hash only without one."""
    try:
        message = _TRADES_FRAME.decode(frame)
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, UnicodeError, RecursionError):
        return _parse_two_step(frame, received_ms, instruments, state)
    params = message.params
    if (message.error is not None or message.method != "subscription" or params is None or not params.data
            or not (params.channel or "").startswith("trades.")):
        return _parse_two_step(frame, received_ms, instruments, state)
    if instruments is None:
        instruments = load_bundled()
    events: list[Event] = []
    known = _FACTS.facts if instruments is _FACTS.owner else None
    for trade in params.data:
        flag = trade.liquidation
        if flag is None:
            continue
        name = trade.instrument_name
        amount = trade.amount
        price = trade.price
        ts = trade.timestamp
        facts = known.get(name) if known is not None else None
        if facts is None:
            facts = _FACTS.get(instruments, name)
        coin, kind, inverse, key = facts
        if inverse:  # amount in USD
            usd = amount
            qty = amount / price
        else:  # amount in coins
            qty = amount
            usd = amount * price
        sides = _LIQUIDATED[(flag, trade.direction)]
        trade_id = trade.trade_id
        for side in sides:
            if trade_id is None:
                ident = ID_BYTES(hash((key, ts, side == 'long', qty, price))).hex()
            else:
                ident = trade_id if len(sides) == 1 else f"{trade_id}-{side}"
            events.append(Liquidation(VENUE, name, coin, kind, side, price, qty, usd, ts, COMPLETENESS, ident))
    return events


def _parse_two_step(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: object = None,
) -> list[Event]:
    message = decode(_FRAME, frame)
    if message.error is not None:
        error = message.error
        return [VenueNotice(VENUE, "error", "" if error.code is None else str(error.code),
                            error.message or "request refused")]
    params = message.params
    if message.method != "subscription" or params is None or not (params.channel or "").startswith("trades."):
        return []  # acks, heartbeats and test requests, test results
    if not params.data:
        raise BadFrame("trades notification without data")
    trades = decode(_TRADES, params.data)
    if instruments is None:
        instruments = load_bundled()
    ids = FrameIds()
    events: list[Event] = []
    for trade in trades:
        if trade.liquidation is None:
            continue
        name = trade.instrument_name
        instrument, kind, linear = _sizing(instruments, name)
        for side in _LIQUIDATED[(trade.liquidation, trade.direction)]:
            events.append(build_liquidation(VENUE, COMPLETENESS, name, side, trade.amount, trade.price,
                                            trade.timestamp, instrument, kind, ids, inverse=not linear))
    return events


def _sizing(instruments: Instruments, name: str) -> tuple[Instrument, Kind, bool]:
    """The instrument as the amount counts it: 1 USD (inverse) or 1 coin (linear) per unit."""
    linear = "_USDC" in name or "_USDT" in name
    perpetual = name.endswith("-PERPETUAL")
    kind: Kind = ("linear_perp" if perpetual else "linear_future") if linear else (
        "inverse_perp" if perpetual else "inverse_future")
    known = instruments.get(VENUE, name)
    coin = known.coin if known is not None else canonical_coin(VENUE, name.partition("_")[0])
    return Instrument(VENUE, name, coin, kind, 1.0, "base" if linear else "usd"), kind, linear


def test_request_answer(frame: str | bytes) -> str | None:
    """`public/test` for Deribit's heartbeat test request; None for any other frame (cheaply)."""
    marker = "test_request" if isinstance(frame, str) else b"test_request"
    if marker not in frame:  # type: ignore[operator]
        return None
    try:
        message = _FRAME.decode(frame)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    if message.method == "heartbeat" and message.params is not None and message.params.type == "test_request":
        return TEST
    return None


def connections(endpoints: dict[str, str] | None = None) -> list[ConnectionSpec]:
    return [
        ConnectionSpec(
            venue=VENUE,
            stream=STREAM,
            url=(endpoints or {}).get(STREAM, DEFAULT_ENDPOINTS[STREAM]),
            subscribe=(SET_HEARTBEAT, SUBSCRIBE),
            heartbeat=RULES.heartbeat,
            heartbeat_interval_s=RULES.heartbeat_interval_s,
            stall_after_s=RULES.stall_after_s,
            completeness=COMPLETENESS,
            parse=parse,
            reply=test_request_answer,
        )
    ]


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    # The kind/currency channels cover every future of each currency.
    return connections(request.endpoints)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="Deribit",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=None,  # amounts are USD (inverse) or coins (linear): no contract values needed
    replay=REPLAY,
)
