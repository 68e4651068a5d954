"""The recording format (resources/docs/DESIGN.md "Replay and demo"): gzip JSON lines, one per frame.

    {"offset_ms": 0, "stream": "meta", "kind": "meta", "frame": "{\"scenario\": ..., \"start_ms\": ...}"}
    {"offset_ms": 125, "stream": "bybit/linear", "kind": "ws", "frame": "<exact text the venue sent>"}

Offsets are ms after `start_ms` (epoch ms) and never decrease. `kind: "http"` lines are one answer of a
REST endpoint: `method`, `path`, `body` (the answer's text) and, for a POST, `request` (the request body
it answers, e.g. Hyperliquid's `{"type":"clearinghouseState","user":…}`); the replay server's HTTP half
answers a request with the latest such line at or before the replay clock. Writing is deterministic
(gzip mtime 0, no file name in the header), so a seeded generator produces identical bytes.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import msgspec

from app.core import safe_json


class Record(msgspec.Struct, frozen=True, omit_defaults=True):
    offset_ms: int
    stream: str
    kind: Literal["ws", "http", "meta"]
    frame: str = ""
    method: str | None = None
    path: str | None = None
    body: str | None = None
    request: str | None = None


class RecordingError(ValueError):
    """A file that is not a Cascade recording (or is damaged)."""


_decode_record = msgspec.json.Decoder(Record).decode
# What a damaged or hostile file can raise while read: gzip (OSError, EOFError, zlib.error), a line
# that is not a Record (msgspec), a meta frame refused by safe_json, nesting past the C recursion guard.
_DAMAGED = (OSError, EOFError, zlib.error, msgspec.DecodeError, safe_json.JsonInputError, RecursionError)


def _read_meta(handle: Any, path: str | Path) -> dict[str, Any]:
    first = handle.readline()
    if not first:
        raise RecordingError(f"{path}: empty recording")
    head = _decode_record(first)
    if head.kind != "meta":
        raise RecordingError(f"{path}: the first line is not the meta line")
    meta = safe_json.loads(head.frame)
    if not isinstance(meta, dict) or not isinstance(meta.get("start_ms"), int):
        raise RecordingError(f"{path}: meta needs an integer start_ms")
    return meta


def read_meta(path: str | Path) -> dict[str, Any]:
    """Only the meta line (scenario, start_ms, streams): cheap, for showing the scenario clock early."""
    try:
        with gzip.open(path, "rb") as handle:
            return _read_meta(handle, path)
    except _DAMAGED as exc:
        raise RecordingError(f"{path}: not a readable recording ({exc or type(exc).__name__})") from None


def read_recording(path: str | Path) -> tuple[dict[str, Any], Iterator[Record]]:
    """The meta dict (scenario, start_ms, streams, …) and a lazy iterator of the other records."""
    handle = gzip.open(path, "rb")  # noqa: SIM115 - closed by the records iterator
    try:
        meta = _read_meta(handle, path)
    except _DAMAGED as exc:
        handle.close()
        raise RecordingError(f"{path}: not a readable recording ({exc or type(exc).__name__})") from None
    except RecordingError:
        handle.close()
        raise

    def records() -> Iterator[Record]:
        with handle:
            number = 1
            try:
                for number, line in enumerate(handle, start=2):  # noqa: B007 - read in the handler
                    if line.strip():
                        yield _decode_record(line)
            except _DAMAGED as exc:  # a bad line, or a truncated/corrupt gzip stream after `number`
                raise RecordingError(f"{path}:{number}: {exc or type(exc).__name__}") from None

    return meta, records()


class RecordingWriter:
    """Write a recording; use as a context manager. `meta` must hold at least scenario, start_ms and
    streams."""

    def __init__(self, path: str | Path, meta: dict[str, Any]) -> None:
        missing = {"scenario", "start_ms", "streams"} - meta.keys()
        if missing:
            raise ValueError(f"recording meta lacks {sorted(missing)}")
        self._file = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._file, mtime=0)
        self._text = io.BufferedWriter(self._gzip, buffer_size=1 << 16)
        self._encode = msgspec.json.Encoder().encode
        self._last_offset = 0
        self._write(Record(offset_ms=0, stream="meta", kind="meta", frame=self._encode(meta).decode()))

    def _write(self, record: Record) -> None:
        self._text.write(self._encode(record))
        self._text.write(b"\n")

    def write(self, offset_ms: int, stream: str, frame: str) -> None:
        """One websocket frame, exactly as the venue sends it."""
        self._check_offset(offset_ms)
        self._write(Record(offset_ms=offset_ms, stream=stream, kind="ws", frame=frame))

    def write_http(self, offset_ms: int, stream: str, method: str, path: str, body: str,
                   request: str | None = None) -> None:
        """One REST answer (`body`) to `method path` (with the POST body `request`)."""
        self._check_offset(offset_ms)
        self._write(Record(offset_ms=offset_ms, stream=stream, kind="http", method=method, path=path,
                           body=body, request=request))

    def _check_offset(self, offset_ms: int) -> None:
        if offset_ms < self._last_offset:
            raise ValueError(f"offsets must not decrease ({offset_ms} after {self._last_offset})")
        self._last_offset = offset_ms

    def sync(self) -> None:
        """Push what was written to the file (a gzip sync point): its size is then current, and a
        process killed later leaves every record up to here readable."""
        self._text.flush()
        self._gzip.flush()
        self._file.flush()

    def close(self) -> None:
        self._text.close()  # closes the GzipFile (writes the trailer); the raw file stays open
        self._file.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
