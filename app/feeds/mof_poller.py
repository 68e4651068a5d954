"""Polls the Ministry of Finance JGB yield CSVs, politely, with a disk cache and the bundled fallback.

Files (English site): `jgbcme.csv` (current month, small) and `historical/jgbcme_all.csv` (since 1974).

Schedule (Tokyo time; MOF publishes official closes after the market, not intraday):
- Mon–Fri from 16:00 JST, fetch the current-month file; until the day's row appears, re-poll every
  30 min, at most 8 tries a day (16:00–19:30). Then wait for the next weekday's 16:00. A Japanese
  holiday therefore costs 8 small conditional requests, most answered 304.
- The history file is fetched when there is no cached copy, when the cached one is a week old, or
  when it ends before the previous month (the current-month file no longer covers those days).
Every request is a conditional GET (ETag / Last-Modified), so an unchanged file costs a 304.
5xx and network errors are retried with exponential backoff (honouring Retry-After); 4xx are not.
HTTP goes through the run's client (app.feeds.http: the proxy setting, one budget per host).
A body that does not parse is rejected and the cache is left as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from app.core import safe_json
from app.core.macro.freshness import TOKYO, tokyo_date
from app.core.macro.jgb import MofParseError, YieldHistory, parse_mof_csv
from app.core.timing import Timing
from app.feeds import http
from app.resources import resource_path

log = logging.getLogger(__name__)

MOF_BASE_URL = "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/"
CURRENT_FILE = "jgbcme.csv"
HISTORY_FILE = "historical/jgbcme_all.csv"
FIRST_POLL_HOUR_JST = 16
REPOLL_MINUTES = 30
MAX_TRIES_PER_DAY = 8
HISTORY_MAX_AGE = timedelta(days=7)
POLL_STATUS_FILE = "poll-status.json"
"""The last poll's outcome, kept beside the cache so `cascade macro` and the next start know whether the
closes they show could be refreshed: {"source": "ok" | "unreachable", "detail": str, "checked_ms": int}."""


BUNDLED_CSV = ("macro", "jgbcme_all.csv")
BUNDLED_COMPACT = ("macro", "jgbcme_all.compact")


def bundled_history() -> YieldHistory:
    """The bundled MOF history, from its compact twin when that was built from this very CSV (a few
    ms) rather than parsing 1.2 MB of CSV on start-up (~0.15 s holding the GIL)."""
    body = resource_path(*BUNDLED_CSV).read_bytes()
    try:
        compact = resource_path(*BUNDLED_COMPACT).read_bytes()
    except OSError:
        compact = b""
    return history_from(body, compact)[0]


def compact_of(body: bytes, history: YieldHistory) -> bytes:
    """A compact twin of a MOF CSV: the CSV's SHA-256, then the parsed history (YieldHistory.to_compact),
    zlib-compressed (mostly NaN columns: 1.6 MB → a fraction; inflating takes a millisecond)."""
    return hashlib.sha256(body).digest() + zlib.compress(history.to_compact(), 6)


def history_from(body: bytes, compact: bytes) -> tuple[YieldHistory, bool]:
    """(history, whether the compact twin served it). A twin of another CSV or an unreadable one is
    ignored and the CSV parsed (raises MofParseError only for a bad CSV)."""
    digest, payload = compact[:32], compact[32:]
    if payload and digest == hashlib.sha256(body).digest():
        try:
            return YieldHistory.from_compact(zlib.decompress(payload)), True
        except (MofParseError, zlib.error) as error:
            log.warning("ignoring a compact MOF history: %s", error)
    return parse_mof_csv(body), False


def write_bundled_compact() -> Path:
    """Rebuild resources/macro/jgbcme_all.compact after replacing the bundled CSV (a test checks they match)."""
    body = resource_path(*BUNDLED_CSV).read_bytes()
    target = resource_path(*BUNDLED_COMPACT)
    target.write_bytes(compact_of(body, parse_mof_csv(body)))
    return target


@dataclass(frozen=True, slots=True)
class FetchResult:
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    retry_after_s: float | None = None


async def http_get(url: str, etag: str | None, last_modified: str | None, timeout_s: float = 30.0) -> FetchResult:
    """One conditional GET through the run's HTTP client (app.feeds.http)."""
    headers = {"Accept": "text/csv, */*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    response = await http.request("GET", url, headers=headers, timeout_s=timeout_s)
    return FetchResult(response.status, response.body, response.headers.get("ETag"),
                       response.headers.get("Last-Modified"), response.retry_after_s)


Outcome = Literal["updated", "not_modified", "rejected", "refused", "failed"]


@dataclass(frozen=True, slots=True)
class RefreshResult:
    file: str
    outcome: Outcome
    detail: str = ""


class MofCache:
    """Last good copy of each file plus its validators, in the platform cache dir."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _paths(self, file: str) -> tuple[Path, Path]:
        name = Path(file).name
        return self.directory / name, self.directory / f"{name}.meta.json"

    def body(self, file: str) -> bytes | None:
        path, _ = self._paths(file)
        try:
            return path.read_bytes()
        except OSError:
            return None

    def meta(self, file: str) -> dict[str, object]:
        _, meta = self._paths(file)
        try:
            loaded = safe_json.loads(meta.read_bytes())
        except (OSError, safe_json.JsonInputError):  # a damaged cache file is no cache
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def store(self, file: str, body: bytes, etag: str | None, last_modified: str | None, now_ms: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path, meta = self._paths(file)
        for target, data in (
            (path, body),
            (meta, json.dumps({"etag": etag, "last_modified": last_modified, "fetched_ms": now_ms}).encode()),
        ):
            temporary = target.with_suffix(target.suffix + ".tmp")
            temporary.write_bytes(data)
            os.replace(temporary, target)  # atomic: a crash never leaves half a file

    def touch(self, file: str, now_ms: int) -> None:
        meta = self.meta(file)
        if meta:
            _, meta_path = self._paths(file)
            meta["fetched_ms"] = now_ms
            meta_path.write_text(json.dumps(meta))

    def poll_status(self) -> tuple[str, str]:
        """(source, detail) of the last poll: "ok", "unreachable", or "bundled" when nothing was ever
        fetched into this cache (the bundled snapshot is all there is)."""
        try:
            loaded = safe_json.loads((self.directory / POLL_STATUS_FILE).read_bytes())
        except (OSError, safe_json.JsonInputError):
            loaded = None
        if isinstance(loaded, dict) and loaded.get("source") in ("ok", "unreachable"):
            detail = loaded.get("detail")
            return str(loaded["source"]), detail if isinstance(detail, str) else ""
        fetched = any(self._paths(file)[0].is_file() for file in (CURRENT_FILE, HISTORY_FILE))
        return ("ok" if fetched else "bundled"), ""

    def store_poll_status(self, source: str, detail: str, now_ms: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / POLL_STATUS_FILE
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps({"source": source, "detail": detail, "checked_ms": now_ms}))
        os.replace(temporary, target)

    def history(self, file: str) -> YieldHistory | None:
        """The cached file parsed, through a compact twin beside it (written on first use, rebuilt
        whenever the CSV changes), so a start with a cached 1.2 MB history does not parse it again."""
        body = self.body(file)
        if body is None:
            return None
        path, _ = self._paths(file)
        twin = path.with_name(path.name + ".compact")
        try:
            compact = twin.read_bytes()
        except OSError:
            compact = b""
        try:
            history, from_twin = history_from(body, compact)
        except MofParseError as error:  # a damaged cache is ignored, never fatal
            log.warning("ignoring cached %s: %s", file, error)
            return None
        if not from_twin:
            with contextlib.suppress(OSError):  # a read-only cache only costs the next start a parse
                temporary = twin.with_suffix(".tmp")
                temporary.write_bytes(compact_of(body, history))
                os.replace(temporary, twin)
        return history


def load_history(cache_dir: Path | None) -> YieldHistory:
    """Bundled snapshot, overlaid by the cached history file, overlaid by the cached current month."""
    history = bundled_history()
    if cache_dir is None:
        return history
    cache = MofCache(cache_dir)
    later = [h for h in (cache.history(HISTORY_FILE), cache.history(CURRENT_FILE)) if h is not None]
    return history.merged(*later) if later else history


WAKE_CHECK_S = 300.0


def _tokyo_ms(day: date, hour: int) -> int:
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO).timestamp() * 1000)


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def next_poll_ms(now_ms: int, latest_row: date | None, tries_today: int) -> int:
    """When to fetch the current-month file next (see the module docstring for the schedule)."""
    today = tokyo_date(now_ms)
    first_today = _tokyo_ms(today, FIRST_POLL_HOUR_JST)
    has_today = latest_row is not None and latest_row >= today
    if today.weekday() >= 5 or has_today or tries_today >= MAX_TRIES_PER_DAY:
        return _tokyo_ms(_next_weekday(today), FIRST_POLL_HOUR_JST)
    if now_ms < first_today:
        return first_today
    return now_ms + REPOLL_MINUTES * 60_000


def _wall_ms() -> int:
    return int(time.time() * 1000)


class MofPoller:
    """Fetches, validates and caches the MOF files; `run()` keeps them fresh on the schedule above."""

    def __init__(
        self,
        cache_dir: Path,
        base_url: str = MOF_BASE_URL,
        timing: Timing | None = None,
        now_ms: Callable[[], int] = _wall_ms,
        fetch: Callable[[str, str | None, str | None], Awaitable[FetchResult]] = http_get,
        max_attempts: int = 4,
        backoff_initial_s: float = 5.0,
    ) -> None:
        self.cache = MofCache(cache_dir)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timing = timing or Timing()
        self.now_ms = now_ms
        self.fetch = fetch
        self.max_attempts = max_attempts
        self.backoff_initial_s = backoff_initial_s
        self.requests = 0
        self.last_results: dict[str, RefreshResult] = {}
        self.source, self.source_detail = self.cache.poll_status()  # until the first poll says otherwise

    def history(self) -> YieldHistory:
        return load_history(self.cache.directory)

    async def refresh(self, file: str) -> RefreshResult:
        meta = self.cache.meta(file)
        has_body = self.cache.body(file) is not None
        etag = meta.get("etag") if has_body else None
        last_modified = meta.get("last_modified") if has_body else None
        delays = self.timing.backoff(initial=self.backoff_initial_s, maximum=300.0, jitter=0.2)
        result = RefreshResult(file, "failed", "no attempt")
        for attempt in range(1, self.max_attempts + 1):
            self.requests += 1
            try:
                response = await self.fetch(
                    self.base_url + file, etag if isinstance(etag, str) else None,
                    last_modified if isinstance(last_modified, str) else None,
                )
            except (OSError, ValueError) as error:  # network down, reset, timeout, truncated body
                response = None
                result = RefreshResult(file, "failed", f"network: {error}")
            if response is not None:  # parsing a 1 MB CSV takes ~0.2 s: never on the loop thread
                result = await asyncio.to_thread(self._handle, file, response)
                if response.status < 500 and response.status != 429:
                    break
            if attempt < self.max_attempts:
                delay = next(delays)
                if response is not None and response.retry_after_s is not None:
                    delay = max(delay, response.retry_after_s)
                await self.timing.sleep(delay)
        self.last_results[file] = result
        log.info("MOF %s: %s %s", file, result.outcome, result.detail)
        return result

    def _handle(self, file: str, response: FetchResult) -> RefreshResult:
        if response.status == 304:
            self.cache.touch(file, self.now_ms())
            return RefreshResult(file, "not_modified")
        if response.status >= 500 or response.status == 429:
            return RefreshResult(file, "failed", f"HTTP {response.status}")
        if response.status != 200:
            return RefreshResult(file, "refused", f"HTTP {response.status}")
        try:
            parse_mof_csv(response.body)
        except MofParseError as error:
            return RefreshResult(file, "rejected", str(error))
        self.cache.store(file, response.body, response.etag, response.last_modified, self.now_ms())
        return RefreshResult(file, "updated")

    def history_due(self) -> bool:
        meta = self.cache.meta(HISTORY_FILE)
        fetched = meta.get("fetched_ms")
        if self.cache.body(HISTORY_FILE) is None or not isinstance(fetched, int):
            return True
        if self.now_ms() - fetched > HISTORY_MAX_AGE.total_seconds() * 1000:
            return True
        cached = self.cache.history(HISTORY_FILE)
        previous_month_start = (tokyo_date(self.now_ms()).replace(day=1) - timedelta(days=1)).replace(day=1)
        return cached is None or cached.last_date is None or cached.last_date < previous_month_start

    async def poll_once(self) -> YieldHistory:
        # history_due() and history() parse cached CSVs: off the loop thread, like the fetches.
        results = []
        if await asyncio.to_thread(self.history_due):
            results.append(await self.refresh(HISTORY_FILE))
        results.append(await self.refresh(CURRENT_FILE))
        failed = [r for r in results if r.outcome not in ("updated", "not_modified")]
        self.source = "unreachable" if failed else "ok"
        self.source_detail = "; ".join(f"{Path(r.file).name}: {r.outcome} {r.detail}".strip() for r in failed)
        try:
            await asyncio.to_thread(self.cache.store_poll_status, self.source, self.source_detail, self.now_ms())
        except OSError as error:  # the cache dir is not writable: the window still hears it below
            log.warning("MOF poll status not saved: %s", error)
        return await asyncio.to_thread(self.history)

    async def run(self, on_update: Callable[[YieldHistory], None]) -> None:
        """Poll forever on the schedule; call `on_update` with the merged history after each poll."""
        tries_day: date | None = None
        tries = 0
        while True:
            history = await self.poll_once()
            on_update(history)
            today = tokyo_date(self.now_ms())
            if tries_day != today:
                tries_day, tries = today, 0
            tries += 1
            due_ms = next_poll_ms(self.now_ms(), history.last_date, tries)
            # The schedule follows the wall clock; asyncio sleeps on the monotonic clock, which stops
            # while a laptop sleeps: wait in short slices and re-read the wall clock after each.
            while (left_ms := due_ms - self.now_ms()) > 0:
                await asyncio.sleep(min(max(1.0, left_ms / 1000), WAKE_CHECK_S))
