"""Public risk-limit / position-tier tables, fetched where the venue publishes them and cached in the
profile's cache directory in the bundled-file format (resources/tiers/<venue>.json), so the next start
has them offline; the bundled files remain the fallback. What to GET (or POST) and how to read it is each
venue's `PublicTiers` (app.core.venues.account_registry). Same deadline pattern as app.feeds.metadata:
every venue concurrently under one overall deadline, 403/451 never retried, 429 retried once if the
Retry-After fits (else "rate limited until HH:MM"); HTTP through the run's client (app.feeds.http, one
budget per host), parsing in worker threads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.errors import BadFrame
from app.core.timing import Timing
from app.core.venues.account_registry import public_tiers
from app.core.venues.tier_tables import PublicTiers, TierTable, table_json
from app.feeds import http
from app.feeds.http import Fetch
from app.feeds.metadata import _Client, _Failed, _Limited, _Refused

log = logging.getLogger(__name__)

CACHE_SUBDIR = "tiers"


def http_fetch(method: str = "GET", body: bytes | None = None, client: http.HttpClient | None = None) -> Fetch:
    """An async fetch (url, timeout) → HttpResponse for GET, or POST with a JSON body, through `client`
    (default: the run's HTTP client, app.feeds.http)."""
    return http.poster(method, body, client)


@dataclass
class TierFetchResult:
    tables: dict[str, dict[str, TierTable]] = field(default_factory=dict)  # venue → symbol → table
    errors: dict[str, str] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    cache_files: dict[str, Path] = field(default_factory=dict)


async def fetch_tiers(
    wanted: Mapping[str, Sequence[str]],
    cache_dir: Path | None = None,
    *,
    base_urls: Mapping[str, str] | None = None,
    timeout_s: float = 8.0,
    fetch: Fetch | None = None,
    timing: Timing | None = None,
    as_of: str | None = None,
) -> TierFetchResult:
    """Fetch the tier tables of `wanted` (venue → symbols as the venue names them; a venue answering
    all symbols at once may list none) and write each venue's into `cache_dir/tiers/<venue>.json`.
    Never raises for a venue's failure; returns within `timeout_s` transport seconds."""
    timing = timing or Timing()
    if fetch is None:
        async with http.scope(timing) as client:
            return await _fetch_tiers(wanted, cache_dir, base_urls, timeout_s, None, client, timing, as_of)
    return await _fetch_tiers(wanted, cache_dir, base_urls, timeout_s, fetch, None, timing, as_of)


async def _fetch_tiers(wanted: Mapping[str, Sequence[str]], cache_dir: Path | None,
                       base_urls: Mapping[str, str] | None, timeout_s: float, fetch: Fetch | None,
                       client: http.HttpClient | None, timing: Timing, as_of: str | None) -> TierFetchResult:
    budget = timing.seconds(timeout_s)
    deadline = asyncio.get_running_loop().time() + budget
    result = TierFetchResult()
    specs = {venue: spec for venue in wanted if (spec := public_tiers(venue)) is not None}
    for venue in set(wanted) - set(specs):
        result.errors[venue] = "no public tier table is fetched for this venue"
    tasks = {
        venue: asyncio.create_task(
            _venue(_Client(fetch or http_fetch(spec.method, spec.body, client), deadline, timing), spec,
                   ((base_urls or {}).get(venue) or spec.base_url).rstrip("/"), wanted[venue], result),
            name=f"tiers-{venue}")
        for venue, spec in specs.items()
    }
    if tasks:
        await http.finish_within(list(tasks.values()), budget)
    day = as_of or time.strftime("%Y-%m-%d", time.gmtime())
    for venue, task in tasks.items():
        error = None if task.cancelled() else task.exception()
        if task.cancelled() or isinstance(error, TimeoutError):
            result.errors.setdefault(venue, f"no answer within {timeout_s:g} s")
        elif isinstance(error, _Refused):
            result.errors[venue] = str(error)
            result.refused.add(venue)
        elif isinstance(error, _Failed | _Limited):
            result.errors[venue] = str(error)
        elif error is not None:
            log.error("tier fetch failed", exc_info=error)
            result.errors[venue] = f"internal error: {error!r}"
        tables = result.tables.get(venue)
        if tables and cache_dir is not None:
            try:
                result.cache_files[venue] = await asyncio.to_thread(
                    write_cache, cache_dir, specs[venue], tables.values(), day)
            except OSError as write_error:
                result.errors[venue] = f"fetched, but the cache could not be written: {write_error}"
    return result


async def _venue(client: _Client, spec: PublicTiers, base: str, symbols: Sequence[str],
                 result: TierFetchResult) -> None:
    targets = [""] if spec.all_in_one else list(dict.fromkeys(symbols))
    for symbol in targets:
        body = await client.get(spec.url(base, symbol))
        try:
            tables = await asyncio.to_thread(spec.parse, body, symbol)
        except BadFrame as error:
            raise _Failed(f"unexpected tier answer for {symbol or spec.venue}: {error.reason}") from None
        for table in tables:
            if not spec.all_in_one or not symbols or table.symbol in symbols:
                result.tables.setdefault(spec.venue, {})[table.symbol] = table


def cache_path(cache_dir: Path, venue: str) -> Path:
    return Path(cache_dir) / CACHE_SUBDIR / f"{venue}.json"


def load_cache(cache_dir: Path, venue: str) -> dict[str, Any]:
    """The cached document of `venue` ({venue, notional_unit, tables}), or {} when absent or unreadable."""
    try:
        document = json.loads(cache_path(cache_dir, venue).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) and isinstance(document.get("tables"), dict) else {}


def write_cache(cache_dir: Path, spec: PublicTiers, tables: Any, as_of: str) -> Path:
    """Merge `tables` into the venue's cache file (atomically: temp file, then replace)."""
    target = cache_path(cache_dir, spec.venue)
    target.parent.mkdir(parents=True, exist_ok=True)
    document = load_cache(cache_dir, spec.venue) or {"venue": spec.venue, "notional_unit": spec.notional_unit,
                                                     "tables": {}}
    for table in tables:
        document["tables"][table.symbol] = table_json(table, as_of, f"{spec.source} (fetched {as_of})")
    fd, temp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target
