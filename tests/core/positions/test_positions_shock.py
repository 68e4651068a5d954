"""The book's shock table: which position liquidates first, per coin or all together, and the loss;
one position's cells equal `cascade margin --shock`'s."""

from __future__ import annotations

import io
import json

import pytest

from app.commands import margin as margin_cli
from app.core.margin import compute
from app.core.margin.model import Position as MarginPosition
from app.core.positions import Account, ContractData, Mark, Position, book_shock_table, shock_steps, value_book
from app.core.positions.book import margin_input

NOW = 1_768_900_000_000
C = ContractData(mmr=0.005, maintenance_amount=0.0)

BOOK = [
    Position("binance", "a", "BTCUSDT", "BTC", "long", 1, 90_000, leverage=12, contract=C),  # ~7.9 % down
    Position("bybit", "b", "ETHUSDT", "ETH", "long", 10, 3_100, leverage=25, contract=C),  # ~3.5 % down
    Position("okx", "c", "SOLX", "SOL", "short", 100, 140, leverage=8, contract=C),  # ~12 % up
    Position("gate", "d", "ETH_USDT", "ETH", "long", 5, 3_000, leverage=4, contract=C),  # ~24 % down
]
MARKS = {
    ("binance", "BTCUSDT"): Mark(89_500, NOW, "t"), ("bybit", "ETHUSDT"): Mark(3_080, NOW, "t"),
    ("okx", "SOLX"): Mark(139, NOW, "t"), ("gate", "ETH_USDT"): Mark(3_079, NOW, "t"),
}


def test_shock_steps_span_minus_20_to_plus_20() -> None:
    steps = shock_steps()
    assert steps[0] == -20 and steps[-1] == 20 and 0.0 in steps and len(steps) == 21
    assert shock_steps(10, 5) == (-10, -5, 0, 5, 10)


def test_first_liquidation_is_the_position_with_the_smallest_distance() -> None:
    table = book_shock_table([], BOOK, MARKS, NOW)
    book = value_book([], BOOK, MARKS, NOW)
    nearest = book.nearest
    assert table.first.label == nearest.label
    assert abs(table.first.move_pct) == pytest.approx(nearest.distance_pct, rel=1e-9)
    assert table.first.liquidation_price == pytest.approx(nearest.liquidation_price, rel=1e-9)
    # every position's move is its distance, towards its losing side; nearest first
    by_label = {view.label: view for view in book.positions}
    assert [move.label for move in table.moves] == [view.label for view in book.positions]
    for move in table.moves:
        view = by_label[move.label]
        sign = -1 if view.position.side == "long" else 1
        assert move.move_pct == pytest.approx(sign * view.distance_pct, rel=1e-9)
    assert table.first_up.label == "okx c SOLX short"
    # the first row where anything liquidates on the way down holds exactly the nearest
    down_rows = sorted((step for step in table.steps if step.shock_pct < 0), key=lambda step: -step.shock_pct)
    first_row = next(step for step in down_rows if step.liquidated)
    assert first_row.liquidated == (nearest.label,) and first_row.newly_liquidated == (nearest.label,)
    assert first_row.shock_pct == -4


def test_rows_say_who_liquidates_and_what_the_book_loses() -> None:
    table = book_shock_table([], BOOK, MARKS, NOW)
    row = {step.shock_pct: step for step in table.steps}
    assert set(row[-10].liquidated) == {"bybit b ETHUSDT long", "binance a BTCUSDT long"}
    assert row[-8].newly_liquidated == ("binance a BTCUSDT long",) and row[-10].newly_liquidated == ()
    assert row[0].liquidated == () and row[0].loss_usd == pytest.approx(0, abs=1e-6)
    # −2 %: nobody liquidated, loss is mark to market: longs lose 2 % of their value, the short gains
    longs = 89_500 * 1 + 3_080 * 10 + 3_079 * 5
    assert row[-2].loss_usd == pytest.approx(0.02 * longs - 0.02 * 139 * 100, rel=1e-9)
    # −20 %: a liquidated isolated position loses at most its margin balance at the current marks
    eth = next(view for view in value_book([], BOOK, MARKS, NOW).positions if view.key[2] == "ETHUSDT")
    btc = next(view for view in value_book([], BOOK, MARKS, NOW).positions if view.key[2] == "BTCUSDT")
    capped = eth.result.margin_balance + btc.result.margin_balance
    assert row[-20].loss_usd == pytest.approx(capped + 0.2 * 3_079 * 5 - 0.2 * 139 * 100, rel=1e-9)


def test_per_coin_shock_moves_only_that_coin() -> None:
    table = book_shock_table([], BOOK, MARKS, NOW, coin="ETH")
    assert {move.label for move in table.moves} == {"bybit b ETHUSDT long", "gate d ETH_USDT long"}
    row = {step.shock_pct: step for step in table.steps}
    assert row[-2].loss_usd == pytest.approx(0.02 * (3_080 * 10 + 3_079 * 5), rel=1e-9)
    btc_cell = next(cell for cell in row[-20].cells if cell.key[2] == "BTCUSDT")
    assert btc_cell.mark == 89_500 and not btc_cell.liquidated


def test_cross_account_liquidates_through_its_neighbours_when_all_coins_move() -> None:
    account = Account("binance", "x", wallet_balance=12_000)
    btc = Position("binance", "x", "BTCUSDT", "BTC", "long", 1, 90_000, margin_mode="cross", contract=C)
    eth = Position("binance", "x", "ETHUSDT", "ETH", "long", 20, 3_000, margin_mode="cross", contract=C)
    marks = {("binance", "BTCUSDT"): Mark(90_000, NOW, "t"), ("binance", "ETHUSDT"): Mark(3_000, NOW, "t")}
    table = book_shock_table([account], [btc, eth], marks, NOW)
    # together: equity 12,000 vs loss 150,000 × s and maintenance 0.005 × 150,000 × (1 + s)
    move = (0.005 * 150_000 - 12_000) / (150_000 - 0.005 * 150_000) * 100
    assert table.first.move_pct == pytest.approx(move, rel=1e-9)
    assert {m.label for m in table.moves if m.move_pct == pytest.approx(move, rel=1e-9)} == {btc.name, eth.name}
    prepared = margin_input(0, [btc, eth], {account.key: account}, {
        key: Mark(mark.price * (1 + move / 100), NOW, "t") for key, mark in marks.items()})
    assert compute(prepared.margin).margin_ratio == pytest.approx(1.0, abs=1e-9)


def test_one_position_matches_cascade_margin_shock() -> None:
    position = BOOK[1]
    table = book_shock_table([], [position], MARKS, NOW, shocks_pct=shock_steps(20, 5))
    data = {"venue": "bybit", "side": "long", "entry_price": 3_100, "quantity": 10, "leverage": 25, "mmr": 0.005,
            "maintenance_amount": 0.0, "mark_price": 3_080, "symbol": "ETHUSDT", "label": position.name}
    out = io.StringIO()
    assert margin_cli.main(["--shock", "-20..20", "--step", "5"], stdin=io.StringIO(json.dumps(data)),
                           stdout=out) == 0
    cli = json.loads(out.getvalue())
    assert [row["shock_pct"] for row in cli["shocks"]] == [step.shock_pct for step in table.steps]
    for row, step in zip(cli["shocks"], table.steps, strict=True):
        (cell,) = row["positions"]
        (ours,) = step.cells
        assert ours.mark == pytest.approx(cell["mark_price"], rel=1e-15)
        assert ours.margin_ratio == (None if cell["margin_ratio"] is None  # past bankruptcy
                                     else pytest.approx(cell["margin_ratio"], rel=1e-12))
        assert ours.distance_pct == pytest.approx(cell["distance_pct"], rel=1e-9, abs=1e-9)
        assert ours.liquidated == cell["liquidated"]
        assert list(step.liquidated) == row["liquidated"]
    assert table.first.move_pct == pytest.approx(cli["first"]["move_pct"], rel=1e-9)
    assert table.first.liquidation_price == pytest.approx(cli["first"]["liquidation_price"], rel=1e-9)
    assert compute(MarginPosition(**data)).liquidation_price == pytest.approx(table.first.liquidation_price)


def test_positions_with_errors_are_listed_as_skipped() -> None:
    bad = Position("okx", "z", "XYZ", "XYZ", "long", 1, 10, leverage=5)  # no maintenance data
    table = book_shock_table([], [*BOOK, bad], MARKS, NOW, shocks_pct=(-5, 0, 5))
    assert table.skipped == (bad.name,)
    assert all(bad.name not in (cell.label for cell in step.cells) for step in table.steps)
