"""The live session: the user's profile, settings and history, and the venues' own instrument lists."""

from __future__ import annotations

import logging
from pathlib import Path

from app.services.clock import MarketClock
from app.services.runtime import DEFAULT_VENUES
from app.services.session.base import Session
from app.store.paths import ProfilePaths
from app.store.positions import PositionStore
from app.store.settings import load_settings
from app.store.watchlists import WatchlistStore

log = logging.getLogger(__name__)


class LiveSession(Session):
    def __init__(self, profile: ProfilePaths) -> None:
        self.profile = profile
        loaded = load_settings(profile.settings_file)
        super().__init__(loaded.settings, profile.settings_file, MarketClock.live(), list(loaded.warnings))

    def history_path(self) -> str:
        return str(self.profile.history_db)

    def open_position_store(self) -> PositionStore:
        return PositionStore.open(self.profile.history_db)  # the profile's SQLite file, its own tables

    def open_watchlist_store(self) -> WatchlistStore:
        return WatchlistStore.open(self.profile.history_db)  # the table comes with the history's migrations

    async def endpoints(self) -> dict[str, str]:
        return dict(self.settings.endpoints)

    async def liquidation_symbols(self, endpoints: dict[str, str]) -> dict[str, list[str]] | None:
        """The venues' own instrument lists so every live symbol converts (contract values) and per-symbol
        liquidation topics cover every listed perpetual; a venue that fails keeps the snapshot."""
        from app.feeds.metadata import fetch_live_instruments

        self.messages.post("Fetching instrument lists from the venues…", 10_000)
        rest = {venue: url for venue in DEFAULT_VENUES if (url := endpoints.get(f"{venue}/rest"))}
        result = await fetch_live_instruments(DEFAULT_VENUES, base_urls=rest or None)
        log.info(result.summary())
        for difference in result.differences:
            log.info("instrument changed since the bundled snapshot: %s", difference)
        for venue, error in result.errors.items():
            self.messages.post(f"instrument list unavailable ({error}); using the bundled majors", venue=venue,
                               notice="instruments")
        self.instruments = result.instruments
        return {venue: list(result.symbols(venue)) for venue in DEFAULT_VENUES}

    def tier_cache_dir(self) -> Path | None:
        return self.profile.cache_dir  # app.feeds.tiers keeps its files under tiers/ in it

    def macro_cache_dir(self) -> Path | None:
        return self.profile.cache_dir / "mof"
