"""dYdX v4: trades of type `LIQUIDATED` on the indexer's public `v4_trades` channel, one subscription per
market (https://docs.dydx.exchange/api_integration-indexer/indexer_websocket; `wss://indexer.dydx.trade/v4/ws`).

Frames: `{"type":"connected",…}` on connect; `{"type":"subscribed","channel":"v4_trades","id":"BTC-USD",
"contents":{"trades":[…]}}` answers each subscribe WITH A SNAPSHOT OF RECENT TRADES; then
`{"type":"channel_data",…,"contents":{"trades":[…]}}` (or `channel_batch_data`, `contents` a list of those,
when subscribed `batched`). A trade is `{"id","size","price","side","createdAt","type"}` with `type`
LIMIT, LIQUIDATED or DELEVERAGED; `size` is in the base asset, `price` in USD, `createdAt` ISO 8601.
Errors are `{"type":"error","message":…}`. Only `LIQUIDATED` trades are counted (a DELEVERAGED trade is
the auto-deleveraging of a profitable counterparty, not a liquidation).

Dedupe: the snapshot of a (re)subscription repeats trades already counted, so each trade id is counted
once across frames and reconnects: a bounded TTL cache of trade ids (common.SeenIds, 6 h, 50,000 ids)
on the connection spec, shared by every socket it opens. Trades within one frame are never
deduplicated against each other.

Side: the trade's `side` is the TAKER's side, and in a liquidation the liquidated subaccount is always
the taker: the protocol fills a liquidation as a taker order against the book (dYdX v4-chain
`indexer/events` proto `LiquidationOrderV1`: "the liquidation taker order … is_buy: true if liquidating
a short position"; https://nautilustrader.io/docs/core-latest/nautilus_dydx/proto/dydxprotocol/indexer/events/struct.LiquidationOrderV1.html).
So `SELL` ⇒ a LONG was liquidated, `BUY` ⇒ a short.

Completeness `all` (resources/docs/DESIGN.md): every fill of every liquidation on the subscribed markets is
published as its own trade (like Deribit's flagged trades: one record per fill, never summed). Cascade
subscribes every market the indexer lists (`GET /v4/perpetualMarkets`, live), or the bundled majors
when that listing is unavailable. Quantity = `size` coins; notional = size × price (USD, USDC-settled).

Connection: the indexer pings with websocket protocol pings every 30 s and drops a client whose pong
is 10 s late (the websockets library answers by itself); there is no application heartbeat. Trades of
the subscribed markets are the traffic, so 90 s without any frame is taken as a dead connection.
Rate limit: 2 subscriptions per (connection, channel, id) per second, which one subscribe per market
respects.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Side, VenueNotice
from app.core.instruments import Instrument, Instruments, canonical_coin
from app.core.venues.common import (
    FrameIds,
    Positive,
    SeenIds,
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
from app.core.venues.dydx_replay import REPLAY, TRADES
from app.core.venues.protocol import ConnectionSpec

VENUE = "dydx"
STREAM = "dydx/indexer"
COMPLETENESS: Completeness = "all"
DEFAULT_ENDPOINTS: dict[str, str] = {STREAM: "wss://indexer.dydx.trade/v4/ws"}
DEFAULT_MARKETS = ("BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "DOGE-USD")
RULES = ConnectionRules(stall_after_s=90.0)
_SIDES: dict[str, Side] = {"SELL": "long", "BUY": "short"}  # the taker's side is the liquidated account's


class _Trade(msgspec.Struct, gc=False):
    id: str
    size: Positive
    price: Positive
    side: Literal["BUY", "SELL"]
    createdAt: str
    type: str


class _Contents(msgspec.Struct, gc=False):
    trades: list[_Trade] = []


class _Message(msgspec.Struct, gc=False):
    type: str
    channel: str | None = None
    id: str | None = None
    contents: msgspec.Raw = msgspec.Raw(b"")
    message: str = ""


_MESSAGE = decoder(_Message)
_CONTENTS = decoder(_Contents)
_BATCH = decoder(list[_Contents])
_DATA = frozenset({"subscribed", "channel_data", "channel_batch_data"})


class SeenTrades(SeenIds):
    """Trade ids already counted: a resubscription's snapshot repeats them."""

    __slots__ = ()


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: SeenTrades | None = None,
) -> list[Event]:
    message = decode(_MESSAGE, frame)
    if message.type == "error":
        return [VenueNotice(VENUE, "error", "", message.message or "request refused")]
    if message.type not in _DATA or message.channel != TRADES:
        return []  # connected, unsubscribed, other channels
    if not message.contents:
        raise BadFrame(f"{message.type} without contents")
    if message.type == "channel_batch_data":
        trades = [trade for contents in decode(_BATCH, message.contents) for trade in contents.trades]
    else:
        trades = decode(_CONTENTS, message.contents).trades
    market = message.id or ""
    seen = state if state is not None else SeenTrades()
    ids = FrameIds()
    events: list[Event] = []
    counted: list[str] = []
    for trade in trades:
        if trade.type != "LIQUIDATED" or seen.known(trade.id, received_ms):
            continue  # ordinary trades, and liquidations a snapshot repeats
        counted.append(trade.id)
        instrument = (instruments.get(VENUE, market) if instruments is not None else None) or _instrument(market)
        events.append(build_liquidation(VENUE, COMPLETENESS, market, _SIDES[trade.side], trade.size, trade.price,
                                        _timestamp_ms(trade.createdAt), instrument, "linear_perp", ids,
                                        price_per_coin=True, inverse=False))
    seen.remember(counted, received_ms)
    return events


def _timestamp_ms(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # the indexer writes UTC (`…Z`); never the local zone
        ms = int(moment.timestamp() * 1000)
    except (ValueError, OverflowError, OSError):
        raise BadFrame(f"trade time {text!r}") from None
    if ms < 0:
        raise BadFrame(f"trade time {text!r}")
    return ms


def _instrument(market: str) -> Instrument:
    """A market the metadata does not list: dYdX sizes every perpetual in its base coin."""
    if not market:
        raise BadFrame("trades without a market id")
    return Instrument(VENUE, market, canonical_coin(VENUE, market), "linear_perp", 1.0, "base", None, None,
                      "USD", "USDC")


def subscribe_message(market: str) -> str:
    return msgspec.json.encode({"type": "subscribe", "channel": TRADES, "id": market}).decode()


def connections(endpoints: dict[str, str] | None = None, markets: list[str] | None = None) -> list[ConnectionSpec]:
    subscribe = tuple(subscribe_message(market) for market in (markets or DEFAULT_MARKETS))
    url = (endpoints or {}).get(STREAM, DEFAULT_ENDPOINTS[STREAM])
    return [RULES.spec(VENUE, STREAM, url, subscribe, COMPLETENESS, parse,
                       state=SeenTrades())]  # survives reconnects: a resubscription's snapshot counts once


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    # One `v4_trades` subscription per market: every listed market when known, else the majors.
    return connections(request.endpoints, request.liquidation_symbols or request.mark_symbols or None)


# --- REST instrument metadata: GET /v4/perpetualMarkets ---------------------------------------------

DEFAULT_REST_BASE = "https://indexer.dydx.trade"
MARKETS_PATH = "/v4/perpetualMarkets"


class _MarketRow(msgspec.Struct, gc=False):
    ticker: str
    status: str = ""
    tickSize: str | float | None = None
    stepSize: str | float | None = None


class _Markets(msgspec.Struct, gc=False):
    markets: dict[str, msgspec.Raw]


_MARKETS = decoder(_Markets)
_MARKET_ROW = decoder(_MarketRow)


def instruments_from_rest(payload: bytes | str, problems: list[str] | None = None) -> list[Instrument]:
    """The ACTIVE perpetuals of `perpetualMarkets`, each sized in its base coin. Odd rows go to
    `problems`; a body that is not the listing raises BadFrame."""
    listing = decode(_MARKETS, payload)
    instruments = []
    for row in decode_rows(_MARKET_ROW, list(listing.markets.values()), VENUE, problems):
        if row.status != "ACTIVE":
            continue
        if "-" not in row.ticker:
            note(problems, f"{VENUE} {row.ticker}: not a BASE-USD ticker")
            continue
        instruments.append(Instrument(VENUE, row.ticker, canonical_coin(VENUE, row.ticker), "linear_perp", 1.0,
                                      "base", positive_or_none(row.tickSize), positive_or_none(row.stepSize),
                                      "USD", "USDC"))
    return instruments


def _listing(payload: bytes | str, problems: list[str] | None) -> ListingPage:
    return ListingPage(instruments_from_rest(payload, problems), None)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="dYdX",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=RestInstruments(DEFAULT_REST_BASE, (RestListing(lambda base, _: base + MARKETS_PATH, _listing),)),
    replay=REPLAY,
)
