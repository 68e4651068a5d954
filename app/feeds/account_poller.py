"""Watched public accounts beyond a venue's websocket limit, polled over REST within the host's weight
budget (resources/docs/feeds.md §5.2b-5.3: Hyperliquid streams at most 10 users per IP; `POST /info
{"type":"clearinghouseState","user":…}` costs weight 2 of 1,200 per minute).

What to send and how to read the answer is the venue descriptor's `accounts` (WatchedAccounts): this
module knows no venue. A token bucket in transport time (so tests run it ×60) holds the pace: it starts
with BURST_REQUESTS requests' worth and refills so that no 60-second window spends more than
`share` of the budget (the rest is left for the venue's other REST requests). Each address is polled
at most every `poll_interval_s`; a 429 waits for Retry-After; a 403/451 refusal is told once and retried
every REFUSED_RETRY_S. HTTP goes through the run's client (app.feeds.http), whose per-host budget the
venue's other REST callers share; every answer goes to the sink
as the venue's events (an AccountState per address), as a websocket frame would.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from app.core.errors import BadFrame
from app.core.events import VenueNotice
from app.core.timing import Timing
from app.core.venues.descriptor import WatchedAccounts
from app.feeds import http
from app.feeds.http import HttpResponse
from app.feeds.sink import FeedSink

log = logging.getLogger(__name__)

BUDGET_SHARE = 0.5
"""Of the host's REST weight budget, what account polling may spend (the rest stays for other requests)."""
BURST_REQUESTS = 5
REQUEST_TIMEOUT_S = 10.0
REFUSED_RETRY_S = 15 * 60.0
ERROR_RETRY_S = 30.0

Post = Callable[[str, str, str, float], Awaitable[HttpResponse]]
"""An async request (method, url, body, timeout in real seconds) → HttpResponse; raises OSError for
network failures."""


async def http_post(method: str, url: str, body: str, timeout_s: float) -> HttpResponse:
    """Through the run's HTTP client (app.feeds.http: the host's shared budget, the proxy setting;
    loopback directly)."""
    return await http.request(method, url, body=body, timeout_s=timeout_s)


def polled_addresses(accounts: WatchedAccounts, addresses: Sequence[str]) -> list[str]:
    """The valid, distinct addresses past the venue's websocket limit (the first ones are streamed)."""
    unique = list(dict.fromkeys(a for a in (accounts.normalize(x) for x in addresses) if a))
    return unique[accounts.stream_limit:]


class TokenBucket:
    """Weight spent at most `capacity` at once and `rate_per_s` on average, on a transport clock: over any
    window of T seconds at most `capacity + rate_per_s × T` is spent."""

    def __init__(self, rate_per_s: float, capacity: float, clock: Callable[[], float]) -> None:
        if rate_per_s <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate_per_s = rate_per_s
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._at = clock()
        self.spent = 0.0

    @classmethod
    def for_budget(cls, weight_per_min: float, request_weight: float, clock: Callable[[], float],
                   share: float = BUDGET_SHARE, burst_requests: int = BURST_REQUESTS) -> TokenBucket:
        """A bucket that never spends more than `share × weight_per_min` in any 60-second window."""
        allowed = weight_per_min * share
        capacity = min(burst_requests * request_weight, allowed / 2)
        return cls((allowed - capacity) / 60.0, capacity, clock)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate_per_s)
        self._at = now

    def wait_s(self, weight: float) -> float:
        """Transport seconds until `weight` can be spent (0: now)."""
        self._refill()
        return 0.0 if self._tokens >= weight else (weight - self._tokens) / self.rate_per_s

    def take(self, weight: float) -> bool:
        self._refill()
        if self._tokens < weight:
            return False
        self._tokens -= weight
        self.spent += weight
        return True

    async def acquire(self, weight: float, timing: Timing) -> None:
        while not self.take(weight):
            await timing.sleep(self.wait_s(weight))


class AccountPoller:
    """Polls `addresses` of one venue in turn, forever (until cancelled)."""

    def __init__(
        self,
        venue: str,
        accounts: WatchedAccounts,
        addresses: Sequence[str],
        sink: FeedSink,
        clock: Callable[[], int],
        base_url: str | None = None,
        timing: Timing | None = None,
        post: Post = http_post,
        share: float = BUDGET_SHARE,
    ) -> None:
        self.venue = venue
        self.accounts = accounts
        self.addresses = list(dict.fromkeys(a for a in (accounts.normalize(x) for x in addresses) if a))
        self.sink = sink
        self.clock = clock
        self.base_url = (base_url or accounts.default_rest_base).rstrip("/")
        self.timing = timing or Timing()
        self.post = post
        self.bucket = TokenBucket.for_budget(accounts.budget_per_min, accounts.request_weight,
                                             self.timing.monotonic, share)
        self.requests = 0
        self.answers = 0
        self.failures = 0
        self.last_error: str | None = None

    async def run(self) -> None:
        if not self.addresses:
            return
        interval = self.accounts.poll_interval_s
        while True:
            began = self.timing.monotonic()
            for address in self.addresses:
                await self.bucket.acquire(self.accounts.request_weight, self.timing)
                wait = await self._poll(address)
                if wait:
                    await self.timing.sleep(wait)
            await self.timing.sleep(began + interval - self.timing.monotonic())

    async def _poll(self, address: str) -> float:
        """One request; returns how long to wait before the next (0 normally)."""
        method, path, body = self.accounts.request(address)
        short = self.accounts.shorten(address)
        self.requests += 1
        try:
            response = await self.post(method, self.base_url + path, body, self.timing.seconds(REQUEST_TIMEOUT_S))
        except OSError as error:
            return self._failed(f"{short}: {type(error).__name__}: {error}", ERROR_RETRY_S / len(self.addresses))
        if response.status in http.LIMITED_STATUSES:  # the whole host waits (app.feeds.http), so do we
            wait = response.retry_after_s if response.retry_after_s is not None else ERROR_RETRY_S
            text = http.limited_text(response.status, wait)
            if text != self.last_error:
                self.sink.offer(self.venue, [VenueNotice(self.venue, "warning", "rate_limited", text)])
            return self._failed(text, wait)
        if response.status in http.REFUSED_STATUSES:
            text = http.refused_text(response.status)
            self.sink.offer(self.venue, [VenueNotice(self.venue, "error", "refused", text)])
            return self._failed(text, REFUSED_RETRY_S)
        if response.status != 200:
            return self._failed(f"{short}: HTTP {response.status}", 0.0)
        try:
            events = self.accounts.parse(response.body, address, self.clock())
        except BadFrame as error:
            return self._failed(f"{short}: unexpected answer: {error.reason}", 0.0)
        self.answers += 1
        self.sink.offer(self.venue, events)
        return 0.0

    def _failed(self, text: str, wait_s: float) -> float:
        self.failures += 1
        if text != self.last_error:
            log.info("%s accounts: %s", self.venue, text)  # shortened addresses; the log filter redacts the rest
        self.last_error = text
        return wait_s
