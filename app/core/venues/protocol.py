"""What the feed client needs to know about one venue connection: pure data, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec

from app.core.events import Event

KeyMode = Literal["query", "bearer", "header", "none"]
"""How a keyed endpoint takes its API key: a `?name=key` query parameter (GoldRush's `?key=`), an
`Authorization: Bearer key` header, a `name: key` header, or none (the user's own node)."""


class WsAuth:
    """An API key to present on the websocket handshake, kept out of every repr, log line and URL that
    is shown: the spec's `url` stays key-free; `apply(url)` gives what is actually dialled."""

    __slots__ = ("_key", "mode", "name")

    def __init__(self, key: str, mode: KeyMode = "query", name: str = "key") -> None:
        self._key = key
        self.mode = mode
        self.name = name

    def __repr__(self) -> str:
        return f"WsAuth(mode={self.mode!r}, name={self.name!r}, key=[REDACTED])"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, WsAuth)
                and (self._key, self.mode, self.name) == (other._key, other.mode, other.name))

    def __hash__(self) -> int:
        return hash((self.mode, self.name))

    def apply(self, url: str) -> tuple[str, dict[str, str] | None]:
        """(the URL to dial, extra handshake headers or None)."""
        if self.mode == "query":
            parts = urlsplit(url)
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != self.name]
            query.append((self.name, self._key))
            return urlunsplit(parts._replace(query=urlencode(query))), None
        if self.mode == "bearer":
            return url, {"Authorization": f"Bearer {self._key}"}
        if self.mode == "header":
            return url, {self.name: self._key}
        return url, None


class ConnectionSpec(msgspec.Struct, frozen=True):
    """One websocket connection of a venue.

    `stream` names the connection in settings, recordings and status (`binance/usdm/market`,
    `bybit/linear`, `bybit/inverse`, `okx/public`). `subscribe` is sent on every (re)connect.
    `heartbeat` (text) is sent every `heartbeat_interval_s` seconds of transport time when not None
    (None = the venue uses websocket protocol pings only). The connection is considered stalled when
    no frame of any kind arrived for `stall_after_s`. `new_state` makes the per-connection parser
    state (Bybit ticker snapshots/deltas), fresh on every connect. `max_lifetime_s` (transport time,
    None = unlimited): a live connection this old is replaced make-before-break, ahead of a venue's
    hard cut (Binance closes every connection after 24 h). `reply(frame)` (None = no such duty) is the
    answer a venue demands to one of its own frames, sent at once (Deribit's heartbeat `test_request`
    must be answered with `public/test` or the connection is closed); None for every other frame.
    `auth`: an API key the endpoint wants on the handshake (a user-configured data service), never
    part of `url`, so status, logs and errors show the URL without it.
    """

    venue: str
    stream: str
    url: str
    subscribe: tuple[str, ...]
    heartbeat: str | None
    heartbeat_interval_s: float | None
    stall_after_s: float
    completeness: str
    parse: Callable[..., list[Event]]
    new_state: Callable[[], Any] | None = None
    max_lifetime_s: float | None = None
    reply: Callable[[str | bytes], str | None] | None = None
    auth: WsAuth | None = None
