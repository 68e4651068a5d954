"""Drains the feed sink into core state on a timer: the tapes, per-venue counts, latest marks,
notices, and (live only) the history writer. One call per repaint tick; no per-message work here
beyond what the tick needs."""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable
from typing import Any, Protocol

import msgspec

from app.core.events import AccountState, Liquidation, MarkPrice, OpenInterest, Unconvertible, VenueNotice
from app.core.silence import SILENT_AFTER_MS, possibly_silent
from app.core.stress import StressAggregator
from app.core.tape import Tape

log = logging.getLogger(__name__)


class Drained(Protocol):
    liquidations: list[Liquidation]
    marks: list[MarkPrice]
    notices: list[Any]
    accounts: list[AccountState]
    open_interest: list[OpenInterest]


class Sink(Protocol):
    def drain(self) -> Drained: ...


class NoticeEntry(msgspec.Struct, frozen=True):
    market_ms: int
    notice: VenueNotice | Unconvertible


class SideTotals(msgspec.Struct):
    long_usd: float = 0.0
    short_usd: float = 0.0
    count: int = 0
    largest_usd: float = 0.0
    largest: Liquidation | None = None  # the order behind largest_usd (None: unknown, e.g. from history)


class Engine:
    def __init__(
        self,
        sink: Sink,
        clock: Callable[[], int],
        history_writer: Callable[[list[Liquidation]], None] | None = None,
    ) -> None:
        self._sink = sink
        self._clock = clock
        self._history_writer = history_writer
        self.tapes: list[Tape] = []
        self.listeners: list[Callable[[list[Liquidation]], None]] = []  # each tick's batch (alert rules)
        self.counts: Counter[str] = Counter()
        self.totals: dict[str, SideTotals] = {}
        # The same per (venue, symbol, coin): what a totals pane scoped to a watchlist adds up.
        self.symbol_totals: dict[tuple[str, str, str], SideTotals] = {}
        self.marks: dict[tuple[str, str], MarkPrice] = {}
        self.accounts: dict[tuple[str, str], AccountState] = {}  # latest reported state per (venue, account)
        self.new_notices: list[NoticeEntry] = []  # this tick's; the window keeps the visible log
        self.new_liquidations: list[Liquidation] = []  # this tick's (the stress table's aggregator reads them)
        self.new_open_interest: list[OpenInterest] = []  # this tick's OI samples, latest per (venue, symbol)
        self.new_arrivals: list[list[float]] = []  # this tick's [perf_counter, liquidations] (FeedSink)
        self.started_ms = clock()
        self.last_liquidation_ms: dict[str, int] = {}  # market time each venue last delivered one
        self._recent: deque[tuple[int, str, int]] = deque()  # (market ms, venue, count) for the last hour
        self._recent_counts: Counter[str] = Counter()  # their running sum: nothing re-summed per tick
        self.history_since_ms: int | None = None  # totals include stored history from here (a refill)
        self.history_gaps = 0  # gaps recorded in the refilled span (disconnects, Cascade not running)
        self.stress = StressAggregator()  # rolling windows on market time (app.core.stress)
        self.stress_history: Any = None  # HistoryCoverage of a refill (app.services.stress), else None
        # Told once per tick what was taken (liquidations, marks, market ms): the watchlists' statistics.
        self.tick_listeners: list[Callable[[list[Liquidation], list[MarkPrice], int], None]] = []

    def add_tape(self, tape: Tape) -> Tape:
        self.tapes.append(tape)
        return tape

    def remove_tape(self, tape: Tape) -> None:
        if tape in self.tapes:
            self.tapes.remove(tape)

    def tick(self) -> int:
        """Take everything the feeds delivered since the last tick. Returns liquidations taken."""
        drained = self._sink.drain()
        liquidations = drained.liquidations
        self.stress.advance(self._clock())
        self.new_liquidations = liquidations
        self.new_open_interest = drained.open_interest
        self.new_arrivals = getattr(drained, "arrivals", [])  # when they arrived (latency)
        if liquidations:
            self.stress.add_many(liquidations)
            counts = self.counts
            for liq in liquidations:
                counts[liq.venue] += 1
                totals = self.totals.get(liq.venue)
                if totals is None:
                    totals = self.totals[liq.venue] = SideTotals()
                if liq.side == "long":
                    totals.long_usd += liq.notional_usd
                else:
                    totals.short_usd += liq.notional_usd
                totals.count += 1
                if liq.completeness != "aggregated" and liq.notional_usd > totals.largest_usd:
                    totals.largest_usd = liq.notional_usd
                    totals.largest = liq
                key = (liq.venue, liq.symbol, liq.coin)
                per_symbol = self.symbol_totals.get(key)
                if per_symbol is None:
                    per_symbol = self.symbol_totals[key] = SideTotals()
                if liq.side == "long":
                    per_symbol.long_usd += liq.notional_usd
                else:
                    per_symbol.short_usd += liq.notional_usd
                per_symbol.count += 1
                if liq.completeness != "aggregated" and liq.notional_usd > per_symbol.largest_usd:
                    per_symbol.largest_usd = liq.notional_usd
            now = self._clock()
            for venue, count in Counter(liq.venue for liq in liquidations).items():
                self.last_liquidation_ms[venue] = now
                self._recent.append((now, venue, count))
                self._recent_counts[venue] += count
            for tape in self.tapes:
                tape.push(liquidations)
            for listener in self.listeners:
                listener(liquidations)
            if self._history_writer is not None:
                self._history_writer(liquidations)
        for mark in drained.marks:
            self.marks[(mark.venue, mark.symbol)] = mark
        for state in drained.accounts:
            self.accounts[(state.account.venue, state.account.account)] = state
        now = self._clock()
        for listener in self.tick_listeners:
            listener(liquidations, drained.marks, now)
        self.new_notices = [NoticeEntry(now, notice) for notice in drained.notices]
        for entry in self.new_notices:
            log.warning("venue notice: %s", entry.notice)
        return len(liquidations)

    def refill(self, rows: list[Liquidation], totals: list[Any], since_ms: int, gaps: int = 0,
               symbol_totals: list[Any] | None = None) -> None:
        """Before the feeds start: the stored history of [since_ms, now) in the tapes (`rows`, oldest
        first) and in the totals (`totals`: per-venue aggregates with venue, count, long_usd, short_usd,
        largest_usd). Never written back to the history; silence detection starts from live data."""
        for t in totals:
            self.counts[t.venue] += t.count
            side = self.totals.get(t.venue)
            if side is None:
                side = self.totals[t.venue] = SideTotals()
            side.long_usd += t.long_usd
            side.short_usd += t.short_usd
            side.count += t.count
            side.largest_usd = max(side.largest_usd, t.largest_usd)
        for row in rows:  # the largest order, when it is among the rows put back in the tape
            side = self.totals.get(row.venue)
            if side is not None and row.notional_usd == side.largest_usd and row.completeness != "aggregated":
                side.largest = row
        for t in symbol_totals or ():  # the same, per (venue, symbol, coin): scoped totals panes
            key = (t.venue, t.symbol, t.coin)
            side = self.symbol_totals.get(key)
            if side is None:
                side = self.symbol_totals[key] = SideTotals()
            side.long_usd += t.long_usd
            side.short_usd += t.short_usd
            side.count += t.count
            side.largest_usd = max(side.largest_usd, t.largest_usd)
        if rows:
            for tape in self.tapes:
                tape.push(rows)
        self.history_since_ms = since_ms
        self.history_gaps = gaps

    def refill_stress(self, aggregator: StressAggregator, coverage: Any) -> None:
        """Before the feeds start: the rolling windows rebuilt from the stored history (a live restart
        shows the last 24 h again), with what the history says about coverage."""
        self.stress = aggregator
        self.stress_history = coverage

    def recent_counts(self) -> Counter[str]:
        """Liquidations taken per venue in the last SILENT_AFTER_MS of market time."""
        cutoff = self._clock() - SILENT_AFTER_MS
        while self._recent and self._recent[0][0] < cutoff:
            _, venue, count = self._recent.popleft()
            self._recent_counts[venue] -= count
        return self._recent_counts

    def possibly_silent(self, live: set[str]) -> set[str]:
        return possibly_silent(live, self.last_liquidation_ms, self.started_ms, self.recent_counts(), self._clock())

    def summary_line(self, venues: list[str]) -> str:
        """`binance=412 bybit=903 okx=377`: liquidations taken per venue (the smoke-test line)."""
        return " ".join(f"{venue}={self.counts.get(venue, 0)}" for venue in venues)
