"""The feed side of the app, without Qt: connection specs per venue, the sink, per-connection status,
the supervisor, and (demo) the in-process replay server. main.py wires it to the window; tests and
headless tools use it directly."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from pathlib import Path

from app.core.instruments import Instruments, load_bundled
from app.core.timing import Timing
from app.core.venues import registry
from app.core.venues.descriptor import ConnectRequest, LiquidationSource
from app.core.venues.protocol import ConnectionSpec
from app.feeds.account_poller import AccountPoller, polled_addresses
from app.feeds.client import run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import OVERFLOW_MERGE_MS, ConnectionStatus
from app.resources import resource_path
from app.services.network_thread import NetworkThread
from app.services.supervisor import Supervisor
from app.services.venue_status import VenueRecord, venue_record

log = logging.getLogger(__name__)

DEFAULT_VENUES: tuple[str, ...] = registry.names()
DEMO_SCENARIO = "2026-01-20"


def demo_recording() -> Path:
    return resource_path("scenarios", f"{DEMO_SCENARIO}.jsonl.gz")


def recorded_venues(streams: Iterable[str]) -> tuple[str, ...]:
    """The registered venues (in registry order) with at least one of `streams`: a recording connects
    only what it carries, whatever else is registered."""
    wanted = set(streams)
    return tuple(v.name for v in registry.VENUES if wanted.intersection(v.streams))


def venue_completeness(venues: tuple[str, ...], optional_on: Collection[str] = ()) -> dict[str, str]:
    """Each venue's liquidation completeness (its optional source's where that is turned on)."""
    return {venue: registry.completeness(venue, optional_on) for venue in venues}


def tick_size(instruments: Instruments, venue: str, symbol: str) -> float | None:
    instrument = instruments.get(venue, symbol)
    return instrument.tick_size if instrument is not None else None


def connection_specs(venues: tuple[str, ...], endpoints: dict[str, str] | None, instruments: Instruments,
                     liquidation_symbols: dict[str, list[str]] | None = None,
                     watched: dict[str, list[str]] | None = None,
                     held_symbols: dict[str, list[str]] | None = None,
                     streams: Collection[str] | None = None,
                     liquidation_sources: dict[str, LiquidationSource] | None = None) -> list[ConnectionSpec]:
    """Liquidations for every symbol we know (venues that need one topic per symbol get
    `liquidation_symbols`; the others cover all instruments per channel), marks only for the majors of
    the bundled snapshot: marks push at up to 10 Hz each, so subscribing hundreds would drown the feed.
    `watched`: public accounts per venue to follow (streamed up to the venue's limit). `held_symbols`:
    marks for positions held beside the majors. `streams` (a replay's): only those connections, never a
    venue's live default for the others. `liquidation_sources`: the optional liquidation source per venue
    the user turned on (off for the others)."""
    majors = load_bundled()
    specs: list[ConnectionSpec] = []
    for venue in venues:
        marks = list(dict.fromkeys([*majors.symbols(venue), *(held_symbols or {}).get(venue, [])]))  # + positions
        request = ConnectRequest(endpoints or None, instruments, (liquidation_symbols or {}).get(venue), marks,
                                 tuple((watched or {}).get(venue, ())), (liquidation_sources or {}).get(venue))
        specs.extend(spec for spec in registry.by_name(venue).connect(request)
                     if streams is None or spec.stream in streams)
    return specs


class FeedRuntime:
    def __init__(
        self,
        clock: Callable[[], int],
        endpoints: dict[str, str] | None = None,
        venues: tuple[str, ...] = DEFAULT_VENUES,
        timing: Timing | None = None,
        instruments: Instruments | None = None,
        sink: FeedSink | None = None,
        liquidation_symbols: dict[str, list[str]] | None = None,
        watched: dict[str, list[str]] | None = None,
        held_symbols: dict[str, list[str]] | None = None,
        streams: Collection[str] | None = None,
        liquidation_sources: dict[str, LiquidationSource] | None = None,
        network: NetworkThread | None = None,
    ) -> None:
        """`network`: run the websocket connections on that thread's loop (the app does; tests may not)."""
        self.clock = clock
        self.network = network
        self.endpoints = dict(endpoints or {})
        self.watched = {venue: list(addresses) for venue, addresses in (watched or {}).items() if venue in venues}
        self.venues = venues
        self.timing = timing or Timing()
        self.instruments = instruments or load_bundled()
        self.sink = sink or FeedSink()
        self.liquidation_symbols = liquidation_symbols
        self.streams = streams
        self.held_symbols = {venue: list(symbols) for venue, symbols in (held_symbols or {}).items()}
        self.liquidation_sources = dict(liquidation_sources or {})
        self.specs = connection_specs(venues, endpoints, self.instruments, liquidation_symbols, self.watched,
                                      self.held_symbols, streams, self.liquidation_sources)
        self.pollers = self._account_pollers()
        self.statuses = [ConnectionStatus(s.stream, s.venue, s.completeness, clock) for s in self.specs]
        self.supervisor = Supervisor()
        self._gaps_reported = [0] * len(self.statuses)
        self.restarts: dict[str, int] = {}  # venue -> times restart_venue ran (tests, diagnostics)

    def start(self) -> None:
        if self.network is not None and not self.network.running:
            self.network.start()
        for spec, status in zip(self.specs, self.statuses, strict=True):
            self._start_connection(spec, status)
        for poller in self.pollers:
            self.supervisor.start(f"{poller.venue} watched accounts", poller.run)

    def _start_connection(self, spec: ConnectionSpec, status: ConnectionStatus) -> None:
        def connection() -> Awaitable[None]:  # the latest instruments at every (re)start
            return run_connection(spec, self.sink, status, self.timing, self.clock, self.instruments)

        if self.network is not None:
            self.network.start_task(spec.stream, connection)
        else:
            self.supervisor.start(spec.stream, connection)

    async def _cancel_connection(self, stream: str) -> None:
        if self.network is not None:
            await self.network.cancel(stream)
        else:
            await self.supervisor.cancel(stream)

    async def restart_venue(self, venue: str, *, watched: list[str] | None = None,
                            held_symbols: list[str] | None = None) -> None:
        """Apply a new watched-address list or held-symbol list to one venue: only that venue's
        connections and its account poller are restarted (the other venues keep theirs). A connection
        keeps its status (counters, gaps) when its stream name stays the same."""
        if venue not in self.venues or self.supervisor.stopping:
            return
        if watched is not None:
            self.watched[venue] = list(watched)
        if held_symbols is not None:
            self.held_symbols[venue] = list(held_symbols)
        old = [(spec, status) for spec, status in zip(self.specs, self.statuses, strict=True)
               if spec.venue == venue]
        for spec, _ in old:
            await self._cancel_connection(spec.stream)
        for poller in [p for p in self.pollers if p.venue == venue]:
            await self.supervisor.cancel(f"{venue} watched accounts")
            self.pollers.remove(poller)
        fresh = connection_specs((venue,), self.endpoints or None, self.instruments, self.liquidation_symbols,
                                 self.watched, self.held_symbols, self.streams, self.liquidation_sources)
        kept = {spec.stream: status for spec, status in old}
        reported = {status.stream: done for status, done in zip(self.statuses, self._gaps_reported, strict=True)}
        specs, statuses, gaps_reported = [], [], []
        for spec, status in zip(self.specs, self.statuses, strict=True):
            if spec.venue != venue:
                specs.append(spec)
                statuses.append(status)
                gaps_reported.append(reported.get(status.stream, 0))
        for spec in fresh:
            status = kept.get(spec.stream) or ConnectionStatus(spec.stream, spec.venue, spec.completeness,
                                                                self.clock)
            specs.append(spec)
            statuses.append(status)
            gaps_reported.append(reported.get(spec.stream, 0) if spec.stream in kept else 0)
            self._start_connection(spec, status)
        self.specs, self.statuses, self._gaps_reported = specs, statuses, gaps_reported
        new_pollers = [p for p in self._account_pollers() if p.venue == venue]
        for poller in new_pollers:
            self.pollers.append(poller)
            self.supervisor.start(f"{venue} watched accounts", poller.run)
        self.restarts[venue] = self.restarts.get(venue, 0) + 1
        log.info("%s: connections restarted with %d watched account(s), %d held symbol(s)", venue,
                 len(self.watched.get(venue, ())), len(self.held_symbols.get(venue, ())))

    def _account_pollers(self) -> list[AccountPoller]:
        """One poller per venue with more watched accounts than its websocket takes."""
        pollers = []
        for venue, addresses in self.watched.items():
            accounts = registry.by_name(venue).accounts
            if accounts is None:
                log.warning("%s: cannot watch accounts there; ignored %d", venue, len(addresses))
                continue
            polled = polled_addresses(accounts, addresses)
            if polled:
                pollers.append(AccountPoller(venue, accounts, polled, self.sink, self.clock,
                                             self.endpoints.get(accounts.rest_stream), self.timing))
        return pollers

    async def stop(self) -> None:
        if self.network is not None:
            await self.network.stop()
        await self.supervisor.stop()

    def venue_records(self) -> list[VenueRecord]:
        """One merged record per venue, read straight from the connections' counters."""
        now = self.clock()
        unconvertible = self.sink.unconvertible_total
        return [venue_record(venue, self.statuses, now, unconvertible.get(venue, 0)) for venue in self.venues]

    def closed_gaps(self, settled: bool = True) -> list[tuple[str, str, int, int]]:
        """Gaps (venue, stream, start_ms, end_ms) that closed since the last call: for the history.
        `settled`: only gaps that ended long enough ago that an overflow burst can no longer extend
        them (pass False at shutdown to take everything)."""
        closed: list[tuple[str, str, int, int]] = []
        horizon = self.clock() - 2 * OVERFLOW_MERGE_MS if settled else None
        for index, status in enumerate(self.statuses):
            gaps = status.gaps
            done = self._gaps_reported[index]
            while done < len(gaps) and gaps[done][1] is not None:
                start, end = gaps[done]
                if horizon is not None and end > horizon:  # type: ignore[operator]
                    break
                closed.append((status.venue, status.stream, start, end))  # type: ignore[arg-type]
                done += 1
            self._gaps_reported[index] = done
        return closed

    def open_gaps(self, now_ms: int) -> list[tuple[str, str, int, int]]:
        """Gaps still open (a venue down at shutdown), closed at `now_ms` for the record."""
        return [(status.venue, status.stream, status.gaps[-1][0], now_ms)
                for status in self.statuses if status.gaps and status.gaps[-1][1] is None]
