"""One record per repaint tick: everything the window paints, built once by the services layer so
panes read plain data and nothing is patched after the fact."""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol

import msgspec

from app.core.events import VenueNotice
from app.core.positions import BookView
from app.core.stress import StressView
from app.services.alerts import Alert
from app.services.engine import Engine, SideTotals
from app.services.loop_lag import LatencyMonitor
from app.services.macro import MacroService
from app.services.market import MarketService, MarketView
from app.services.positions import PositionService, PositionsFrame
from app.services.stress import CoverageInputs, StressService, coverage_inputs
from app.services.venue_status import VenueRecord


class Notice(msgspec.Struct, frozen=True):
    """A venue's notice or an unconvertible instrument, in one shape: no guessing its type later."""

    market_ms: int
    venue: str
    code: str
    text: str


class StatusMessage(msgspec.Struct, frozen=True):
    """A transient line for the status bar (warnings, an unavailable instrument list, a failed write).

    `venue`: whose message it is ("" = the app's): the status bar keeps one per venue and shows every
    venue's, never one over another. `notice`: a lasting condition (a code such as "instruments"): it
    is also logged in the notices pane, so it outlives the status bar's timeout."""

    text: str
    timeout_ms: int = 30_000
    venue: str = ""
    notice: str | None = None


class Snapshot(msgspec.Struct, frozen=True):
    now_ms: int
    clock_label: str  # "live" or "replay"
    venues: tuple[VenueRecord, ...]
    notices: tuple[Notice, ...]  # new this tick; the notices pane keeps the visible log
    messages: tuple[StatusMessage, ...]  # new this tick
    totals: dict[str, SideTotals]
    observed_ms: dict[str, int]
    macro: MacroService | None = None  # None until loaded (or when it could not be)
    macro_version: int = 0  # bumped when the macro data or calendar is replaced
    positions: BookView | None = None  # the position book valued this tick (None: no position service)
    position_frame: PositionsFrame | None = None  # the book plus funding, manual keys and this tick's alerts
    history_since_ms: int | None = None  # the totals include stored history from here (live restart)
    history_gaps: int = 0  # gaps recorded in that refilled span
    stress: StressView | None = None  # rolling 5m..24h liquidation figures (app.core.stress), all windows
    liquidation_alerts: tuple[Alert, ...] = ()  # fired by the liquidation alert rules this tick
    market: MarketView | None = None  # the stress table: OI, liq/OI, RSI-14, 24 h change (None: no service)
    symbol_totals: dict[tuple[str, str, str], SideTotals] | None = None  # per (venue, symbol, coin)
    tape_reached: Callable[[], None] | None = None
    """The window calls it once the tape pane took this snapshot: this tick's liquidations reached the
    model (the arrival-to-model latency); None when none arrived or nothing measures it."""


class MessageQueue:
    """Status messages posted from any thread (the history writer's), taken once per tick."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: deque[StatusMessage] = deque(maxlen=50)

    def post(self, text: str, timeout_ms: int = 30_000, venue: str = "", notice: str | None = None) -> None:
        with self._lock:
            self._pending.append(StatusMessage(text, timeout_ms, venue, notice))

    def waiting(self) -> bool:
        return bool(self._pending)

    def take(self) -> tuple[StatusMessage, ...]:
        with self._lock:
            taken = tuple(self._pending)
            self._pending.clear()
        return taken


def notice_record(market_ms: int, notice: object) -> Notice:
    if isinstance(notice, VenueNotice):
        return Notice(market_ms, notice.venue, notice.code, notice.text)
    return Notice(market_ms, notice.venue, notice.symbol, notice.reason)  # type: ignore[attr-defined]


class AlertSource(Protocol):
    def tick(self, stress: StressView | None = None, market: MarketView | None = None) -> tuple[Alert, ...]: ...


class SnapshotBuilder:
    def __init__(self, engine: Engine, venue_source: Callable[[], list[VenueRecord]], clock: Callable[[], int],
                 clock_label: str = "live", messages: MessageQueue | None = None,
                 positions: PositionService | None = None,
                 coverage: Callable[[], CoverageInputs] | None = None, alerts: AlertSource | None = None,
                 market: MarketService | None = None, latency: LatencyMonitor | None = None) -> None:
        self.engine = engine
        self.latency = latency
        self.alerts = alerts
        self.stress = StressService(lambda: engine.stress)
        self._coverage = coverage or (lambda: coverage_inputs((), engine.stress_history))
        self.market = market
        self._market_view: MarketView | None = None
        self._market_second = -1
        self.positions = positions
        self._venue_source = venue_source
        self._clock = clock
        self.clock_label = clock_label
        self.messages = messages or MessageQueue()

    def build(self, macro: MacroService | None = None, macro_version: int = 0) -> Snapshot:
        """Drain the feeds into core state, then take one consistent picture of it."""
        self.engine.tick()
        venues = self._venue_source()
        silent = self.engine.possibly_silent({venue.venue for venue in venues if venue.state == "live"})
        if silent:
            venues = [msgspec.structs.replace(v, possibly_silent=v.venue in silent) for v in venues]
        now_ms = self._clock()
        messages = self.messages.take()
        notices = [notice_record(entry.market_ms, entry.notice) for entry in self.engine.new_notices]
        notices += [Notice(now_ms, m.venue, m.notice, m.text) for m in messages if m.notice is not None]
        frame = None if self.positions is None else self.positions.tick(now_ms, venues)
        stress = self.stress.view(now_ms, self._coverage(), {venue.venue: venue.completeness for venue in venues})
        market = self._market(now_ms)
        arrivals, latency = self.engine.new_arrivals, self.latency
        reached = None if latency is None or not arrivals else functools.partial(latency.reached, arrivals)
        return Snapshot(
            now_ms=now_ms,
            clock_label=self.clock_label,
            venues=tuple(venues),
            notices=tuple(notices),
            messages=messages,
            totals=self.engine.totals,
            observed_ms={venue.venue: venue.observed_ms for venue in venues},
            macro=macro,
            macro_version=macro_version,
            positions=None if frame is None else frame.book,
            position_frame=frame,
            history_since_ms=self.engine.history_since_ms,
            history_gaps=self.engine.history_gaps,
            stress=stress,
            liquidation_alerts=() if self.alerts is None else self.alerts.tick(stress, market),
            market=market,
            symbol_totals=self.engine.symbol_totals,
            tape_reached=reached,
        )

    def _market(self, now_ms: int) -> MarketView | None:
        """This tick's OI and liquidations into the market service; its view rebuilt when liquidations
        arrived or a market second passed (ages tick on, open interest shows), else the last one. Open
        interest alone waits for the second: tickers carry it in most frames (a quiet day rebuilt the view
        at nearly every tick for it)."""
        market = self.market
        if market is None:
            return None
        engine = self.engine
        market.take(engine.new_liquidations, engine.new_open_interest, now_ms)
        second = now_ms // 1000
        if self._market_view is None or second != self._market_second or engine.new_liquidations:
            self._market_view = market.view(now_ms, engine.marks)
            self._market_second = second
        return self._market_view
