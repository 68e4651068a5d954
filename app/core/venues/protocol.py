"""What the feed client needs to know about one venue connection: pure data, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from app.core.events import Event


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
