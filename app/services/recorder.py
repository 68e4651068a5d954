"""Record raw feed traffic into a replayable recording (app/replay/recording.py format), no Qt.

One task per public connection: connect, subscribe, keep the venue's heartbeat, and write every frame
received exactly as sent (acks and pongs included, as a venue would send them on replay), with its
offset from the start; reconnect with backoff when cut or stalled. REST responses fetched while
recording (instrument listings) are written as `http` records. Authenticated channels are never
recorded: a connection that looks private (see `is_authenticated`) is refused before connecting, and
account data never travels these connections anyway (it goes through ccxt).

Frames are collected on the loop's thread and written to the gzip file by `flush()` in a worker
thread (compression never runs on the loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI

from app.core.timing import Timing
from app.core.venues import registry
from app.core.venues.protocol import ConnectionSpec
from app.feeds import http
from app.feeds.client import BACKOFF_INITIAL_S, BACKOFF_MAX_S, _connect_options
from app.feeds.http import Fetch, HttpResponse
from app.replay.recording import RecordingWriter

log = logging.getLogger(__name__)

SYNC_EVERY_S = 1.0
"""How often the gzip stream is synced to the file: the size shown stays current, and a killed
recorder leaves a readable file up to the last sync."""
_PRIVATE_MARKERS = ("private", "auth", "account", "listenkey", "login", "wallet")


def is_authenticated(spec: ConnectionSpec) -> bool:
    """A connection that carries (or logs in to) a user's account: never recorded."""
    url = urlsplit(spec.url)
    text = f"{spec.stream} {url.path} {url.query}".lower()
    if any(marker in text for marker in _PRIVATE_MARKERS):
        return True
    return any('"login"' in message or '"auth' in message.lower() for message in spec.subscribe)


def public_only(specs: Iterable[ConnectionSpec]) -> tuple[list[ConnectionSpec], list[str]]:
    """(the public specs, the streams refused as authenticated)."""
    kept: list[ConnectionSpec] = []
    refused: list[str] = []
    for spec in specs:
        (refused.append(spec.stream) if is_authenticated(spec) else kept.append(spec))  # type: ignore[func-returns-value]
    return kept, refused


class FrameRecorder:
    """Collects frames (any thread) and writes them with `flush()` (one thread at a time)."""

    def __init__(self, path: str | Path, meta: dict[str, Any], start_ms: int | None = None) -> None:
        self.path = Path(path)
        self.start_ms = int(time.time() * 1000) if start_ms is None else start_ms
        self._t0 = time.monotonic()
        self._writer = RecordingWriter(self.path, {**meta, "start_ms": self.start_ms})
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: list[tuple[int, str, str, tuple[str, str, str] | None]] = []
        self.frames = 0
        self.http = 0
        self.raw_bytes = 0
        self.per_stream: dict[str, int] = {}
        self.closed = False
        self._synced = time.monotonic()

    def elapsed_s(self) -> float:
        return time.monotonic() - self._t0

    def _offset(self) -> int:
        return int((time.monotonic() - self._t0) * 1000)

    def add_ws(self, stream: str, frame: str | bytes) -> None:
        text = frame if isinstance(frame, str) else _wire_text(stream, frame)
        with self._lock:
            self._pending.append((self._offset(), stream, text, None))
            self.frames += 1
            self.raw_bytes += len(text)
            self.per_stream[stream] = self.per_stream.get(stream, 0) + 1

    def add_http(self, stream: str, method: str, path: str, body: str) -> None:
        with self._lock:
            self._pending.append((self._offset(), stream, "", (method, path, body)))
            self.http += 1
            self.raw_bytes += len(body)

    def size_bytes(self) -> int:
        """Bytes of the recording file so far (compressed; the last block is written at close)."""
        with contextlib.suppress(OSError):
            return os.path.getsize(self.path)
        return 0

    def sync(self) -> None:
        """Flush the file now (the size shown is then exact). Blocking."""
        with self._write_lock:
            if not self.closed:
                self._writer.sync()
                self._synced = time.monotonic()

    def flush(self) -> int:
        """Write what was collected (blocking: call from a worker thread). Returns records written."""
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if self.closed:
                return 0
            for offset, stream, frame, http in batch:
                if http is None:
                    self._writer.write(offset, stream, frame)
                else:
                    self._writer.write_http(offset, stream, *http)
            if time.monotonic() - self._synced >= SYNC_EVERY_S:
                self._writer.sync()
                self._synced = time.monotonic()
            return len(batch)

    def close(self) -> None:
        """Write the rest and close the file (a complete gzip stream). Idempotent; blocking."""
        self.flush()
        with self._write_lock:
            if not self.closed:
                self.closed = True
                self._writer.close()

    def recording_fetch(self, venue: str, fetch: Fetch = http.fetch) -> Fetch:
        """A metadata `Fetch` (async) that also records each successful response as an `http` record."""

        async def recorded(url: str, timeout_s: float) -> HttpResponse:
            response = await fetch(url, timeout_s)
            if 200 <= response.status < 300:
                parts = urlsplit(url)
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                self.add_http(f"{venue}/rest", "GET", path, response.body.decode("utf-8", "replace"))
            return response

        return recorded


async def record_connection(spec: ConnectionSpec, recorder: FrameRecorder, timing: Timing | None = None,
                            states: dict[str, str] | None = None) -> None:
    """Record one public connection until cancelled, reconnecting after a failure or a stall."""
    if is_authenticated(spec):
        raise ValueError(f"{spec.stream}: an authenticated channel is never recorded")
    timing = timing or Timing()
    options = _connect_options(spec, timing)
    backoff = timing.backoff(BACKOFF_INITIAL_S, BACKOFF_MAX_S)
    states = states if states is not None else {}
    while True:
        states[spec.stream] = "connecting"
        try:
            async with connect(spec.url, **options) as ws:
                for message in spec.subscribe:
                    await ws.send(message)
                states[spec.stream] = "recording"
                heartbeat = asyncio.create_task(_heartbeat(ws, spec, timing)) if spec.heartbeat else None
                try:
                    while True:
                        async with asyncio.timeout(timing.seconds(spec.stall_after_s)):
                            frame = await ws.recv()
                        recorder.add_ws(spec.stream, frame)
                        answer = spec.reply(frame) if spec.reply is not None else None
                        if answer is not None:  # the venue's own keepalive (Deribit test request, HTX ping)
                            await ws.send(answer)
                        backoff = timing.backoff(BACKOFF_INITIAL_S, BACKOFF_MAX_S)
                finally:
                    if heartbeat is not None:
                        heartbeat.cancel()
                        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                            await heartbeat
        except TimeoutError:
            log.info("%s: no frame for %g s; reconnecting", spec.stream, spec.stall_after_s)
        except (OSError, ConnectionClosed, InvalidStatus, InvalidURI) as exc:
            log.info("%s: %s", spec.stream, exc)
        states[spec.stream] = "reconnecting"
        await asyncio.sleep(timing.seconds(next(backoff)))


async def _heartbeat(ws: Any, spec: ConnectionSpec, timing: Timing) -> None:
    assert spec.heartbeat is not None and spec.heartbeat_interval_s
    while True:
        await asyncio.sleep(timing.seconds(spec.heartbeat_interval_s))
        await ws.send(spec.heartbeat)


def progress_line(recorder: FrameRecorder) -> str:
    """`recording   12.0 s     1.23 MB  4,567 frames`: what the command and the status bar show."""
    size = recorder.size_bytes()
    return (f"recording {recorder.elapsed_s():6.1f} s  {size / 1e6:7.2f} MB  {recorder.frames:,} frames"
            + (f"  {recorder.http} http" if recorder.http else ""))


class FeedRecording:
    """A recording running beside the app's own connections (the window's File → Record feeds…):
    one recording task per public connection, the file written in a worker thread."""

    def __init__(self, path: str | Path, specs: list[ConnectionSpec], meta: dict[str, Any],
                 timing: Timing | None = None) -> None:
        kept, self.refused = public_only(specs)
        self.specs = kept
        self.recorder = FrameRecorder(path, {**meta, "streams": [spec.stream for spec in kept]})
        self.states: dict[str, str] = {}
        self._timing = timing
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(record_connection(spec, self.recorder, self._timing, self.states),
                                           name=f"record {spec.stream}") for spec in self.specs]
        self._tasks.append(asyncio.create_task(self._flush_every(), name="record flush"))

    async def _flush_every(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            await asyncio.to_thread(self.recorder.flush)

    def progress_text(self) -> str:
        return progress_line(self.recorder)

    async def stop(self) -> FrameRecorder:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await asyncio.to_thread(self.recorder.close)
        return self.recorder


def _wire_text(stream: str, frame: bytes) -> str:
    """A binary frame as the recording keeps it: the venue's own `decode` (HTX's gzip inflated), else UTF-8."""
    descriptor = registry.find(stream.split("/", 1)[0])
    decode = descriptor.replay.decode if descriptor is not None else None
    return decode(frame) if decode is not None else frame.decode("utf-8", "replace")
