"""The demo session: the bundled replay served in-process."""

from __future__ import annotations

import asyncio
import time
from datetime import date

from app.core.venues import registry
from app.core.venues.descriptor import LiquidationSource
from app.core.watchlist import Watchlist
from app.services import optional_liquidations as optional_sources
from app.services.clock import MarketClock
from app.services.runtime import DEMO_SCENARIO, demo_recording, recorded_venues, venue_completeness
from app.services.session.base import Session
from app.store.settings import Settings

PLAY_WAIT_S = 10.0
"""Longest the demo holds its replay clock for connections still coming up (wall seconds)."""


class DemoSession(Session):
    """The bundled replay through the real feed code; defaults in memory, nothing of the user's written."""

    demo = True

    def __init__(self, speed: float = 1.0) -> None:
        from app.replay.recording import read_meta
        from app.replay.server import ReplayServer

        self.server = ReplayServer(demo_recording(), speed=speed)
        meta = read_meta(demo_recording())
        scenario_start = int(meta["start_ms"])
        # The scenario's watched synthetic address(es), per venue: kept in memory, never in settings.
        watched = meta.get("watched_accounts")
        self._watched = {str(venue): [str(a) for a in addresses] for venue, addresses in watched.items()
                         if isinstance(addresses, list)} if isinstance(watched, dict) else {}
        # Scenario time; it stands at the scenario's start until the replay has loaded.
        server = self.server
        clock = MarketClock(lambda: server.market_ms() if server.start_ms else scenario_start, label="replay")
        super().__init__(Settings(watched_accounts=self._watched), None, clock)
        from app.resources import resource_path
        from app.services.positions import load_book

        accounts, positions = load_book(resource_path("demo", "positions.json"))  # in memory, never saved
        self.positions.accounts.update({account.key: account for account in accounts})
        for position in positions:
            self.positions.add(position)
        # The recording's streams, not every registered venue: a venue the scenario does not carry would
        # otherwise connect to its live default (and show as unreachable in the closing line).
        self.streams = tuple(meta.get("streams") or ())
        self.venues = list(recorded_venues(self.streams))
        self.optional_liquidations = optional_sources.recorded(self.streams, self.venues)
        self.completeness = venue_completeness(tuple(self.venues), self.optional_liquidations)
        self.banner = (f"REPLAY {DEMO_SCENARIO} ×{speed:g}  —  a calibrated reconstruction replayed through "
                       "the real feed code; not live data")

    def sample_watchlists(self) -> list[Watchlist]:
        """The demo keeps watchlists in memory (it writes nothing of the user's profile) and starts with
        one, so scoping a pane can be tried at once."""
        return [Watchlist(1, "Majors", ("BTC", "ETH", "SOL"))]

    def history_path(self) -> str:
        return ":memory:"  # synthetic events never reach the user's real history

    async def endpoints(self) -> dict[str, str]:
        self.messages.post(f"Loading the {DEMO_SCENARIO} replay…", 5000)
        await self.server.start(autoplay=False)
        self._spawn(self._play_when_connected(), cancel_at_stop=True)
        return self.server.endpoints()

    async def _play_when_connected(self) -> None:
        """Start the replay's clock once every stream is live (at most PLAY_WAIT_S after start): at high
        speed, or on a loaded machine, the first scenario minutes would otherwise play to nobody."""
        deadline = time.monotonic() + PLAY_WAIT_S
        while time.monotonic() < deadline:
            runtime = self.runtime
            if runtime is not None and runtime.statuses and all(s.state == "live" for s in runtime.statuses):
                break
            await asyncio.sleep(0.05)
        self.server.play()

    async def liquidation_sources(self, endpoints: dict[str, str]) -> dict[str, LiquidationSource]:
        """A recording that carries a venue's optional liquidation stream is served by the replay."""
        found = {}
        for venue in self.optional_liquidations:
            optional = registry.by_name(venue).optional_liquidations
            if optional is not None and optional.stream in endpoints:
                memory = optional.new_memory() if optional.new_memory else None
                found[venue] = LiquidationSource(endpoints[optional.stream], None, memory)
        return found

    def macro_options(self) -> dict[str, object]:
        return {**super().macro_options(), "hide_after": date.fromisoformat(DEMO_SCENARIO)}  # no look-ahead

    async def stop_source(self) -> None:
        await self.server.stop()
