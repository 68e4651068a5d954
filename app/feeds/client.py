"""One reconnecting websocket task per venue connection.

Built on websockets' `async for ws in connect(...)`: its reconnect delays come from our scalable
`Timing` (jittered backoff; slow retries after a 403/451 geo refusal) and `process_exception` reports
every failed attempt to the status as offline/refused and keeps retrying (a feed never gives up).
Inside a session: subscribe, the venue heartbeat, a stall watchdog on any received frame (app pongs
included) and the O(1) receive loop: clock → parse → sink.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.core.errors import BadFrame
from app.core.events import Liquidation, MarkPrice
from app.core.venues.protocol import ConnectionSpec
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from app.feeds.timing import Timing

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 10.0
PROTOCOL_PING_S = 20.0
CLOSE_TIMEOUT_S = 2.0
REFUSED_RETRY_S = 15 * 60.0
"""A geo refusal will not go away in seconds: retry only every 15 min."""
BACKOFF_INITIAL_S = 1.0
BACKOFF_MAX_S = 60.0
LAG_SAMPLE_EVERY = 16
"""Sample received−ts lag on one frame in N: cheap and still a good median."""
CLOCK_JUMP_S = 5.0
"""Wall time moving this many real seconds more (or less) than monotonic time means the machine slept
or its clock was set: whatever the venue sent meanwhile is lost, so reconnect and record the gap."""
WATCHDOG_MAX_SLEEP_S = 5.0
_REFUSED_STATUSES = (403, 451)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        code = exc.response.status_code
        if code in _REFUSED_STATUSES:
            return f"HTTP {code}: not available from your region"
        return f"HTTP {code} on handshake"
    if isinstance(exc, TimeoutError):
        return "no answer to the websocket handshake (timed out)"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


async def run_connection(
    spec: ConnectionSpec,
    sink: FeedSink,
    status: ConnectionStatus,
    timing: Timing,
    clock: Callable[[], int],
    instruments: Any = None,
    *,
    wall: Callable[[], float] = time.time,
) -> None:
    """Run one venue connection forever (until cancelled), reconnecting on every failure.

    `wall` is the wall clock, compared with monotonic time to notice sleep/resume (tests inject it)."""
    refused = False

    def on_failed_attempt(exc: Exception) -> Exception | None:
        nonlocal refused
        refused = isinstance(exc, InvalidStatus) and exc.response.status_code in _REFUSED_STATUSES
        status.connect_failed("refused" if refused else "offline", _describe(exc))
        log.info("%s: connect failed: %s", spec.stream, _describe(exc))
        return None  # every failure is retried; only the delay differs

    def reconnect_delays() -> Iterator[float]:
        for delay in timing.backoff(BACKOFF_INITIAL_S, BACKOFF_MAX_S):
            yield timing.seconds(REFUSED_RETRY_S if refused else delay)

    host = urlsplit(spec.url).hostname or ""
    connector = connect(
        spec.url,
        open_timeout=timing.seconds(OPEN_TIMEOUT_S),
        ping_interval=timing.seconds(PROTOCOL_PING_S),
        ping_timeout=timing.seconds(PROTOCOL_PING_S),
        close_timeout=timing.seconds(CLOSE_TIMEOUT_S),
        reconnect_delays=reconnect_delays,
        process_exception=on_failed_attempt,
        max_size=2**22,
        max_queue=256,
        proxy=None if host in _LOOPBACK else True,
    )
    # websockets resets its backoff after every successful handshake, so a server that accepts
    # and drops at once would be hammered: we add our own backoff between short sessions.
    session_backoff = timing.backoff(BACKOFF_INITIAL_S, BACKOFF_MAX_S)
    # aclosing: on cancellation the connect iterator is closed here, awaited, with its connection,
    # rather than left to the garbage collector ("async generator ignored GeneratorExit").
    async with contextlib.aclosing(aiter(connector)) as connections:
        async for ws in connections:
            started = timing.monotonic()
            reason = await _session(ws, spec, sink, status, timing, clock, instruments, wall)
            log.info("%s: disconnected: %s", spec.stream, reason)
            if timing.monotonic() - started > BACKOFF_MAX_S:
                session_backoff = timing.backoff(BACKOFF_INITIAL_S, BACKOFF_MAX_S)
            await timing.sleep(next(session_backoff))
            status.state = "connecting"


async def _session(
    ws: ClientConnection,
    spec: ConnectionSpec,
    sink: FeedSink,
    status: ConnectionStatus,
    timing: Timing,
    clock: Callable[[], int],
    instruments: Any,
    wall: Callable[[], float],
) -> str:
    """One connected session; returns why it ended (the status already shows it)."""
    state = spec.new_state() if spec.new_state is not None else None
    last_traffic = timing.monotonic()
    cut: str | None = None

    async def heartbeat() -> None:
        assert spec.heartbeat is not None and spec.heartbeat_interval_s
        while True:
            await timing.sleep(spec.heartbeat_interval_s)
            await ws.send(spec.heartbeat)

    async def watchdog() -> None:
        nonlocal cut
        skew = wall() - time.monotonic()
        while True:
            idle = timing.monotonic() - last_traffic
            if idle >= spec.stall_after_s:
                cut = f"no traffic for {spec.stall_after_s:g} s"
                status.lost("stalled", cut)
                ws.transport.abort()  # a stalled peer will not complete a closing handshake
                return
            jump = wall() - time.monotonic() - skew
            if abs(jump) > CLOCK_JUMP_S:
                cut = f"clock jumped {jump:+.0f} s (sleep/resume?): reconnecting"
                status.lost("offline", cut)
                ws.transport.abort()
                return
            await timing.sleep(min(spec.stall_after_s - idle, WATCHDOG_MAX_SLEEP_S))

    helpers: list[asyncio.Task[None]] = []
    try:
        for message in spec.subscribe:
            await ws.send(message)
        status.live()
        helpers.append(asyncio.create_task(watchdog(), name=f"{spec.stream} watchdog"))
        if spec.heartbeat is not None and spec.heartbeat_interval_s:
            helpers.append(asyncio.create_task(heartbeat(), name=f"{spec.stream} heartbeat"))
        parse = spec.parse
        venue = spec.venue
        frames = 0
        async for frame in ws:
            received_ms = clock()
            last_traffic = timing.monotonic()
            status.frame(received_ms)
            frames += 1
            try:
                events = parse(frame, received_ms, instruments, state)
            except BadFrame as exc:
                status.bad_frame(exc.reason)
                continue
            except Exception as exc:  # a parser bug: log it loudly, keep the connection
                log.exception("%s: parser failed on a frame (bug)", spec.stream)
                status.bad_frame(f"parser error: {type(exc).__name__}: {exc}")
                continue
            if events:
                dropped = sink.offer(venue, events)
                if dropped:
                    status.record_overflow(dropped, received_ms)
                if frames % LAG_SAMPLE_EVERY == 1:
                    first = events[0]
                    if type(first) is Liquidation or type(first) is MarkPrice:
                        status.lag(received_ms, first.ts_ms)  # type: ignore[union-attr]
        reason = cut or "closed by the venue"
        if cut is None:
            status.lost("offline", reason)
    except ConnectionClosed as exc:
        if cut is not None:  # the watchdog cut it; the status already says why
            reason = cut
        else:
            reason = _describe(exc)
            status.lost("offline", reason)
    finally:
        for task in helpers:
            task.cancel()
        for task in helpers:
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await task
    return reason
