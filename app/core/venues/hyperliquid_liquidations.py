"""Hyperliquid liquidations from an optional, user-configured source: Hyperliquid itself publishes no
market-wide liquidation feed (its public websocket has per-user `userFills` only), so this connection
is off by default and made only when the user sets `Settings.hyperliquid_liquidations_url`.

Sources (wire-compatible with Hyperliquid's websocket: `{"method":"subscribe","subscription":{"type":
"liquidationFills"}}`, `{"method":"ping"}` → `{"channel":"pong"}`):
- GoldRush (https://goldrush.dev/docs/api-reference/hyperliquid-websocket/liquidation-fills): `wss://
  hypercore.goldrushdata.com/ws?key=<API key>` (the key is a query parameter, no Authorization header);
  pushes `{"channel":"liquidationFills","fills":[[address, fill], …]}`, every fill with a non-null
  `liquidation`, live only (no snapshot on subscribe).
- Hydromancer (https://docs.hydromancer.xyz/readme/websocket/trades-data/liquidationfills): the same
  `[address, fill]` tuples, `"type"` and `"channel"` both `liquidationFills`, batched per block;
  replay and live may overlap on reconnect (their advice: dedupe).
- The user's own non-validating node (its `node_fills` stream relayed as Hyperliquid's `userFills`):
  `{"channel":"userFills","data":{"isSnapshot":true,"user":"0x…","fills":[WsFill, …]}}`; the first
  message after a (re)subscribe is a snapshot (`isSnapshot`) repeating fills already seen.

A fill is Hyperliquid's `WsFill` (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/
websocket/subscriptions): `coin, px, sz, side ("B" buy | "A" sell), time (ms), startPosition, dir,
closedPnl, hash, oid, crossed, fee, tid (unique trade id), liquidation?: {liquidatedUser?, markPx,
method: "market" | "backstop"}`. Numbers are strings (markPx a number); both are accepted.

Reading it:
- Only fills carrying `liquidation` count; ordinary fills of a `userFills` stream are ignored.
- Side of the liquidated position: a liquidation is the engine closing the user's position, selling a
  long and buying back a short (Allium's Hyperliquid notes: "an order to sell (for longs) and buy (for
  shorts) a user's position"). So the liquidated user's own fill (its address == `liquidatedUser`)
  selling (`A`) closes a long, buying (`B`) a short; the counterparty's fill is the mirror (it buys
  from a liquidated long). GoldRush documents the tuple's address as the other side of the trade;
  both are handled. A liquidation fill without `liquidatedUser` cannot be sided: a bad frame.
- One trade has a fill per side with the same `tid`: within a frame, a `tid` already counted from the
  other side is that same trade, not a second liquidation. Fills of one liquidation order in one block
  (same liquidated user, coin, side and time) are one record: qty summed, price volume-weighted, id the
  smallest `tid` (`H<tid>`), so "largest single" is the order, as other venues report it.
- Dedupe: a fill whose `tid` arrived in an EARLIER frame is skipped (the `isSnapshot` repeat on every
  resubscribe, Hydromancer's replay overlap) — never within one frame. The memory is per runtime (it
  survives reconnects: that is when the repeats come) and bounded.
- Completeness `all`: every liquidation fill on HyperCore. Timestamps are the fill's `time`.
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache
from typing import Annotated, Literal

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Kind, Liquidation, VenueNotice
from app.core.instruments import Instruments, canonical_coin, unit_multiplier
from app.core.venues.common import Positive, TimestampMs, decode, decoder
from app.core.venues.descriptor import LiquidationSource, OptionalLiquidations
from app.core.venues.protocol import ConnectionSpec

VENUE = "hyperliquid"
STREAM = "hyperliquid/liquidations"
COMPLETENESS: Completeness = "all"
SETTINGS_PREFIX = "hyperliquid_liquidations"
KEYRING_SERVICE = "cascade/hyperliquid/liquidations"
KEYRING_NAME = "api-key"
SUBSCRIBE = '{"method":"subscribe","subscription":{"type":"liquidationFills"}}'
PING = '{"method":"ping"}'
HEARTBEAT_INTERVAL_S = 30.0  # Hyperliquid cuts a connection silent for 60 s
STALL_AFTER_S = 60.0  # liquidations can be minutes apart: the pongs (every 30 s) are the traffic
SEEN_CAPACITY = 50_000
"""Trade ids remembered across frames (a snapshot repeats at most a few thousand recent fills)."""
_KIND: Kind = "linear_perp"  # every Hyperliquid perp is USDC-margined and linear

OPTIONAL = OptionalLiquidations(
    stream=STREAM,
    completeness=COMPLETENESS,
    settings_prefix=SETTINGS_PREFIX,
    keyring_service=KEYRING_SERVICE,
    keyring_name=KEYRING_NAME,
    label="Hyperliquid liquidations (liquidationFills data service or your own node)",
    new_memory=lambda: SeenFills(),
)

_Tid = Annotated[int, msgspec.Meta(ge=0)]


class _FillLiquidation(msgspec.Struct, gc=False):
    liquidatedUser: str | None = None
    markPx: Positive | None = None
    method: str | None = None


class _Fill(msgspec.Struct, gc=False):
    coin: str
    px: Positive
    sz: Positive
    side: Literal["A", "B"]
    time: TimestampMs
    tid: _Tid
    liquidation: _FillLiquidation | None = None
    user: str | None = None


_Entry = tuple[str, _Fill] | _Fill


class _Data(msgspec.Struct, gc=False):
    fills: list[_Entry] | None = None
    isSnapshot: bool = False
    user: str | None = None


class _Frame(msgspec.Struct, gc=False):
    channel: str | None = None
    type: str | None = None
    data: _Data | str | None = None
    fills: list[_Entry] | None = None
    isSnapshot: bool = False


_FRAME = decoder(_Frame)
_FILL_CHANNELS = frozenset({"liquidationFills", "userFills"})


class SeenFills:
    """Trade ids of fills already delivered, across frames and reconnects; bounded, oldest forgotten."""

    __slots__ = ("_capacity", "_ids", "_order")

    def __init__(self, capacity: int = SEEN_CAPACITY) -> None:
        self._capacity = capacity
        self._ids: set[int] = set()
        self._order: deque[int] = deque()

    def __contains__(self, tid: int) -> bool:
        return tid in self._ids

    def add(self, tids: list[int]) -> None:
        ids, order = self._ids, self._order
        for tid in tids:
            if tid not in ids:
                ids.add(tid)
                order.append(tid)
        while len(order) > self._capacity:
            ids.discard(order.popleft())


@lru_cache(maxsize=4096)
def _facts(symbol: str) -> tuple[str, float]:
    """(canonical coin, base units per unit): kPEPE → (PEPE, 1000). Resolved once per symbol."""
    return canonical_coin(VENUE, symbol), unit_multiplier(symbol)


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: SeenFills | None = None,
) -> list[Event]:
    message = decode(_FRAME, frame)
    channel = message.channel or message.type
    data = message.data
    if channel in _FILL_CHANNELS:
        if isinstance(data, _Data):
            fills, user = data.fills if message.fills is None else message.fills, data.user
        else:
            fills, user = message.fills, None
        if fills is None:
            raise BadFrame(f"{channel} without fills")
        return _liquidations(fills, user, state)
    if channel == "error":
        return [VenueNotice(VENUE, "error", "error", data if isinstance(data, str) else "error")]
    return []  # pong, subscriptionResponse, anything we did not subscribe


def _liquidations(fills: list[_Entry], user: str | None, seen: SeenFills | None) -> list[Event]:
    sides: dict[int, bool] = {}  # tid -> delivered by the liquidated user's own fill (this frame)
    orders: dict[tuple[str, str, bool, int], list] = {}  # type: ignore[type-arg]  # (user, coin, long, time) -> [qty, usd, tid]
    for entry in fills:
        if type(entry) is tuple:
            address, fill = entry
        else:
            fill = entry  # type: ignore[assignment]
            address = fill.user or user
        liquidation = fill.liquidation
        if liquidation is None:
            continue  # an ordinary fill (a userFills stream carries all of them)
        tid = fill.tid
        if seen is not None and tid in seen:
            continue  # delivered in an earlier frame: a snapshot or a replay overlap repeating it
        victim = liquidation.liquidatedUser
        if victim is None:
            raise BadFrame(f"{fill.coin} liquidation fill {tid} without liquidatedUser: side unknown")
        if address is None:
            raise BadFrame(f"{fill.coin} liquidation fill {tid} without the address it belongs to")
        own = address == victim or address.lower() == victim.lower()
        counted = sides.get(tid)
        if counted is not None and counted != own:
            continue  # the other side of a trade this frame already counted
        sides[tid] = own
        long = (fill.side == "A") if own else (fill.side == "B")
        key = (victim.lower(), fill.coin, long, fill.time)
        order = orders.get(key)
        if order is None:
            orders[key] = [fill.sz, fill.sz * fill.px, tid]
        else:
            order[0] += fill.sz
            order[1] += fill.sz * fill.px
            order[2] = min(order[2], tid)
    if seen is not None and sides:
        seen.add(list(sides))
    events: list[Event] = []
    for (_victim, symbol, long, ts), (size, usd, tid) in orders.items():
        coin, multiplier = _facts(symbol)
        events.append(Liquidation(VENUE, symbol, coin, _KIND, "long" if long else "short", usd / size,
                                  size * multiplier, usd, ts, COMPLETENESS, f"H{tid}"))
    return events


def connection(source: LiquidationSource) -> ConnectionSpec:
    """The optional connection: one `liquidationFills` subscription, Hyperliquid's ping, and a trade-id
    memory shared by every (re)connect of this spec (the repeats come after a reconnect) and, when the
    source carries one (`LiquidationSource.memory`), by the specs a restart of the venue makes."""
    seen = source.memory if isinstance(source.memory, SeenFills) else SeenFills()
    return ConnectionSpec(
        venue=VENUE, stream=STREAM, url=source.url, subscribe=(SUBSCRIBE,), heartbeat=PING,
        heartbeat_interval_s=HEARTBEAT_INTERVAL_S, stall_after_s=STALL_AFTER_S, completeness=COMPLETENESS,
        parse=parse, new_state=lambda: seen, auth=source.auth,
    )
