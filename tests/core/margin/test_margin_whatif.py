"""The what-if table: uniform mark shocks over a book, and who liquidates first at what move."""

from __future__ import annotations

import pytest

from app.core.margin import OtherPosition, Position, compute
from app.core.margin.whatif import shock_table, shocked

LONG = Position(venue="binance", side="long", entry_price=100, quantity=1, leverage=10, mmr=0.005, label="long10x")
SHORT = Position(venue="okx", side="short", entry_price=100, quantity=1, leverage=20, mmr=0.005, label="short20x")
SAFE = Position(venue="bybit", side="long", entry_price=100, quantity=1, leverage=2, mmr=0.005, label="long2x")


def test_first_down_and_up_are_the_nearest_liquidations() -> None:
    table = shock_table([LONG, SHORT, SAFE], [-20, -10, 0, 10, 20])
    assert table.first_down.label == "long10x"
    assert table.first_down.move_pct == pytest.approx((compute(LONG).liquidation_price / 100 - 1) * 100)
    assert table.first_up.label == "short20x"
    assert table.first.label == "short20x"  # 4.5 % up is nearer than 9.5 % down
    assert [abs(m.move_pct) for m in table.moves] == sorted(abs(m.move_pct) for m in table.moves)


def test_rows_mark_liquidated_positions_beyond_their_move() -> None:
    table = shock_table([LONG, SHORT, SAFE], [-20, -10, 0, 10, 20])
    by_shock = {row.shock_pct: row.liquidated for row in table.rows}
    assert by_shock[0] == ()
    assert by_shock[-10] == ("long10x",)
    assert by_shock[10] == ("short20x",)
    assert set(by_shock[-20]) == {"long10x"}
    cell = table.rows[0].positions[0]
    assert cell.mark_price == pytest.approx(80) and cell.liquidated


def test_cross_account_move_moves_neighbours_too() -> None:
    # Long 1 @ 100 hedged by a short 1 @ 50 on the same wallet: a uniform fall helps the short.
    hedged = Position(venue="binance", side="long", entry_price=100, quantity=1, margin_mode="cross",
                      wallet_balance=30, mmr=0.005,
                      other_positions=(OtherPosition("short", 50, 1, mmr=0.01, maintenance_amount=0),))
    table = shock_table([hedged], [0])
    move = table.first.move_pct
    assert move < 0
    at_move = compute(shocked(hedged, move))
    assert at_move.margin_ratio == pytest.approx(1.0, abs=1e-6)
    # Holding the neighbour fixed (the position's own LP) would be a different, nearer move.
    assert compute(hedged).liquidation_price / 100 - 1 > move / 100


def test_exchange_figures_only_positions_are_skipped() -> None:
    account_level = Position(venue="bybit", side="long", entry_price=1, quantity=1, account_mode="portfolio_margin",
                             label="pm")
    table = shock_table([account_level, LONG], [0])
    assert table.skipped == ("pm",)
    assert [cell.label for cell in table.rows[0].positions] == ["long10x"]
