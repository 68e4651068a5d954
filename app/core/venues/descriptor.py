"""Everything the app knows about one venue, as data: each venue module exports one VenueDescriptor and
the registry lists them, so runtime, metadata, replay and UI never name a venue themselves. Pure: the
callables parse, build specs or answer requests; none does I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from app.core.events import Completeness, Event
from app.core.instruments import Instrument, Instruments
from app.core.venues.protocol import ConnectionSpec

Parse = Callable[..., list[Event]]


class ConnectRequest(NamedTuple):
    """What the runtime asks a venue for: endpoint overrides (stream → url), instrument metadata,
    the symbols whose liquidations to subscribe (None: the venue's default; venues whose liquidation
    channel covers every instrument ignore it) and the symbols whose marks to keep."""

    endpoints: Mapping[str, str] | None
    instruments: Instruments
    liquidation_symbols: list[str] | None
    mark_symbols: list[str]


@dataclass(frozen=True, slots=True)
class ConnectionRules:
    """Heartbeat and lifetime of every connection of a venue (see ConnectionSpec for the meaning)."""

    stall_after_s: float
    heartbeat: str | None = None  # None: websocket protocol pings only
    heartbeat_interval_s: float | None = None
    max_lifetime_s: float | None = None  # None: the venue never cuts a connection for its age


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
    probe: Callable[[ReplayPeer], Any | None] | None = None
    probe_interval_s: float | None = None


@dataclass(frozen=True, slots=True)
class VenueDescriptor:
    """`completeness`: what the public liquidation feed covers (all | sampled | aggregated | partial).
    `snapshot_aliases`: other venue names the bundled instrument snapshot files this venue under."""

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

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self.default_endpoints)
