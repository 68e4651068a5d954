"""Liquidation alerts between the engine and the window (no Qt): the rule book (app.core.liquidation_alerts)
is fed each tick's liquidations by the engine and the rolling figures once a second; what fires becomes
an `Alert` for the window's dispatcher (banner, alert log, desktop notification or tray, sound), carried
by the snapshot. Rules persist in the live profile's history (`alert_rules` table); the demo keeps the
defaults in memory.

The rolling figures (`ViewFigures`): the window totals come from the stress aggregator's view of this
tick (app/core/stress.py: 5m / 1h / 4h / 12h / 24h, by coin), liquidations / open interest from the
market service's view (app/services/market.py: per coin and market-wide, 1h … 24h); a window neither
has — the rate spike's "last N minutes" and "trailing hour before them" — from `MinuteFigures`, per-minute
counts and USD per coin over the last 25 h (O(1) per liquidation, bounded, filed by the liquidation's own
timestamp). Without a market view (no OI yet) the liq/OI rule stays silent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import msgspec

from app.core.events import Liquidation
from app.core.liquidation_alerts import (
    WINDOWS_MS,
    Figures,
    Firing,
    Rule,
    RuleBook,
    decode_rule,
    default_rules,
    encode_rule,
    sample_firing,
)
from app.core.stress import SideSplit, StressView
from app.services.alerts import Alert

log = logging.getLogger(__name__)

MINUTE_MS = 60_000
KEPT_MINUTES = 25 * 60  # 24 h windows plus the rate spike's trailing hour, with room
FIGURES_EVERY_MS = 1_000  # window rules are judged at most once per market second


class MinuteFigures:
    """Counts and USD per minute (all coins, and per coin) over the last KEPT_MINUTES of market time.
    A window of W ms sums the minutes overlapping [now − W, now]: figures are exact to the minute.
    Liquidations older than the kept span are counted in `too_old` and not added."""

    def __init__(self, now: Callable[[], int]) -> None:
        self._now = now
        self._minutes: dict[int, list[float]] = {}  # minute → [count, usd]
        self._by_coin: dict[str, dict[int, list[float]]] = {}
        self.started_ms = now()
        self.too_old = 0
        self._expired_through = self.started_ms // MINUTE_MS - KEPT_MINUTES
        self.oi_ratio: Callable[[int, str | None], float | None] | None = None  # the market helper's, when given

    def add(self, liquidations: Iterable[Liquidation]) -> None:
        oldest = self._now() // MINUTE_MS - KEPT_MINUTES
        for liq in liquidations:
            minute = liq.ts_ms // MINUTE_MS
            if minute <= oldest:
                self.too_old += 1
                continue
            for table in (self._minutes, self._by_coin.setdefault(liq.coin, {})):
                cell = table.get(minute)
                if cell is None:
                    table[minute] = [1.0, liq.notional_usd]
                else:
                    cell[0] += 1
                    cell[1] += liq.notional_usd
        self._expire(oldest)

    def _expire(self, oldest: int) -> None:
        """At most once per market minute: drop the minutes that left the kept span."""
        if oldest <= self._expired_through:
            return
        self._expired_through = oldest
        for table in (self._minutes, *self._by_coin.values()):
            for minute in [m for m in table if m <= oldest]:
                del table[minute]

    def retained_minutes(self) -> int:
        """Buckets held (bounded by KEPT_MINUTES per table)."""
        return len(self._minutes) + sum(len(table) for table in self._by_coin.values())

    def _sum(self, window_ms: int, coin: str | None, index: int) -> float:
        table = self._minutes if coin is None else self._by_coin.get(coin, {})
        now = self._now()
        first = (now - window_ms) // MINUTE_MS
        last = now // MINUTE_MS
        if last - first + 1 >= len(table):
            return sum(cell[index] for minute, cell in table.items() if first <= minute <= last)
        return sum(table[m][index] for m in range(first, last + 1) if m in table)

    def total_usd(self, window_ms: int, coin: str | None) -> float | None:
        return self._sum(window_ms, coin, 1)

    def count(self, window_ms: int, coin: str | None) -> int | None:
        return int(self._sum(window_ms, coin, 0))

    def covered_ms(self) -> int:
        return max(0, self._now() - self.started_ms)

    def liq_oi_ratio(self, window_ms: int, coin: str | None) -> float | None:
        return None if self.oi_ratio is None else self.oi_ratio(window_ms, coin)


class MarketFigures(Protocol):
    """What the market service's view offers (app.services.market.MarketView): ratios per window name."""

    @property
    def market(self) -> Mapping[str, Any]: ...  # window → LiqOi (market-wide)
    @property
    def rows(self) -> Sequence[Any]: ...  # each with .coin and .ratios[window] → LiqOi


class ViewFigures:
    """This tick's stress and market views, with the minute figures for the spans they do not have."""

    def __init__(self, minutes: MinuteFigures, stress: StressView | None, market: MarketFigures | None) -> None:
        self._minutes = minutes
        self._market = market
        self._stats = {} if stress is None else {stats.span_ms: stats for stats in stress.windows.values()}

    def _split(self, window_ms: int, coin: str | None) -> Any:
        stats = self._stats.get(window_ms)
        if stats is None:
            return None
        return stats.totals if coin is None else stats.by_coin.get(coin, _NOTHING)

    def total_usd(self, window_ms: int, coin: str | None) -> float | None:
        split = self._split(window_ms, coin)
        return self._minutes.total_usd(window_ms, coin) if split is None else split.total_usd

    def count(self, window_ms: int, coin: str | None) -> int | None:
        split = self._split(window_ms, coin)
        return self._minutes.count(window_ms, coin) if split is None else split.count

    def covered_ms(self) -> int:
        return self._minutes.covered_ms()

    def liq_oi_ratio(self, window_ms: int, coin: str | None) -> float | None:
        market = self._market
        name = next((name for name, span in WINDOWS_MS.items() if span == window_ms), None)
        if market is None or name is None:
            return self._minutes.liq_oi_ratio(window_ms, coin)
        if coin is None:
            entry = market.market.get(name)
        else:
            row = next((row for row in market.rows if row.coin == coin), None)
            entry = None if row is None else row.ratios.get(name)
        return None if entry is None else entry.ratio


_NOTHING = SideSplit()


def to_alert(firing: Firing) -> Alert:
    return Alert(key=firing.key, title=firing.title, body=firing.body, level=firing.level,
                 market_ms=firing.market_ms, cooldown_ms=firing.cooldown_ms, sound=firing.sound)


class LiquidationAlertService:
    """`take_liquidations` is an engine listener; `tick()` (once per snapshot) returns the new alerts.
    `save_rule` / `delete_rule` persist (live), None in the demo."""

    def __init__(self, clock: Callable[[], int], rules: Sequence[Rule] | None = None,
                 figures: Figures | None = None) -> None:
        self._clock = clock
        self.book = RuleBook(default_rules() if rules is None else rules)
        self.figures: Figures | None = figures if figures is not None else MinuteFigures(clock)
        self.save_rule: Callable[[str, int, str, int], None] | None = None
        self.delete_rule: Callable[[str], None] | None = None
        self._pending: list[Alert] = []
        self._stored: dict[str, tuple[int, Rule]] = {}  # what the store holds (live): rule id → (position, rule)
        self._last_figures_ms: int | None = None

    @property
    def rules(self) -> list[Rule]:
        return list(self.book.rules)

    def load(self, rows: Sequence[tuple[str, str]]) -> list[str]:
        """Stored rules (rule_id, JSON) replace the defaults when there are any; returns the problems of
        rows that could not be read (skipped, said, never a crash)."""
        rules: list[Rule] = []
        problems: list[str] = []
        for rule_id, body in rows:
            try:
                rules.append(decode_rule(body))
            except (msgspec.DecodeError, msgspec.ValidationError) as error:
                problems.append(f"alert rule {rule_id} could not be read ({error}); skipped")
        if rules or problems:
            self.book.set_rules(rules)
        self._stored = {rule.id: (index, rule) for index, rule in enumerate(rules)}
        return problems

    def set_rules(self, rules: Sequence[Rule]) -> None:
        """The dialog's list: unchanged rules keep their cooldown; changes are saved (live)."""
        self.book.set_rules(rules)
        if self.save_rule is None or self.delete_rule is None:
            return
        now = self._clock()
        wanted = {rule.id: (index, rule) for index, rule in enumerate(rules)}
        for rule_id, (index, rule) in wanted.items():
            if self._stored.get(rule_id) != (index, rule):  # new, edited or moved (the defaults at first)
                self.save_rule(rule_id, index, encode_rule(rule), now)
        for rule_id in self._stored.keys() - wanted.keys():
            self.delete_rule(rule_id)
        self._stored = wanted

    def take_liquidations(self, liquidations: list[Liquidation]) -> None:
        if isinstance(self.figures, MinuteFigures):
            self.figures.add(liquidations)
        self._pending += [to_alert(firing) for firing in self.book.on_liquidations(liquidations, self._clock())]

    def tick(self, stress: StressView | None = None, market: MarketFigures | None = None) -> tuple[Alert, ...]:
        """This tick's alerts; the window rules are judged on the views at most once a market second."""
        now = self._clock()
        if self._last_figures_ms is None or not 0 <= now - self._last_figures_ms < FIGURES_EVERY_MS:
            self._last_figures_ms = now
            figures = self.figures
            if isinstance(figures, MinuteFigures):
                figures = ViewFigures(figures, stress, market)
            self._pending += [to_alert(firing) for firing in self.book.on_tick(figures, now)]
        taken, self._pending = tuple(self._pending), []
        return taken

    def test_alert(self, rule: Rule | None = None) -> Alert:
        """The "Test alert" button: the given rule's (or the first single-liquidation rule's) alert, marked
        as a test, never suppressed."""
        chosen = rule or next((r for r in self.book.rules if r.enabled), None) or default_rules()[0]
        return to_alert(sample_firing(chosen, self._clock()))

