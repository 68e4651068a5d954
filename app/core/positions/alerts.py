"""Alert rules over successive book valuations: a deterministic state machine (no clock, no I/O).

Feed it every `BookView` with the market time; it returns the alerts to deliver (the Notifier is
someone else's job):

- a position's distance to liquidation falls to or below a threshold (default 10 / 5 / 2 %), and its
  liquidation; each threshold fires once when crossed, and re-arms only once the distance is back
  above threshold + `hysteresis_pct` (so a distance wobbling around 5 % does not flap); when several
  thresholds are crossed at once only the deepest is announced;
- a cross account's margin ratio rises to or above a threshold (default 0.8, 0.9), with its own band
  (an isolated position's ratio is its distance's business);
- a held position's mark feed is down (its mark missing or stale), and back;
- the same alert (subject, kind, threshold) is never repeated within `cooldown_ms`: a crossing in
  the cooldown is swallowed, not postponed.

Distances are not judged on a stale mark (the feed-down alert says why nothing is judged).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

import msgspec

from app.core.positions.book import DEFAULT_THRESHOLDS_PCT, AccountView, BookView, PositionView

DEFAULT_ACCOUNT_RATIO_THRESHOLDS = (0.8, 0.9)
DEFAULT_HYSTERESIS_PCT = 0.5  # percentage points of distance
DEFAULT_RATIO_HYSTERESIS = 0.05
DEFAULT_COOLDOWN_MS = 5 * 60_000


class AlertKind(StrEnum):
    DISTANCE = "distance"
    LIQUIDATED = "liquidated"
    ACCOUNT_MARGIN_RATIO = "account_margin_ratio"
    FEED_DOWN = "feed_down"
    FEED_RESTORED = "feed_restored"


class AlertLevel(StrEnum):
    INFO = "info"
    WATCH = "watch"
    WARNING = "warning"
    DANGER = "danger"
    CRITICAL = "critical"


DISTANCE_LEVELS = (AlertLevel.WATCH, AlertLevel.WARNING, AlertLevel.DANGER)


class AlertRules(msgspec.Struct, frozen=True):
    distance_thresholds_pct: tuple[float, ...] = DEFAULT_THRESHOLDS_PCT
    hysteresis_pct: float = DEFAULT_HYSTERESIS_PCT
    account_ratio_thresholds: tuple[float, ...] = DEFAULT_ACCOUNT_RATIO_THRESHOLDS
    ratio_hysteresis: float = DEFAULT_RATIO_HYSTERESIS
    cooldown_ms: int = DEFAULT_COOLDOWN_MS
    feed_down_after_ms: int = 0  # how long a mark stays stale before its feed is called down


class Alert(msgspec.Struct, frozen=True):
    kind: AlertKind
    level: AlertLevel
    subject: tuple[str, ...]  # a position key (venue, account, symbol, side) or an account key (venue, account)
    label: str
    text: str
    at_ms: int
    value: float | None = None  # the distance (%) or margin ratio that fired it
    threshold: float | None = None


class _Feed(msgspec.Struct):
    down_since_ms: int | None = None
    announced: bool = False


class AlertMonitor:
    """One per alert consumer; `update` with each new book valuation, in market-time order."""

    def __init__(self, rules: AlertRules | None = None) -> None:
        self.rules = rules or AlertRules()
        self._distance_crossed: dict[tuple[str, ...], set[float]] = {}
        self._ratio_crossed: dict[tuple[str, ...], set[float]] = {}
        self._feeds: dict[tuple[str, ...], _Feed] = {}
        self._last_fired: dict[tuple[tuple[str, ...], AlertKind, float | None], int] = {}

    def update(self, book: BookView, now_ms: int) -> list[Alert]:
        alerts: list[Alert] = []
        held = {view.key for view in book.positions}
        for store in (self._distance_crossed, self._feeds):
            for key in [key for key in store if key not in held]:
                del store[key]  # a closed position forgets its state; re-opened, it alerts afresh
        for view in book.positions:
            alerts.extend(self._feed(view, now_ms))
            if not view.stale and view.error is None:
                alerts.extend(self._distance(view, now_ms))
        accounts = {view.key for view in book.accounts}
        for key in [key for key in self._ratio_crossed if key not in accounts]:
            del self._ratio_crossed[key]
        for account in book.accounts:
            alerts.extend(self._account(account, now_ms))
        return alerts

    def _distance(self, view: PositionView, now_ms: int) -> list[Alert]:
        if view.liquidated:
            value = -math.inf
        elif view.distance_pct is None:
            return []
        else:
            value = view.distance_pct
        thresholds = (*sorted(set(self.rules.distance_thresholds_pct), reverse=True), 0.0)
        crossed = self._distance_crossed.setdefault(view.key, set())
        newly = _ladder(crossed, value, thresholds, self.rules.hysteresis_pct, worse_below=True)
        if not newly:
            return []
        threshold = min(newly)
        if threshold == 0.0:
            kind, level = AlertKind.LIQUIDATED, AlertLevel.CRITICAL
            text = (f"{view.label}: liquidation price {_price(view.liquidation_price)} reached "
                    f"at mark {_price(view.mark)}")
        else:
            kind = AlertKind.DISTANCE
            level = DISTANCE_LEVELS[min(thresholds.index(threshold), len(DISTANCE_LEVELS) - 1)]
            text = (f"{view.label}: {view.distance_pct:.2f} % from liquidation at {_price(view.liquidation_price)} "
                    f"(mark {_price(view.mark)}; threshold {threshold:g} %)")
        shown = None if math.isinf(value) else value
        return self._fire(Alert(kind, level, view.key, view.label, text, now_ms, shown, threshold))

    def _account(self, account: AccountView, now_ms: int) -> list[Alert]:
        if not account.cross:
            return []
        if account.liquidated:
            value = math.inf
        elif account.margin_ratio is None:
            return []
        else:
            value = account.margin_ratio
        thresholds = tuple(sorted(set(self.rules.account_ratio_thresholds)))
        crossed = self._ratio_crossed.setdefault(account.key, set())
        newly = _ladder(crossed, value, thresholds, self.rules.ratio_hysteresis, worse_below=False)
        if not newly:
            return []
        threshold = max(newly)
        level = AlertLevel.DANGER if threshold == thresholds[-1] and len(thresholds) > 1 else AlertLevel.WARNING
        ratio = "past 100" if math.isinf(value) else f"{value * 100:.1f}"
        text = f"{account.label}: margin ratio {ratio} % (threshold {threshold * 100:g} %; liquidation at 100 %)"
        shown = None if math.isinf(value) else value
        return self._fire(Alert(AlertKind.ACCOUNT_MARGIN_RATIO, level, account.key, account.label, text, now_ms,
                                shown, threshold))

    def _feed(self, view: PositionView, now_ms: int) -> list[Alert]:
        feed = self._feeds.setdefault(view.key, _Feed())
        if not view.stale:
            was_announced = feed.announced
            feed.down_since_ms, feed.announced = None, False
            if was_announced:
                text = f"{view.label}: mark feed back ({view.mark_source})"
                return [Alert(AlertKind.FEED_RESTORED, AlertLevel.INFO, view.key, view.label, text, now_ms)]
            return []
        if feed.down_since_ms is None:
            feed.down_since_ms = now_ms
        if feed.announced or now_ms - feed.down_since_ms < self.rules.feed_down_after_ms:
            return []
        text = f"{view.label}: mark feed down, distance to liquidation not current ({view.stale_reason})"
        fired = self._fire(Alert(AlertKind.FEED_DOWN, AlertLevel.WARNING, view.key, view.label, text, now_ms))
        feed.announced = bool(fired)
        return fired

    def _fire(self, alert: Alert) -> list[Alert]:
        key = (alert.subject, alert.kind, alert.threshold)
        last = self._last_fired.get(key)
        if last is not None and alert.at_ms - last < self.rules.cooldown_ms:
            return []
        self._last_fired[key] = alert.at_ms
        return [alert]


def _ladder(
    crossed: set[float], value: float, thresholds: Sequence[float], band: float, worse_below: bool
) -> list[float]:
    """Update which thresholds are crossed; return those newly crossed. A crossed threshold re-arms
    once the value is back beyond it by `band` (hysteresis)."""
    newly = []
    for threshold in thresholds:
        beyond = value <= threshold if worse_below else value >= threshold
        if beyond:
            if threshold not in crossed:
                crossed.add(threshold)
                newly.append(threshold)
        elif threshold in crossed and (value >= threshold + band if worse_below else value <= threshold - band):
            crossed.discard(threshold)
    return newly


def _price(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.6g}"
