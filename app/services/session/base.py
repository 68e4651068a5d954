"""The session both modes share: settings, history, feeds, macro, gaps and the shutdown order,
without Qt. The window sees only `SessionView`."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Protocol

from app.core.formatting import format_clock
from app.core.instruments import Instruments, load_bundled
from app.core.macro.calendar import countdown_text
from app.core.macro.jgb import YieldHistory
from app.core.tape import Tape, TapeFilter
from app.feeds.sink import FeedSink
from app.services.clock import MarketClock
from app.services.engine import Engine
from app.services.loop_lag import LoopLagMonitor
from app.services.macro import MacroService
from app.services.runtime import (
    DEFAULT_VENUES,
    FeedRuntime,
    tick_size,
    venue_completeness,
)
from app.services.settings_store import SettingsStore
from app.services.snapshot import MessageQueue, Snapshot, SnapshotBuilder
from app.services.venue_status import VenueRecord, summary_suffix
from app.store.db import HistoryDb
from app.store.settings import Settings

log = logging.getLogger(__name__)

GAP_WRITE_INTERVAL_S = 1.0
DOWNTIME_NOTICE_MS = 60_000
"""A restart after at least this long tells the user the closed span is a gap (shorter: only recorded)."""


class SessionView(Protocol):
    """What the window needs from a session: one snapshot per tick, and the user's actions."""

    venues: list[str]
    completeness: dict[str, str]
    banner: str | None
    tape: Tape
    settings: Settings

    def now_ms(self) -> int: ...
    def snapshot(self) -> Snapshot: ...
    def tick_size(self, venue: str, symbol: str) -> float | None: ...
    def import_calendar(self, path: str) -> None: ...
    def set_time_zone(self, local: bool) -> None: ...
    def set_tape_min(self, usd: float) -> None: ...
    def set_macro_view(self, tenors: list[str], threshold_bp: float) -> None: ...
    def retry_now(self, venue: str) -> int: ...


class Session:
    """Shared by demo and live; subclasses say where settings, history and endpoints come from."""

    demo = False
    banner: str | None = None

    def __init__(self, settings: Settings, store_path: Path | None, clock: MarketClock,
                 warnings: list[str] | None = None) -> None:
        self.settings = settings
        self.store = SettingsStore(settings, store_path)  # no path: the demo's store never writes
        self.clock = clock
        self.venues = list(DEFAULT_VENUES)
        self.streams: tuple[str, ...] | None = None
        """Only these connections (a replay's recorded streams); None: every venue's."""
        self.completeness = venue_completeness(DEFAULT_VENUES)
        self.instruments: Instruments = load_bundled()
        self.sink = FeedSink()
        self.messages = MessageQueue()
        self.history: HistoryDb | None = None
        self.engine = Engine(self.sink, clock, history_writer=self._write_history)
        self.tape = self.engine.add_tape(
            Tape(max_rows=settings.tape_max_rows, tape_filter=TapeFilter(min_usd=settings.tape_min_usd)))
        self.runtime: FeedRuntime | None = None
        self.macro: MacroService | None = None
        self.macro_version = 0
        self.shutdown_steps: list[str] = []  # the order stop() ran in, for the log and the tests
        self._snapshots = SnapshotBuilder(self.engine, self._venue_records, clock, clock.label, self.messages)
        self._lag_monitor = LoopLagMonitor()
        self._tasks: set[asyncio.Task[None]] = set()  # calendar imports: awaited at shutdown
        self._gap_task: asyncio.Task[None] | None = None
        self._feeds_started = 0.0
        self._macro_condition: tuple[bool, bool] = (False, False)  # (stale, unreachable) last told
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

    def macro_cache_dir(self) -> Path | None:
        return None

    def macro_options(self) -> dict[str, object]:
        return {"tenors": self.settings.macro_tenors, "threshold_bp": self.settings.macro_move_threshold_bp}

    async def stop_source(self) -> None:
        """Stop what feeds the connections (the demo's replay server)."""

    # --- the window's side -----------------------------------------------------------------------

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def snapshot(self) -> Snapshot:
        return self._snapshots.build(self.macro, self.macro_version)

    def tick_size(self, venue: str, symbol: str) -> float | None:
        return tick_size(self.instruments, venue, symbol)

    def set_time_zone(self, local: bool) -> None:
        self.store.update(time_zone="local" if local else "utc")

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

    def open_history(self, **options: object) -> HistoryDb:
        return HistoryDb.open(self.history_path(), on_error=self._history_failed, **options)  # type: ignore[arg-type]

    async def start(self) -> None:
        """Behind the painted window: the feed source, the connections, the gap writer, then macro."""
        endpoints = await self.endpoints()
        symbols = await self.liquidation_symbols(endpoints)
        self.runtime = FeedRuntime(clock=self.clock, endpoints=endpoints, instruments=self.instruments,
                                   sink=self.sink, liquidation_symbols=symbols,
                                   venues=tuple(self.venues), streams=self.streams)
        self._record_downtime()
        self.runtime.start()
        self._lag_monitor.start()
        self._feeds_started = time.perf_counter()
        self._gap_task = asyncio.ensure_future(self._write_gaps_every_second())
        await self._load_macro()

    async def stop(self) -> None:
        """Feeds first, then one last drain (nothing received is lost), then the history and settings."""
        await self._lag_monitor.stop()
        self.shutdown_steps.append("lag monitor")
        runtime = self.runtime
        if runtime is not None:
            frames = sum(status.frames for status in runtime.statuses)
            log.info("%s; %d frames received, %.0f frames/s", self._lag_monitor.summary(), frames,
                     frames / max(time.perf_counter() - self._feeds_started, 1e-9))
            await runtime.stop()
            self.shutdown_steps.append("feeds")
        await self.stop_source()
        self.shutdown_steps.append("source")
        self.engine.tick()
        self.shutdown_steps.append("drain")
        if self._gap_task is not None:
            self._gap_task.cancel()
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
        await self.store.flush()
        self.shutdown_steps.append("settings")

    def summary_line(self) -> str:
        """`<venue>=N …` per venue, then ` (unreachable: …)` naming the venues that never connected."""
        return self.engine.summary_line(self.venues) + summary_suffix(self.venues, self._venue_records())

    # --- inside --------------------------------------------------------------------------------

    def _venue_records(self) -> list[VenueRecord]:
        return self.runtime.venue_records() if self.runtime is not None else []

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
