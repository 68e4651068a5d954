"""Alerts: thresholds 10 → 5 → 2 % fire once each, no flapping inside the hysteresis band, cooldown,
liquidation, account margin ratio, feed down and back — on real book valuations."""

from __future__ import annotations

import pytest

from app.core.positions import (
    Account,
    AlertKind,
    AlertLevel,
    AlertMonitor,
    AlertRules,
    ContractData,
    Mark,
    Position,
    value_book,
)

T0 = 1_768_900_000_000
SECOND = 1_000
# Isolated long, 1 @ 100 with margin 10.5 and mmr 0.5 %: LP = (100 − 10.5) / 0.995 ≈ 89.95.
POSITION = Position("gate", "a", "ETHX", "ETH", "long", 1, 100, isolated_margin=10.5,
                    contract=ContractData(mmr=0.005))
LP = (100 - 10.5) / 0.995


def _mark_for(distance_pct: float) -> float:
    return LP / (1 - distance_pct / 100)


class Feed:
    """Successive valuations of one position at chosen distances, one second apart."""

    def __init__(self, rules: AlertRules | None = None) -> None:
        self.monitor = AlertMonitor(rules)
        self.now = T0

    def at(self, distance_pct: float, advance_ms: int = SECOND, mark_age_ms: int = 0) -> list:
        self.now += advance_ms
        marks = {("gate", "ETHX"): Mark(_mark_for(distance_pct), self.now - mark_age_ms, "gate/mark")}
        book = value_book([], [POSITION], marks, self.now)
        assert abs(book.positions[0].distance_pct - distance_pct) < 1e-9
        return self.monitor.update(book, self.now)


def test_crossing_10_5_2_fires_once_each() -> None:
    feed = Feed()
    fired = []
    for distance in (14, 12, 9.5, 8, 7, 4.8, 4.5, 3, 1.9, 1.5, 1.2):
        fired.extend(feed.at(distance))
    assert [(alert.kind, alert.level, alert.threshold) for alert in fired] == [
        (AlertKind.DISTANCE, AlertLevel.WATCH, 10.0),
        (AlertKind.DISTANCE, AlertLevel.WARNING, 5.0),
        (AlertKind.DISTANCE, AlertLevel.DANGER, 2.0),
    ]
    assert fired[0].subject == POSITION.key and "9.50 % from liquidation" in fired[0].text
    assert fired[2].value == pytest.approx(1.9) and fired[2].at_ms == T0 + 9 * SECOND


def test_a_jump_across_several_thresholds_announces_only_the_deepest() -> None:
    feed = Feed()
    assert feed.at(12) == []
    (alert,) = feed.at(1.5)
    assert alert.threshold == 2.0 and alert.level is AlertLevel.DANGER
    assert feed.at(4) == [] and feed.at(9) == []  # back up through 5 and 10 without re-alerting downwards


def test_oscillation_inside_the_hysteresis_band_does_not_refire() -> None:
    feed = Feed(AlertRules(hysteresis_pct=0.5, cooldown_ms=0))
    assert len(feed.at(4.9)) == 1  # crosses 10 and 5 at once: one alert (5 %)
    for distance in (5.1, 4.95, 5.3, 4.8, 5.45, 4.99):
        assert feed.at(distance) == [], distance
    # out of the band (≥ 5.5) re-arms; the next crossing fires again
    assert feed.at(5.6) == []
    (again,) = feed.at(4.9)
    assert again.threshold == 5.0


def test_cooldown_swallows_a_repeat_within_it() -> None:
    feed = Feed(AlertRules(hysteresis_pct=0.5, cooldown_ms=60 * SECOND))
    assert [alert.threshold for alert in feed.at(4.9)] == [5.0]
    assert feed.at(6.0, advance_ms=10 * SECOND) == []  # re-armed
    assert feed.at(4.9, advance_ms=10 * SECOND) == []  # 20 s later: inside the cooldown
    assert feed.at(6.0, advance_ms=10 * SECOND) == []
    (after,) = feed.at(4.9, advance_ms=40 * SECOND)  # 70 s after the first: fires
    assert after.threshold == 5.0


def test_liquidation_is_critical_and_once() -> None:
    feed = Feed()
    feed.at(3)
    (alert,) = feed.at(-0.5)
    assert alert.kind is AlertKind.LIQUIDATED and alert.level is AlertLevel.CRITICAL
    assert feed.at(-1) == []


def test_stale_mark_raises_feed_down_once_and_judges_no_distance() -> None:
    feed = Feed()
    assert feed.at(12) == []
    (down,) = feed.at(1.5, mark_age_ms=9 * SECOND)  # stale: the 2 % crossing is not judged on it
    assert down.kind is AlertKind.FEED_DOWN and down.level is AlertLevel.WARNING and "old" in down.text
    assert feed.at(1.5, mark_age_ms=10 * SECOND) == []
    back = feed.at(1.5)
    assert [alert.kind for alert in back] == [AlertKind.FEED_RESTORED, AlertKind.DISTANCE]


def test_missing_mark_is_a_feed_down() -> None:
    monitor = AlertMonitor()
    (down,) = monitor.update(value_book([], [POSITION], {}, T0), T0)
    assert down.kind is AlertKind.FEED_DOWN and "no mark" in down.text


def test_account_margin_ratio_crossing_thresholds() -> None:
    account = Account("binance", "x", wallet_balance=1_000)
    position = Position("binance", "x", "BTCX", "BTC", "long", 1, 10_000, margin_mode="cross",
                        contract=ContractData(mmr=0.05))
    monitor = AlertMonitor(AlertRules(distance_thresholds_pct=(), account_ratio_thresholds=(0.8, 0.9)))

    def at(mark: float, now: int) -> list:
        return monitor.update(value_book([account], [position], {("binance", "BTCX"): Mark(mark, now, "t")}, now), now)

    # ratio = 0.05 m / (1,000 + m − 10,000): 0.8 at m = 9,600, 0.9 at ≈ 9,529.4, 1 at ≈ 9,473.7
    assert at(10_000, T0) == []
    (warning,) = at(9_590, T0 + SECOND)
    assert warning.kind is AlertKind.ACCOUNT_MARGIN_RATIO and warning.threshold == 0.8
    assert warning.level is AlertLevel.WARNING and warning.subject == ("binance", "x")
    (danger,) = at(9_520, T0 + 2 * SECOND)
    assert danger.threshold == 0.9 and danger.level is AlertLevel.DANGER
    assert at(9_525, T0 + 3 * SECOND) == []  # within the band of 0.9
    assert at(9_700, T0 + 4 * SECOND) == []  # 0.76: both re-armed
    assert [alert.threshold for alert in at(9_590, T0 + 400 * SECOND)] == [0.8]
