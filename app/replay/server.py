"""Serve a recording as the venues' real websockets on loopback, at any speed, with faults on command.

One websockets server; each stream has its own path (`ws://127.0.0.1:{port}/{stream}`, anything after
the stream name is accepted, e.g. Binance's `/stream?streams=…`). Clients subscribe and ping exactly as
with the venue and get the venue's acks and pongs; Bybit/OKX clients that stop pinging are cut off.
Frames go out at their recorded offset ÷ speed to the clients of that stream subscribed to the frame's
topic, shared by all (a late client does not get the past: that is its gap, as live). Frames are
pre-encoded and sent with `broadcast` in batches, one timer wake-up per batch.

The recording's `kind: "http"` records (REST answers, e.g. Hyperliquid `POST /info`) are served by a
small HTTP/1.1 server of its own on 127.0.0.1 (a websockets server only accepts GET):
`http://127.0.0.1:{http_port}/{stream}/{path}` answers with the latest record of that stream, path (with
its query, parameters in any order) and request (as the venue's `ReplayRules.http_key` reads it) at or
before the replay clock; 404 before the first. Each connection serves one request (`Connection:
close`); refusals apply as to websockets.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import time
from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from app.core.timing import Timing
from app.core.venues import registry
from app.replay.recording import read_recording

log = logging.getLogger(__name__)

HEARTBEAT_DEADLINE_S: dict[str, float] = {
    v.name: v.replay.heartbeat_deadline_s for v in registry.VENUES if v.replay.heartbeat_deadline_s is not None
}
"""How long each venue lets a client go without an application ping before cutting it off."""
BACKPRESSURE_BYTES = 256 << 10
"""Past this unsent backlog on any client, playback (and scenario time) waits for it to catch up:
replaying faster than the app can read would otherwise only grow buffers and lose frames."""
SLOW_CONSUMER_GRACE_S = 10.0
"""A client that stays behind this long (transport time) is disconnected, as venues do."""
BATCH_MAX = 1_000
"""Frames sent before yielding to the loop, so clients on the same loop keep up."""
GARBAGE = ('{"topic":"allLiq', "not json at all", "{]", '{"arg":{"channel":', "\x00\x01\x02")
OVERSIZE_BYTES = 5 << 20
"""An oversized fault frame: past the app's 4 MiB websocket frame limit (a venue never sends one)."""
DEEP_LEVELS = 100_000
"""A deep-nesting fault frame: far past any decoder's recursion limit."""
HTTP_MAX_HEAD = 16 << 10
HTTP_MAX_BODY = 64 << 10
"""An HTTP request larger than this is refused (413): the venues' info requests are a few hundred bytes."""
HTTP_READ_TIMEOUT_S = 10.0


def _default_http_key(method: str, path: str, body: str) -> str:
    return f"{method} {path} {body}"


def frame_topic(venue: str, frame: str) -> str | None:
    """The subscription a recorded frame belongs to (None: send to every client of the stream)."""
    descriptor = registry.find(venue)
    return descriptor.replay.topic(frame) if descriptor is not None else None


class _Client:
    """One connection; also the ReplayPeer its venue's answers update."""

    __slots__ = ("conn_id", "descriptor", "last_heartbeat", "server", "stream", "topics", "venue", "ws")

    def __init__(self, ws: ServerConnection, stream: str, conn_id: str, server: ReplayServer) -> None:
        self.ws = ws
        self.stream = stream
        self.venue = stream.split("/", 1)[0]
        self.descriptor = registry.find(self.venue)
        self.conn_id = conn_id
        self.topics: set[str] = set()
        self.server = server
        self.last_heartbeat = server.timing.monotonic()

    def heartbeat(self) -> None:
        self.last_heartbeat = self.server.timing.monotonic()
        heartbeats = self.server.heartbeats
        heartbeats[self.stream] = heartbeats.get(self.stream, 0) + 1

    def take_error_ack(self) -> bool:
        return self.server.take_error_ack(self.stream)


class ReplayServer:
    def __init__(
        self,
        recording_path: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        timing: Timing | None = None,
        heartbeat_deadline_s: dict[str, float] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.recording_path = Path(recording_path)
        self.host = host
        self.speed = speed
        self.timing = timing or Timing()
        self.heartbeat_deadline_s = dict(HEARTBEAT_DEADLINE_S if heartbeat_deadline_s is None
                                         else heartbeat_deadline_s)
        self._requested_port = port
        self.meta: dict[str, Any] = {}
        self.start_ms = 0
        self.streams: tuple[str, ...] = ()
        self.finished = False
        self.frames_sent = 0
        self.slow_disconnects = 0
        self.sent_log: list[int] | None = None
        """Set to a list to have the index of every recorded frame actually broadcast appended (the
        fault tests compare it with what the app received)."""
        self.heartbeats: dict[str, int] = {}
        """App-level pings received per stream (Bybit JSON ping, OKX text ping)."""
        self._offsets: list[int] = []
        self._frames: list[tuple[str, str | None, bytes]] = []  # (stream, topic, utf-8 frame)
        self._clients: dict[str, set[_Client]] = {}
        self._stalled_until: dict[str, float] = {}
        self._error_acks: dict[str, int] = {}
        self._refused: dict[str, int] = {}
        self._server: Server | None = None
        self._http_server: asyncio.Server | None = None
        self.http_streams: tuple[str, ...] = ()
        self.http_requests: dict[str, int] = {}
        """HTTP requests received per stream (answered or not)."""
        self._answers: dict[tuple[str, str], tuple[list[int], list[bytes]]] = {}  # (stream, key) → offsets, bodies
        self._snapshot_streams: set[str] = set()
        self._binary_streams: set[str] = set()  # venues whose frames are binary (HTX's gzip)
        self._latest: dict[tuple[str, str], bytes] = {}  # (stream, topic) → the last frame played
        self._tasks: list[asyncio.Task[None]] = []
        self._t0: float | None = None
        self._ids = itertools.count(1)

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, autoplay: bool = True) -> None:
        """Load the recording, listen, and (unless autoplay=False) start playing at offset 0."""
        await asyncio.to_thread(self._load)
        self._server = await serve(
            self._handle, self.host, self._requested_port,
            process_request=self._process_request,
            compression=None,
            ping_interval=self.timing.seconds(20.0), ping_timeout=self.timing.seconds(20.0),
            close_timeout=self.timing.seconds(2.0),
            max_queue=None,
        )
        if self.http_streams:
            self._http_server = await asyncio.start_server(self._serve_http, self.host, 0,
                                                           limit=HTTP_MAX_HEAD)
        self._tasks.append(asyncio.create_task(self._enforce_heartbeats(), name="replay heartbeats"))
        probe_intervals = [v.replay.probe_interval_s for v in registry.VENUES
                           if v.replay.probe is not None and v.replay.probe_interval_s]
        if probe_intervals:
            self._tasks.append(asyncio.create_task(self._probe(min(probe_intervals)), name="replay probes"))
        if autoplay:
            self.play()

    def play(self) -> None:
        """Start the clock at offset 0 (idempotent)."""
        if self._t0 is None:
            self._t0 = time.monotonic()
            self._tasks.append(asyncio.create_task(self._play(), name="replay player"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._http_server is not None:
            self._http_server.close()
            await self._http_server.wait_closed()
            self._http_server = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(next(iter(self._server.sockets)).getsockname()[1])

    @property
    def http_port(self) -> int:
        if self._http_server is None:
            raise RuntimeError("no HTTP server (the recording has no http records)")
        return int(next(iter(self._http_server.sockets)).getsockname()[1])

    def endpoints(self) -> dict[str, str]:
        """Websocket streams (`ws://…/{stream}`) and, for http records, REST bases (`http://…/{stream}`)."""
        urls = {stream: f"ws://{self.host}:{self.port}/{stream}" for stream in self.streams}
        if self._http_server is not None:
            urls |= {stream: f"http://{self.host}:{self.http_port}/{stream}" for stream in self.http_streams}
        return urls

    def market_ms(self) -> int:
        """Scenario time: start_ms + elapsed × speed (start_ms until playing starts)."""
        if self._t0 is None:
            return self.start_ms
        return self.start_ms + int((time.monotonic() - self._t0) * self.speed * 1000)

    def clients(self, stream: str) -> int:
        return len(self._clients.get(stream, ()))

    # --- faults ------------------------------------------------------------------------------

    def drop(self, stream: str) -> int:
        """Cut every client of `stream` abruptly (no closing handshake). Returns how many."""
        victims = list(self._clients.get(stream, ()))
        for client in victims:
            client.ws.transport.abort()
        return len(victims)

    def stall(self, stream: str, seconds: float) -> None:
        """Send nothing on `stream` (frames, acks, pongs) for `seconds` of transport time."""
        self._stalled_until[stream] = self.timing.monotonic() + seconds

    def garbage(self, stream: str, count: int) -> int:
        """Send `count` malformed frames to every client of `stream` now. Returns clients reached."""
        targets = self._clients.get(stream, set())
        for i in range(count):
            broadcast([c.ws for c in targets], GARBAGE[i % len(GARBAGE)])
        return len(targets)

    def error_ack(self, stream: str) -> None:
        """Answer the next subscribe on `stream` with the venue's error ack."""
        self._error_acks[stream] = self._error_acks.get(stream, 0) + 1

    def oversize(self, stream: str, size_bytes: int = OVERSIZE_BYTES) -> int:
        """Send one well-formed frame of `size_bytes` to every client of `stream`. Returns clients reached."""
        targets = self._clients.get(stream, set())
        head = '{"topic":"oversize","pad":"'
        frame = head + "x" * max(0, size_bytes - len(head) - 2) + '"}'
        broadcast([c.ws for c in targets], frame)
        return len(targets)

    def deep(self, stream: str, levels: int = DEEP_LEVELS) -> int:
        """Send one frame nested `levels` deep (`{"a":{"a":…}}`) to every client of `stream`."""
        targets = self._clients.get(stream, set())
        broadcast([c.ws for c in targets], '{"a":' * levels + "1" + "}" * levels)
        return len(targets)

    def refuse(self, stream: str, status: int | None = HTTPStatus.UNAVAILABLE_FOR_LEGAL_REASONS) -> None:
        """Refuse handshakes on `stream` with HTTP `status` (403/451 = geo block); None lifts it."""
        if status is None:
            self._refused.pop(stream, None)
        else:
            self._refused[stream] = int(status)

    def faults(self) -> dict[str, Any]:
        """The faults in force: stalls still running, refusals, pending error acks."""
        now = self.timing.monotonic()
        return {"stalled": {s: round(until - now, 1) for s, until in self._stalled_until.items() if until > now},
                "refused": dict(self._refused),
                "error_acks": {s: n for s, n in self._error_acks.items() if n}}

    # --- internals ---------------------------------------------------------------------------

    def _load(self) -> None:
        meta, records = read_recording(self.recording_path)
        self.meta = meta
        self.start_ms = int(meta["start_ms"])
        streams = dict.fromkeys(meta.get("streams") or ())
        http_streams = dict.fromkeys(meta.get("http_streams") or ())
        for record in records:
            if record.kind == "http":
                http_streams.setdefault(record.stream)
                recorded = urlsplit(record.path or "/")
                path = _with_query(recorded.path or "/", recorded.query)
                key = _http_key(record.stream)(record.method or "GET", path, record.request or "")
                offsets, bodies = self._answers.setdefault((record.stream, key), ([], []))
                offsets.append(record.offset_ms)
                bodies.append((record.body or "").encode())
                continue
            if record.kind != "ws":
                continue
            streams.setdefault(record.stream)
            venue = record.stream.split("/", 1)[0]
            encode = _wire_encoding(record.stream)
            self._offsets.append(record.offset_ms)
            self._frames.append((record.stream, frame_topic(venue, record.frame),
                                 record.frame.encode() if encode is None else encode(record.frame)))
        self.streams = tuple(streams)
        self.http_streams = tuple(http_streams)
        self._clients = {stream: set() for stream in self.streams}
        self._binary_streams = {stream for stream in self.streams if _wire_encoding(stream) is not None}
        for stream in self.streams:
            descriptor = registry.find(stream.split("/", 1)[0])
            if descriptor is not None and descriptor.replay.snapshot_on_subscribe:
                self._snapshot_streams.add(stream)

    def _stream_of(self, path: str) -> str | None:
        route = urlsplit(path).path.strip("/")
        best = None
        for stream in self.streams:
            if (route == stream or route.startswith(stream + "/")) and (best is None or len(stream) > len(best)):
                best = stream
        return best

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        stream = self._stream_of(request.path)
        if stream is None:
            return connection.respond(HTTPStatus.NOT_FOUND, f"no stream at {request.path}\n")
        if stream in self._refused:
            return connection.respond(self._refused[stream], "Service unavailable from a restricted location\n")
        return None

    def _is_stalled(self, stream: str) -> bool:
        until = self._stalled_until.get(stream)
        return until is not None and self.timing.monotonic() < until

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        stream = self._stream_of(ws.request.path)
        if stream is None:
            return
        client = _Client(ws, stream, f"replay-{next(self._ids)}", self)
        if client.descriptor is not None:
            client.topics.update(client.descriptor.replay.url_topics(ws.request.path))
        self._clients[stream].add(client)
        try:
            async for message in ws:
                await self._on_message(client, message)
        except ConnectionClosed:
            pass
        finally:
            self._clients[stream].discard(client)

    async def _reply(self, client: _Client, payload: Any) -> None:
        """Send a venue reply, probe or snapshot frame: JSON-encoded unless text, then in the venue's wire
        form (bytes already in it are sent as they are)."""
        if self._is_stalled(client.stream):
            return
        if isinstance(payload, bytes):
            message: str | bytes = payload if client.stream in self._binary_streams else payload.decode()
        else:
            text = payload if isinstance(payload, str) else msgspec.json.encode(payload).decode()
            encode = client.descriptor.replay.encode if client.descriptor is not None else None
            message = text if encode is None else encode(text)
        with contextlib.suppress(ConnectionClosed):
            await client.ws.send(message)

    def take_error_ack(self, stream: str) -> bool:
        """Whether to answer this subscribe with an error ack (one armed by `error_ack`)."""
        pending = self._error_acks.get(stream, 0)
        if pending:
            self._error_acks[stream] = pending - 1
        return bool(pending)

    async def _on_message(self, client: _Client, message: str | bytes) -> None:
        if client.descriptor is None:
            return  # a stream of a venue we do not speak: frames only
        before = set(client.topics) if client.stream in self._snapshot_streams else None
        for reply in client.descriptor.replay.answer(client, message):
            await self._reply(client, reply)
        if before is not None:
            for topic in client.topics - before:  # a venue that sends the current state on subscribe
                frame = self._latest.get((client.stream, topic))
                if frame is not None:
                    await self._reply(client, frame)

    async def _play(self) -> None:
        assert self._t0 is not None
        offsets, frames, clients = self._offsets, self._frames, self._clients
        snapshot_streams, latest, binary = self._snapshot_streams, self._latest, self._binary_streams
        total, i = len(offsets), 0
        speed_ms = self.speed * 1000.0
        while i < total:
            due = (time.monotonic() - self._t0) * speed_ms
            sent = 0
            while i < total and offsets[i] <= due and sent < BATCH_MAX:
                stream, topic, data = frames[i]
                i += 1
                sent += 1
                if stream in snapshot_streams and topic is not None:
                    latest[(stream, topic)] = data
                targets = clients.get(stream)
                if not targets or self._is_stalled(stream):
                    continue
                recipients = [c.ws for c in targets if topic is None or topic in c.topics]
                broadcast(recipients, data, text=stream not in binary)
                self.frames_sent += 1
                if self.sent_log is not None and recipients:
                    self.sent_log.append(i - 1)
            if sent:
                waited = await self._backpressure()
                if waited:
                    self._t0 += waited  # scenario time pauses while the clients catch up
                    due = (time.monotonic() - self._t0) * speed_ms
            if sent >= BATCH_MAX:
                await asyncio.sleep(0)
            elif i < total:
                await asyncio.sleep((offsets[i] - due) / speed_ms)
        self.finished = True

    def _laggards(self) -> list[_Client]:
        return [client for group in self._clients.values() for client in group
                if client.ws.transport is not None
                and client.ws.transport.get_write_buffer_size() > BACKPRESSURE_BYTES]

    async def _backpressure(self) -> float:
        """Wait while a client is more than BACKPRESSURE_BYTES behind; returns the seconds waited.
        Clients behind for longer than the grace period are cut off (slow consumers)."""
        laggards = self._laggards()
        if not laggards:
            return 0.0
        began = time.monotonic()
        grace = self.timing.seconds(SLOW_CONSUMER_GRACE_S)
        while laggards:
            if time.monotonic() - began > grace:
                for client in laggards:
                    self.slow_disconnects += 1
                    log.warning("replay: dropping slow consumer %s on %s", client.conn_id, client.stream)
                    client.ws.transport.abort()
                break
            await asyncio.sleep(0.001)
            laggards = self._laggards()
        return time.monotonic() - began

    async def _enforce_heartbeats(self) -> None:
        if not self.heartbeat_deadline_s:
            return
        period = min(self.heartbeat_deadline_s.values()) / 4
        while True:
            await self.timing.sleep(period)
            now = self.timing.monotonic()
            for client in _all(self._clients.values()):
                deadline = self.heartbeat_deadline_s.get(client.venue)
                if deadline is not None and now - client.last_heartbeat > deadline:
                    log.info("replay: %s sent no heartbeat for %.0f s: disconnecting", client.conn_id, deadline)
                    client.last_heartbeat = now  # abort once
                    client.ws.transport.abort()


    async def _probe(self, period: float) -> None:
        """Send each client its venue's unasked probe (Deribit's heartbeat test request) on the venue's
        own schedule, checked every `period` (the shortest probe interval)."""
        due: dict[str, float] = {}
        while True:
            await self.timing.sleep(period)
            now = self.timing.monotonic()
            clients = _all(self._clients.values())
            for gone in due.keys() - {client.conn_id for client in clients}:
                del due[gone]  # disconnected: forget its schedule
            for client in clients:
                rules = client.descriptor.replay if client.descriptor is not None else None
                if rules is None or rules.probe is None or not rules.probe_interval_s:
                    continue
                if now < due.setdefault(client.conn_id, now + rules.probe_interval_s - period):
                    continue
                message = rules.probe(client)
                if message is not None:
                    due[client.conn_id] = now + rules.probe_interval_s
                    await self._reply(client, message)


    # --- the HTTP half -----------------------------------------------------------------------

    def _answer_http(self, method: str, target: str, body: str) -> tuple[int, bytes]:
        route = urlsplit(target).path
        stream = next((s for s in sorted(self.http_streams, key=len, reverse=True)
                       if route.startswith(f"/{s}/") or route == f"/{s}"), None)
        if stream is None:
            return HTTPStatus.NOT_FOUND, b'{"error":"no such stream"}'
        self.http_requests[stream] = self.http_requests.get(stream, 0) + 1
        if stream in self._refused:
            return self._refused[stream], b"Service unavailable from a restricted location\n"
        path = _with_query(route[len(stream) + 1:] or "/", urlsplit(target).query)
        answers = self._answers.get((stream, _http_key(stream)(method, path, body)))
        if answers is None:
            return HTTPStatus.NOT_FOUND, b'{"error":"nothing recorded for this request"}'
        offsets, bodies = answers
        index = bisect.bisect_right(offsets, self.market_ms() - self.start_ms) - 1
        if index < 0:
            return HTTPStatus.NOT_FOUND, b'{"error":"nothing recorded yet at this replay time"}'
        return HTTPStatus.OK, bodies[index]

    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(self.timing.seconds(HTTP_READ_TIMEOUT_S)):
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                fields = (line.partition(":") for line in lines[1:] if line)
                headers = {name.strip().lower(): value.strip() for name, _, value in fields}
                length = int(headers.get("content-length") or 0)
                if not 0 <= length <= HTTP_MAX_BODY:
                    status, payload = HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b'{"error":"request too large"}'
                else:
                    body = (await reader.readexactly(length)).decode("utf-8", "replace") if length else ""
                    status, payload = self._answer_http(method, target, body)
            reason = HTTPStatus(status).phrase
            writer.write(f"HTTP/1.1 {int(status)} {reason}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)
            await writer.drain()
        except (TimeoutError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ConnectionError):
            pass  # a broken or slow request: just close, as a server would
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def _with_query(path: str, query: str) -> str:
    """The path with its query parameters in one canonical order (a GET's query names what it asks:
    OKX `?instId=…&bar=1Dutc`), so recorded and live requests match whatever order they list them in."""
    if not query:
        return path
    return path + "?" + "&".join(sorted(part for part in query.split("&") if part))


def _http_key(stream: str):  # type: ignore[no-untyped-def]
    descriptor = registry.find(stream.split("/", 1)[0])
    return descriptor.replay.http_key if descriptor is not None else _default_http_key


def _wire_encoding(stream: str):  # type: ignore[no-untyped-def]
    """The venue's wire encoding of a text frame (ReplayRules.encode), or None for text frames."""
    descriptor = registry.find(stream.split("/", 1)[0])
    return descriptor.replay.encode if descriptor is not None else None


def _all(groups: Iterable[set[_Client]]) -> list[_Client]:
    return [client for group in groups for client in group]
