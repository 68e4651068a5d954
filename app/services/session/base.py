"""The session both modes share: settings, history, feeds, macro, gaps and the shutdown order,
without Qt. The window sees only `SessionView`."""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Protocol

from app.core.formatting import format_clock
from app.core.instruments import Instruments, load_bundled
from app.core.macro.calendar import countdown_text
from app.core.macro.jgb import YieldHistory
from app.core.positions import Account, BookShockTable, Position
from app.core.positions.model import PositionKey
from app.core.tape import Tape, TapeFilter
from app.core.timing import Timing
from app.core.venues import registry
from app.core.venues.descriptor import LiquidationSource
from app.core.watchlist import Watchlist
from app.feeds import http
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from app.services import optional_liquidations as optional_sources
from app.services.alerts import Alert, AlertHistoryNotifier
from app.services.clock import MarketClock
from app.services.engine import Engine
from app.services.export import ExportResult, ExportUnavailable, export_csv_async
from app.services.liquidation_alerts import LiquidationAlertService
from app.services.loop_lag import LatencyMonitor, LoopLagMonitor
from app.services.macro import MacroService
from app.services.market import MarketService
from app.services.network_thread import NetworkThread
from app.services.positions import PositionService
from app.services.recorder import FeedRecording
from app.services.runtime import (
    DEFAULT_VENUES,
    FeedRuntime,
    tick_size,
    venue_completeness,
)
from app.services.settings_store import SettingsStore
from app.services.snapshot import MessageQueue, Snapshot, SnapshotBuilder
from app.services.stress import coverage_inputs, load_from_history, stored_liquidations
from app.services.venue_status import SteadyRecords, VenueRecord, summary_suffix
from app.services.watchlists import WatchlistService
from app.store.db import AlertRecord, HistoryDb, MacroReading
from app.store.history_query import HistoryQuery
from app.store.positions import PositionStore, PositionStoreError
from app.store.settings import Settings
from app.store.watchlists import WatchlistStore, WatchlistStoreError

log = logging.getLogger(__name__)

GAP_WRITE_INTERVAL_S = 1.0
DOWNTIME_NOTICE_MS = 60_000
REFILL_WINDOW_MS = 24 * 3_600_000
"""A live start puts the last 24 h of stored liquidations back into the tape and the totals."""
REFILL_TAPE_ROWS = 5_000
RESTORED_ALERTS = 200
"""A live start shows the newest stored alerts of the last 24 h in the alert log again."""
MARK_COALESCE_S = 3.0
"""Positions added within this long of the first one needing a new mark share one restart of the venue."""
TIER_DEADLINE_S = 20.0
"""The background fetch of the venues' public tier tables gives up after this long."""
COMPACT_FIRST_DELAY_S = 120.0
COMPACT_EVERY_S = 6 * 3600.0
COMPACT_IDLE_PENDING_ROWS = 1_000
"""Retention runs when the writer has fewer rows than this waiting (not in the middle of a burst)."""
COMPACT_BATCH_ROWS = 2_000
"""A restart after at least this long tells the user the closed span is a gap (shorter: only recorded)."""


class SessionView(Protocol):
    """What the window needs from a session: one snapshot per tick, and the user's actions."""

    venues: list[str]
    completeness: dict[str, str]
    optional_liquidations: tuple[str, ...]
    banner: str | None
    tape: Tape
    settings: Settings

    def now_ms(self) -> int: ...
    def has_news(self) -> bool: ...
    def snapshot(self) -> Snapshot: ...
    def tick_size(self, venue: str, symbol: str) -> float | None: ...
    def import_calendar(self, path: str) -> None: ...
    def set_time_zone(self, local: bool) -> None: ...
    def set_tape_min(self, usd: float) -> None: ...
    def set_macro_view(self, tenors: list[str], threshold_bp: float) -> None: ...
    def retry_now(self, venue: str) -> int: ...
    def set_stress_window(self, window: str) -> None: ...


class Session:
    """Shared by demo and live; subclasses say where settings, history and endpoints come from."""

    demo = False
    banner: str | None = None
    network_thread = False
    """Run the websocket connections on a thread of their own (app.services.network_thread): the app
    does; tests that drive a session on their own loop may leave them on it."""

    def __init__(self, settings: Settings, store_path: Path | None, clock: MarketClock,
                 warnings: list[str] | None = None) -> None:
        self.settings = settings
        self.store = SettingsStore(settings, store_path)  # no path: the demo's store never writes
        self.clock = clock
        self.timing = Timing()  # transport time of the feeds and REST (tests scale it)
        self.http: http.HttpClient | None = None  # the run's one HTTP client, from start to stop
        self.venues = list(DEFAULT_VENUES)
        self.streams: tuple[str, ...] | None = None
        """Only these connections (a replay's recorded streams); None: every venue's."""
        self.optional_liquidations = optional_sources.configured(settings, DEFAULT_VENUES)
        """Venues whose optional liquidation source the user turned on (Hyperliquid's liquidationFills)."""
        self.completeness = venue_completeness(DEFAULT_VENUES, self.optional_liquidations)
        self.instruments: Instruments = load_bundled()
        self.sink = FeedSink()
        self.messages = MessageQueue()
        self.history: HistoryDb | None = None
        self.engine = Engine(self.sink, clock, history_writer=self._write_history)
        self.tape = self.engine.add_tape(
            Tape(max_rows=settings.tape_max_rows, tape_filter=TapeFilter(min_usd=settings.tape_min_usd)))
        # Liquidation alert rules (their own thresholds, not the tape's): defaults until open() loads the
        # live profile's; fed every liquidation the engine takes.
        self.liquidation_alerts = LiquidationAlertService(clock)
        self.engine.listeners.append(self.liquidation_alerts.take_liquidations)
        self.restored_alerts: list[AlertRecord] = []  # live: the alert log's rows from before this start
        self.runtime: FeedRuntime | None = None
        self.account_poller = None  # AccountPoller of the imported accounts (live, once started)
        self.positions = PositionService(self.engine, mark_streams=self._mark_streamed)
        self.market = MarketService(venue_completeness(DEFAULT_VENUES), aggregator=lambda: self.engine.stress,
                                    coins=lambda: [position.coin for position in self.positions.positions])
        self.position_store: PositionStore | None = None
        # Watchlists: the lists (live: the profile's store; demo: memory), pane scopes, tape panes, prices.
        self.watchlists = WatchlistService(self.store, lambda: self.venues, lambda: self.instruments,
                                           persist=self._save_watchlists, add_tape=self.engine.add_tape,
                                           remove_tape=self.engine.remove_tape, recent=self.tape.recent)
        self.engine.tick_listeners.append(self.watchlists.on_tick)
        self.watchlists.marks_wanted = self._want_watch_marks
        self.watchlist_store: WatchlistStore | None = None
        self.macro: MacroService | None = None
        self.macro_version = 0
        self.shutdown_steps: list[str] = []  # the order stop() ran in, for the log and the tests
        self.latency = LatencyMonitor()  # frame arrival to the tape model, logged at shutdown
        # Rebuilt each snapshot unless the app paces them (app.main sets every_s for its window).
        self.steady_records = SteadyRecords(self._venue_records, self._statuses, every_s=0.0)
        self._snapshots = SnapshotBuilder(self.engine, self.steady_records, clock, clock.label, self.messages,
                                          positions=self.positions, coverage=self._stress_coverage,
                                          alerts=self.liquidation_alerts, market=self.market,
                                          latency=self.latency)
        self._lag_monitor = LoopLagMonitor.from_env()
        self._tasks: set[asyncio.Task[None]] = set()  # calendar imports, position writes: awaited at shutdown
        self._last_position_write: asyncio.Task[None] | None = None
        self._mark_symbol_cache: dict[str, frozenset[str]] = {}
        self._marks_pending: dict[str, set[str]] = {}  # venue -> symbols whose subscription is coming
        self._mark_restart_scheduled: set[str] = set()
        self._cancel_at_stop: set[asyncio.Task[None]] = set()
        self._gap_task: asyncio.Task[None] | None = None
        self._compact_task: asyncio.Task[None] | None = None
        self.recording: FeedRecording | None = None
        self._feeds_started = 0.0
        self._macro_condition: tuple[bool, bool] = (False, False)  # (stale, unreachable) last told
        self._refusals_told: dict[str, str | None] = {}  # venue -> the refusal / rate limit last told
        self._downtime: tuple[int, int] | None = None  # [last recorded moment of the previous run, this start)
        for warning in warnings or []:
            log.warning(warning)
            self.messages.post(warning)

    # --- to override -----------------------------------------------------------------------------

    def history_path(self) -> str:
        raise NotImplementedError

    async def endpoints(self) -> dict[str, str]:
        raise NotImplementedError

    async def liquidation_symbols(self, endpoints: dict[str, str]) -> dict[str, list[str]] | None:
        return None

    async def liquidation_sources(self, endpoints: dict[str, str]) -> dict[str, LiquidationSource]:
        """The optional liquidation sources turned on in the settings, keys read from the keyring."""
        notices: list[tuple[str, str]] = []
        found = await optional_sources.sources(self.store.current, self.optional_liquidations, notices)
        for venue, text in notices:
            self.messages.post(text, venue=venue, notice="liquidations")
        return found

    def watched_accounts(self) -> dict[str, list[str]]:
        """Public accounts to follow per venue (a Hyperliquid address): streamed, the rest polled. From
        the settings (live: persisted; the demo's settings live in memory only)."""
        return {venue: list(addresses) for venue, addresses in self.store.current.watched_accounts.items()}

    # --- watched public accounts (the window's "Watch address…") ------------------------------------

    def watch_venues(self) -> list[str]:
        """The connected venues that can follow a public account."""
        return [venue for venue in self.venues if registry.by_name(venue).accounts is not None]

    def shorten_address(self, venue: str, address: str) -> str:
        accounts = registry.by_name(venue).accounts
        return accounts.shorten(address) if accounts is not None else address

    def add_watched(self, venue: str, text: str) -> str | None:
        """Follow `text` on `venue`; None when added, else why not (for the dialog to show)."""
        accounts = registry.by_name(venue).accounts if venue in self.venues else None
        if accounts is None:
            return f"{venue} cannot watch public accounts"
        address = accounts.normalize(text.strip())
        if address is None:
            return f"Not a valid {registry.by_name(venue).display_name} address: {text.strip()!r}"
        current = self.watched_accounts().get(venue, [])
        if address in current:
            return f"{accounts.shorten(address)} is already watched"
        self._set_watched(venue, [*current, address])
        return None

    def remove_watched(self, venue: str, address: str) -> bool:
        current = self.watched_accounts().get(venue, [])
        if address not in current:
            return False
        self._set_watched(venue, [a for a in current if a != address])
        return True

    def _set_watched(self, venue: str, addresses: list[str]) -> None:
        """Saved (live), then only that venue's connections and poller restart with the new list."""
        watched = self.watched_accounts()
        if addresses:
            watched[venue] = addresses
        else:
            watched.pop(venue, None)
        self.store.update(watched_accounts=watched)  # the demo's store never writes
        log.info("%s: watching %d address(es)", venue, len(addresses))
        if self.runtime is not None:
            self._spawn(self.runtime.restart_venue(venue, watched=addresses))

    # --- accounts imported with a read-only API key (live only) -----------------------------------

    def imported_accounts(self) -> list[tuple[str, str]]:
        """(venue, label) of each imported key; the keys themselves are only in the keyring."""
        return [(venue, label) for venue, label in self.store.current.imported_accounts]

    def remember_imported(self, venue: str, label: str) -> None:
        """A key was imported and kept in the keyring: list it (saved) and refresh it from now on."""
        if self.demo:
            return  # the demo never polls nor saves the user's accounts
        current = self.imported_accounts()
        if (venue, label) not in current:
            self.store.update(imported_accounts=[*current, (venue, label)])
        if self.runtime is None:
            return  # the start picks it up
        if self.account_poller is None:
            self._start_account_poller([(venue, label)])
            return
        self.account_poller.add(venue, label)
        supervisor = self.runtime.supervisor
        if "imported accounts" not in supervisor.running() and not supervisor.stopping:
            supervisor.start("imported accounts", self.account_poller.run)  # none had a key at start

    def forget_imported(self, venue: str, label: str) -> None:
        """Stop refreshing (venue, label), unlist it and delete its key from the keyring (off the loop)."""
        self.store.update(imported_accounts=[a for a in self.imported_accounts() if a != (venue, label)])
        if self.account_poller is not None:
            self.account_poller.remove(venue, label)
        self._spawn(self._delete_key(venue, label))

    async def _delete_key(self, venue: str, label: str) -> None:
        from app.services.accounts import KEYRING_NAME, keyring_service
        from app.store.secrets import SecretStoreUnavailable, delete_secret

        try:
            await delete_secret(keyring_service(venue, label), KEYRING_NAME)
        except SecretStoreUnavailable as error:
            self.messages.post(f"The key for {venue}/{label} could not be deleted from the keyring: {error}",
                               notice="accounts")
            return
        self.messages.post(f"Forgot the imported account {venue}/{label}; its key was deleted", 10_000)

    def _start_account_poller(self, accounts: list[tuple[str, str]]) -> None:
        """Check each key is in the keyring (read off the loop thread), then refresh those that are."""
        from app.services.account_poller import AccountPoller

        self.account_poller = AccountPoller(self.sink, [], tier_cache_dir=self.tier_cache_dir())
        self._spawn(self._check_keys_then_poll(accounts))

    async def _check_keys_then_poll(self, accounts: list[tuple[str, str]]) -> None:
        from app.services.accounts import load_credentials
        from app.store.secrets import SecretStoreUnavailable

        poller, runtime = self.account_poller, self.runtime
        if poller is None or runtime is None:
            return
        for venue, label in accounts:
            try:
                credentials = await load_credentials(venue, label)
            except SecretStoreUnavailable as error:
                self.messages.post(f"Imported accounts not refreshed: {error}", notice="accounts")
                return
            if credentials is None:
                text = f"key for {venue}/{label} not in the keyring: re-import"
                log.warning(text)
                self.messages.post(text, venue=venue, notice="accounts")
                continue
            del credentials  # the poller reads it again each round; never kept here
            poller.add(venue, label)
        if poller.accounts and not runtime.supervisor.stopping:
            runtime.supervisor.start("imported accounts", poller.run)
            log.info("refreshing %d imported account(s)", len(poller.accounts))

    async def refresh_tiers(self, deadline_s: float = TIER_DEADLINE_S, **options: object) -> None:
        """In the background after start: the cached public tier tables are loaded (the last run's), then
        fetched afresh for the venues that publish them, under a deadline; a failure is logged and told
        once in the status bar, and never blocks anything. The position book uses them for a manual
        position whose symbol has no bundled table."""
        from app.core.venues.account_registry import public_tiers
        from app.feeds.tiers import fetch_tiers, load_cache

        cache_dir = self.tier_cache_dir()
        if cache_dir is None:
            return
        venues = [venue for venue in self.venues if public_tiers(venue) is not None]

        def load() -> dict[str, dict[str, object]]:
            return {venue: tables for venue in venues if (tables := load_cache(cache_dir, venue).get("tables"))}

        self.positions.cached_tiers.update(await asyncio.to_thread(load))
        wanted: dict[str, list[str]] = {}
        for position in self.positions.positions:
            if position.venue in venues:
                wanted.setdefault(position.venue, []).append(position.symbol)
        for venue in venues:
            spec = public_tiers(venue)
            if spec is not None and spec.all_in_one:
                wanted.setdefault(venue, [])
        if not wanted:
            return
        if "base_urls" not in options:  # the settings' REST overrides (a test profile, a proxy)
            options["base_urls"] = {venue: url for venue in wanted
                                    if (url := self.store.current.endpoints.get(f"{venue}/rest"))}
        try:
            result = await asyncio.wait_for(
                fetch_tiers(wanted, cache_dir, timeout_s=deadline_s, **options),  # type: ignore[arg-type]
                deadline_s + 2.0)
        except Exception as error:  # the deadline, or a bug: the cached/bundled tables stay
            result, failure = None, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        else:
            failure = "; ".join(f"{venue}: {error}" for venue, error in sorted(result.errors.items()))
        if result is not None and result.cache_files:
            self.positions.cached_tiers.update(await asyncio.to_thread(load))
            log.info("public tier tables refreshed for %s", ", ".join(sorted(result.cache_files)))
        if failure:
            log.warning("public tier tables not refreshed: %s", failure)
            self.messages.post(f"Tier tables not refreshed ({failure}); using the cached or bundled ones",
                               15_000)

    def tier_cache_dir(self) -> Path | None:
        """Where the venues' public tier tables are cached (live: the profile's cache)."""
        return None

    def _start_market_pollers(self, endpoints: dict[str, str]) -> None:
        """Open interest and candles over REST for the stress table (app/feeds/open_interest.py,
        app/feeds/candles.py), supervised with the feeds. REST bases come from `endpoints["<venue>/rest"]`;
        the demo polls only the venues its recording answers (never a live host)."""
        from app.feeds.candles import CandlePoller
        from app.feeds.open_interest import OpenInterestPoller

        runtime = self.runtime
        if runtime is None:
            return
        bases = {venue: url for venue in self.venues if (url := endpoints.get(f"{venue}/rest"))}
        venues = [venue for venue in self.venues if not self.demo or venue in bases]
        marks = self.engine.marks

        def price(venue: str, symbol: str) -> float | None:
            mark = marks.get((venue, symbol))
            return mark.price if mark is not None else None

        oi = OpenInterestPoller(self.sink, self.instruments, price, self.clock, venues, base_urls=bases)
        if oi.venues:
            runtime.supervisor.start("open interest", oi.run)
        candles = CandlePoller(self.market.watched_coins, self.instruments, self.clock, venues,
                               self.market.on_candles, self.market.on_candle_error, base_urls=bases)
        runtime.supervisor.start("daily candles", candles.run)
        self.oi_poller, self.candle_poller = oi, candles

        def problems() -> dict[str, str]:
            return {f"{registry.by_name(venue).display_name} open interest": status.error
                    for venue, status in oi.status.items() if status.error}

        self.market.problems = problems

    def _spawn(self, coroutine: Coroutine[object, object, None], cancel_at_stop: bool = False) -> None:
        """Run a background step on the loop; kept and awaited at shutdown (or cancelled first: a
        coalescing wait, a tier fetch)."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if cancel_at_stop:
            self._cancel_at_stop.add(task)
            task.add_done_callback(self._cancel_at_stop.discard)

    def macro_cache_dir(self) -> Path | None:
        return None

    def macro_options(self) -> dict[str, object]:
        return {"tenors": self.settings.macro_tenors, "threshold_bp": self.settings.macro_move_threshold_bp}

    async def stop_source(self) -> None:
        """Stop what feeds the connections (the demo's replay server)."""

    def open_position_store(self) -> PositionStore | None:
        """Where manual positions persist (None: in memory only, as in the demo)."""
        return None

    def open_watchlist_store(self) -> WatchlistStore | None:
        """Where watchlists persist (None: in memory only, as in the demo)."""
        return None

    def sample_watchlists(self) -> list[Watchlist]:
        """The lists a session without a store starts with."""
        return []

    def _save_watchlists(self, lists: list[Watchlist]) -> None:
        store = self.watchlist_store
        if store is not None:
            self._persist(lambda: store.save_all(lists), notice="watchlists")

    # --- the window's side -----------------------------------------------------------------------

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def snapshot(self) -> Snapshot:
        return self._snapshots.build(self.macro, self.macro_version)

    def has_news(self) -> bool:
        """Something the window should show at its next tick rather than at its idle pace."""
        return self.sink.has_news() or self.messages.waiting()

    def tick_size(self, venue: str, symbol: str) -> float | None:
        return tick_size(self.instruments, venue, symbol)

    def set_time_zone(self, local: bool) -> None:
        self.store.update(time_zone="local" if local else "utc")
        http.set_local_clock(local)  # "rate limited until HH:MM" follows the setting

    def set_tape_min(self, usd: float) -> None:
        self.store.update(tape_min_usd=usd)

    def set_macro_view(self, tenors: list[str], threshold_bp: float) -> None:
        self.store.update(macro_tenors=tenors, macro_move_threshold_bp=threshold_bp)

    def retry_now(self, venue: str) -> int:
        """The user's "retry now" on a refused venue: its connections try again at once instead of
        after their 15-minute wait. Returns how many connections were woken."""
        woken = sum(status.retry_now() for status in self.runtime.statuses
                    if status.venue == venue) if self.runtime is not None else 0
        if woken:
            log.info("%s: retrying %d refused connection(s) now, as the user asked", venue, woken)
        return woken

    def add_position(self, position: Position, account: Account | None = None) -> None:
        self.replace_position(position.key, position, account)

    def replace_position(self, old_key: PositionKey, position: Position, account: Account | None = None) -> None:
        """Add or edit a manual position (and the cross account it names); persisted off the loop thread.
        A symbol without a mark stream gets one (its venue's connections restart once, coalesced)."""
        old = self.positions.manual(old_key)
        self.positions.replace(old_key, position, account)
        self._want_mark(position)
        if old is not None and (old.venue, old.symbol) != (position.venue, position.symbol):
            self._release_mark(old)
        store = self.position_store
        if store is not None:
            now = self.clock.now_ms()

            def write() -> None:
                if account is not None:
                    store.save_account(account)
                store.save_position(position, replaces=old_key, now_ms=now)

            self._persist(write)

    def delete_position(self, key: PositionKey) -> None:
        old = self.positions.manual(key)
        self.positions.delete(key)
        if old is not None:
            self._release_mark(old)
        store = self.position_store
        if store is not None:
            self._persist(lambda: store.delete_position(key))

    def shock_table(self, coin: str | None = None) -> BookShockTable:
        return self.positions.shock_table(self.clock.now_ms(), coin)

    def nearest_line(self) -> str:
        """The closing line naming the position nearest to liquidation over the run."""
        from app.services.positions import closing_line

        return closing_line(self.positions.nearest())

    def save_layout(self, geometry: str, state: str) -> None:
        if not self.demo:
            self.store.update(window_geometry=geometry, window_state=state)

    def import_calendar(self, path: str) -> None:
        task = asyncio.ensure_future(self._import_calendar(Path(path)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- life cycle ------------------------------------------------------------------------------

    async def open(self) -> None:
        """The history opens off the loop (a migration can take a moment)."""
        self.history = await asyncio.to_thread(self.open_history)
        self._begin_run()
        try:
            self.position_store = await asyncio.to_thread(self.open_position_store)
        except PositionStoreError as error:
            log.warning("%s", error)
            self.messages.post(f"Manual positions not loaded: {error}", notice="positions")
        if self.position_store is not None:
            accounts, positions = await asyncio.to_thread(self.position_store.load)
            self.positions.accounts.update({account.key: account for account in accounts})
            for position in positions:
                self.positions.add(position)
        await self._open_watchlists()
        if not self.demo:
            await self._open_alerts()
            await self.refill_from_history()

    async def _open_alerts(self) -> None:
        """Live: the stored alert rules replace the defaults (changes are saved from now on), and the
        alert log gets the last 24 h of stored alerts back. Read off the loop thread."""
        history = self.history
        if history is None:
            return
        now = self.clock.now_ms()
        try:
            rows = await asyncio.to_thread(history.alert_rules)
            restored = await asyncio.to_thread(history.alerts_between, now - REFILL_WINDOW_MS, now + 1)
        except Exception as error:  # a damaged file: the defaults, not saved over it
            log.warning("alert rules could not be read: %s", error)
            self.messages.post(f"Alert rules could not be read back: {error}", notice="alerts")
            return
        for problem in self.liquidation_alerts.load(rows):
            log.warning(problem)
            self.messages.post(problem, notice="alerts")
        self.liquidation_alerts.save_rule = history.save_alert_rule
        self.liquidation_alerts.delete_rule = history.delete_alert_rule
        self.restored_alerts = restored[-RESTORED_ALERTS:]

    # --- liquidation alert rules (the window's Alerts menu) -------------------------------------------

    def alert_rules(self) -> list:  # type: ignore[type-arg]
        return self.liquidation_alerts.rules

    def set_alert_rules(self, rules: list) -> None:  # type: ignore[type-arg]
        """From the rules dialog: in force at once; saved in the live profile (the demo's stay in memory)."""
        self.liquidation_alerts.set_rules(rules)
        log.info("liquidation alert rules: %d (%d enabled)", len(rules), sum(rule.enabled for rule in rules))

    def test_alert(self, rule: object = None) -> Alert:
        return self.liquidation_alerts.test_alert(rule)  # type: ignore[arg-type]

    async def _open_watchlists(self) -> None:
        """After the history (whose migrations create the table); a failure is told, and the session
        runs with the lists in memory (not saved) rather than not at all."""
        try:
            self.watchlist_store = await asyncio.to_thread(self.open_watchlist_store)
            lists = (await asyncio.to_thread(self.watchlist_store.load) if self.watchlist_store is not None
                     else self.sample_watchlists())
        except WatchlistStoreError as error:
            log.warning("%s", error)
            self.messages.post(f"Watchlists not loaded (changes will not be saved): {error}", notice="watchlists")
            if self.watchlist_store is not None:
                await asyncio.to_thread(self.watchlist_store.close)
            self.watchlist_store = None
            lists = []
        self.watchlists.load(lists)

    def open_history(self, **options: object) -> HistoryDb:
        return HistoryDb.open(self.history_path(), on_error=self._history_failed, **options)  # type: ignore[arg-type]

    async def start(self) -> None:
        """Behind the painted window: the feed source, the connections, the gap writer, then macro."""
        await self._open_http()
        endpoints = await self.endpoints()
        symbols = await self.liquidation_symbols(endpoints)
        held = self._held_symbols()  # marks for the positions held at start, beside the majors
        sources = await self.liquidation_sources(endpoints)
        self.runtime = FeedRuntime(clock=self.clock, endpoints=endpoints, venues=tuple(self.venues), timing=self.timing,
                                   instruments=self.instruments,
                                   sink=self.sink, liquidation_symbols=symbols,
                                   watched=self.watched_accounts(), held_symbols=held, streams=self.streams,
                                   liquidation_sources=sources,
                                   network=NetworkThread(self.timing) if self.network_thread else None)
        for venue, venue_symbols in held.items():
            self._mark_symbol_cache[venue] = self._mark_symbols(venue) | frozenset(venue_symbols)
        self._record_downtime()
        self.runtime.start()
        self._start_market_pollers(endpoints)
        if not self.demo and self.imported_accounts():
            self._start_account_poller(self.imported_accounts())
        if self.tier_cache_dir() is not None:
            self._spawn(self.refresh_tiers(), cancel_at_stop=True)
        self._lag_monitor.start()
        self._feeds_started = time.perf_counter()
        self._gap_task = asyncio.ensure_future(self._write_gaps_every_second())
        if not self.demo and self.history is not None:
            self._compact_task = asyncio.ensure_future(self._compact_when_idle())
        await self._load_macro()

    async def stop(self) -> None:
        """Feeds first, then one last drain (nothing received is lost), then the history and settings."""
        if self.recording is not None:
            await self.stop_recording()
        for task in list(self._cancel_at_stop):
            task.cancel()
        await self._lag_monitor.stop()
        self.shutdown_steps.append("lag monitor")
        runtime = self.runtime
        if runtime is not None:
            frames = sum(status.frames for status in runtime.statuses)
            log.info("%s; %s; %d frames received, %.0f frames/s", self._lag_monitor.summary(),
                     self.latency.summary(), frames,
                     frames / max(time.perf_counter() - self._feeds_started, 1e-9))
            await runtime.stop()
            self.shutdown_steps.append("feeds")
        await self._close_http()
        await self.stop_source()
        self.shutdown_steps.append("source")
        self.engine.tick()
        self.shutdown_steps.append("drain")
        if self._gap_task is not None:
            self._gap_task.cancel()
        if self._compact_task is not None:
            self._compact_task.cancel()
        if runtime is not None and self.history is not None:
            for gap in runtime.closed_gaps(settled=False) + runtime.open_gaps(self.clock.now_ms()):
                self.history.write_gap(*gap)
        if self.history is not None:
            self.history.mark_alive(self.clock.now_ms())  # a clean stop: the downtime starts now
        if self.history is not None:
            await asyncio.to_thread(self.history.close)  # flushes the last batch off the loop thread
        self.shutdown_steps.append("history")
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        if self.position_store is not None:
            await asyncio.to_thread(self.position_store.close)
        if self.watchlist_store is not None:
            await asyncio.to_thread(self.watchlist_store.close)
        await self.store.flush()
        self.shutdown_steps.append("settings")

    def summary_line(self) -> str:
        """`<venue>=N …` per venue that publishes liquidations (a venue without a public liquidation feed
        has no count to show), then ` (unreachable: …)` naming the venues that never connected."""
        counted = registry.publishing_liquidations(self.venues, self.optional_liquidations)
        return self.engine.summary_line(counted) + summary_suffix(self.venues, self._venue_records())

    # --- inside --------------------------------------------------------------------------------

    def _mark_streamed(self, venue: str, symbol: str) -> bool | str | None:
        """The connections subscribe marks for the bundled majors of each connected venue and the manual
        positions held; one added while running is "pending" until its venue's connections restarted
        with it (`_want_mark`)."""
        if venue not in self.venues:
            return None
        if symbol in self._marks_pending.get(venue, ()):
            return "pending"
        return symbol in self._mark_symbols(venue)

    def _want_mark(self, position: Position) -> None:
        """A manual position added while running whose symbol has no mark stream: its venue's connections
        restart once with it, MARK_COALESCE_S after the first such add (several adds, one restart)."""
        self._want_symbol_mark(position.venue, position.symbol)

    def _want_watch_marks(self, wanted: dict[str, list[str]]) -> None:
        """The watchlists changed: marks for their coins' price symbols, as for a position's."""
        for venue, symbols in wanted.items():
            for symbol in symbols:
                self._want_symbol_mark(venue, symbol)

    def _want_symbol_mark(self, venue: str, symbol: str) -> None:
        if (self.runtime is None or venue not in self.venues or self.instruments.get(venue, symbol) is None
                or symbol in self._mark_symbols(venue)):
            return
        self._marks_pending.setdefault(venue, set()).add(symbol)
        if venue not in self._mark_restart_scheduled:
            self._mark_restart_scheduled.add(venue)
            self._spawn(self._subscribe_marks(venue), cancel_at_stop=True)

    async def _subscribe_marks(self, venue: str) -> None:
        await asyncio.sleep(MARK_COALESCE_S)
        self._mark_restart_scheduled.discard(venue)  # an add from now on schedules the next restart
        runtime = self.runtime
        if runtime is None:
            return
        held = list(dict.fromkeys(self._held_symbols().get(venue, [])))
        asked = self._marks_pending.pop(venue, set())
        log.info("%s: restarting its connections once to subscribe the mark of %s", venue, ", ".join(sorted(asked)))
        await runtime.restart_venue(venue, held_symbols=held)
        self._mark_symbol_cache[venue] = frozenset(load_bundled().symbols(venue)) | frozenset(held)

    def _release_mark(self, position: Position) -> None:
        """The last position on a symbol went: its extra subscription is dropped at the venue's next
        restart (not worth a reconnect of its own)."""
        venue = position.venue
        if any(held.venue == venue and held.symbol == position.symbol for held in self.positions.positions):
            return
        if position.symbol in self.watchlists.watched_symbols().get(venue, ()):
            return  # a watchlist still wants its mark
        self._marks_pending.get(venue, set()).discard(position.symbol)
        if self.runtime is not None and venue in self.runtime.held_symbols:
            self.runtime.held_symbols[venue] = [s for s in self.runtime.held_symbols[venue] if s != position.symbol]

    def _held_symbols(self) -> dict[str, list[str]]:
        """Per connected venue, the symbols of the manual positions that the venue lists."""
        held: dict[str, list[str]] = {}
        for position in self.positions.positions:
            if position.venue in self.venues and self.instruments.get(position.venue, position.symbol) is not None:
                held.setdefault(position.venue, []).append(position.symbol)
        for venue, symbols in self.watchlists.watched_symbols().items():  # and the watched coins' marks
            for symbol in symbols:
                if (venue in self.venues and self.instruments.get(venue, symbol) is not None
                        and symbol not in held.get(venue, ())):
                    held.setdefault(venue, []).append(symbol)
        return held

    def _mark_symbols(self, venue: str) -> frozenset[str]:
        if venue not in self._mark_symbol_cache:
            self._mark_symbol_cache[venue] = frozenset(load_bundled().symbols(venue))
        return self._mark_symbol_cache[venue]

    def _persist(self, write: Callable[[], None], notice: str = "positions") -> None:
        """Run a positions- or watchlist-store write off the loop thread (directly when no loop runs: tests)."""

        def guarded() -> None:
            try:
                write()
            except (PositionStoreError, WatchlistStoreError) as error:
                log.warning("%s", error)
                self.messages.post(str(error), notice=notice)

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            guarded()
            return
        previous = self._last_position_write

        async def in_order() -> None:  # writes land in the order the user made them
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            await asyncio.to_thread(guarded)

        task = loop.create_task(in_order())
        self._last_position_write = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def refill_from_history(self, window_ms: int = REFILL_WINDOW_MS) -> int:
        """Before the feeds start: the last `window_ms` of stored liquidations into the tapes and the
        session totals (marked "from history" with the span's gaps), read off the loop thread.
        Returns the rows put in the tapes."""
        history = self.history
        if history is None:
            return 0
        now = self.clock.now_ms()
        start = now - window_ms

        resume = self._downtime[0] if self._downtime is not None else now

        def load() -> tuple[list, list, int, tuple, list]:  # type: ignore[type-arg]
            stored_gaps = history.gaps_between(start, now)
            oldest = history.oldest_ms()
            stress = load_from_history(stored_liquidations(history, start, now), stored_gaps,
                                       max(start, oldest if oldest is not None else start), now, resume)
            return (history.latest_liquidations(start, now, REFILL_TAPE_ROWS),
                    history.liquidation_totals(start, now), len(stored_gaps), stress,
                    history.symbol_totals(start, now))

        try:
            rows, totals, gaps, stress, symbol_totals = await asyncio.to_thread(load)
        except Exception as error:  # a damaged file: run without the refill, say so
            log.warning("history refill failed: %s", error)
            self.messages.post(f"History could not be read back: {error}", notice="history")
            return 0
        if not rows and not totals:
            return 0
        downtime = 1 if self._downtime is not None and self._downtime[1] > start else 0
        oldest = await asyncio.to_thread(history.oldest_ms)
        since = max(start, oldest if oldest is not None else start)
        self.engine.refill(rows, totals, since, gaps + downtime, symbol_totals)
        self.engine.refill_stress(*stress)  # the rolling windows show the last 24 h again
        # The strip's 24 h sums count from the oldest row read back (the refill reads at most REFILL_TAPE_ROWS).
        self.watchlists.on_refill(rows, rows[0].ts_ms if len(rows) >= REFILL_TAPE_ROWS else since)
        count = sum(t.count for t in totals)
        text = (f"Restored {count:,} liquidations since {format_clock(since, with_date=True)} from history "
                f"({gaps + downtime} gaps recorded in that span)")
        log.info(text)
        self.messages.post(text, 15_000)
        return len(rows)

    def record_alert(self, alert: Alert) -> None:
        """An alert the user was shown, kept in the history beside the liquidations (live only)."""
        if self.history is not None and not self.demo:
            self.history.write_alert(alert.market_ms, alert.key, alert.level, alert.title, alert.body)

    def alert_log(self) -> AlertHistoryNotifier:
        """A Notifier for the window's dispatcher: each alert delivered is stored."""
        return AlertHistoryNotifier(self.record_alert)

    def _record_macro_readings(self, macro: MacroService) -> None:
        """The JGB closes the strip shows, stored once per (tenor, MOF date) (live only)."""
        if self.history is None or self.demo:
            return
        now = self.clock.now_ms()
        for reading in macro.readings(now):
            if reading.data_date is None or reading.level is None or reading.level != reading.level:
                continue
            self.history.write_macro_reading(MacroReading(now, reading.tenor, reading.data_date.isoformat(),
                                                          reading.level, reading.change_bp, macro.source))

    async def _compact_when_idle(self) -> None:
        """Retention: rows older than `history_retention_days` are deleted in small batches by the
        writer thread when it is idle, then free pages are handed back; first a while after start,
        then every few hours."""
        await asyncio.sleep(COMPACT_FIRST_DELAY_S)
        while True:
            history = self.history
            if history is None:
                return
            if history.status().pending_rows < COMPACT_IDLE_PENDING_ROWS:
                await self.compact_history()
                await asyncio.sleep(COMPACT_EVERY_S)
            else:
                await asyncio.sleep(60.0)

    async def compact_history(self) -> dict[str, int]:
        """Delete history older than the retention setting now (off the loop thread); rows deleted per table."""
        if self.history is None:
            return {}
        days = self.store.current.history_retention_days
        cutoff = self.clock.now_ms() - days * 86_400_000
        request = self.history.compact(cutoff, COMPACT_BATCH_ROWS)
        await asyncio.to_thread(request.wait)
        deleted = {table: n for table, n in request.deleted.items() if n}
        if request.error is not None:
            log.warning("history retention failed: %s", request.error)
        elif deleted:
            log.info("history retention (%d days): deleted %s", days, deleted)
        return deleted

    # --- recording and export (the window's File menu) ----------------------------------------------

    def start_recording(self, path: str) -> str | None:
        """Record the public connections' raw frames to `path` beside the app's own; None when started,
        else why not."""
        if self.recording is not None:
            return "Already recording"
        if self.runtime is None:
            return "The feeds have not started yet"
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        try:
            self.recording = FeedRecording(path, list(self.runtime.specs), {
                "scenario": f"recorded {started}", "source": "replay" if self.demo else "live",
                "venues": list(self.venues), "recorded_by": "Cascade (File → Record feeds)",
                "synthetic": self.demo})
        except OSError as error:
            return f"Cannot record to {path}: {error.strerror or error}"
        self.recording.start()
        log.info("recording feeds to %s", path)
        return None

    def recording_status(self) -> str | None:
        return self.recording.progress_text() if self.recording is not None else None

    async def stop_recording(self) -> str:
        recording, self.recording = self.recording, None
        if recording is None:
            return "Not recording"
        recorder = await recording.stop()
        text = (f"Recording saved: {recorder.path.name}, {recorder.frames:,} frames, "
                f"{recorder.size_bytes() / 1e6:.2f} MB, {recorder.elapsed_s():.0f} s")
        log.info(text)
        return text

    async def export_csv(self, out: str, query: HistoryQuery | None = None, *, alerts: bool = False,
                         progress: Callable[[int, int], None] | None = None,
                         cancel: threading.Event | None = None) -> ExportResult:
        """Stored liquidations (or alerts) as CSV, off the loop thread. The demo has nothing of the
        user's to export (ExportUnavailable)."""
        if self.demo or self.history is None or self.history.path is None:
            raise ExportUnavailable("The replay's synthetic events are never exported; run Cascade live.")
        await asyncio.to_thread(self.history.flush)  # what was received up to now is in the file
        return await export_csv_async(self.history.path, out, query, alerts=alerts, progress=progress,
                                      cancel=cancel)

    def set_stress_window(self, window: str) -> None:
        """The window the stress panes show (one selector shared by them)."""
        self._snapshots.stress.select(window)

    def _stress_coverage(self) -> dict[str, tuple[int | None, list[tuple[int, int | None]]]]:
        statuses = self.runtime.statuses if self.runtime is not None else ()
        return coverage_inputs(statuses, self.engine.stress_history, self.venues)

    async def _open_http(self) -> None:
        """The run's HTTP client and the proxy setting, for REST and websockets alike (app.feeds.http)."""
        await asyncio.to_thread(importlib.import_module, "aiohttp")  # ~0.3 s of imports, off the loop thread
        settings = self.store.current
        http.set_local_clock(settings.time_zone == "local")
        http.configure(settings.proxy_url)  # checked when the settings were read
        self.http = http.HttpClient(timing=self.timing)
        http.install(self.http)

    async def _close_http(self) -> None:
        client, self.http = self.http, None
        if client is not None:
            if http.current() is client:
                http.install(None)
            await client.close()
            http.configure(None)

    def _statuses(self) -> Sequence[ConnectionStatus]:
        return self.runtime.statuses if self.runtime is not None else ()

    def _venue_records(self) -> list[VenueRecord]:
        if self.runtime is None:
            return []
        self._tell_refusals()
        return self.runtime.venue_records()

    def _tell_refusals(self) -> None:
        """A connection refused (403/451) or rate limited (429/418) reaches the status bar as a message
        and a notice, once per venue and change of text; the venue's status shows it as long as it lasts."""
        told = self._refusals_told
        assert self.runtime is not None
        for status in self.runtime.statuses:
            error = status.last_error or ""
            limited = status.state != "live" and error.startswith("rate limited until")
            text = error if status.state == "refused" or limited else None
            if text is not None and told.get(status.venue) != text:
                name = registry.by_name(status.venue).display_name
                self.messages.post(f"{name}: {text}", venue=status.venue, notice="connection")
            if text is not None or status.state == "live":
                told[status.venue] = text

    def _begin_run(self) -> None:
        """Remember when the previous run stopped recording: that span is written as a gap per stream
        once the streams are known (start), so a restart tells "Cascade was closed" from a quiet market."""
        if self.history is None:
            return
        now = self.clock.now_ms()
        previous = self.history.begin_run(now)
        if previous is not None and previous < now:
            self._downtime = (previous, now)

    def _record_downtime(self) -> None:
        if self._downtime is None or self.history is None or self.runtime is None:
            return
        start_ms, end_ms = self._downtime
        self._downtime = None
        for status in self.runtime.statuses:
            self.history.write_gap(status.venue, status.stream, start_ms, end_ms)
        if end_ms - start_ms >= DOWNTIME_NOTICE_MS:
            text = (f"Cascade was not running for {countdown_text(end_ms - start_ms)} "
                    f"(since {format_clock(start_ms, with_date=True)}): recorded as a gap in the history")
            log.info(text)
            self.messages.post(text, 15_000, notice="downtime")

    def _write_history(self, liquidations: list) -> None:  # type: ignore[type-arg]
        if self.history is not None:
            self.history.write_liquidations(liquidations)

    def _history_failed(self, message: str) -> None:
        """From the writer thread: the queue is thread-safe and the next tick shows it."""
        self.messages.post(f"History not saved: {message}", notice="history")

    async def _write_gaps_every_second(self) -> None:
        while True:
            await asyncio.sleep(GAP_WRITE_INTERVAL_S)
            if self.runtime is not None and self.history is not None:
                for gap in self.runtime.closed_gaps():
                    self.history.write_gap(*gap)
                self.history.mark_alive(self.clock.now_ms())

    def _replace_macro(self, macro: MacroService) -> None:
        self.macro = macro
        self.macro_version += 1
        self._record_macro_readings(macro)

    async def _load_macro(self) -> None:
        """The JGB history and calendar parse off the event loop (~0.2 s)."""
        cache_dir = self.macro_cache_dir()
        settings = self.store.current
        user_calendar = None if self.demo or not settings.user_calendar_path else Path(settings.user_calendar_path)
        try:
            macro = await asyncio.to_thread(MacroService.load, cache_dir, user_calendar, **self.macro_options())
        except (OSError, ValueError) as error:
            log.warning("macro strip unavailable: %s", error)
            self.messages.post(f"Macro strip unavailable: {error}")
            return
        for problem in macro.calendar.problems:
            self.messages.post(problem)
        self._replace_macro(macro)
        self._report_macro(macro)
        if cache_dir is not None and self.runtime is not None:  # live: keep the closes current
            from app.feeds.mof_poller import MofPoller

            base_url = settings.endpoints.get("mof/rest")
            poller = MofPoller(cache_dir, base_url=base_url) if base_url else MofPoller(cache_dir)

            def on_update(history: YieldHistory) -> None:
                current = self.macro or macro  # keep the calendar and the user's tenor/threshold choice
                updated = MacroService(history, current.calendar, tenors=current.tenors,
                                       threshold_bp=current.threshold_bp, source=poller.source,
                                       source_detail=poller.source_detail)
                self._replace_macro(updated)
                self._report_macro(updated)

            self.runtime.supervisor.start("mof poller", lambda: poller.run(on_update))

    def _report_macro(self, macro: MacroService) -> None:
        """Stale closes or an unreachable MOF reach the window (a status message and a lasting notice),
        once per change of condition, not only the log."""
        fresh = macro.freshness(self.clock.now_ms())
        condition = (fresh.stale, fresh.source == "unreachable")
        if condition == self._macro_condition:
            return
        self._macro_condition = condition
        if not fresh.warn:
            return
        why = f": {fresh.detail}" if fresh.source == "unreachable" and fresh.detail else ""
        text = f"JGB yields: {fresh.label}{why}"
        log.warning(text)
        self.messages.post(text, notice="macro")

    async def _import_calendar(self, path: Path) -> None:
        """Only the calendar changes: the JGB history already loaded stays as it is."""
        if self.macro is None:
            self.messages.post("The macro strip is not loaded; nothing to import into", 10_000)
            return
        try:
            calendar = await asyncio.to_thread(MacroService.read_calendar, path)
        except (OSError, ValueError) as error:
            self.messages.post(f"Could not import {path.name}: {error}")
            return
        self.macro.calendar = calendar
        self.macro_version += 1
        problems = f" ({len(calendar.problems)} skipped: {calendar.problems[0]})" if calendar.problems else ""
        self.messages.post(f"Imported {path.name}: {len(calendar.events)} events{problems}", 10_000)
        self.store.update(user_calendar_path=str(path))  # the demo's store never writes
