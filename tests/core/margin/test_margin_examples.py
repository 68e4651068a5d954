"""The venues' own worked examples (resources/docs/margin.md), to the cent where the source allows."""

from __future__ import annotations

import pytest

from app.core.margin import OtherPosition, Position, compute
from app.core.margin.tiers import chain_maintenance_amounts

WALLET = 1_535_443.01
BTC = {"side": "long", "entry_price": 32_481.98, "quantity": 109.488, "mark_price": 31_967.27, "mmr": 0.025,
       "maintenance_amount": 16_300.0}
ETH = {"side": "long", "entry_price": 1_456.84, "quantity": 3_683.979, "mark_price": 1_335.18, "mmr": 0.10,
       "maintenance_amount": 135_365.0}


def _binance_cross(position: dict, other: dict) -> Position:
    return Position(venue="binance", margin_mode="cross", wallet_balance=WALLET,
                    other_positions=(OtherPosition(**other),), **position)


def test_binance_usdm_cross_faq_example_eth() -> None:
    assert round(compute(_binance_cross(ETH, BTC)).liquidation_price, 2) == 1_153.26


def test_binance_usdm_cross_faq_example_btc() -> None:
    assert round(compute(_binance_cross(BTC, ETH)).liquidation_price, 2) == 26_316.89


def test_binance_cross_example_intermediate_figures() -> None:
    # TMM(BTC) = 71,200.81 and UPNL(BTC) = −56,354.57 as printed on the FAQ page.
    result = compute(_binance_cross(ETH, BTC))
    assert round(result.maintenance_margin - result.position_maintenance_margin, 2) == 71_200.81
    eth_alone = compute(Position(venue="binance", margin_mode="cross", wallet_balance=WALLET, **ETH))
    assert round(eth_alone.position_maintenance_margin, 2) == 356_512.51


def test_binance_maintenance_amount_recursion_usdm_and_coinm() -> None:
    # 2021 BTCUSDT: level 5 = 250,000 × (1 % − 0.5 %) + 50 = 1,300; COIN-M BTCUSD: 50 × (5 % − 2.5 %) + 0.56 = 1.81.
    usdm = chain_maintenance_amounts([(0, None, 0.004, None, None), (50_000, None, 0.005, None, None),
                                      (250_000, None, 0.01, None, None)])
    assert [t.maintenance_amount for t in usdm] == pytest.approx([0, 50, 1_300])
    coinm = chain_maintenance_amounts([(0, None, 0.025, 0.56, None), (50, None, 0.05, None, None)])
    assert coinm[1].maintenance_amount == pytest.approx(1.81)


def test_binance_coinm_formula_value_of_forum_thread_6292() -> None:
    # 101 BTC wallet, long 10,000,000 USD @ 45,000, MMR 12.5 %, amount 11.81 BTC: the formula gives
    # 33,578.86 (Binance's calculator showed 33,599.40; the gap is unexplained upstream).
    result = compute(Position(venue="binance", contract="inverse", margin_mode="cross", side="long",
                              entry_price=45_000, quantity=10_000_000, wallet_balance=101, mmr=0.125,
                              maintenance_amount=11.81))
    assert round(result.liquidation_price, 2) == 33_578.86


@pytest.mark.parametrize("taker_fee", [0.0, 0.00055])
def test_bybit_isolated_help_example(taker_fee: float) -> None:
    # Long 1 BTC @ 20,000, 50x, MMR 0.5 %: IM 400, MM 100, LP 19,700. The UTA fee to close sits in
    # both IM and MM, so it cancels.
    result = compute(Position(venue="bybit", side="long", entry_price=20_000, quantity=1, leverage=50, mmr=0.005,
                              taker_fee=taker_fee))
    assert round(result.liquidation_price, 2) == 19_700.00
    if not taker_fee:
        assert result.position_maintenance_margin == pytest.approx(100)
        assert result.margin_balance == pytest.approx(400)


def test_bybit_inverse_legacy_cross_example() -> None:
    # Balance 0.5 BTC, long 10,000 USD @ 8,000, MMR 0.5 %, fee 0.075 %: bankruptcy 5,718.57 (as printed);
    # LP 5,739.08 by recomputation; the page prints 5,739.50, which its own figures do not give.
    result = compute(Position(venue="bybit", contract="inverse", margin_mode="cross", side="long", entry_price=8_000,
                              quantity=10_000, wallet_balance=0.5, mmr=0.005, taker_fee=0.00075))
    assert round(result.bankruptcy_price, 2) == 5_718.57
    assert round(result.liquidation_price, 2) == 5_739.08


def test_bybit_inverse_legacy_isolated_example() -> None:
    # 60,000 USD @ 50,000, 10x, MMR 0.5 %: PV 1.2, IM 0.12, MM 0.006 → LP = C/(PV + IM − MM) = 45,662.10.
    result = compute(Position(venue="bybit", contract="inverse", side="long", entry_price=50_000, quantity=60_000,
                              leverage=10, mmr=0.005))
    assert round(result.liquidation_price, 2) == 45_662.10
    assert result.position_maintenance_margin == pytest.approx(0.006)


def test_okx_bigtime_mgn_ratio_and_liquidation_price() -> None:
    # ccxt issue #28121 payload: OKX's mgnRatio field is 6.064828669759086.
    result = compute(Position(venue="okx", side="long", entry_price=0.01305, mark_price=0.01304, quantity=613,
                              contract_size=10, isolated_margin=9.9995625, mmr=0.02, taker_fee=0.0005))
    assert result.venue_margin_ratio == pytest.approx(6.064828669759086, rel=1e-12)
    assert result.margin_ratio == pytest.approx(1 / 6.064828669759086, rel=1e-12)
    # Posted liqPx 0.0116677… differs by exactly 1e-5 from the formula (hand-anonymised payload).
    q, margin = 6_130.0, 9.9995625
    assert result.liquidation_price == pytest.approx((q * 0.01305 - margin) / (q * (1 - 0.02 - 0.0005)), rel=1e-12)
    assert round(result.liquidation_price, 7) == 0.0116577


def test_hyperliquid_news_case_cross_and_isolated() -> None:
    # 2,200 ETH long at mark 3,031.82, ETH 25x (maintenance leverage 50): margin available ≈ 87,077 USDC
    # (account value ≈ 220,477 as the sole cross position) → LP ≈ 2,991.43; isolated 25x ≈ 2,969.94.
    cross = compute(Position(venue="hyperliquid", margin_mode="cross", side="long", entry_price=3_031.82,
                             quantity=2_200, wallet_balance=220_477, max_leverage=25))
    assert cross.liquidation_price == pytest.approx(2_991.43, abs=0.01)
    isolated = compute(Position(venue="hyperliquid", side="long", entry_price=3_031.82, quantity=2_200, leverage=25,
                                symbol="ETH"))
    assert isolated.liquidation_price == pytest.approx(2_969.94, abs=0.01)
    assert isolated.tier.max_leverage == 25


def test_gate_help_formula() -> None:
    # (EP ∓ margin/Q) / (1 ∓ (MMR + taker))
    entry, qty, margin, mmr, fee = 90_000.0, 0.5, 4_500.0, 0.005, 0.0005
    long = compute(Position(venue="gate", side="long", entry_price=entry, quantity=qty, isolated_margin=margin,
                            mmr=mmr, taker_fee=fee))
    short = compute(Position(venue="gate", side="short", entry_price=entry, quantity=qty, isolated_margin=margin,
                             mmr=mmr, taker_fee=fee))
    assert long.liquidation_price == pytest.approx((entry - margin / qty) / (1 - (mmr + fee)), rel=1e-12)
    assert short.liquidation_price == pytest.approx((entry + margin / qty) / (1 + (mmr + fee)), rel=1e-12)


def test_bitget_close_to_ccxt_product_form() -> None:
    # ccxt: (EP − margin/Q) / ((1 − MMR)(1 − taker)); ours adds the rates: they differ by ~MMR × taker.
    entry, qty, margin, mmr, fee = 3_000.0, 5.0, 600.0, 0.005, 0.0006
    result = compute(Position(venue="bitget", side="long", entry_price=entry, quantity=qty, isolated_margin=margin,
                              mmr=mmr, taker_fee=fee))
    assert result.liquidation_price == pytest.approx((entry - margin / qty) / ((1 - mmr) * (1 - fee)), rel=1e-5)


def test_generic_inverse_formula() -> None:
    size, entry, margin, mmr = 10_000.0, 50_000.0, 0.05, 0.005
    long = compute(Position(venue="generic", contract="inverse", side="long", entry_price=entry, quantity=size,
                            isolated_margin=margin, mmr=mmr))
    short = compute(Position(venue="generic", contract="inverse", side="short", entry_price=entry, quantity=size,
                             isolated_margin=margin, mmr=mmr))
    assert long.liquidation_price == pytest.approx(size * (1 + mmr) / (size / entry + margin), rel=1e-12)
    assert short.liquidation_price == pytest.approx(size * (1 - mmr) / (size / entry - margin), rel=1e-12)
