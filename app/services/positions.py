"""The position panel's service: the book (manual positions plus the accounts the venues report), valued
once per repaint tick on the engine's marks by `app.core.positions.value_book`, its alerts, and the
run's nearest approach to liquidation (the demo's closing line). Qt-free zone.

- Manual positions live here (the session persists them: live in the profile's SQLite file, the demo
  in memory from `resources/demo/positions.json`); reported ones (`AccountState`, e.g. a watched
  Hyperliquid address) come from `Engine.accounts` each tick, the latest state replacing the last.
- Marks come from `Engine.marks` with their own market time: older than `stale_after_ms` of market
  time, the row is stale and says why; a held symbol whose venue streams no mark for it says "no mark
  stream" instead of pretending; a held position whose venue's feed is not live is stale too.
- Alerts: `AlertMonitor` over each valuation; each becomes an `app.services.alerts.Alert` the window
  dispatches through the one alert path (banner, alert log, desktop notification, sound).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import msgspec

from app.core.events import MarkPrice
from app.core.margin.tiers import bundled_table, tiers_from_table
from app.core.positions import (
    Account,
    AlertMonitor,
    AlertRules,
    BookShockTable,
    BookView,
    Mark,
    Position,
    PositionView,
    book_shock_table,
    value_book,
)
from app.core.positions import Alert as PositionAlert
from app.core.positions.alerts import AlertKind, AlertLevel
from app.core.positions.model import MarkKey, PositionKey
from app.core.venues import registry
from app.services.alerts import Alert, Level

STALE_AFTER_MS = 5_000
FEED_DOWN_AFTER_MS = 15_000  # market time a held position's mark stays stale before "feed down" is raised
LIVE = "live"

# (venue, symbol) -> True when the running connections stream its mark, False when they do not, None = unknown
MarkStreams = Callable[[str, str], bool | str | None]
"""Whether (venue, symbol) has a mark stream: True, False, None (venue not connected) or "pending" (a
subscription asked for while running, not yet made)."""

_LEVELS: dict[AlertLevel, Level] = {
    AlertLevel.INFO: "info", AlertLevel.WATCH: "warning", AlertLevel.WARNING: "warning",
    AlertLevel.DANGER: "critical", AlertLevel.CRITICAL: "critical",
}
_TITLES = {
    AlertKind.DISTANCE: "Position near liquidation",
    AlertKind.LIQUIDATED: "Position at its liquidation price",
    AlertKind.ACCOUNT_MARGIN_RATIO: "Account margin ratio",
    AlertKind.FEED_DOWN: "Mark feed down for a held position",
    AlertKind.FEED_RESTORED: "Mark feed back",
}


class Funding(msgspec.Struct, frozen=True):
    rate: float | None
    next_ms: int | None


class PositionsFrame(msgspec.Struct, frozen=True):
    """What the pane paints this tick (built once, read-only)."""

    book: BookView
    manual: frozenset[PositionKey]  # rows the user entered (Edit/Delete apply); the rest are reported
    funding: dict[MarkKey, Funding]
    alerts: tuple[Alert, ...]  # raised this tick, for the window's dispatcher
    version: int  # bumped when the manual book changes


class Nearest(msgspec.Struct, frozen=True):
    """A position's smallest distance to liquidation seen over the run, with the price it was measured to."""

    venue: str
    symbol: str
    side: str
    liquidation_price: float
    distance_pct: float
    at_ms: int


class DemoBook(msgspec.Struct, frozen=True):
    accounts: tuple[Account, ...] = ()
    positions: tuple[Position, ...] = ()


def load_book(path: Path) -> tuple[list[Account], list[Position]]:
    """A JSON book (`{"accounts": [...], "positions": [...]}`, Position/Account field names)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    book = msgspec.convert({k: document.get(k, []) for k in ("accounts", "positions")}, DemoBook)
    return list(book.accounts), list(book.positions)


def venue_label(venue: str) -> str:
    descriptor = registry.find(venue)
    return descriptor.display_name if descriptor is not None else venue.title()


def closing_line(nearest: Nearest | None) -> str:
    """`cascade: nearest to liquidation <venue> <symbol> <side> liq <price> min distance <pct>%`, or
    `… none` when no position was valued over the run."""
    if nearest is None:
        return "cascade: nearest to liquidation none"
    return (f"cascade: nearest to liquidation {nearest.venue} {nearest.symbol} {nearest.side} "
            f"liq {nearest.liquidation_price:,.2f} min distance {nearest.distance_pct:.2f}%")


class PositionService:
    def __init__(
        self,
        engine: object,  # app.services.engine.Engine: `marks` and `accounts`
        accounts: Iterable[Account] = (),
        positions: Iterable[Position] = (),
        mark_streams: MarkStreams | None = None,
        stale_after_ms: int = STALE_AFTER_MS,
        rules: AlertRules | None = None,
    ) -> None:
        self.engine = engine
        self.accounts: dict[tuple[str, str], Account] = {account.key: account for account in accounts}
        self.positions: list[Position] = list(positions)
        self.mark_streams = mark_streams or (lambda _venue, _symbol: None)
        self.stale_after_ms = stale_after_ms
        self.monitor = AlertMonitor(rules or AlertRules(feed_down_after_ms=FEED_DOWN_AFTER_MS))
        self.version = 0
        self.last: PositionsFrame | None = None
        self.nearest_by_key: dict[PositionKey, Nearest] = {}
        # venue -> symbol -> table (the cached public tier tables, app.feeds.tiers format): used for a
        # manual position without mmr or tiers of its own whose symbol has no bundled table.
        self.cached_tiers: dict[str, dict[str, object]] = {}

    # --- the user's book ---------------------------------------------------------------------------

    def add(self, position: Position, account: Account | None = None) -> None:
        """Add a manual position, replacing one with the same key (venue, account, symbol, side)."""
        self.replace(position.key, position, account)

    def replace(self, old_key: PositionKey, position: Position, account: Account | None = None) -> None:
        index = next((i for i, held in enumerate(self.positions) if held.key in (old_key, position.key)), None)
        self.positions = [held for held in self.positions if held.key not in (old_key, position.key)]
        self.positions.insert(len(self.positions) if index is None else index, position)
        if account is not None:
            self.accounts[account.key] = account
        self.version += 1

    def delete(self, key: PositionKey) -> bool:
        before = len(self.positions)
        self.positions = [held for held in self.positions if held.key != key]
        self.version += 1
        return len(self.positions) != before

    def manual(self, key: PositionKey) -> Position | None:
        return next((held for held in self.positions if held.key == key), None)

    # --- each tick ---------------------------------------------------------------------------------

    def inputs(self) -> tuple[list[Account], list[Position], dict[MarkKey, Mark]]:
        """The whole book (manual, then reported) and its marks, as value_book takes them."""
        accounts = dict(self.accounts)
        positions = [self._with_cached_tiers(held) for held in self.positions] if self.cached_tiers \
            else list(self.positions)
        for state in getattr(self.engine, "accounts", {}).values():
            accounts[state.account.key] = state.account
            positions.extend(state.positions)
        engine_marks: Mapping[MarkKey, MarkPrice] = getattr(self.engine, "marks", {})
        marks = {}
        for position in positions:
            price = engine_marks.get(position.mark_key)
            if price is not None:
                marks[position.mark_key] = Mark(price.price, price.ts_ms, f"{venue_label(price.venue)} mark")
        return list(accounts.values()), positions, marks

    def _with_cached_tiers(self, position: Position) -> Position:
        contract = position.contract
        tables = self.cached_tiers.get(position.venue)
        if (not tables or contract.tiers is not None or contract.mmr is not None or contract.max_leverage is not None
                or bundled_table(position.venue, position.symbol) is not None):
            return position
        tiers = tiers_from_table(tables.get(position.symbol), contract.kind)
        if tiers is None:
            return position
        return msgspec.structs.replace(position, contract=msgspec.structs.replace(contract, tiers=tiers))

    def tick(self, now_ms: int, venues: Sequence[object] = ()) -> PositionsFrame:
        """Value the book at market time `now_ms`; `venues` are this tick's VenueRecords (state per venue)."""
        accounts, positions, marks = self.inputs()
        book = value_book(accounts, positions, marks, now_ms, stale_after_ms=self.stale_after_ms)
        states = {record.venue: record.state for record in venues}  # type: ignore[attr-defined]
        views = tuple(self._explain(view, marks, states) for view in book.positions)
        if views != book.positions:
            book = msgspec.structs.replace(book, positions=views)
        alerts = tuple(self._alert(alert) for alert in self.monitor.update(self._judged(book, marks, venues), now_ms))
        self._track_nearest(book, now_ms)
        engine_marks: Mapping[MarkKey, MarkPrice] = getattr(self.engine, "marks", {})
        funding = {}
        for position in positions:
            price = engine_marks.get(position.mark_key)
            if price is not None and (price.funding_rate is not None or price.next_funding_ms is not None):
                funding[position.mark_key] = Funding(price.funding_rate, price.next_funding_ms)
        manual = frozenset(held.key for held in self.positions)
        self.last = PositionsFrame(book, manual, funding, alerts, self.version)
        return self.last

    def shock_table(self, now_ms: int, coin: str | None = None) -> BookShockTable:
        accounts, positions, marks = self.inputs()
        return book_shock_table(accounts, positions, marks, now_ms, coin=coin)

    def nearest(self) -> Nearest | None:
        """The position whose distance to liquidation was smallest over the run (current marks only)."""
        return min(self.nearest_by_key.values(), key=lambda item: item.distance_pct, default=None)

    # --- inside ------------------------------------------------------------------------------------

    def _explain(self, view: PositionView, marks: Mapping[MarkKey, Mark], states: Mapping[str, str]) -> PositionView:
        """Say why a row is stale when the book alone cannot: no mark stream, or the venue's feed down."""
        position = view.position
        reasons = [] if view.stale_reason is None else [view.stale_reason]
        streamed = self.mark_streams(position.venue, position.symbol) if position.mark_key not in marks else True
        if streamed is False:
            reasons = [f"no mark stream from {venue_label(position.venue)} for {position.symbol}: "
                       "valued at the entry price", *reasons[1:]]
        elif streamed == "pending":
            reasons = [f"mark subscription pending ({venue_label(position.venue)} {position.symbol}): "
                       "valued at the entry price", *reasons[1:]]
        state = states.get(position.venue)
        if state is not None and state != LIVE:
            reasons.append(f"{venue_label(position.venue)} feed {state}")
        if not reasons or (view.stale and reasons == [view.stale_reason]):
            return view
        return msgspec.structs.replace(view, stale=True, stale_reason="; ".join(reasons))

    @staticmethod
    def _judged(book: BookView, marks: Mapping[MarkKey, Mark], venues: Sequence[object]) -> BookView:
        """The book the alert rules see: a position still waiting for its venue's first connection (and
        so for its first mark) is not "feed down" yet, it is starting; it joins once the venue has been
        live or has failed (offline, refused), and the rules take it from there afresh."""
        starting = {record.venue for record in venues  # type: ignore[attr-defined]
                    if record.state == "connecting" and not record.connected}  # type: ignore[attr-defined]
        if not starting:
            return book
        kept = tuple(view for view in book.positions
                     if not (view.position.venue in starting and view.position.mark_key not in marks))
        return book if len(kept) == len(book.positions) else msgspec.structs.replace(book, positions=kept)

    def _track_nearest(self, book: BookView, now_ms: int) -> None:
        for view in book.positions:
            if view.stale or view.error is not None or view.distance_pct is None:
                continue
            if not math.isfinite(view.distance_pct):
                continue
            price = view.liquidation_price if view.liquidation_source == "ours" else view.exchange_liquidation_price
            if price is None:
                continue
            seen = self.nearest_by_key.get(view.key)
            if seen is None or view.distance_pct < seen.distance_pct:
                position = view.position
                self.nearest_by_key[view.key] = Nearest(position.venue, position.symbol, position.side, price,
                                                        view.distance_pct, now_ms)

    @staticmethod
    def _alert(alert: PositionAlert) -> Alert:
        threshold = "" if alert.threshold is None else f"@{alert.threshold:g}"
        return Alert(
            key=f"position:{alert.kind.value}:{'/'.join(alert.subject)}{threshold}",
            title=_TITLES.get(alert.kind, "Position"),
            body=alert.text,
            level=_LEVELS.get(alert.level, "warning"),
            market_ms=alert.at_ms,
        )
