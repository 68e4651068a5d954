"""`cascade record --out FILE [--venues V,…] [--seconds N] [--endpoints JSON|FILE] [--profile P]`:
record raw public feed traffic into a recording that `cascade replay-server FILE` serves. No Qt.

Every frame of every public connection is written as received (websocket frames, and the REST
instrument listings fetched at the start as `http` records); authenticated channels never are. While
recording, one progress line on stderr shows the duration, the file's size and the frames so far; at
the end one JSON line on stdout says what was written. `--endpoints` takes the `endpoints` object
`cascade replay-server` prints (its whole JSON line, the object alone, or a file holding either), so a
recording can be made from a local replay without touching settings; only the streams it names are
connected. Otherwise the profile's settings (endpoint overrides) and the venues' live endpoints apply.
Stops after --seconds, or on Ctrl-C / SIGTERM, always closing the file as a complete recording.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from app.core.instruments import load_bundled
from app.core.timing import Timing
from app.core.venues import registry
from app.core.venues.protocol import ConnectionSpec
from app.services.recorder import FrameRecorder, progress_line, public_only, record_connection
from app.services.runtime import connection_specs

PROGRESS_EVERY_S = 1.0
FLUSH_EVERY_S = 0.5


class RecordError(ValueError):
    """A bad option value; the message says which and why."""


def parse_endpoints(text: str) -> dict[str, str]:
    """The replay server's endpoints: its printed JSON line, the `endpoints` object alone, or a file."""
    source = text.strip()
    if not source.startswith("{"):
        path = Path(source)
        if not path.is_file():
            raise RecordError(f"--endpoints: {text!r} is neither JSON nor a file")
        source = path.read_text(encoding="utf-8").strip().splitlines()[-1] if path.stat().st_size else ""
    try:
        document = json.loads(source)
    except ValueError as error:
        raise RecordError(f"--endpoints: not JSON ({error})") from None
    if isinstance(document, dict) and isinstance(document.get("endpoints"), dict):
        document = document["endpoints"]
    if not isinstance(document, dict) or not document or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in document.items()):
        raise RecordError("--endpoints: expected an object of stream -> URL")
    for stream, url in document.items():
        if not url.startswith(("ws://", "wss://", "http://", "https://")):
            raise RecordError(f"--endpoints: {stream}: {url!r} is not a ws/http URL")
    return dict(document)


def parse_venues(text: str | None) -> tuple[str, ...]:
    if not text:
        return registry.names()
    venues = tuple(dict.fromkeys(v.strip().lower() for v in text.split(",") if v.strip()))
    unknown = [v for v in venues if registry.find(v) is None]
    if unknown or not venues:
        raise RecordError(f"--venues: unknown {', '.join(unknown) or '(none)'}; one of {', '.join(registry.names())}")
    return venues


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cascade record",
        description="Record raw public feed traffic into a recording `cascade replay-server` can serve.")
    parser.add_argument("--out", required=True, help="the recording to write (.jsonl.gz)")
    parser.add_argument("--venues", help=f"comma-separated venues (default: all of {', '.join(registry.names())})")
    parser.add_argument("--seconds", type=float, help="stop after this many seconds (default: until Ctrl-C)")
    parser.add_argument("--endpoints", help="the endpoints JSON `cascade replay-server` printed, or a file of it")
    parser.add_argument("--profile", default="default", help="whose settings to read (live endpoints)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


SpecSource = Callable[[FrameRecorder], Awaitable[list[ConnectionSpec]]]


async def record(out: Path, specs: list[ConnectionSpec] | SpecSource, *, seconds: float | None,
                 meta: dict[str, Any], streams: list[str], err: TextIO | None = None,
                 stop: asyncio.Event | None = None, timing: Timing | None = None) -> FrameRecorder:
    """Record into `out` until `seconds` pass or `stop` is set; returns the closed recorder. `specs`
    may be a coroutine function given the recorder (live: fetch and record the instrument listings
    first, then say what to connect)."""
    recorder = FrameRecorder(out, {**meta, "streams": streams})
    stop = stop or asyncio.Event()
    states: dict[str, str] = {}
    tasks: list[asyncio.Task[None]] = []

    async def flusher() -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            await asyncio.to_thread(recorder.flush)

    async def reporter() -> None:
        while err is not None:
            err.write("\r" + progress_line(recorder) + "   ")
            err.flush()
            await asyncio.sleep(PROGRESS_EVERY_S)

    helpers = [asyncio.create_task(flusher()), asyncio.create_task(reporter())]
    try:
        async with asyncio.timeout(seconds):
            chosen = specs if isinstance(specs, list) else await specs(recorder)
            tasks += [asyncio.create_task(record_connection(spec, recorder, timing, states),
                                          name=f"record {spec.stream}") for spec in chosen]
            await stop.wait()
    except TimeoutError:
        pass
    finally:
        for task in tasks + helpers:
            task.cancel()
        await asyncio.gather(*tasks, *helpers, return_exceptions=True)
        await asyncio.to_thread(recorder.close)
        if err is not None:
            err.write("\r" + progress_line(recorder) + "   \n")
            err.flush()
    return recorder


def _with_listings(specs: list[ConnectionSpec], venues: tuple[str, ...], endpoints: dict[str, str]) -> SpecSource:
    """A replay that also serves REST (`<venue>/rest` in its endpoints): its instrument listings are
    fetched from there and recorded as `http` records before the connections start; never elsewhere."""

    async def source(recorder: FrameRecorder) -> list[ConnectionSpec]:
        from app.feeds.metadata import fetch_live_instruments

        await asyncio.gather(*(fetch_live_instruments((venue,), base_urls={venue: endpoints[f"{venue}/rest"]},
                                                      fetch=recorder.recording_fetch(venue))
                               for venue in venues))
        return specs

    return source


def _live_specs(venues: tuple[str, ...], endpoints: dict[str, str]) -> SpecSource:
    """Live: the venues' instrument listings, fetched and recorded as `http` records, so per-symbol
    venues subscribe every listed perpetual (as the app does); then the public connections."""

    async def specs(recorder: FrameRecorder) -> list[ConnectionSpec]:
        from app.feeds.metadata import fetch_live_instruments

        results = await asyncio.gather(*(
            fetch_live_instruments((venue,), base_urls={venue: url} if (url := endpoints.get(f"{venue}/rest"))
                                   else None, fetch=recorder.recording_fetch(venue))
            for venue in venues))
        instruments = load_bundled().merge([row for result in results for rows in result.live.values()
                                            for row in rows])
        symbols = {venue: list(result.symbols(venue)) for venue, result in zip(venues, results, strict=True)}
        kept, _ = public_only(connection_specs(venues, endpoints, instruments, symbols))
        return kept

    return specs


async def _run(options: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    venues = parse_venues(options.venues)
    source: list[ConnectionSpec] | SpecSource
    if options.endpoints:
        endpoints = parse_endpoints(options.endpoints)
        # Only what the endpoints name: a recording made from a replay never reaches a real venue.
        venues = tuple(v for v in venues if any(s in endpoints for s in registry.by_name(v).streams))
        if not venues:
            raise RecordError("--endpoints names no stream of the chosen venues")
        specs = [spec for spec in connection_specs(venues, endpoints, load_bundled())
                 if spec.stream in endpoints]
        kept, refused = public_only(specs)
        streams = [spec.stream for spec in kept]
        rest_venues = tuple(v for v in venues if f"{v}/rest" in endpoints)
        source = _with_listings(kept, rest_venues, endpoints) if rest_venues else kept
    else:
        from app.feeds import http
        from app.store.paths import profile_paths
        from app.store.settings import read_settings

        settings = read_settings(profile_paths(options.profile).settings_file)
        endpoints = dict(settings.endpoints) if settings is not None else {}
        if settings is not None and settings.proxy_url and http.check_proxy_url(settings.proxy_url) is None:
            http.configure(settings.proxy_url)  # the profile's proxy, for the listings and the connections
        kept, refused = public_only(connection_specs(venues, endpoints, load_bundled()))
        streams = [spec.stream for spec in kept]
        source = _live_specs(venues, endpoints)
    for stream in refused:
        err.write(f"cascade record: {stream} is an authenticated channel: not recorded\n")
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = {"scenario": f"recorded {started}", "source": "endpoints" if options.endpoints else "live",
            "venues": list(venues), "recorded_by": "cascade record", "synthetic": False}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    from app.feeds import http as http_client

    async with http_client.HttpClient() as client:  # one pooled client, one budget per host, for the listings
        http_client.install(client)
        try:
            recorder = await record(Path(options.out), source, seconds=options.seconds, meta=meta, streams=streams,
                                    err=None if options.quiet else err, stop=stop)
        finally:
            http_client.install(None)
    out.write(json.dumps({"out": str(recorder.path), "frames": recorder.frames, "http": recorder.http,
                          "seconds": round(recorder.elapsed_s(), 3), "bytes": recorder.size_bytes(),
                          "streams": recorder.per_stream}) + "\n")
    out.flush()
    return 0


def main(argv: list[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    if options.seconds is not None and not options.seconds > 0:
        parser.error("--seconds must be positive")
    try:
        parse_venues(options.venues)
        if options.endpoints:
            parse_endpoints(options.endpoints)
    except RecordError as error:
        parser.error(str(error))
    target = Path(options.out)
    if not target.parent.is_dir():
        print(f"cascade record: no directory {target.parent}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(options, out or sys.stdout, err or sys.stderr))
    except RecordError as error:
        print(f"cascade record: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"cascade record: cannot write {options.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
