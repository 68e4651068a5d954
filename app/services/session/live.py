"""The live session: the user's profile, settings and history, and the venues' own instrument lists
(fetched at start, refreshed every few hours, the last good fetch cached on disk)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import msgspec

from app.core.formatting import format_clock
from app.core.instruments import Instrument
from app.services.clock import MarketClock
from app.services.runtime import DEFAULT_VENUES
from app.services.session.base import Session
from app.services.venue_status import VenueRecord
from app.store.paths import ProfilePaths
from app.store.positions import PositionStore
from app.store.settings import load_settings
from app.store.watchlists import WatchlistStore

log = logging.getLogger(__name__)


def _clock(ms: int, local: bool) -> str:
    return format_clock(ms, local=local)[:5] + ("" if local else " UTC")


class LiveSession(Session):
    def __init__(self, profile: ProfilePaths) -> None:
        self.profile = profile
        loaded = load_settings(profile.settings_file)
        super().__init__(loaded.settings, profile.settings_file, MarketClock.live(), list(loaded.warnings))
        self.metadata_sources: dict[str, str] = {}
        """Per venue, where its instrument metadata comes from: live, cached HH:MM or bundled."""
        self.metadata_refreshes = 0
        from app.feeds.metadata import REFRESH_EVERY_S

        self.metadata_refresh_s = REFRESH_EVERY_S  # transport seconds (tests shorten it)
        self._live_rows: dict[str, frozenset[Instrument]] = {}
        self._changed_venues: list[str] = []

    def history_path(self) -> str:
        return str(self.profile.history_db)

    def open_position_store(self) -> PositionStore:
        return PositionStore.open(self.profile.history_db)  # the profile's SQLite file, its own tables

    def open_watchlist_store(self) -> WatchlistStore:
        return WatchlistStore.open(self.profile.history_db)  # the table comes with the history's migrations

    async def endpoints(self) -> dict[str, str]:
        return dict(self.settings.endpoints)

    def instrument_cache_dir(self) -> Path | None:
        return self.profile.cache_dir  # app.feeds.metadata keeps instruments/live.json in it

    async def liquidation_symbols(self, endpoints: dict[str, str]) -> dict[str, list[str]] | None:
        """The venues' own instrument lists so every live symbol converts (contract values) and per-symbol
        liquidation topics cover every listed perpetual; a venue that fails keeps its cached last fetch,
        else the snapshot. Refreshed every few hours from then on."""
        self.messages.post("Fetching instrument lists from the venues…", 10_000)
        symbols = await self._fetch_instruments(endpoints)
        self._spawn(self._refresh_instruments(endpoints), cancel_at_stop=True)
        return symbols

    async def _fetch_instruments(self, endpoints: dict[str, str]) -> dict[str, list[str]]:
        from app.feeds.metadata import complete_fetches, fetch_live_instruments, load_cache, write_cache

        cache_dir = self.instrument_cache_dir()
        cached = await asyncio.to_thread(load_cache, cache_dir)
        rest = {venue: url for venue in DEFAULT_VENUES if (url := endpoints.get(f"{venue}/rest"))}
        result = await fetch_live_instruments(DEFAULT_VENUES, base_urls=rest or None, timing=self.timing,
                                              cached=cached)
        log.info(result.summary())
        for difference in result.differences:
            log.info("instrument changed since the bundled snapshot: %s", difference)
        complete = complete_fetches(result)
        if complete and cache_dir is not None:
            try:
                await asyncio.to_thread(write_cache, cache_dir, complete, result.fetched_ms)
            except OSError as error:
                log.warning("instrument cache not written: %s", error)
        local = self.store.current.time_zone == "local"
        for venue in DEFAULT_VENUES:
            source = result.source(venue, local)
            if venue in result.errors and self.metadata_sources.get(venue) != source:
                self.messages.post(f"instrument list: {source} ({result.errors[venue]})", venue=venue,
                                   notice="instruments")
            if source == "live":
                source = f"live, fetched {_clock(result.fetched_ms, local)}"
            self.metadata_sources[venue] = source
        self.instruments = result.instruments
        self._changed_venues = [venue for venue, rows in complete.items()
                                if self._live_rows.get(venue) not in (None, frozenset(rows))]
        self._live_rows.update({venue: frozenset(rows) for venue, rows in complete.items()})
        return {venue: list(result.symbols(venue)) for venue in DEFAULT_VENUES}

    async def _refresh_instruments(self, endpoints: dict[str, str]) -> None:
        """Every `metadata_refresh_s` (4 h): fetch the listings again; a venue whose listing changed (a new
        symbol, a new contract size) restarts its connections with it, the others are left alone."""
        while True:
            await self.timing.sleep(self.metadata_refresh_s)
            runtime = self.runtime
            if runtime is None or runtime.supervisor.stopping:
                return
            symbols = await self._fetch_instruments(endpoints)
            self.metadata_refreshes += 1
            runtime.instruments = self.instruments
            runtime.liquidation_symbols = symbols
            for venue in self._changed_venues:
                if venue in runtime.venues:
                    log.info("%s: its instrument list changed; restarting its connections with it", venue)
                    await runtime.restart_venue(venue)

    def _venue_records(self) -> list[VenueRecord]:
        """Each venue's record with where its instrument metadata comes from, for the status tooltip."""
        records = super()._venue_records()
        sources = self.metadata_sources
        return [msgspec.structs.replace(r, detail=f"{r.detail}; instruments: {sources[r.venue]}".lstrip("; "))
                if r.venue in sources else r for r in records]

    def tier_cache_dir(self) -> Path | None:
        return self.profile.cache_dir  # app.feeds.tiers keeps its files under tiers/ in it

    def macro_cache_dir(self) -> Path | None:
        return self.profile.cache_dir / "mof"
