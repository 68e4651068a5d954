"""Everything the app knows about one venue, as data: each venue module exports one VenueDescriptor and
the registry lists them, so runtime, metadata, replay and UI never name a venue themselves. Pure: the
callables parse, build specs or answer requests; none does I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from app.core.events import Completeness, Event
from app.core.instruments import Instrument, Instruments
from app.core.venues.protocol import ConnectionSpec, WsAuth

Parse = Callable[..., list[Event]]


class LiquidationSource(NamedTuple):
    """A user-configured liquidation source for a venue that publishes no market-wide feed (see
    `OptionalLiquidations`): the websocket URL (key-free) and how to present the user's API key."""

    url: str
    auth: WsAuth | None = None
    memory: Any = None
    """What the venue remembers of this source across reconnects AND restarts of its connections (the
    fills already counted), made once per session by `OptionalLiquidations.new_memory`."""


class ConnectRequest(NamedTuple):
    """What the runtime asks a venue for: endpoint overrides (stream → url), instrument metadata,
    the symbols whose liquidations to subscribe (None: the venue's default; venues whose liquidation
    channel covers every instrument ignore it) and the symbols whose marks to keep."""

    endpoints: Mapping[str, str] | None
    instruments: Instruments
    liquidation_symbols: list[str] | None
    mark_symbols: list[str]
    watched_accounts: tuple[str, ...] = ()
    """Accounts of this venue to follow read-only (public addresses): venues with `accounts` stream the
    first `accounts.stream_limit` of them; the runtime polls the rest."""
    liquidation_source: LiquidationSource | None = None
    """The venue's optional liquidation source, when the user turned it on (None: off, the default)."""


@dataclass(frozen=True, slots=True)
class ConnectionRules:
    """Heartbeat and lifetime of every connection of a venue (see ConnectionSpec for the meaning)."""

    stall_after_s: float
    heartbeat: str | None = None  # None: websocket protocol pings only
    heartbeat_interval_s: float | None = None
    max_lifetime_s: float | None = None  # None: the venue never cuts a connection for its age

    def spec(self, venue: str, stream: str, url: str, subscribe: tuple[str, ...], completeness: Completeness,
             parse: Any, state: object = None, **extra: Any) -> ConnectionSpec:
        """One connection under these rules. `state` (a venue's memory of ids already counted) is shared by
        every reconnect of it, so a resubscription's snapshot is not counted twice."""
        if state is not None:
            extra["new_state"] = lambda: state
        return ConnectionSpec(venue=venue, stream=stream, url=url, subscribe=subscribe, heartbeat=self.heartbeat,
                              heartbeat_interval_s=self.heartbeat_interval_s, stall_after_s=self.stall_after_s,
                              completeness=completeness, parse=parse, **extra)


class ListingPage(NamedTuple):
    instruments: list[Instrument]
    next_cursor: str | None  # None: the last (or only) page


@dataclass(frozen=True, slots=True)
class RestListing:
    """One public instrument listing: `url(base, cursor)` is the GET to make, `parse(body, problems)`
    reads one page of it (raising BadFrame for a response that is not the listing). `label` names it
    in errors when a venue has several; an `optional` listing that fails leaves the others standing."""

    url: Callable[[str, str | None], str]
    parse: Callable[[bytes | str, list[str] | None], ListingPage]
    label: str = ""
    optional: bool = False


@dataclass(frozen=True, slots=True)
class RestInstruments:
    base_url: str
    listings: tuple[RestListing, ...]


@dataclass(frozen=True, slots=True)
class MarketRest:
    """Public market data a venue serves over REST, beside its instrument listing: open interest and
    candles. Paths (with their query) are relative to the venue's REST base (`base_url`, overridable as
    `endpoints["<venue>/rest"]`); the callables are pure.

    `oi_path(symbol, instruments)` is the GET for one symbol's OI; `parse_oi(body, symbol, received_ms,
    instruments, price)` reads it into an OpenInterest in USD (`price`: the symbol's latest mark, for
    venues that state OI in coins; None → [] when the venue needs it), raising BadFrame for anything else.
    `oi_symbols(instruments)` which to poll by default. `candles_path(symbol, interval, limit)` ("1d" UTC
    days or "1h"); `parse_candles(body, interval)` → candles, open ones flagged; `candle_symbol(coin,
    instruments)` the reference symbol of a coin (None: not listed). `min_gap_s`: seconds between two
    requests to the host (inside its published budget)."""

    base_url: str
    min_gap_s: float
    oi_path: Callable[[str, Instruments], str] | None = None
    parse_oi: Callable[..., list[Event]] | None = None
    oi_symbols: Callable[[Instruments], list[str]] | None = None
    candles_path: Callable[[str, str, int], str] | None = None
    parse_candles: Callable[[bytes | str, str], list[Any]] | None = None
    candle_symbol: Callable[[str, Instruments], str | None] | None = None


@dataclass(frozen=True, slots=True)
class WatchedAccounts:
    """How a venue serves a public account's state without a key (a Hyperliquid address).

    Up to `stream_limit` accounts ride the websocket subscriptions (`connect` builds them from
    `ConnectRequest.watched_accounts`); the rest are polled over REST: `request(account)` is the
    (method, path, body) to send to `rest_stream`'s base (default `default_rest_base`), costing
    `request_weight` of the host's `budget_per_min` weight per minute; `parse(body, account,
    received_ms)` reads the answer into events (an AccountState), raising BadFrame for anything else.
    `normalize(text)` is the canonical account id, or None for text that is not one. `shorten` is how
    the UI prints it (`0x1234…abcd`)."""

    stream_limit: int
    rest_stream: str
    default_rest_base: str
    request: Callable[[str], tuple[str, str, str]]
    request_weight: int
    budget_per_min: int
    parse: Callable[[bytes | str, str, int], list[Event]]
    normalize: Callable[[str], str | None]
    shorten: Callable[[str], str]
    poll_interval_s: float = 10.0


@dataclass(frozen=True, slots=True)
class OptionalLiquidations:
    """A liquidation feed a venue itself does not publish but a user can add (Hyperliquid: a third-party
    node-data service's `liquidationFills`, or the user's own node). Off by default; when the user sets
    the URL setting `<settings_prefix>_url`, the venue's `connect` adds the connection `stream`, the venue
    counts in liquidation totals with `completeness` and its `liquidation_note` is no longer shown.
    The API key lives only in the OS keyring under (`keyring_service`, `keyring_name`); the settings
    `<settings_prefix>_key_mode` (query | bearer | header | none) and `<settings_prefix>_key_name` say how
    it is presented on the handshake."""

    stream: str
    completeness: Completeness
    settings_prefix: str
    keyring_service: str
    keyring_name: str
    label: str
    """What the UI calls it ("Hyperliquid liquidations (your data service)")."""
    new_memory: Callable[[], Any] | None = None
    """A fresh `LiquidationSource.memory` (None: the source needs none)."""


class ReplayPeer(Protocol):
    """One replay-server client as a venue's answers see it."""

    conn_id: str
    topics: set[str]

    def heartbeat(self) -> None: ...

    def take_error_ack(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ReplayRules:
    """How the replay server plays this venue: `topic(frame)` is the subscription a recorded frame
    belongs to (None: every client of the stream gets it); `url_topics(path)` what the connect URL
    already subscribes; `answer(peer, message)` the venue's replies (acks, pongs, error acks) to a
    client message, updating `peer.topics`; a client without a heartbeat for `heartbeat_deadline_s`
    is cut off (None: never). `probe(peer)`, every `probe_interval_s`: a message the venue itself sends
    a client unasked (Deribit's `test_request`, once the client set up heartbeats), or None."""

    topic: Callable[[str], str | None]
    answer: Callable[[ReplayPeer, str | bytes], list[Any]]
    heartbeat_deadline_s: float | None = None
    url_topics: Callable[[str], Iterable[str]] = lambda path: ()
    http_key: Callable[[str, str, str], str] = lambda method, path, body: f"{method} {path} {body}"
    """The key an HTTP request (method, path, request body) is answered by: recorded requests and live
    ones with the same key get the same recorded answer (a venue can ignore key order or case)."""
    snapshot_on_subscribe: bool = False
    """The venue sends the current state of a topic on subscribe (Hyperliquid): the server answers a new
    subscription with the latest frame of that topic already played."""
    probe: Callable[[ReplayPeer], Any | None] | None = None
    probe_interval_s: float | None = None
    encode: Callable[[str], bytes] | None = None
    """The venue's wire form of a frame when it is not plain text (HTX gzips every frame into a binary
    message): applied to recorded frames, replies and probes alike. None: text frames."""
    decode: Callable[[bytes], str] | None = None
    """The inverse, for recording: the text a binary wire frame is stored as (HTX: the inflated JSON), so
    `encode` gives the venue's frame back on replay. None: binary frames are stored as UTF-8 text."""


@dataclass(frozen=True, slots=True)
class VenueDescriptor:
    """`completeness`: what the public liquidation feed covers (all | sampled | aggregated | partial).
    `snapshot_aliases`: other venue names the bundled instrument snapshot files this venue under.
    `publishes_liquidations`: False for a venue with no market-wide liquidation feed (its connections
    carry marks and accounts only): it is left out of liquidation counts and totals, and
    `liquidation_note` says so to the user. `accounts`: how the venue serves watched public accounts.
    `market`: its REST open interest and candles. `optional_liquidations`: a liquidation source the user
    may add to such a venue (off by default)."""

    name: str
    display_name: str
    completeness: Completeness
    default_endpoints: Mapping[str, str]
    parse: Parse
    rules: ConnectionRules
    connect: Callable[[ConnectRequest], list[ConnectionSpec]]
    rest: RestInstruments | None
    replay: ReplayRules
    snapshot_aliases: tuple[str, ...] = ()
    publishes_liquidations: bool = True
    liquidation_note: str | None = None
    accounts: WatchedAccounts | None = None
    market: MarketRest | None = None
    """Open interest and candles over REST (None: none here; a websocket may still carry OI)."""
    optional_liquidations: OptionalLiquidations | None = None

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self.default_endpoints)
