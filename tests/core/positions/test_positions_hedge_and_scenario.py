"""Hedge mode (a long and a short on one symbol sharing a cross wallet) and the 2026-01-20 whale:
2,200 ETH long on Hyperliquid liquidating at $2,991.43, ~1.3 % below the mark."""

from __future__ import annotations

import msgspec
import pytest

from app.core.margin import OtherPosition, compute
from app.core.margin.engine import HEDGE_NOTE
from app.core.margin.model import Position as MarginPosition
from app.core.positions import Account, ContractData, Mark, Position, StressLevel, value_book

NOW = 1_768_900_000_000
BTC = ContractData(mmr=0.004, maintenance_amount=0.0)


def _hedge(wallet: float, long_size: float, long_entry: float, short_size: float, short_entry: float,
           mode: str = "hedge") -> tuple[Account, Position, Position]:
    account = Account("binance", "main", wallet_balance=wallet, position_mode=mode)
    long = Position("binance", "main", "BTCUSDT", "BTC", "long", long_size, long_entry, margin_mode="cross",
                    contract=BTC)
    short = Position("binance", "main", "BTCUSDT", "BTC", "short", short_size, short_entry, margin_mode="cross",
                     contract=BTC)
    return account, long, short


def _binance_hedge_lp(wallet: float, ql: float, epl: float, qs: float, eps: float, mmr: float) -> float:
    # resources/docs/margin.md §1.1 with TMM1 = UPNL1 = cum = 0 and no one-way position:
    # LP = (WB − Q_L·EP_L + Q_S·EP_S) / (Q_L·MMR_L + Q_S·MMR_S − Q_L + Q_S)
    return (wallet - ql * epl + qs * eps) / (ql * mmr + qs * mmr - ql + qs)


@pytest.mark.parametrize(("wallet", "ql", "epl", "qs", "eps", "mark"), [
    (10_000, 1.0, 50_000, 0.5, 52_000, 50_000),  # net long: liquidates on the way down
    (5_000, 0.4, 90_000, 1.0, 88_000, 89_000),  # net short: on the way up
    (3_000, 2.0, 60_000, 1.5, 61_000, 58_000),
])
def test_hedge_legs_share_binance_hedge_liquidation_price(wallet: float, ql: float, epl: float, qs: float,
                                                          eps: float, mark: float) -> None:
    account, long, short = _hedge(wallet, ql, epl, qs, eps)
    book = value_book([account], [long, short], {("binance", "BTCUSDT"): Mark(mark, NOW, "t")}, NOW)
    long_view, short_view = book.position(long.key), book.position(short.key)
    expected = _binance_hedge_lp(wallet, ql, epl, qs, eps, 0.004)
    assert long_view.hedged and short_view.hedged
    assert HEDGE_NOTE not in long_view.notes  # the engine's caveat is what the book resolves
    assert long_view.liquidation_price == pytest.approx(expected, rel=1e-9)
    assert short_view.liquidation_price == pytest.approx(expected, rel=1e-9)
    assert long_view.distance_price == pytest.approx(abs(mark - expected), rel=1e-9) and long_view.distance_price > 0
    # each leg sees the other as another position: the ratio at the mark is the engine's account ratio
    engine = compute(MarginPosition(
        venue="binance", side="long", entry_price=epl, quantity=ql, margin_mode="cross", mark_price=mark,
        wallet_balance=wallet, mmr=0.004, maintenance_amount=0.0, symbol="BTCUSDT", position_mode="hedge",
        other_positions=(OtherPosition("short", eps, qs, mark_price=mark, mmr=0.004, maintenance_amount=0.0,
                                       symbol="BTCUSDT"),)))
    assert long_view.margin_ratio == engine.margin_ratio == pytest.approx(short_view.margin_ratio, rel=1e-12)
    # at the shared price, with both legs there, the engine's account ratio is 1
    both_at_lp = compute(MarginPosition(
        venue="binance", side="long", entry_price=epl, quantity=ql, margin_mode="cross", mark_price=expected,
        wallet_balance=wallet, mmr=0.004, maintenance_amount=0.0,
        other_positions=(OtherPosition("short", eps, qs, mark_price=expected, mmr=0.004, maintenance_amount=0.0),)))
    assert both_at_lp.margin_ratio == pytest.approx(1.0, abs=1e-9)


def test_hedge_with_another_symbol_in_the_wallet_and_tiers() -> None:
    account, long, short = _hedge(40_000, 3.0, 50_000, 1.0, 51_000)
    eth = Position("binance", "main", "ETHUSDT", "ETH", "short", 20, 3_000, margin_mode="cross",
                   contract=ContractData())  # bundled ETHUSDT brackets
    bundled_long = msgspec.structs.replace(long, contract=ContractData())  # bundled BTCUSDT brackets
    marks = {("binance", "BTCUSDT"): Mark(49_000, NOW, "t"), ("binance", "ETHUSDT"): Mark(3_100, NOW, "t")}
    book = value_book([account], [bundled_long, short, eth], marks, NOW)
    lp = book.position(long.key).liquidation_price
    assert lp == book.position(short.key).liquidation_price
    # both BTC legs at lp, ETH at its mark: the account is exactly at maintenance
    check = compute(MarginPosition(
        venue="binance", side="long", entry_price=50_000, quantity=3, margin_mode="cross", mark_price=lp,
        wallet_balance=40_000, symbol="BTCUSDT",
        other_positions=(OtherPosition("short", 51_000, 1, mark_price=lp, mmr=0.004, maintenance_amount=0.0),
                         OtherPosition("short", 3_000, 20, mark_price=3_100, symbol="ETHUSDT"))))
    assert check.margin_ratio == pytest.approx(1.0, abs=1e-9)
    # the ETH short is one-way in the same wallet: exactly what the engine gives with both BTC legs as others
    eth_view = book.position(eth.key)
    assert not eth_view.hedged
    assert eth_view.liquidation_price == compute(eth_view.result and MarginPosition(
        venue="binance", side="short", entry_price=3_000, quantity=20, margin_mode="cross", mark_price=3_100,
        wallet_balance=40_000, symbol="ETHUSDT", position_mode="hedge", label=eth.name,
        other_positions=(OtherPosition("long", 50_000, 3, mark_price=49_000, symbol="BTCUSDT"),
                         OtherPosition("short", 51_000, 1, mark_price=49_000, mmr=0.004, maintenance_amount=0.0,
                                       symbol="BTCUSDT")))).liquidation_price


def test_hedge_whose_formula_price_is_negative_has_none() -> None:
    # Binance shows "--" when the formula gives LP < 0: the wallet covers a fall to zero.
    account, long, short = _hedge(30_000, 2.0, 60_000, 1.5, 61_000)
    assert _binance_hedge_lp(30_000, 2.0, 60_000, 1.5, 61_000, 0.004) < 0
    view = value_book([account], [long, short], {("binance", "BTCUSDT"): Mark(58_000, NOW, "t")}, NOW).positions[0]
    assert view.liquidation_price is None and view.stress is StressLevel.CALM


def test_isolated_hedge_legs_are_valued_alone() -> None:
    account = Account("binance", "main", position_mode="hedge")
    long = Position("binance", "main", "BTCUSDT", "BTC", "long", 1, 50_000, leverage=10, contract=BTC)
    short = Position("binance", "main", "BTCUSDT", "BTC", "short", 1, 50_000, leverage=10, contract=BTC)
    book = value_book([account], [long, short], {("binance", "BTCUSDT"): Mark(50_000, NOW, "t")}, NOW)
    long_view, short_view = book.position(long.key), book.position(short.key)
    assert not long_view.hedged and not short_view.hedged
    assert long_view.liquidation_price < 50_000 < short_view.liquidation_price


def test_one_way_account_holding_both_sides_is_noted() -> None:
    account, long, short = _hedge(10_000, 1.0, 50_000, 0.5, 52_000, mode="one_way")
    book = value_book([account], [long, short], {("binance", "BTCUSDT"): Mark(50_000, NOW, "t")}, NOW)
    assert any("one-way" in note for note in book.position(long.key).notes)


def test_fully_hedged_pair_liquidates_only_far_up_through_maintenance() -> None:
    # Equal sizes: PnL cancels, maintenance grows with price: the account fails when
    # 2·Q·p·MMR = wallet + Q·(EP_S − EP_L), i.e. p = (1,000 + 0) / (2 × 0.004) = 125,000.
    account, long, short = _hedge(1_000, 1.0, 50_000, 1.0, 50_000)
    book = value_book([account], [long, short], {("binance", "BTCUSDT"): Mark(50_000, NOW, "t")}, NOW)
    assert book.position(long.key).liquidation_price == pytest.approx(125_000, rel=1e-9)
    assert book.position(short.key).distance_pct == pytest.approx(150.0, rel=1e-9)


# --- the 2026-01-20 whale (resources/docs/scenarios.md, resources/docs/margin.md §4) ---------------------------------

WHALE_MARK = 3_031.82  # ~$6.67M / 2,200 ETH
WHALE_LIQ = 2_991.43


def _whale(**changes: object) -> tuple[Account, Position]:
    # The scenario gives size, mark and the liquidation price only; resources/docs/margin.md §4 derives the account
    # value a sole cross position at ETH 25x (maintenance leverage 50) needs: 220,477 USDC.
    account = Account("hyperliquid", "0xsynthetic", wallet_balance=220_477)
    position = Position("hyperliquid", "0xsynthetic", "ETH", "ETH", "long", 2_200, WHALE_MARK, margin_mode="cross",
                        contract=ContractData(), exchange_liquidation_price=WHALE_LIQ, label="watched 2,200 ETH long")
    return account, msgspec.structs.replace(position, **changes)


def test_whale_reproduces_the_reported_liquidation_price_and_distance() -> None:
    account, position = _whale()  # bundled Hyperliquid ETH tiers (25x below $100M)
    view = value_book([account], [position], {("hyperliquid", "ETH"): Mark(WHALE_MARK, NOW, "hl mark")},
                      NOW).positions[0]
    assert view.liquidation_price == pytest.approx(WHALE_LIQ, abs=0.01)
    assert view.exchange_liquidation_price == WHALE_LIQ and not view.liq_disagrees
    assert view.distance_price == pytest.approx(WHALE_MARK - WHALE_LIQ, abs=0.01)
    assert view.distance_pct == pytest.approx(1.3, abs=0.05)
    assert view.stress is StressLevel.DANGER
    assert view.result.tier.max_leverage == 25
    assert position.size * WHALE_MARK == pytest.approx(6.67e6, rel=0.001)


def test_whale_at_the_scenario_low_is_within_one_percent() -> None:
    # "the ETH low brings it within ~1% of liquidation": just above 3,000.
    account, position = _whale()
    view = value_book([account], [position], {("hyperliquid", "ETH"): Mark(3_015, NOW, "hl mark")}, NOW).positions[0]
    assert 0 < view.distance_pct < 1.0
    assert view.liquidation_price == pytest.approx(WHALE_LIQ, abs=0.01)  # cross LP does not move with the mark
    liquidated = value_book([account], [position], {("hyperliquid", "ETH"): Mark(2_990, NOW, "t")}, NOW).positions[0]
    assert liquidated.stress is StressLevel.LIQUIDATED and liquidated.margin_ratio > 1
