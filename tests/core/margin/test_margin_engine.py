"""Engine behaviour beyond the worked examples: tier re-pick, no-liquidation cases, account modes,
missing maintenance data, the exchange's own figure."""

from __future__ import annotations

import msgspec
import pytest

from app.core.margin import MarginInputError, OtherPosition, Position, Tier, compute
from app.core.margin.model import FLAG_LEVERAGE_ABOVE_MAX, FLAG_LIQUIDATED_AT_ENTRY
from app.core.margin.tiers import bundled_symbols, bundled_tiers


def test_bundled_tables_carry_date_and_source() -> None:
    assert bundled_symbols("binance") == ["BTCUSDT", "ETHUSDT"]
    assert bundled_symbols("hyperliquid") == ["BTC", "ETH", "SOL", "XRP"]
    assert bundled_symbols("okx") == []
    tiers, label = bundled_tiers("binance", "btc-usdt", "linear")
    assert "2024-10-24" in label
    assert tiers[2] == Tier(600_000, 3_000_000, 0.0065, 950, 75)
    assert bundled_tiers("binance", "BTCUSDT", "inverse") is None


def test_tier_is_repicked_lower_at_a_long_liquidation_price() -> None:
    # 60 BTC @ 1,000 = 60k notional (tier 2 at entry); at 1.1x the LP notional falls into tier 1.
    result = compute(Position(venue="binance", symbol="BTCUSDT", side="long", entry_price=1_000, quantity=60,
                              leverage=1.1))
    assert result.tier.mmr == 0.004
    assert result.liquidation_price * 60 < 50_000
    at_lp = compute(msgspec.structs.replace(
        Position(venue="binance", symbol="BTCUSDT", side="long", entry_price=1_000, quantity=60, leverage=1.1),
        mark_price=result.liquidation_price))
    assert at_lp.margin_ratio == pytest.approx(1.0, abs=1e-9)


def test_tier_is_repicked_higher_at_a_short_liquidation_price() -> None:
    # 100 BTC short @ 5,000 = 500k (tier 2 at entry); at 1x the LP notional is ~1M: tier 3.
    result = compute(Position(venue="binance", symbol="BTCUSDT", side="short", entry_price=5_000, quantity=100,
                              leverage=1))
    assert result.tier.mmr == 0.0065
    assert 600_000 <= result.liquidation_price * 100 <= 3_000_000


def test_hyperliquid_bundled_btc_second_tier_above_150m() -> None:
    result = compute(Position(venue="hyperliquid", symbol="BTC", side="short", entry_price=100_000, quantity=1_600,
                              leverage=5))
    assert result.tier.max_leverage == 20
    assert result.tier.maintenance_amount == pytest.approx(150e6 * (0.025 - 0.0125))


def test_user_tiers_with_a_downward_jump_liquidate_on_the_boundary() -> None:
    tiers = (Tier(0, 95, 0.2, 0), Tier(95, float("inf"), 0.01, 0))
    result = compute(Position(venue="generic", side="long", entry_price=100, quantity=1, isolated_margin=10,
                              tiers=tiers))
    assert result.liquidation_price == pytest.approx(95)


def test_fully_collateralised_long_has_no_liquidation_price() -> None:
    result = compute(Position(venue="binance", side="long", entry_price=100, quantity=1, leverage=1, mmr=0.005))
    assert result.liquidation_price is None and result.distance_price is None
    assert "fall to zero" in result.note


def test_coin_margined_short_covered_in_coin_has_no_liquidation_price() -> None:
    result = compute(Position(venue="generic", contract="inverse", side="short", entry_price=50_000, quantity=10_000,
                              isolated_margin=0.25, mmr=0.005))
    assert result.liquidation_price is None
    assert "coin-margined short" in result.note


def test_bybit_extra_margin_moves_the_liquidation_price_by_extra_over_q() -> None:
    result = compute(Position(venue="bybit", side="long", entry_price=20_000, quantity=1, leverage=50, mmr=0.005,
                              extra_margin=100))
    assert result.liquidation_price == pytest.approx(19_600)


@pytest.mark.parametrize(("venue", "mode"), [("binance", "multi_assets"), ("binance", "portfolio_margin"),
                                             ("bybit", "multi_collateral"), ("bybit", "portfolio_margin"),
                                             ("okx", "multi_currency"), ("okx", "portfolio_margin")])
def test_account_level_modes_are_exchange_figures_only(venue: str, mode: str) -> None:
    result = compute(Position(venue=venue, side="long", entry_price=100, quantity=1, margin_mode="cross",
                              account_mode=mode, exchange_liquidation_price=80))
    assert result.exchange_figures_only
    assert result.liquidation_price is None and result.margin_ratio is None
    assert result.note.startswith("exchange figures only")
    assert result.exchange_liquidation_price == 80


def test_standard_account_mode_is_computed_and_unknown_modes_rejected() -> None:
    ok = compute(Position(venue="okx", side="long", entry_price=100, quantity=1, leverage=10, mmr=0.01,
                          account_mode="standard"))
    assert not ok.exchange_figures_only and ok.liquidation_price is not None
    with pytest.raises(MarginInputError) as error:
        compute(Position(venue="gate", side="long", entry_price=100, quantity=1, leverage=10, mmr=0.01,
                         account_mode="portfolio_margin"))
    assert error.value.field == "account_mode"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"venue": "kraken"}, "venue", "unknown venue"),
        ({"venue": "okx", "mmr": None}, "mmr", "okx"),
        ({"venue": "gate", "mmr": None, "symbol": "BTC_USDT"}, "mmr", "BTC_USDT"),
        ({"mmr": None, "maintenance_amount": 5.0}, "mmr", "maintenance_amount"),
        ({"venue": "hyperliquid", "contract": "inverse"}, "contract", "hyperliquid"),
        ({"leverage": None}, "isolated_margin", "leverage"),
        ({"margin_mode": "cross"}, "wallet_balance", "wallet"),
        ({"margin_mode": "cross", "wallet_balance": 10.0, "extra_margin": 1.0}, "extra_margin", "isolated"),
        ({"other_positions": (OtherPosition("short", 10, 1),)}, "other_positions", "cross"),
        ({"margin_mode": "cross", "wallet_balance": 10.0, "other_positions": (OtherPosition("short", 10, 1),)},
         "other_positions[0].mmr", "mmr"),
    ],
)
def test_missing_or_conflicting_inputs_name_the_field(changes: dict, field: str, words: str) -> None:
    base = Position(venue="binance", side="long", entry_price=100, quantity=1, leverage=10, mmr=0.005)
    with pytest.raises(MarginInputError) as error:
        compute(msgspec.structs.replace(base, **changes))
    assert error.value.field == field
    assert words in error.value.message


def test_exchange_liquidation_price_disagreement_is_flagged() -> None:
    base = Position(venue="binance", side="long", entry_price=100, quantity=1, leverage=10, mmr=0.005)
    ours = compute(base).liquidation_price
    close = compute(msgspec.structs.replace(base, exchange_liquidation_price=ours * 1.001))
    far = compute(msgspec.structs.replace(base, exchange_liquidation_price=ours * 1.05))
    assert close.notes == () and close.exchange_disagreement_pct == pytest.approx(-0.0999, abs=1e-3)
    assert any("differs from the exchange" in note for note in far.notes)


def test_leverage_above_the_tier_maximum_is_noted_and_unused_fees_said() -> None:
    result = compute(Position(venue="binance", symbol="BTCUSDT", side="long", entry_price=100_000, quantity=10,
                              leverage=125, taker_fee=0.0005))
    assert any("exceeds the tier's max leverage" in note for note in result.notes)
    assert any("taker_fee is not used" in note for note in result.notes)


def test_past_bankruptcy_has_no_ratio_but_says_why() -> None:
    result = compute(Position(venue="binance", side="long", entry_price=100, quantity=1, leverage=10, mmr=0.005,
                              mark_price=80))
    assert result.margin_ratio is None
    assert result.distance_price < 0
    assert any("past bankruptcy" in note for note in result.notes)


def test_leverage_past_liquidation_on_opening_is_flagged_naming_the_field() -> None:
    # 1000x on Bybit with a 0.5 % maintenance rate: margin 20 < maintenance 100 at entry, so the
    # liquidation price (20,080) sits above the long's entry; flagged, not silently accepted.
    result = compute(Position(venue="bybit", side="long", entry_price=20_000, quantity=1, leverage=1_000, mmr=0.005))
    assert result.liquidation_price > 20_000
    assert FLAG_LIQUIDATED_AT_ENTRY in result.flags
    assert any(note.startswith("leverage: 1000") for note in result.notes)
    given_margin = compute(Position(venue="gate", side="short", entry_price=100, quantity=1, isolated_margin=0.1,
                                    mmr=0.01))
    assert FLAG_LIQUIDATED_AT_ENTRY in given_margin.flags
    assert any(note.startswith("isolated_margin:") for note in given_margin.notes)
    sound = compute(Position(venue="bybit", side="long", entry_price=20_000, quantity=1, leverage=50, mmr=0.005))
    assert sound.flags == () and sound.notes == ()


def test_leverage_above_the_opening_bracket_maximum_is_flagged() -> None:
    # 10 BTC @ 100k opens in the 600k-3M bracket (max 75x) even though the LP bracket differs.
    result = compute(Position(venue="binance", symbol="BTCUSDT", side="long", entry_price=100_000, quantity=10,
                              leverage=100))
    assert FLAG_LEVERAGE_ABOVE_MAX in result.flags
    hyperliquid = compute(Position(venue="hyperliquid", side="long", entry_price=3_000, quantity=1, leverage=40,
                                   max_leverage=25))
    assert FLAG_LEVERAGE_ABOVE_MAX in hyperliquid.flags


def test_hedge_leg_in_other_positions_is_said_to_be_held_at_its_mark() -> None:
    from app.core.margin.engine import HEDGE_NOTE

    hedge = compute(Position(venue="binance", side="long", entry_price=100, quantity=1, margin_mode="cross",
                             wallet_balance=20, mmr=0.005, symbol="BTCUSDT", position_mode="hedge",
                             other_positions=(OtherPosition("short", 100, 0.5, mmr=0.005, symbol="BTCUSDT"),)))
    assert HEDGE_NOTE in hedge.notes
