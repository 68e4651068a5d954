"""One reconnecting websocket task per venue connection.

Built on websockets' `async for ws in connect(...)`: its reconnect delays come from our scalable
`Timing` (jittered backoff) and `process_exception` reports every failed attempt to the status as
offline/refused and keeps retrying (a feed never gives up). A 403/451 geo refusal leaves that loop:
we wait REFUSED_RETRY_S ourselves, a wait the user can cut short (`ConnectionStatus.retry_now`).
Inside a session: subscribe, the venue heartbeat, a stall watchdog on any received frame (app pongs
included) and the O(1) receive loop: clock → parse → sink. A spec with `max_lifetime_s` (a venue's hard
limit, e.g. 24 h) is rotated make-before-break: a second socket is opened and subscribed, takes over on its
first frame, and only then is the old one closed (drained, not cut); liquidations both deliver during
the overlap are kept once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI
from websockets.uri import parse_uri

from app.core.errors import BadFrame
from app.core.events import Event, Liquidation, MarkPrice, VenueNotice
from app.core.timing import Timing
from app.core.venues.protocol import ConnectionSpec
from app.feeds import http
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus

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
YIELD_EVERY = 32
"""A receive loop yields to the event loop every N frames: websockets hands queued frames over without
suspending, so a large read (a paced read, a burst) would otherwise run as one long task step that the
GUI loop's batch budget cannot split."""
CLOCK_JUMP_S = 5.0
"""Wall time moving this many real seconds more (or less) than monotonic time means the machine slept
or its clock was set: whatever the venue sent meanwhile is lost, so reconnect and record the gap."""
WATCHDOG_MAX_SLEEP_S = 5.0
OVERLAP_GRACE_S = 5.0
"""After a rotation's old socket closed, keep deduplicating this much longer: the two connections may
be served by different venue nodes, so a liquidation can reach the new socket after the old one."""
OVERLAP_IDS = 4_096
"""Liquidation ids remembered during one rotation's overlap (it lasts seconds): bounds the memory."""
_REFUSED_STATUSES = (403, 451)
LIMITED_RETRY_S = 60.0
"""A 429 on the handshake without Retry-After: wait this long, doubling while it repeats (to 15 min)."""
LIMITED_RETRY_MAX_S = 15 * 60.0


def _describe(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        code = exc.response.status_code
        if code in _REFUSED_STATUSES:
            return f"HTTP {code}: not available from your region"  # the fault matrix and users know this form
        if code in http.LIMITED_STATUSES:
            return http.limited_text(code, _retry_after(exc))
        return f"HTTP {code} on handshake"
    if isinstance(exc, TimeoutError):
        return "no answer to the websocket handshake (timed out)"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _retry_after(exc: InvalidStatus) -> float | None:
    return http.retry_after_seconds(exc.response.headers.get("Retry-After"))


def _limited_wait(exc: InvalidStatus, repeats: int) -> float:
    """How long to wait after a 429/418 handshake: Retry-After, else a doubling back-off."""
    stated = _retry_after(exc)
    if stated is not None:
        return stated
    initial = http.BAN_DEFAULT_S if exc.response.status_code == 418 else LIMITED_RETRY_S
    return min(initial * 2**repeats, LIMITED_RETRY_MAX_S)


def _url_problem(url: str) -> str | None:
    try:
        parse_uri(url)
        urlsplit(url).port  # noqa: B018 - raises ValueError for a port outside 0..65535
    except (InvalidURI, ValueError) as error:
        return f"invalid endpoint URL {url!r}: {error}"
    return None


def _dial_url(spec: ConnectionSpec) -> str:
    """The URL actually dialled: `spec.url` plus an API key in the query when the endpoint wants one
    there (never logged: messages name `spec.url` or the stream)."""
    return spec.auth.apply(spec.url)[0] if spec.auth is not None else spec.url


def _connect_options(spec: ConnectionSpec, timing: Timing) -> dict[str, Any]:
    """websockets options shared by the reconnecting iterator and a rotation's extra connection."""
    headers = spec.auth.apply(spec.url)[1] if spec.auth is not None else None
    return {
        "additional_headers": headers,
        "open_timeout": timing.seconds(OPEN_TIMEOUT_S),
        "ping_interval": timing.seconds(PROTOCOL_PING_S),
        "ping_timeout": timing.seconds(PROTOCOL_PING_S),
        "close_timeout": timing.seconds(CLOSE_TIMEOUT_S),
        "max_size": 2**22,
        "max_queue": 256,
        "proxy": http.ws_proxy(spec.url),  # the proxy setting (app.feeds.http); loopback directly
    }


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
    status.loop = asyncio.get_running_loop()  # retry_now() wakes this loop, from whichever thread asks
    problem = _url_problem(spec.url)
    if problem is not None:
        # No retry can fix the URL (settings are checked when read; this guards every other way in):
        # say so once and wait, instead of crashing, being restarted and showing "connecting" forever.
        status.connect_failed("offline", problem)
        log.error("%s: %s", spec.stream, problem)
        await asyncio.Event().wait()
    refused = False
    limited_wait: float | None = None
    limits = 0  # consecutive rate limits: the back-off doubles

    def on_failed_attempt(exc: Exception) -> Exception | None:
        nonlocal refused, limited_wait
        code = exc.response.status_code if isinstance(exc, InvalidStatus) else None
        refused = code in _REFUSED_STATUSES
        if code in http.LIMITED_STATUSES:
            assert isinstance(exc, InvalidStatus) and code is not None
            limited_wait = _limited_wait(exc, limits)
            text = http.limited_text(code, limited_wait)
            status.connect_failed("offline", text)
            log.warning("%s: connect failed: %s", spec.stream, text)
            return exc  # leaves websockets' retry loop: we wait out the limit ourselves
        status.connect_failed("refused" if refused else "offline", _describe(exc))
        log.info("%s: connect failed: %s", spec.stream, _describe(exc))
        # A refusal leaves websockets' retry loop: its sleep cannot be cut short, ours can ("retry now").
        return exc if refused else None

    def reconnect_delays() -> Iterator[float]:
        for delay in timing.backoff(BACKOFF_INITIAL_S, BACKOFF_MAX_S):
            yield timing.seconds(delay)

    options = _connect_options(spec, timing)
    while True:
        connector = connect(
            _dial_url(spec), reconnect_delays=reconnect_delays, process_exception=on_failed_attempt, **options
        )
        connects = status.connects
        try:
            await _connect_and_serve(connector, spec, sink, status, timing, clock, instruments, wall, options)
        except InvalidStatus:
            if not refused and limited_wait is None:
                raise
        if limited_wait is not None:  # rate limited: wait until the venue allows us back, once
            limits = 0 if status.connects > connects else limits + 1
            wait, limited_wait = limited_wait, None
            await timing.sleep(wait)
            status.state = "connecting"
            continue
        refused = False
        if await _wait_or_wake(status.wake, timing.seconds(REFUSED_RETRY_S)):
            log.info("%s: retrying now, as the user asked", spec.stream)
        status.state = "connecting"


async def _wait_or_wake(wake: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds`, or less if `wake` is set meanwhile (then True). A request made before the wait
    began does not count: it was answered by the attempt that just failed."""
    wake.clear()
    try:
        async with asyncio.timeout(seconds):
            await wake.wait()
    except TimeoutError:
        return False
    finally:
        wake.clear()
    return True


async def _connect_and_serve(
    connector: connect,
    spec: ConnectionSpec,
    sink: FeedSink,
    status: ConnectionStatus,
    timing: Timing,
    clock: Callable[[], int],
    instruments: Any,
    wall: Callable[[], float],
    options: dict[str, Any],
) -> None:
    """Sessions, one after another, until the connector gives up (only on a refusal)."""
    # websockets resets its backoff after every successful handshake, so a server that accepts
    # and drops at once would be hammered: we add our own backoff between short sessions.
    session_backoff = timing.backoff(BACKOFF_INITIAL_S, BACKOFF_MAX_S)
    refused_subscription: str | None = None
    # aclosing: on cancellation the connect iterator is closed here, awaited, with its connection,
    # rather than left to the garbage collector ("async generator ignored GeneratorExit").
    async with contextlib.aclosing(aiter(connector)) as connections:
        async for ws in connections:
            started = timing.monotonic()
            session = _Session(spec, sink, status, timing, clock, instruments, wall, options)
            session.tolerated_refusal = refused_subscription
            reason = await session.run(ws)
            refused_subscription = session.refusal  # None unless this session ended on a refusal
            log.info("%s: disconnected: %s", spec.stream, reason)
            if timing.monotonic() - started > BACKOFF_MAX_S:
                session_backoff = timing.backoff(BACKOFF_INITIAL_S, BACKOFF_MAX_S)
            await timing.sleep(next(session_backoff))
            status.state = "connecting"


class OverlapIds:
    """Liquidation ids seen while two sockets of one rotation overlap, to keep each liquidation once.

    Occurrences are paired per id: the k-th copy from one socket matches the k-th from the other, so
    two identical liquidations (same content, hence the same id) both delivered twice are kept twice.
    Bounded (oldest ids forgotten first) and O(1) per event."""

    __slots__ = ("_capacity", "_counts", "_order")

    def __init__(self, capacity: int = OVERLAP_IDS) -> None:
        self._capacity = capacity
        self._counts: dict[str, list[int]] = {}
        self._order: deque[str] = deque()

    def fresh(self, events: list[Event], side: int) -> list[Event]:
        """The events from socket `side` (0 or 1) not already delivered by the other socket."""
        kept: list[Event] = []
        for event in events:
            if type(event) is Liquidation:
                counts = self._counts.get(event.id)  # type: ignore[union-attr]
                if counts is None:
                    counts = self._counts[event.id] = [0, 0]  # type: ignore[union-attr]
                    self._order.append(event.id)  # type: ignore[union-attr]
                    if len(self._order) > self._capacity:
                        del self._counts[self._order.popleft()]
                counts[side] += 1
                if counts[side] <= counts[1 - side]:
                    continue  # the other socket delivered this copy already
            kept.append(event)
        return kept


class _Leg:
    """One websocket of a session, with its own parser state, venue heartbeat and receive task."""

    __slots__ = ("first_frame", "heartbeat", "last_traffic", "reader", "side", "started", "state", "ws")

    def __init__(self, ws: ClientConnection, side: int, state: Any, now: float) -> None:
        self.ws = ws
        self.side = side  # alternates 0/1 between consecutive legs: the dedup pairs by side
        self.state = state
        self.started = now
        self.last_traffic = now
        self.first_frame = asyncio.Event()
        self.reader: asyncio.Task[str] | None = None
        self.heartbeat: asyncio.Task[None] | None = None


class _Session:
    """One connected session: from the first socket's handshake until the socket it depends on is
    lost. Rotations replace that socket inside the session, so they are neither a gap nor a reconnect."""

    def __init__(
        self,
        spec: ConnectionSpec,
        sink: FeedSink,
        status: ConnectionStatus,
        timing: Timing,
        clock: Callable[[], int],
        instruments: Any,
        wall: Callable[[], float],
        options: dict[str, Any],
    ) -> None:
        self.spec = spec
        self.sink = sink
        self.status = status
        self.timing = timing
        self.clock = clock
        self.instruments = instruments
        self.wall = wall
        self.options = options
        self.cut: str | None = None
        self.refusal: str | None = None
        """The venue's text, when this session was ended because it refused our subscription."""
        self.tolerated_refusal: str | None = None
        """The refusal that ended the previous session: refused again the same way, the venue does not
        serve what we asked (an unknown topic), so the session is kept instead of reconnecting forever."""
        self.overlap: OverlapIds | None = None
        self.legs: list[_Leg] = []
        self.current: _Leg | None = None

    async def run(self, ws: ClientConnection) -> str:
        """Returns why the session ended (the status already shows it)."""
        helpers: list[asyncio.Task[None]] = []
        try:
            leg = self.current = self._add_leg(ws)
            await self._start_leg(leg)
            self.status.live()
            helpers.append(asyncio.create_task(self._watchdog(), name=f"{self.spec.stream} watchdog"))
            if self.spec.max_lifetime_s:
                helpers.append(asyncio.create_task(self._rotations(), name=f"{self.spec.stream} rotation"))
            while True:
                assert leg.reader is not None
                reason = await asyncio.shield(leg.reader)  # shield: the rotation may await it too
                if self.current is leg:
                    break  # the socket we depend on is gone
                leg = self.current  # it was a rotation's old socket, closed on purpose
            if self.cut is not None:  # the watchdog cut it; the status already says why
                return self.cut
            self.status.lost("offline", reason)
            return reason
        except ConnectionClosed as exc:  # lost while subscribing
            reason = self.cut or _describe(exc)
            if self.cut is None:
                self.status.lost("offline", reason)
            return reason
        finally:
            for task in helpers:
                task.cancel()
            for task in helpers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for leg in list(self.legs):
                await self._close_leg(leg)

    # --- legs ----------------------------------------------------------------------------------

    def _add_leg(self, ws: ClientConnection) -> _Leg:
        """Track `ws` from its handshake on, so the session closes it whatever happens next."""
        side = 1 - self.legs[-1].side if self.legs else 0
        state = self.spec.new_state() if self.spec.new_state is not None else None
        leg = _Leg(ws, side, state, self.timing.monotonic())
        self.legs.append(leg)
        return leg

    async def _start_leg(self, leg: _Leg) -> None:
        """Subscribe, then read the socket (and send the venue heartbeat) in tasks of their own."""
        spec = self.spec
        for message in spec.subscribe:
            await leg.ws.send(message)
        leg.reader = asyncio.create_task(self._receive(leg), name=f"{spec.stream} receive")
        if spec.heartbeat is not None and spec.heartbeat_interval_s:
            leg.heartbeat = asyncio.create_task(self._heartbeat(leg.ws), name=f"{spec.stream} heartbeat")

    async def _close_leg(self, leg: _Leg) -> None:
        """Close gracefully: frames the venue sent before our close still arrive and are processed."""
        if leg.heartbeat is not None:
            leg.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await leg.heartbeat
        with contextlib.suppress(ConnectionClosed, OSError):
            await leg.ws.close()
        if leg.reader is not None:
            # Shielded: if this close is itself cancelled (a rotation cancelled at shutdown), the reader
            # must not be cancelled with it, or the next close would re-raise its CancelledError.
            try:
                await asyncio.shield(leg.reader)
            except asyncio.CancelledError:
                if not leg.reader.done():
                    raise  # we are being cancelled; the reader keeps draining and is closed later

        if leg in self.legs:  # idempotent: a leg can be closed by a rotation and again by the session
            self.legs.remove(leg)

    async def _heartbeat(self, ws: ClientConnection) -> None:
        spec = self.spec
        assert spec.heartbeat is not None and spec.heartbeat_interval_s
        while True:
            await self.timing.sleep(spec.heartbeat_interval_s)
            await ws.send(spec.heartbeat)

    async def _receive(self, leg: _Leg) -> str:
        """The hot loop, O(1) per frame: clock → parse → (dedup while overlapping) → sink."""
        spec, sink, status, timing, clock = self.spec, self.sink, self.status, self.timing, self.clock
        parse, venue, instruments, state, side = spec.parse, spec.venue, self.instruments, leg.state, leg.side
        reply = spec.reply
        frames = 0
        try:
            async for frame in leg.ws:
                received_ms = clock()
                leg.last_traffic = timing.monotonic()
                status.frame(received_ms)
                frames += 1
                if frames % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                if frames == 1:
                    leg.first_frame.set()  # any frame, an ack too: the new socket is live
                if reply is not None:
                    answer = reply(frame)  # a venue's test request: answered before anything else
                    if answer is not None:
                        await leg.ws.send(answer)
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
                    first = events[0]
                    if type(first) is VenueNotice and first.level == "error":
                        # The venue refused our subscribe: what it would have sent is missed until a
                        # new session subscribes again, so this is a loss (a gap), not just a notice.
                        sink.offer(venue, events)
                        if first.text == self.tolerated_refusal:
                            status.subscription_refused(first.text)  # shown; the rest keeps flowing
                            continue
                        reason = f"the venue refused the subscription: {first.text}"
                        if leg is self.current:
                            self.cut = reason
                            self.refusal = first.text
                            status.lost("offline", reason)
                        return reason
                    overlap = self.overlap
                    if overlap is not None:
                        events = overlap.fresh(events, side)
                        if not events:
                            continue
                    dropped = sink.offer(venue, events)
                    if dropped:
                        status.record_overflow(dropped, received_ms)
                    if frames % LAG_SAMPLE_EVERY == 1:
                        first = events[0]  # after the dedup: the first kept
                        if type(first) is Liquidation or type(first) is MarkPrice:
                            status.lag(received_ms, first.ts_ms)  # type: ignore[union-attr]
            return "closed by the venue"
        except ConnectionClosed as exc:
            return _describe(exc)

    # --- helpers -------------------------------------------------------------------------------

    async def _watchdog(self) -> None:
        """Cut the current socket after `stall_after_s` without any frame, or on a wall-clock jump."""
        timing, stall_after_s = self.timing, self.spec.stall_after_s
        skew = self.wall() - time.monotonic()
        while True:
            leg = self.current
            assert leg is not None
            idle = timing.monotonic() - leg.last_traffic
            if idle >= stall_after_s:
                self.cut = f"no traffic for {stall_after_s:g} s"
                self.status.lost("stalled", self.cut)
                leg.ws.transport.abort()  # a stalled peer will not complete a closing handshake
                return
            jump = self.wall() - time.monotonic() - skew
            if abs(jump) > CLOCK_JUMP_S:
                self.cut = f"clock jumped {jump:+.0f} s (sleep/resume?): reconnecting"
                self.status.lost("offline", self.cut)
                leg.ws.transport.abort()
                return
            await timing.sleep(min(stall_after_s - idle, WATCHDOG_MAX_SLEEP_S))

    async def _rotations(self) -> None:
        """Replace the current socket whenever it reaches `max_lifetime_s`; retry with backoff while
        the replacement fails (the old socket keeps serving until the venue cuts it)."""
        lifetime = self.spec.max_lifetime_s
        assert lifetime
        while True:
            assert self.current is not None
            await self.timing.sleep(self.current.started + lifetime - self.timing.monotonic())
            retries = self.timing.backoff(BACKOFF_INITIAL_S, BACKOFF_MAX_S)
            while not await self._rotate():
                await self.timing.sleep(next(retries))

    async def _rotate(self) -> bool:
        """Open, subscribe, wait for the first frame, switch, then close the old socket."""
        stream, old = self.spec.stream, self.current
        assert old is not None
        try:
            ws = await connect(_dial_url(self.spec), **self.options)
        except Exception as exc:  # refused, timed out, unreachable: keep the old socket
            self._rotation_failed(_describe(exc))
            return False
        new = self._add_leg(ws)
        self.overlap = OverlapIds()  # before the new socket can deliver anything
        reason = f"no frame within {self.spec.stall_after_s:g} s"
        try:
            await self._start_leg(new)
            assert new.reader is not None
            first = asyncio.create_task(new.first_frame.wait())
            try:
                await asyncio.wait((first, new.reader), timeout=self.timing.seconds(self.spec.stall_after_s),
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                first.cancel()
            if new.reader.done():
                reason = new.reader.result()
        except ConnectionClosed as exc:  # lost while subscribing
            reason = _describe(exc)
        closed_again = new.reader is not None and new.reader.done()  # an ack, then closed: no replacement
        if not new.first_frame.is_set() or closed_again:
            await self._close_leg(new)
            self.overlap = None
            self._rotation_failed(f"new connection gave nothing: {reason}")
            return False
        self.current = new
        self.status.rotated()
        log.info("%s: rotated to a new connection after %.0f s", stream, self.timing.monotonic() - old.started)
        await self._close_leg(old)
        await self.timing.sleep(OVERLAP_GRACE_S)
        self.overlap = None
        return True

    def _rotation_failed(self, reason: str) -> None:
        self.status.rotation_failed(reason)
        log.info("%s: rotation failed, keeping the current connection: %s", self.spec.stream, reason)
