"""Open interest pollers: one slow loop per venue that serves OI over REST (its descriptor's `market`),
inside the host's budget, results into the FeedSink as `OpenInterest` events (Hyperliquid's OI rides its
`activeAssetCtx` websocket and needs no poller).

- A round GETs each symbol's OI in turn, `market.min_gap_s` apart (OKX 20 requests / 2 s, Bybit 600 / 5 s,
  Binance 2,400 weight / min: a dozen symbols a minute is a sliver of each); then waits until the
  market clock has moved `interval_s` on (demo: scenario time; live: the wall clock).
- 429 waits its Retry-After and retries once; 418 (Binance's ban) waits the stated time; 403/451 is "not
  available from your region": the venue's poller stops and the user is told (a VenueNotice), never a
  retry loop. Other failures are counted and shown as the figure's age; the next round tries again.
- Coins → USD happens in the venue's pure parser with the symbol's latest mark (`price`): a symbol
  without a mark yet is skipped this round, never valued at a guess.

I/O goes through `rest_get` only: the run's one async HTTP client (app/feeds/http.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.core.errors import BadFrame
from app.core.events import Event, VenueNotice
from app.core.instruments import Instruments
from app.core.timing import Timing
from app.core.venues import registry
from app.core.venues.descriptor import MarketRest
from app.feeds.http import Fetch, HttpResponse
from app.feeds.http import fetch as http_fetch
from app.feeds.sink import FeedSink

log = logging.getLogger(__name__)

OI_INTERVAL_S = 60.0
"""Market seconds between two rounds of one venue (OI moves slowly; the stress table's windows are ≥ 1 h)."""
REQUEST_TIMEOUT_S = 10.0
DEFAULT_RETRY_AFTER_S = 2.0
BAN_DEFAULT_S = 120.0
CLOCK_CHECK_S = 0.5
CLOCK_CHECK_MAX_S = 5.0
REFUSED = frozenset({403, 451})


async def rest_get(fetch: Fetch, url: str, timeout_s: float) -> HttpResponse:
    """One GET through the run's HTTP client (app/feeds/http.py: per-host budget, proxy, pooling); the
    only I/O of the market pollers."""
    return await fetch(url, timeout_s)


class Refused(Exception):
    """403/451: not available from the user's region."""


class Failed(Exception):
    pass


class RestHost:
    """One venue's REST host as the market pollers use it: requests spaced `min_gap_s` apart (transport
    time), 429/418 waited out, 403/451 raised as Refused."""

    def __init__(self, base_url: str, min_gap_s: float, fetch: Fetch, timing: Timing) -> None:
        self.base_url = base_url.rstrip("/")
        self.min_gap_s = min_gap_s
        self.fetch = fetch
        self.timing = timing
        self.requests = 0
        self._last: float | None = None

    async def get(self, path: str) -> bytes:
        retried = False
        while True:
            if self._last is not None:
                wait = self.min_gap_s - (self.timing.monotonic() - self._last)
                if wait > 0:
                    await self.timing.sleep(wait)
            self._last = self.timing.monotonic()
            self.requests += 1
            try:
                response = await rest_get(self.fetch, self.base_url + path, self.timing.seconds(REQUEST_TIMEOUT_S))
            except OSError as error:
                raise Failed(f"network error: {getattr(error, 'reason', None) or error}") from None
            status = response.status
            if 200 <= status < 300:
                return response.body
            if status in REFUSED:
                raise Refused(f"not available from your region (HTTP {status})")
            if status == 418:
                await self.timing.sleep(response.retry_after_s or BAN_DEFAULT_S)
                raise Failed(f"HTTP 418 (banned by the venue for {response.retry_after_s or BAN_DEFAULT_S:g} s)")
            if status == 429 and not retried:
                await self.timing.sleep(response.retry_after_s or DEFAULT_RETRY_AFTER_S)
                retried = True
                continue
            raise Failed(f"HTTP {status}")


async def wait_market(clock: Callable[[], int], due_ms: int, timing: Timing) -> None:
    """Until the market clock reaches `due_ms`. The clock's pace (market per transport second: 1 live, the
    speed in a replay) is measured over each wait, and the next wait is what remains at that pace, between
    CLOCK_CHECK_S and CLOCK_CHECK_MAX_S: a live poller wakes a few times a minute, not twice a second
    (eight pollers at 0.5 s were 16 of a quiet day's wake-ups a second), and a clock that speeds up (a
    replay's speed changed) is noticed within CLOCK_CHECK_MAX_S."""
    wait_s = CLOCK_CHECK_S
    while (now := clock()) < due_ms:
        started = timing.monotonic()
        await timing.sleep(wait_s)
        later, elapsed = clock(), timing.monotonic() - started
        pace = (later - now) / 1000 / elapsed if elapsed > 0 else 0.0
        remaining_s = (due_ms - later) / 1000 / pace if pace > 0 else CLOCK_CHECK_S
        wait_s = min(CLOCK_CHECK_MAX_S, max(CLOCK_CHECK_S, remaining_s))


@dataclass
class OiStatus:
    """What the pollers know of one venue: when it last answered, its last failure, refusal."""

    ok_ms: int | None = None
    error: str | None = None
    refused: bool = False
    rounds: int = 0
    skipped_no_price: int = 0
    bad: int = 0
    symbols: list[str] = field(default_factory=list)


class OpenInterestPoller:
    """`symbols[venue]`: what to poll per venue (default: the venue's own choice from the instruments).
    `price(venue, symbol)`: the symbol's latest mark (None: not yet)."""

    def __init__(
        self,
        sink: FeedSink,
        instruments: Instruments,
        price: Callable[[str, str], float | None],
        clock: Callable[[], int],
        venues: Sequence[str],
        symbols: Mapping[str, Sequence[str]] | None = None,
        base_urls: Mapping[str, str] | None = None,
        timing: Timing | None = None,
        fetch: Fetch = http_fetch,
        interval_s: float = OI_INTERVAL_S,
    ) -> None:
        self.sink = sink
        self.instruments = instruments
        self.price = price
        self.clock = clock
        self.timing = timing or Timing()
        self.fetch = fetch
        self.interval_s = interval_s
        self.markets: dict[str, MarketRest] = {}
        self.status: dict[str, OiStatus] = {}
        self.hosts: dict[str, RestHost] = {}
        for venue in venues:
            descriptor = registry.find(venue)
            market = descriptor.market if descriptor is not None else None
            if market is None or market.oi_path is None or market.parse_oi is None:
                continue
            wanted = list((symbols or {}).get(venue) or (market.oi_symbols(instruments) if market.oi_symbols else []))
            if not wanted:
                continue
            self.markets[venue] = market
            self.status[venue] = OiStatus(symbols=wanted)
            base = (base_urls or {}).get(venue) or market.base_url
            self.hosts[venue] = RestHost(base, market.min_gap_s, fetch, self.timing)

    @property
    def venues(self) -> list[str]:
        return list(self.markets)

    async def poll_once(self, venue: str) -> int:
        """One round of a venue: every symbol once. Returns the OI events offered. Raises Refused."""
        market, status, host = self.markets[venue], self.status[venue], self.hosts[venue]
        offered = 0
        errors: list[str] = []
        for symbol in status.symbols:
            assert market.oi_path is not None and market.parse_oi is not None
            try:
                body = await host.get(market.oi_path(symbol, self.instruments))
            except Failed as error:
                errors.append(f"{symbol}: {error}")
                continue
            received = self.clock()
            try:
                events: list[Event] = market.parse_oi(body, symbol, received, self.instruments,
                                                      self.price(venue, symbol))
            except BadFrame as error:
                status.bad += 1
                errors.append(f"{symbol}: unexpected answer ({error.reason})")
                continue
            if not events:
                status.skipped_no_price += 1
                continue
            self.sink.offer(venue, events)
            offered += len(events)
        status.rounds += 1
        if offered:
            status.ok_ms = self.clock()
        status.error = "; ".join(errors[:3]) + (f" (+{len(errors) - 3})" if len(errors) > 3 else "") if errors else None
        if errors:
            log.info("%s open interest: %s", venue, status.error)
        return offered

    async def run_venue(self, venue: str) -> None:
        status = self.status[venue]
        while True:
            started = self.clock()
            try:
                await self.poll_once(venue)
            except Refused as error:
                status.refused, status.error = True, str(error)
                log.warning("%s open interest: %s", venue, error)
                self.sink.offer(venue, [VenueNotice(venue, "warning", "open-interest",
                                                    f"Open interest {error}; not polled again")])
                return
            await wait_market(self.clock, started + int(self.interval_s * 1000), self.timing)

    async def run(self) -> None:
        """Every venue's loop, concurrently, until cancelled."""
        await asyncio.gather(*(self.run_venue(venue) for venue in self.markets))
