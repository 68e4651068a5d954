"""Liquidation alert rules, pure: tiers, cooldowns, edge-triggered window rules, liq/OI with a fake
input, the rate spike against the trailing hour, and the dialog's field validation."""

from __future__ import annotations

import pytest

from app.core.events import Liquidation
from app.core.liquidation_alerts import (
    DEFAULT_TIERS,
    HOUR_MS,
    LiqOiRule,
    RateSpikeRule,
    RuleBook,
    SingleRule,
    Tier,
    WindowTotalRule,
    decode_rule,
    default_rules,
    describe,
    encode_rule,
    highest_tier,
    parse_usd,
    rule_fields,
    rule_from_fields,
    sample_firing,
    usd_text,
)

T0 = 1_768_946_437_562


def liq(usd: float, coin: str = "BTC", completeness: str = "all", side: str = "long", n: int = 0) -> Liquidation:
    return Liquidation("bitget", f"{coin}USDT", coin, "linear_perp", side, 87_850.6, usd / 87_850.6, usd,  # type: ignore[arg-type]
                       T0, completeness, f"id{n}-{usd}")  # type: ignore[arg-type]


class FakeFigures:
    def __init__(self, totals: dict[int, float] | None = None, counts: dict[int, int] | None = None,
                 covered_ms: int = 24 * HOUR_MS, ratio: float | None = None) -> None:
        self.totals = totals or {}
        self.counts = counts or {}
        self.covered = covered_ms
        self.ratio = ratio
        self.asked: list[tuple[int, str | None]] = []

    def total_usd(self, window_ms: int, coin: str | None) -> float | None:
        self.asked.append((window_ms, coin))
        return self.totals.get(window_ms)

    def count(self, window_ms: int, coin: str | None) -> int | None:
        return self.counts.get(window_ms)

    def covered_ms(self) -> int:
        return self.covered

    def liq_oi_ratio(self, window_ms: int, coin: str | None) -> float | None:
        return self.ratio


def test_highest_matching_tier_is_chosen_with_its_level_and_sound() -> None:
    book = RuleBook([SingleRule("s", "Large")])
    (firing,) = book.on_liquidations([liq(150_000.0), liq(13_520_031.64), liq(2_000_000.0)], T0)
    assert firing.key == "liq-rule:s:2"
    assert (firing.level, firing.sound) == ("critical", "siren")
    assert "$13.52M" in firing.title and "BTCUSDT" in firing.title
    assert highest_tier(DEFAULT_TIERS, 999_999.0) == 0
    assert highest_tier(DEFAULT_TIERS, 1_000_000.0) == 1
    assert highest_tier(DEFAULT_TIERS, 99_999.0) == -1


def test_single_rule_fires_once_per_cooldown() -> None:
    book = RuleBook([SingleRule("s", "≥ $10M", cooldown_s=60, tiers=(Tier(10_000_000.0, "critical", "siren"),))])
    assert len(book.on_liquidations([liq(13_520_031.64)], T0)) == 1
    assert book.on_liquidations([liq(12_000_000.0)], T0 + 59_999) == []  # inside the cooldown
    assert book.on_liquidations([liq(9_000_000.0)], T0 + 70_000) == []  # below every tier
    assert len(book.on_liquidations([liq(11_000_000.0)], T0 + 60_000)) == 1  # the cooldown is over
    assert book.stats("s") == (2, 1)


def test_a_higher_tier_breaks_through_the_cooldown_a_lower_one_does_not() -> None:
    book = RuleBook([SingleRule("s", "Large", cooldown_s=300)])
    assert [f.key for f in book.on_liquidations([liq(150_000.0)], T0)] == ["liq-rule:s:0"]
    assert [f.key for f in book.on_liquidations([liq(13_520_031.64)], T0 + 1_000)] == ["liq-rule:s:2"]
    assert book.on_liquidations([liq(2_000_000.0)], T0 + 2_000) == []  # lower than the last announced
    assert book.on_liquidations([liq(14_000_000.0)], T0 + 3_000) == []  # the same tier: still cooling


def test_aggregated_records_and_other_coins_are_not_single_liquidations() -> None:
    book = RuleBook([SingleRule("s", "BTC", coin="BTC")])
    assert book.on_liquidations([liq(50_000_000.0, completeness="aggregated"), liq(50_000_000.0, coin="ETH")],
                                T0) == []
    assert len(book.on_liquidations([liq(150_000.0, completeness="sampled")], T0)) == 1


def test_disabled_rules_never_fire_and_an_edit_resets_only_that_rule() -> None:
    one = SingleRule("a", "A", cooldown_s=600)
    two = SingleRule("b", "B", cooldown_s=600)
    book = RuleBook([one, two, SingleRule("c", "C", enabled=False)])
    assert {f.rule_id for f in book.on_liquidations([liq(200_000.0)], T0)} == {"a", "b"}
    book.set_rules([one, SingleRule("b", "B", cooldown_s=300), SingleRule("c", "C", enabled=False)])
    assert {f.rule_id for f in book.on_liquidations([liq(200_000.0)], T0 + 1)} == {"b"}  # a keeps cooling


def test_window_total_is_edge_triggered_and_rearms_below_the_threshold() -> None:
    rule = WindowTotalRule("w", "1 h ≥ $100M", window="1h", threshold_usd=100e6, cooldown_s=1)
    book = RuleBook([rule])
    figures = FakeFigures(totals={HOUR_MS: 120e6})
    assert len(book.on_tick(figures, T0)) == 1
    assert figures.asked == [(HOUR_MS, None)]
    assert book.on_tick(figures, T0 + 600_000) == []  # still above: no repeat
    figures.totals[HOUR_MS] = 80e6
    assert book.on_tick(figures, T0 + 601_000) == []
    figures.totals[HOUR_MS] = 101e6
    (again,) = book.on_tick(figures, T0 + 602_000)
    assert "$101.0M" in again.body and again.cooldown_ms == 1_000


def test_a_recrossing_inside_the_cooldown_is_swallowed() -> None:
    book = RuleBook([WindowTotalRule("w", "w", threshold_usd=10.0, cooldown_s=60)])
    high, low = FakeFigures(totals={HOUR_MS: 20.0}), FakeFigures(totals={HOUR_MS: 5.0})
    assert len(book.on_tick(high, T0)) == 1
    book.on_tick(low, T0 + 1_000)
    assert book.on_tick(high, T0 + 2_000) == []
    book.on_tick(low, T0 + 3_000)
    assert len(book.on_tick(high, T0 + 61_000)) == 1
    assert book.stats("w") == (2, 1)


def test_liq_oi_rule_is_silent_without_open_interest_and_fires_on_a_fake_ratio() -> None:
    book = RuleBook([LiqOiRule("r", "24 h liq/OI ≥ 1%", ratio=0.01)])
    assert book.on_tick(FakeFigures(ratio=None), T0) == []
    assert book.on_tick(None, T0) == []
    assert book.on_tick(FakeFigures(ratio=0.009), T0) == []
    (firing,) = book.on_tick(FakeFigures(ratio=0.0123), T0 + 1)
    assert "1.23%" in firing.body


def test_rate_spike_against_the_trailing_hour() -> None:
    rule = RateSpikeRule("k", "spike", recent_min=5, factor=3, min_count=20)
    five, hour_and_five = 5 * 60_000, HOUR_MS + 5 * 60_000
    book = RuleBook([rule])
    # Not judged before the figures cover the hour before the recent 5 minutes.
    assert book.on_tick(FakeFigures(counts={five: 500, hour_and_five: 500}, covered_ms=HOUR_MS), T0) == []
    # Trailing hour: 720 in 3600 s = 0.2/s; recent 180 in 300 s = 0.6/s = 3× → fires.
    (firing,) = book.on_tick(FakeFigures(counts={five: 180, hour_and_five: 900}), T0)
    assert "0.60 liquidations/s" in firing.body and "3.0×" in firing.body
    book = RuleBook([rule])
    assert book.on_tick(FakeFigures(counts={five: 179, hour_and_five: 899}), T0) == []  # 2.98×
    assert book.on_tick(FakeFigures(counts={five: 19, hour_and_five: 19}), T0) == []  # under min_count
    assert len(book.on_tick(FakeFigures(counts={five: 20, hour_and_five: 20}), T0)) == 1  # from nothing


def test_rules_round_trip_through_json_and_fields() -> None:
    for rule in default_rules():
        assert decode_rule(encode_rule(rule)) == rule
        again, errors = rule_from_fields(rule.id, rule_fields(rule))
        assert errors == {} and again == rule, describe(rule)
    assert '"kind":"single"' in encode_rule(default_rules()[0])


def test_sample_firing_uses_the_top_tier_sound_and_says_it_is_a_test() -> None:
    firing = sample_firing(default_rules()[0], T0)
    assert firing.title.startswith("Test alert") and firing.sound == "siren" and firing.cooldown_ms == 0


@pytest.mark.parametrize(("text", "value"), [("10M", 10e6), ("$1.5k", 1500.0), ("250,000", 250e3),
                                             ("2b", 2e9), ("-$3M", -3e6), ("abc", None), ("", None), ("1e400", None)])
def test_parse_usd(text: str, value: float | None) -> None:
    assert parse_usd(text) == value


def test_usd_text() -> None:
    assert [usd_text(v) for v in (10e6, 150e3, 1.25e6, 999.0)] == ["10M", "150k", "1.25M", "999"]


def fields(**overrides: str) -> dict[str, str]:
    base = {"kind": "single", "name": "Large", "cooldown_s": "60", "coin": "", "tiers": "100k, 1M, 10M",
            "tier_levels": "", "tier_sounds": ""}
    return {**base, **overrides}


@pytest.mark.parametrize(("overrides", "field", "why"), [
    ({"name": " "}, "name", "required"),
    ({"cooldown_s": "0.5"}, "cooldown_s", "at least 1"),
    ({"cooldown_s": "x"}, "cooldown_s", "seconds"),
    ({"tiers": "1M, 100k"}, "tiers", "ascending"),
    ({"tiers": "1M, 1M"}, "tiers", "ascending"),
    ({"tiers": "-5"}, "tiers", "positive"),
    ({"tiers": "5 apples"}, "tiers", "not a USD amount"),
    ({"tiers": "0"}, "tiers", "positive"),
    ({"tiers": ""}, "tiers", "at least one"),
    ({"tier_sounds": "chime, bell, siren"}, "tier_sounds", "'bell'"),
    ({"tier_levels": "info, warning"}, "tier_levels", "one level per tier"),
    ({"coin": "BTC/USDT"}, "coin", "coin"),
    ({"kind": "window_total", "window": "2h", "threshold_usd": "100M", "level": "warning", "sound": "alarm"},
     "window", "one of"),
    ({"kind": "window_total", "window": "1h", "threshold_usd": "0", "level": "warning", "sound": "alarm"},
     "threshold_usd", "positive"),
    ({"kind": "liq_oi", "window": "24h", "ratio_pct": "-1", "level": "warning", "sound": "alarm"},
     "ratio_pct", "positive"),
    ({"kind": "rate_spike", "recent_min": "5", "factor": "1", "min_count": "20", "level": "warning",
      "sound": "alarm"}, "factor", "above 1"),
    ({"kind": "rate_spike", "recent_min": "0.5", "factor": "3", "min_count": "2.5", "level": "warning",
      "sound": "alarm"}, "min_count", "whole"),
])
def test_every_field_is_validated_and_named(overrides: dict[str, str], field: str, why: str) -> None:
    rule, errors = rule_from_fields("x", fields(**overrides))
    assert rule is None
    assert why in errors[field]


def test_valid_fields_make_a_rule_with_default_tier_levels_and_sounds() -> None:
    rule, errors = rule_from_fields("x", fields(tiers="$10M", coin="btc", cooldown_s="1"))
    assert errors == {}
    assert rule == SingleRule("x", "Large", cooldown_s=1.0, coin="BTC", tiers=(Tier(10e6, "critical", "siren"),))
