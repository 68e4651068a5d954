"""Untrusted input -> Position: every rejection names its field."""

from __future__ import annotations

import pytest

from app.core.margin import MarginInputError
from app.core.margin.parse import position_from_mapping

BASE = {"venue": "binance", "side": "long", "entry_price": 100, "quantity": 1, "leverage": 10, "mmr": 0.005}


def _field(data: object) -> str:
    with pytest.raises(MarginInputError) as error:
        position_from_mapping(data)
    return error.value.field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"entry_price": None}, "entry_price"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"entry_price": float("nan")}, "entry_price"),
        ({"mark_price": float("inf")}, "mark_price"),
        ({"leverage": True}, "leverage"),
        ({"quantity": "1"}, "quantity"),
        ({"side": "buy"}, "side"),
        ({"venue": 3}, "venue"),
        ({"contract": "quanto"}, "contract"),
        ({"mmr": 1.0}, "mmr"),
        ({"mmr": 0.5, "taker_fee": 0.5}, "taker_fee"),
        ({"levrage": 10}, "levrage"),
        ({"other_positions": {}}, "other_positions"),
        ({"other_positions": [{"side": "long", "entry_price": 1}]}, "other_positions[0].quantity"),
        ({"other_positions": [{"side": "long", "entry_price": 1, "quantity": 1, "mmr": -1}]},
         "other_positions[0].mmr"),
        ({"tiers": []}, "tiers"),
        ({"tiers": [{"floor": 0, "mmr": 0.01}, {"floor": 0, "mmr": 0.02}]}, "tiers[1].floor"),
        ({"tiers": [{"floor": 0}]}, "tiers[0].mmr"),
        ({"tiers": [{"floor": 0, "cap": 0, "mmr": 0.01}]}, "tiers[0].cap"),
    ],
)
def test_rejections_name_the_field(changes: dict, field: str) -> None:
    data = {**BASE, **changes}
    if changes.get("entry_price", 0) is None:
        del data["entry_price"]
    assert _field(data) == field


def test_not_an_object() -> None:
    assert _field([1, 2]) == "input"


def test_tiers_chain_missing_amounts_and_run_caps_to_the_next_floor() -> None:
    position = position_from_mapping({**BASE, "mmr": None, "tiers": [
        {"floor": 0, "mmr": 0.004}, {"floor": 50_000, "mmr": 0.005}, {"floor": 250_000, "mmr": 0.01}]})
    assert [t.maintenance_amount for t in position.tiers] == pytest.approx([0, 50, 1_300])
    assert position.tiers[0].cap == 50_000


def test_hyperliquid_tiers_may_give_max_leverage_only() -> None:
    position = position_from_mapping({**BASE, "venue": "hyperliquid", "mmr": None, "tiers": [
        {"floor": 0, "max_leverage": 40}, {"floor": 150e6, "max_leverage": 20}]})
    assert [t.mmr for t in position.tiers] == [0.0125, 0.025]
    assert position.tiers[1].maintenance_amount == pytest.approx(1_875_000)


def test_nulls_mean_absent() -> None:
    position = position_from_mapping({**BASE, "mark_price": None, "symbol": None})
    assert position.mark == 100 and position.symbol is None
