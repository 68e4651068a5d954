"""FeedSink: where receive loops hand events, and where the engine drains them on a timer.

O(1) per event. Liquidations are never silently dropped: past capacity they are counted per venue
(the client records the overflow as a gap). Marks and open interest conflate (latest per (venue,
symbol) wins), as do account states (latest per (venue, account)). Notices are bounded; Unconvertible
is reported once per (venue, symbol). Offers may come from the network thread
(app.services.network_thread) while the GUI drains: both hold the sink's lock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import msgspec

from app.core.events import AccountState, Event, Liquidation, MarkPrice, OpenInterest, Unconvertible, VenueNotice


class Drained(msgspec.Struct, frozen=True):
    liquidations: list[Liquidation]
    marks: list[MarkPrice]
    notices: list[VenueNotice | Unconvertible]
    open_interest: list[OpenInterest] = []
    overflow: dict[str, int] = {}
    """Liquidations dropped per venue since the previous drain."""
    accounts: list[AccountState] = []
    arrivals: list[list[float]] = []
    """[perf_counter, liquidations] of the offers that carried liquidations, per millisecond (the
    arrival-to-model latency: app.services.loop_lag.LatencyMonitor)."""


class FeedSink:
    def __init__(self, liquidation_capacity: int = 100_000, notice_capacity: int = 1_000) -> None:
        self.liquidation_capacity = liquidation_capacity
        self._liquidations: deque[Liquidation] = deque()
        self._marks: dict[tuple[str, str], MarkPrice] = {}
        self._open_interest: dict[tuple[str, str], OpenInterest] = {}
        self._accounts: dict[tuple[str, str], AccountState] = {}
        self._notices: deque[VenueNotice | Unconvertible] = deque(maxlen=notice_capacity)
        self._unconvertible_seen: set[tuple[str, str]] = set()
        self.unconvertible_total: dict[str, int] = {}
        """Events per venue that could not be sized (no live, cached or bundled instrument): counted every
        time, told once per symbol as a notice."""
        self._overflow: dict[str, int] = {}
        self.overflow_total: dict[str, int] = {}
        """Liquidations dropped per venue since start (never reset)."""
        self.notices_dropped = 0
        self._arrivals: list[list[float]] = []
        self._lock = threading.Lock()
        self.arrival_clock: Callable[[], float] = time.perf_counter
        """When an offered frame arrived (perf_counter seconds). The GUI's loop paces its socket reads and
        gives the moment the read bytes can first have been waiting (app.ui.event_loop), so the latency
        figure counts that wait."""

    ARRIVAL_CAPACITY = 20_000
    """Arrival entries kept between two drains (one per millisecond with liquidations); past it, the
    last entry takes the count (bounded memory when no window drains)."""

    def offer(self, venue: str, events: list[Event]) -> int:
        """Take a parsed frame's events; return how many liquidations did not fit (overflow)."""
        with self._lock:
            return self._offer(venue, events)

    def _offer(self, venue: str, events: list[Event]) -> int:
        dropped = taken = 0
        for event in events:
            cls = type(event)
            if cls is Liquidation:
                if len(self._liquidations) < self.liquidation_capacity:
                    self._liquidations.append(event)  # type: ignore[arg-type]
                    taken += 1
                else:
                    dropped += 1
            elif cls is MarkPrice:
                self._marks[(event.venue, event.symbol)] = event  # type: ignore[union-attr]
            elif cls is OpenInterest:
                self._open_interest[(event.venue, event.symbol)] = event  # type: ignore[union-attr]
            elif cls is Unconvertible:
                key = (event.venue, event.symbol)  # type: ignore[union-attr]
                self.unconvertible_total[venue] = self.unconvertible_total.get(venue, 0) + 1
                if key not in self._unconvertible_seen:
                    self._unconvertible_seen.add(key)
                    self._keep_notice(event)  # type: ignore[arg-type]
            elif cls is VenueNotice:
                self._keep_notice(event)  # type: ignore[arg-type]
            elif cls is AccountState:
                self._accounts[(event.account.venue, event.account.account)] = event  # type: ignore[union-attr]
        if taken:
            self._arrived(taken)
        if dropped:
            self._overflow[venue] = self._overflow.get(venue, 0) + dropped
            self.overflow_total[venue] = self.overflow_total.get(venue, 0) + dropped
        return dropped

    def _arrived(self, count: int) -> None:
        now = self.arrival_clock()
        arrivals = self._arrivals
        if arrivals and (now - arrivals[-1][0] < 0.001 or len(arrivals) >= self.ARRIVAL_CAPACITY):
            arrivals[-1][1] += count
        else:
            arrivals.append([now, count])

    def _keep_notice(self, notice: VenueNotice | Unconvertible) -> None:
        if len(self._notices) == self._notices.maxlen:
            self.notices_dropped += 1  # the oldest goes; counted, not silent
        self._notices.append(notice)

    def drain(self) -> Drained:
        """Everything offered since the last drain, exactly once."""
        with self._lock:
            return self._drain()

    def _drain(self) -> Drained:
        drained = Drained(
            liquidations=list(self._liquidations),
            marks=list(self._marks.values()),
            notices=list(self._notices),
            open_interest=list(self._open_interest.values()),
            overflow=self._overflow,
            accounts=list(self._accounts.values()),
            arrivals=self._arrivals,
        )
        self._arrivals = []
        self._liquidations.clear()
        self._marks = {}
        self._open_interest = {}
        self._accounts = {}
        self._notices.clear()
        self._overflow = {}
        return drained

    def pending(self) -> int:
        return len(self._liquidations)

    def has_news(self) -> bool:
        """Liquidations, notices or an overflow waiting: what the window shows without waiting for its idle
        pace (marks, open interest and account states can wait for it)."""
        return bool(self._liquidations or self._notices or self._overflow)
