"""Live instrument metadata: contract sizes, kinds, tick and lot sizes from each venue's public REST
listing, merged over the bundled snapshot (live wins; resources/docs/data.md). What to GET and how to
read it is each venue descriptor's `rest` (app/core/venues): e.g. Binance USDⓈ-M `exchangeInfo` (one
request), Bybit `instruments-info` per category paged by cursor (at most PAGE_CAP pages), OKX
`public/instruments` for SWAP plus an optional FUTURES listing.

Venues are fetched concurrently under one overall deadline, so start-up never waits longer than
`timeout_s`. A venue that fails keeps its last good fetch from the disk cache (`instruments/live.json`
in the profile's cache dir, written atomically after every fetch), else the snapshot's rows (plus any
pages it did fetch). 403/451 is "not available from your region" and never retried; 429 is retried
once after Retry-After if that fits the deadline, else "rate limited until HH:MM"; 418 never. HTTP
goes through the run's client (app.feeds.http: aiohttp, one budget per host); parsing runs in a
worker thread: nothing blocks the loop. The session refreshes the listings every REFRESH_EVERY_S.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from app.core.errors import BadFrame
from app.core.instruments import Instrument, Instruments, load_bundled
from app.core.timing import Timing
from app.core.venues import registry
from app.core.venues.descriptor import RestInstruments, RestListing
from app.feeds import http
from app.feeds.http import MAX_BODY_BYTES, REFUSED_STATUSES, Fetch, HttpResponse

log = logging.getLogger(__name__)

__all__ = ["MAX_BODY_BYTES", "Fetch", "HttpResponse", "MetadataResult", "fetch_live_instruments"]

DEFAULT_BASE_URLS: dict[str, str] = {v.name: v.rest.base_url for v in registry.VENUES if v.rest is not None}
SUPPORTED_VENUES: tuple[str, ...] = tuple(DEFAULT_BASE_URLS)
PAGE_CAP = 10  # pages per paged listing: 10,000 Bybit symbols per category, several times what it lists
DEFAULT_RETRY_AFTER_S = 1.0
REFRESH_EVERY_S = 4 * 3600.0
"""The listings are fetched again this often (transport seconds: tests scale it)."""
CACHE_FILE = ("instruments", "live.json")
CACHE_VERSION = 1
_COMPARED_FIELDS = ("coin", "kind", "contract_size", "contract_unit", "tick_size", "lot_size", "quote", "settle")


class CachedVenue(msgspec.Struct, frozen=True):
    fetched_ms: int
    rows: list[Instrument]


class _CacheFile(msgspec.Struct):
    version: int = CACHE_VERSION
    venues: dict[str, CachedVenue] = msgspec.field(default_factory=dict)


def cache_path(cache_dir: Path) -> Path:
    return Path(cache_dir).joinpath(*CACHE_FILE)


def load_cache(cache_dir: Path | None) -> dict[str, CachedVenue]:
    """The last good fetch per venue ({} when absent, unreadable or of another version). Blocking."""
    if cache_dir is None:
        return {}
    try:
        document = msgspec.json.decode(cache_path(cache_dir).read_bytes(), type=_CacheFile)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as error:
        if not isinstance(error, FileNotFoundError):
            log.warning("instrument cache ignored: %s", error)
        return {}
    return dict(document.venues) if document.version == CACHE_VERSION else {}


def write_cache(cache_dir: Path, live: Mapping[str, Sequence[Instrument]], fetched_ms: int) -> Path:
    """Replace the cached rows of each venue in `live` (complete fetches only), keep the others; atomic
    (a temp file, then os.replace). Blocking."""
    target = cache_path(cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    venues = load_cache(cache_dir)
    for venue, rows in live.items():
        venues[venue] = CachedVenue(fetched_ms, list(rows))
    data = msgspec.json.encode(_CacheFile(CACHE_VERSION, dict(sorted(venues.items()))))
    fd, temp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target


@dataclass
class MetadataResult:
    """What a fetch produced. `errors[venue]` with `fetched[venue] > 0` is a partial fetch: those rows
    are live, the rest of that venue is the cache's (or the snapshot's)."""

    instruments: Instruments  # the bundled snapshot, then the cache of failed venues, then every live row
    fetched: dict[str, int] = field(default_factory=dict)  # live rows per venue
    errors: dict[str, str] = field(default_factory=dict)  # what failed, per venue
    refused: set[str] = field(default_factory=set)  # HTTP 403/451: not available from your region
    limited: set[str] = field(default_factory=set)  # HTTP 429/418: rate limited
    differences: list[str] = field(default_factory=list)  # live ≠ snapshot, for symbols in both
    bad_rows: dict[str, int] = field(default_factory=dict)  # rows skipped as malformed, per venue
    live: dict[str, list[Instrument]] = field(default_factory=dict)  # the live rows themselves
    cached: dict[str, CachedVenue] = field(default_factory=dict)  # the cache used for failed venues
    fetched_ms: int = 0  # wall time of this fetch

    def symbols(self, venue: str) -> list[str]:
        """What to subscribe: the venue's live symbols after a complete fetch (delisted snapshot symbols
        left out); after a failure the cached fetch's, else the snapshot's; both after a partial fetch."""
        live = [r.symbol for r in self.live.get(venue, ())]
        if venue not in self.errors:
            return live if live else self.instruments.symbols(venue)
        cached = self.cached.get(venue)
        fallback = [r.symbol for r in cached.rows] if cached is not None else load_bundled().symbols(venue)
        seen = set(live)
        return live + [s for s in fallback if s not in seen]

    def source(self, venue: str, local: bool = False) -> str:
        """Where the venue's metadata comes from: "live", "cached HH:MM" (with the date if older than a
        day), "bundled", or "live, partly cached HH:MM" / "live, partly bundled" after a partial fetch."""
        if venue not in self.errors:
            return "live" if venue in self.live else "bundled"
        cached = self.cached.get(venue)
        fallback = "bundled" if cached is None else f"cached {_when(cached.fetched_ms, self.fetched_ms, local)}"
        return f"live, partly {fallback}" if venue in self.live else fallback

    def summary(self) -> str:
        parts = [f"{venue} {count}" for venue, count in self.fetched.items()]
        text = "live instruments: " + (", ".join(parts) or "none")
        if self.errors:
            text += "; " + "; ".join(f"{_used(self.source(v))} used for {v} ({e})" for v, e in self.errors.items())
        return text


def _used(source: str) -> str:
    return "snapshot" if source == "bundled" else source.replace("live, partly ", "")


def _when(then_ms: int, now_ms: int, local: bool) -> str:
    from app.core.formatting import format_clock

    if now_ms - then_ms >= 86_400_000:
        return format_clock(then_ms, local=local, with_date=True)[:16] + ("" if local else " UTC")
    return format_clock(then_ms, local=local)[:5] + ("" if local else " UTC")


class _Refused(Exception):
    pass


class _Limited(Exception):
    pass


class _Failed(Exception):
    pass


class _Client:
    """Async GETs for one venue under the shared deadline."""

    def __init__(self, fetch: Fetch, deadline: float, timing: Timing) -> None:
        self._fetch = fetch
        self._deadline = deadline
        self._timing = timing

    def _remaining(self) -> float:
        return self._deadline - asyncio.get_running_loop().time()

    async def get(self, url: str) -> bytes:
        retried = False
        while True:
            remaining = self._remaining()
            if remaining <= 0:
                raise TimeoutError
            try:
                response = await self._fetch(url, remaining)
            except TimeoutError:
                raise TimeoutError from None  # the request gave up at our deadline: the same "no answer"
            except OSError as error:  # refused, reset, DNS, bad gzip, too large
                raise _Failed(f"network error: {_reason(error)}") from None
            status = response.status
            if 200 <= status < 300:
                return response.body
            if status in REFUSED_STATUSES:
                raise _Refused(http.refused_text(status))
            if status == 418 or (status == 429 and (retried or response.local)):
                raise _Limited(http.limited_text(status, response.retry_after_s))  # never retried in a loop
            if status != 429:
                raise _Failed(f"HTTP {status}")
            wait = response.retry_after_s if response.retry_after_s is not None else DEFAULT_RETRY_AFTER_S
            if self._timing.seconds(wait) >= self._remaining():
                raise _Limited(http.limited_text(status, wait))
            await self._timing.sleep(wait)
            retried = True


def _reason(error: OSError) -> str:
    return str(error) or type(error).__name__


@dataclass
class _Progress:
    rows: list[Instrument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def _listing(client: _Client, base: str, listing: RestListing, progress: _Progress) -> None:
    """Every page of one listing (one for unpaged ones), up to PAGE_CAP pages."""
    label = f"{listing.label} " if listing.label else ""
    cursor: str | None = None
    for _ in range(PAGE_CAP):
        body = await client.get(listing.url(base, cursor))
        try:
            page = await asyncio.to_thread(listing.parse, body, progress.problems)
        except BadFrame as error:
            raise _Failed(f"unexpected {label}response: {error.reason}") from None
        progress.rows.extend(page.instruments)
        cursor = page.next_cursor
        if cursor is None:
            return
    raise _Failed(f"{label}listing longer than {PAGE_CAP} pages; kept what was read")


async def _venue(client: _Client, name: str, rest: RestInstruments, base: str, progress: _Progress) -> None:
    for listing in rest.listings:
        try:
            await _listing(client, base, listing, progress)
        except _Failed as error:
            if not listing.optional:
                raise
            log.info("%s %s listing unavailable: %s", name, listing.label, error)  # the others still stand


def _rest_of(venue: str) -> RestInstruments | None:
    descriptor = registry.find(venue)
    return descriptor.rest if descriptor is not None else None


async def fetch_live_instruments(
    venues: Sequence[str],
    base_urls: dict[str, str] | None = None,
    timeout_s: float = 8.0,
    fetch: Fetch | None = None,
    timing: Timing | None = None,
    cached: Mapping[str, CachedVenue] | None = None,
) -> MetadataResult:
    """Fetch the listed venues' live perpetuals concurrently (venues without a source here are
    ignored: see SUPPORTED_VENUES) and merge them over the bundled snapshot, a failed venue over its
    `cached` last good fetch. Never raises for a venue's failure; returns within `timeout_s` transport
    seconds (scaled by `timing`). `fetch` defaults to the run's HTTP client (app.feeds.http)."""
    if fetch is None:
        async with http.scope(timing) as client:
            return await fetch_live_instruments(venues, base_urls, timeout_s, client.get, timing, cached)
    timing = timing or Timing()
    urls = DEFAULT_BASE_URLS | (base_urls or {})
    budget = timing.seconds(timeout_s)
    client = _Client(fetch, asyncio.get_running_loop().time() + budget, timing)
    listings = {v: rest for v in dict.fromkeys(venues) if (rest := _rest_of(v)) is not None}
    progress = {v: _Progress() for v in listings}
    tasks = {
        v: asyncio.create_task(_venue(client, v, rest, (urls.get(v) or rest.base_url).rstrip("/"), progress[v]),
                               name=f"metadata-{v}")
        for v, rest in listings.items()
    }
    if tasks:
        await http.finish_within(list(tasks.values()), budget)

    result = MetadataResult(load_bundled(), fetched_ms=int(time.time() * 1000))
    for venue, task in tasks.items():
        error = _outcome(task, timeout_s)
        if error is not None:
            result.errors[venue] = str(error)
            if isinstance(error, _Refused):
                result.refused.add(venue)
            if isinstance(error, _Limited):
                result.limited.add(venue)
            if cached and venue in cached:
                result.cached[venue] = cached[venue]
        rows = progress[venue].rows
        if rows:
            result.live[venue] = rows
            result.fetched[venue] = len(rows)
        if progress[venue].problems:
            result.bad_rows[venue] = len(progress[venue].problems)
            problems = progress[venue].problems
            log.debug("%s: skipped %d odd rows, e.g. %s", venue, len(problems), problems[0])
    live_rows = [row for rows in result.live.values() for row in rows]
    result.differences = snapshot_differences(result.instruments, live_rows)
    cached_rows = [row for entry in result.cached.values() for row in entry.rows]
    result.instruments = result.instruments.merge(cached_rows).merge(live_rows)
    return result


def complete_fetches(result: MetadataResult) -> dict[str, list[Instrument]]:
    """The venues fetched completely (what the cache keeps)."""
    return {venue: rows for venue, rows in result.live.items() if venue not in result.errors}


def _outcome(task: asyncio.Task[None], timeout_s: float) -> Exception | None:
    """None for success, else an exception whose text says what failed."""
    error = None if task.cancelled() else task.exception()
    if task.cancelled() or isinstance(error, TimeoutError):
        return _Failed(f"no answer within {timeout_s:g} s")
    if error is None or isinstance(error, _Refused | _Limited | _Failed):
        return error  # type: ignore[return-value]
    # A bug, not the network: keep the traceback, but start-up goes on with the snapshot.
    log.error("instrument metadata fetch failed", exc_info=error)
    return _Failed(f"internal error: {error!r}")


def snapshot_differences(snapshot: Instruments, live_rows: Iterable[Instrument]) -> list[str]:
    """One line per field where a live row contradicts a known snapshot value (unknown = not a
    difference), e.g. "okx BTC-USDT-SWAP lot_size: snapshot 0.1, live 0.01"."""
    lines = []
    for row in live_rows:
        old = snapshot.get(row.venue, row.symbol)
        if old is None:
            continue
        for name in _COMPARED_FIELDS:
            before, after = getattr(old, name), getattr(row, name)
            if before is None or after is None or _same(before, after):
                continue
            lines.append(f"{row.venue} {row.symbol} {name}: snapshot {_show(before)}, live {_show(after)}")
    return lines


def _same(before: object, after: object) -> bool:
    if isinstance(before, float | int) and isinstance(after, float | int):
        return math.isclose(before, after, rel_tol=1e-9)
    return before == after


def _show(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
