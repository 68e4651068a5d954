"""The feed side of the app, without Qt: connection specs per venue, the sink, per-connection status,
the supervisor, and (demo) the in-process replay server. main.py wires it to the window; tests and
headless tools use it directly."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path

from app.core.instruments import Instruments, load_bundled
from app.core.venues.protocol import ConnectionSpec
from app.feeds.client import run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus, venue_rollup
from app.feeds.timing import Timing
from app.resources import resource_path
from app.services.supervisor import Supervisor
from app.services.venue_status import VenueStatusView, view_from_rollup

log = logging.getLogger(__name__)

DEFAULT_VENUES: tuple[str, ...] = ("binance", "bybit", "okx")
DEMO_SCENARIO = "2026-01-20"


def demo_recording() -> Path:
    return resource_path("scenarios", f"{DEMO_SCENARIO}.jsonl.gz")


def connection_specs(venues: tuple[str, ...], endpoints: dict[str, str] | None,
                     instruments: Instruments) -> list[ConnectionSpec]:
    specs: list[ConnectionSpec] = []
    for venue in venues:
        module = importlib.import_module(f"app.core.venues.{venue}")
        specs.extend(module.connections(endpoints or None, instruments=instruments))
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
    ) -> None:
        self.clock = clock
        self.venues = venues
        self.timing = timing or Timing()
        self.instruments = instruments or load_bundled()
        self.sink = sink or FeedSink()
        self.specs = connection_specs(venues, endpoints, self.instruments)
        self.statuses = [ConnectionStatus(s.stream, s.venue, s.completeness, clock) for s in self.specs]
        self.supervisor = Supervisor()

    @property
    def completeness(self) -> dict[str, str]:
        return {spec.venue: spec.completeness for spec in self.specs}

    def start(self) -> None:
        for spec, status in zip(self.specs, self.statuses, strict=True):
            self.supervisor.start(
                spec.stream,
                lambda spec=spec, status=status: run_connection(
                    spec, self.sink, status, self.timing, self.clock, self.instruments
                ),
            )

    async def stop(self) -> None:
        await self.supervisor.stop()

    def venue_views(self) -> list[VenueStatusView]:
        snapshots = [status.snapshot() for status in self.statuses]
        return [view_from_rollup(venue_rollup(venue, snapshots)) for venue in self.venues]

    def tick_size(self, venue: str, symbol: str) -> float | None:
        instrument = self.instruments.get(venue, symbol)
        return instrument.tick_size if instrument is not None else None
