"""Live instrument metadata at start-up: contract sizes, kinds, tick and lot sizes from each venue's
public REST listing, merged over the bundled snapshot (live wins; resources/docs/data.md). What to GET and how
to read it is each venue descriptor's `rest` (app/core/venues): e.g. Binance USDⓈ-M `exchangeInfo` (one
request), Bybit `instruments-info` per category paged by cursor (at most PAGE_CAP pages), OKX
`public/instruments` for SWAP plus an optional FUTURES listing.

Venues are fetched concurrently under one overall deadline, so start-up never waits longer than
`timeout_s`. A venue that fails keeps the snapshot's rows (plus any pages it did fetch); 403/451 is
"not available from your region" and never retried; 429 is retried once after Retry-After if that
fits the deadline. HTTP is the stdlib's urllib in worker threads, parsing too: nothing blocks the loop.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import math
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from app import __version__
from app.core.errors import BadFrame
from app.core.instruments import Instrument, Instruments, load_bundled
from app.core.timing import Timing
from app.core.venues import registry
from app.core.venues.descriptor import RestInstruments, RestListing
from app.feeds.http import retry_after_seconds

log = logging.getLogger(__name__)

DEFAULT_BASE_URLS: dict[str, str] = {v.name: v.rest.base_url for v in registry.VENUES if v.rest is not None}
SUPPORTED_VENUES: tuple[str, ...] = tuple(DEFAULT_BASE_URLS)
PAGE_CAP = 10  # pages per paged listing: 10,000 Bybit symbols per category, several times what it lists
MAX_BODY_BYTES = 64 * 1024 * 1024  # exchangeInfo is a few MB; anything far larger is not it
REFUSED_STATUSES = frozenset({403, 451})
DEFAULT_RETRY_AFTER_S = 1.0
USER_AGENT = f"Cascade/{__version__} (instrument metadata)"
_COMPARED_FIELDS = ("coin", "kind", "contract_size", "contract_unit", "tick_size", "lot_size", "quote", "settle")


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes = b""
    retry_after_s: float | None = None


Fetch = Callable[[str, float], HttpResponse]
"""A blocking GET (url, timeout in real seconds) → HttpResponse; raises OSError for network failures.
It runs in a worker thread."""


def urllib_fetch(url: str, timeout_s: float) -> HttpResponse:
    """One GET with the stdlib: a User-Agent, gzip accepted, the body capped at MAX_BODY_BYTES."""
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return HttpResponse(response.status, _read_body(response, response.headers.get("Content-Encoding")))
    except urllib.error.HTTPError as error:  # every 4xx/5xx
        with error:
            return HttpResponse(error.code, b"", retry_after_seconds(error.headers.get("Retry-After")))


def _read_body(response: object, encoding: str | None) -> bytes:
    body = response.read(MAX_BODY_BYTES + 1)  # type: ignore[attr-defined]
    if len(body) > MAX_BODY_BYTES:
        raise OSError(f"response larger than {MAX_BODY_BYTES} bytes")
    if encoding and encoding.lower() == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as error:
            raise OSError(f"undecodable gzip body: {error}") from None
    return body


@dataclass
class MetadataResult:
    """What the start-up fetch produced. `errors[venue]` with `fetched[venue] > 0` is a partial fetch:
    those rows are live, the rest of that venue is the snapshot's."""

    instruments: Instruments  # the bundled snapshot merged with every live row (live values win)
    fetched: dict[str, int] = field(default_factory=dict)  # live rows per venue
    errors: dict[str, str] = field(default_factory=dict)  # what failed, per venue
    refused: set[str] = field(default_factory=set)  # HTTP 403/451: not available from your region
    differences: list[str] = field(default_factory=list)  # live ≠ snapshot, for symbols in both
    bad_rows: dict[str, int] = field(default_factory=dict)  # rows skipped as malformed, per venue
    live: dict[str, list[Instrument]] = field(default_factory=dict)  # the live rows themselves

    def symbols(self, venue: str) -> list[str]:
        """What to subscribe: the venue's live symbols after a complete fetch (delisted snapshot symbols
        left out), the snapshot's after a failure, both after a partial fetch."""
        live = [r.symbol for r in self.live.get(venue, ())]
        if venue not in self.errors:
            return live if live else self.instruments.symbols(venue)
        seen = set(live)
        return live + [s for s in load_bundled().symbols(venue) if s not in seen]

    def summary(self) -> str:
        parts = [f"{venue} {count}" for venue, count in self.fetched.items()]
        text = "live instruments: " + (", ".join(parts) or "none")
        if self.errors:
            text += "; snapshot used for " + "; ".join(f"{v} ({e})" for v, e in self.errors.items())
        return text


class _Refused(Exception):
    pass


class _Failed(Exception):
    pass


class _Client:
    """GETs for one venue under the shared deadline, each in a worker thread."""

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
                response = await asyncio.to_thread(self._fetch, url, remaining)
            except OSError as error:  # refused, reset, DNS, socket timeout, bad gzip
                if isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError):
                    raise TimeoutError from None  # the socket gave up at our deadline: the same "no answer"
                raise _Failed(f"network error: {_reason(error)}") from None
            status = response.status
            if 200 <= status < 300:
                return response.body
            if status in REFUSED_STATUSES:
                raise _Refused(f"not available from your region (HTTP {status})")
            if status == 418:  # Binance: banned for ignoring 429s, until the time it states
                ban = "?" if response.retry_after_s is None else f"{response.retry_after_s:g}"
                raise _Failed(f"HTTP 418 (IP banned by the venue for {ban} s)")
            if status != 429 or retried:
                raise _Failed(f"HTTP {status}" + (" (rate limited twice)" if status == 429 else ""))
            wait = response.retry_after_s if response.retry_after_s is not None else DEFAULT_RETRY_AFTER_S
            if self._timing.seconds(wait) >= self._remaining():
                raise _Failed(f"rate limited (HTTP 429, Retry-After {wait:g} s exceeds the start-up budget)")
            await self._timing.sleep(wait)
            retried = True


def _reason(error: OSError) -> str:
    reason = getattr(error, "reason", None)  # URLError wraps the socket error
    return str(reason if reason is not None else error) or type(error).__name__


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
    fetch: Fetch = urllib_fetch,
    timing: Timing | None = None,
) -> MetadataResult:
    """Fetch the listed venues' live perpetuals concurrently (venues without a source here are
    ignored: see SUPPORTED_VENUES) and merge them over the bundled snapshot. Never raises for a
    venue's failure; returns within `timeout_s` transport seconds (scaled by `timing`)."""
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
        _, pending = await asyncio.wait(tasks.values(), timeout=budget)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    result = MetadataResult(load_bundled())
    for venue, task in tasks.items():
        error = _outcome(task, timeout_s)
        if error is not None:
            result.errors[venue] = str(error)
            if isinstance(error, _Refused):
                result.refused.add(venue)
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
    result.instruments = result.instruments.merge(live_rows)
    return result


def _outcome(task: asyncio.Task[None], timeout_s: float) -> Exception | None:
    """None for success, else an exception whose text says what failed."""
    error = None if task.cancelled() else task.exception()
    if task.cancelled() or isinstance(error, TimeoutError):
        return _Failed(f"no answer within {timeout_s:g} s")
    if error is None or isinstance(error, _Refused | _Failed):
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
