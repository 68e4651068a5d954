"""Hyperliquid perps: marks from `activeAssetCtx` per coin and watched public addresses from
`clearinghouseState` (resources/docs/feeds.md §5). Hyperliquid publishes NO market-wide liquidation
feed (§5.1): this venue carries marks, open interest and accounts only, and says so. The optional source
that fixes it (a user-configured `liquidationFills` endpoint) is `hyperliquid_liquidations`.

- `{"channel":"activeAssetCtx","data":{"coin":"BTC","ctx":{"funding","openInterest","oraclePx","markPx",…}}}`
  (numbers are strings, no timestamp: the frame's receipt time stands in) → MarkPrice (funding is
  hourly) and OpenInterest (coins × mark).
- `{"channel":"clearinghouseState","data":{"user":"0x…","clearinghouseState":{…}}}` on the websocket,
  and the bare state as the answer to `POST /info {"type":"clearinghouseState","user":"0x…"}` (weight
  2) → AccountState: the cross wallet (account value less the cross positions' unrealised PnL, so the
  margin engine, which adds PnL at its own mark, starts from the same equity) and one Position per
  non-zero `szi`, cross or isolated from `leverage.type`, with the venue's `liquidationPx` beside ours.
- Heartbeat `{"method":"ping"}` → `{"channel":"pong"}`; the server cuts a connection silent for 60 s.
- At most 10 unique users across user subscriptions: further watched addresses are polled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

import msgspec

from app.core.errors import BadFrame
from app.core.events import AccountState, Completeness, Event, MarkPrice, OpenInterest, VenueNotice
from app.core.instruments import Instruments, canonical_coin, load_bundled
from app.core.positions.model import Account, ContractData, Position
from app.core.venues import hyperliquid_liquidations
from app.core.venues.common import NonNegative, Positive, decode, decoder
from app.core.venues.descriptor import ConnectionRules, ConnectRequest, VenueDescriptor, WatchedAccounts
from app.core.venues.hyperliquid_replay import REPLAY, USER_LIMIT
from app.core.venues.protocol import ConnectionSpec

VENUE = "hyperliquid"
# resources/docs/DESIGN.md: "partial" = liquidations only of chosen addresses, never market-wide
COMPLETENESS: Completeness = "partial"
PUBLISHES_LIQUIDATIONS = False
LIQUIDATION_NOTE = ("Hyperliquid publishes no market-wide liquidation feed: marks, open interest and watched "
                    "accounts only (an optional liquidationFills source can be set in the settings)")
STREAM = "hyperliquid/ws"
REST_STREAM = "hyperliquid/rest"
DEFAULT_ENDPOINTS: dict[str, str] = {STREAM: "wss://api.hyperliquid.xyz/ws"}
DEFAULT_REST_BASE = "https://api.hyperliquid.xyz"
INFO_PATH = "/info"
PING = '{"method":"ping"}'
RULES = ConnectionRules(
    stall_after_s=60.0,  # marks come ~1/s per coin; pongs at least every 30 s
    heartbeat=PING,
    heartbeat_interval_s=30.0,  # well inside the server's 60 s (the Python SDK pings every 50 s)
)
CLEARINGHOUSE_WEIGHT = 2
"""Rate-limit weight of `POST /info {"type":"clearinghouseState"}` (resources/docs/feeds.md §5.2b)."""
WEIGHT_PER_MINUTE = 1_200
"""Hyperliquid's REST budget per IP (resources/docs/DESIGN.md Feeds): shared by every info request."""
FUNDING_PERIOD_MS = 3_600_000  # funding is paid every hour
GREETING = "Websocket connection established."  # legacy text some servers send first (resources/docs/feeds.md §12)

Finite = Annotated[float, msgspec.Meta(gt=-1e300, lt=1e300)]


class _Envelope(msgspec.Struct, gc=False):
    channel: str | None = None
    data: msgspec.Raw = msgspec.Raw(b"")


class _Ctx(msgspec.Struct, gc=False):
    markPx: Positive
    oraclePx: Positive | None = None
    funding: Finite | None = None
    openInterest: NonNegative | None = None


class _AssetCtx(msgspec.Struct, gc=False):
    coin: str
    ctx: _Ctx


class _Leverage(msgspec.Struct, gc=False):
    type: Literal["cross", "isolated"]
    value: Positive
    rawUsd: Finite | None = None


class _Position(msgspec.Struct, gc=False):
    coin: str
    szi: Finite
    leverage: _Leverage
    entryPx: Positive | None = None
    unrealizedPnl: Finite = 0.0
    liquidationPx: Positive | None = None
    marginUsed: NonNegative | None = None
    maxLeverage: Positive | None = None


class _AssetPosition(msgspec.Struct, gc=False):
    position: _Position
    type: str = "oneWay"


class _Summary(msgspec.Struct, gc=False):
    accountValue: Finite


class _State(msgspec.Struct, gc=False):
    assetPositions: list[_AssetPosition]
    marginSummary: _Summary | None = None
    crossMarginSummary: _Summary | None = None
    time: Annotated[int, msgspec.Meta(ge=0)] | None = None


class _UserState(msgspec.Struct, gc=False):
    user: str
    clearinghouseState: _State


_ENVELOPE = decoder(_Envelope)
_ASSET_CTX = decoder(_AssetCtx)
_USER_STATE = decoder(_UserState)
_STATE = decoder(_State)
_ERROR_TEXT = decoder(str)


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: object = None,
) -> list[Event]:
    if frame == GREETING or frame == GREETING.encode():
        return []
    message = decode(_ENVELOPE, frame)
    channel = message.channel
    if channel == "activeAssetCtx":
        return _marks(decode(_ASSET_CTX, _data(message)), received_ms)
    if channel == "clearinghouseState":
        row = decode(_USER_STATE, _data(message))
        user = normalize(row.user)
        if user is None:
            raise BadFrame(f"clearinghouseState for a malformed user {row.user[:48]!r}")
        return [account_state(row.clearinghouseState, user, received_ms, "websocket")]
    if channel == "error":
        text = decode(_ERROR_TEXT, message.data) if message.data else "error"
        return [VenueNotice(VENUE, "error", "error", text)]
    return []  # pong, subscriptionResponse, channels we do not subscribe


def _data(message: _Envelope) -> msgspec.Raw:
    if not message.data:
        raise BadFrame(f"{message.channel} without data")
    return message.data


def _marks(row: _AssetCtx, received_ms: int) -> list[Event]:
    ctx, symbol = row.ctx, row.coin
    coin = canonical_coin(VENUE, symbol)
    next_funding = (received_ms // FUNDING_PERIOD_MS + 1) * FUNDING_PERIOD_MS
    events: list[Event] = [MarkPrice(VENUE, symbol, coin, ctx.markPx, received_ms, ctx.oraclePx, ctx.funding,
                                     next_funding)]
    if ctx.openInterest is not None:  # in coins of the symbol (kPEPE: thousands)
        events.append(OpenInterest(VENUE, symbol, coin, ctx.openInterest, ctx.openInterest * ctx.markPx,
                                   received_ms))
    return events


def account_state(state: _State, user: str, received_ms: int, source: str) -> AccountState:
    """The whole reported state of one address as an AccountState (positions at size zero skipped)."""
    summary = state.crossMarginSummary or state.marginSummary
    positions = []
    cross_pnl = 0.0
    for item in state.assetPositions:
        row = item.position
        if row.szi == 0.0:
            continue  # a closed position may stay listed at size zero (resources/docs/feeds.md §5.2b)
        if row.entryPx is None:
            raise BadFrame(f"{row.coin} position without entryPx")
        cross = row.leverage.type == "cross"
        if cross:
            cross_pnl += row.unrealizedPnl
        margin = None if cross or row.marginUsed is None else max(row.marginUsed - row.unrealizedPnl, 0.0)
        side = "long" if row.szi > 0 else "short"
        positions.append(Position(
            VENUE, user, row.coin, canonical_coin(VENUE, row.coin), side, abs(row.szi), row.entryPx,
            leverage=row.leverage.value, margin_mode=row.leverage.type, isolated_margin=margin,
            contract=ContractData(), exchange_liquidation_price=row.liquidationPx,
            label=f"{shorten(user)} {row.coin}",
        ))
    wallet = summary.accountValue - cross_pnl if summary is not None else None
    account = Account(VENUE, user, wallet_balance=wallet, label=f"Hyperliquid {shorten(user)}")
    return AccountState(account, tuple(positions), state.time if state.time is not None else received_ms, source)


def parse_account(body: bytes | str, user: str, received_ms: int) -> list[Event]:
    """The answer to `POST /info {"type":"clearinghouseState","user":user}` (the bare state)."""
    return [account_state(decode(_STATE, body), user, received_ms, "poll")]


# --- addresses ----------------------------------------------------------------------------------

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def normalize(text: str) -> str | None:
    """A public address in lower case, or None for text that is not one."""
    text = text.strip()
    return text.lower() if _ADDRESS.fullmatch(text) else None


def shorten(address: str) -> str:
    """`0x1234…abcd`: how the UI prints an address."""
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def info_request(user: str) -> tuple[str, str, str]:
    body = msgspec.json.encode({"type": "clearinghouseState", "user": user}).decode()
    return "POST", INFO_PATH, body


def streamed_and_polled(addresses: Iterable[str]) -> tuple[list[str], list[str]]:
    """Valid addresses, deduplicated in order: the first USER_LIMIT ride the websocket, the rest are polled."""
    unique = list(dict.fromkeys(a for a in (normalize(x) for x in addresses) if a is not None))
    return unique[:USER_LIMIT], unique[USER_LIMIT:]


# --- connections ---------------------------------------------------------------------------------

def _subscribe(subscription: dict[str, str]) -> str:
    return msgspec.json.encode({"method": "subscribe", "subscription": subscription}).decode()


def subscribe_messages(coins: Sequence[str], users: Sequence[str] = ()) -> tuple[str, ...]:
    """One message per subscription (Hyperliquid takes one per request): marks, then user states."""
    return (*(_subscribe({"type": "activeAssetCtx", "coin": coin}) for coin in dict.fromkeys(coins)),
            *(_subscribe({"type": "clearinghouseState", "user": user}) for user in users))


def connections(
    endpoints: dict[str, str] | None = None,
    instruments: Instruments | None = None,
    coins: Iterable[str] | None = None,
    users: Iterable[str] = (),
) -> list[ConnectionSpec]:
    """One connection: `activeAssetCtx` per coin (default: the snapshot's Hyperliquid coins) and
    `clearinghouseState` for the first USER_LIMIT watched addresses."""
    if coins is None:
        coins = (instruments or load_bundled()).symbols(VENUE)
    streamed, _ = streamed_and_polled(users)
    subscribe = subscribe_messages(list(coins), streamed)
    if not subscribe:
        return []
    return [ConnectionSpec(
        venue=VENUE, stream=STREAM, url=(endpoints or {}).get(STREAM, DEFAULT_ENDPOINTS[STREAM]),
        subscribe=subscribe, heartbeat=RULES.heartbeat, heartbeat_interval_s=RULES.heartbeat_interval_s,
        stall_after_s=RULES.stall_after_s, completeness=COMPLETENESS, parse=parse,
    )]


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    """The marks/accounts connection, plus the optional liquidation source when the user turned it on
    (then the venue's liquidations are complete: every connection says `all`)."""
    specs = connections(dict(request.endpoints or {}), request.instruments, request.mark_symbols,
                        request.watched_accounts)
    source = request.liquidation_source
    if source is None:
        return specs
    extra = hyperliquid_liquidations.connection(source)
    return [*(msgspec.structs.replace(spec, completeness=extra.completeness) for spec in specs), extra]


ACCOUNTS = WatchedAccounts(
    stream_limit=USER_LIMIT,
    rest_stream=REST_STREAM,
    default_rest_base=DEFAULT_REST_BASE,
    request=info_request,
    request_weight=CLEARINGHOUSE_WEIGHT,
    budget_per_min=WEIGHT_PER_MINUTE,
    parse=parse_account,
    normalize=normalize,
    shorten=shorten,
)

DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="Hyperliquid",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=None,  # its listing is a POST (`metaAndAssetCtxs`): the bundled snapshot serves until it is added
    replay=REPLAY,
    publishes_liquidations=PUBLISHES_LIQUIDATIONS,
    liquidation_note=LIQUIDATION_NOTE,
    accounts=ACCOUNTS,
    optional_liquidations=hyperliquid_liquidations.OPTIONAL,
)
