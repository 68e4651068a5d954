"""The position form's validator: one message per bad field, the engine's flags as field errors."""

from __future__ import annotations

import pytest

from app.core.instruments import load_bundled
from app.core.positions import Account
from app.services.position_input import PositionFields, fields_of, needs_mmr, parse_position

VENUES = ("binance", "bybit", "okx")


def parse(**changes: str):  # type: ignore[no-untyped-def]
    base = {"venue": "binance", "symbol": "ETHUSDT", "side": "long", "size": "10", "entry": "3300", "leverage": "5"}
    return parse_position(PositionFields(**{**base, **changes}), load_bundled(), VENUES)


def test_a_good_position() -> None:
    result = parse(symbol="ethusdt", size="1,000")
    assert result.ok and result.errors == {}
    position = result.position
    assert (position.venue, position.symbol, position.coin, position.side, position.size) == (
        "binance", "ETHUSDT", "ETH", "long", 1000.0)
    assert position.contract.mmr is None  # the engine's bundled Binance tiers apply
    assert fields_of(position).size == "1000"


@pytest.mark.parametrize(("changes", "field", "text"), [
    ({"size": "0"}, "size", "positive"),
    ({"size": "-3"}, "size", "positive"),
    ({"entry": "abc"}, "entry", "not a number"),
    ({"entry": ""}, "entry", "required"),
    ({"entry": "nan"}, "entry", "positive"),
    ({"leverage": "0"}, "leverage", "positive"),
    ({"leverage": "", "isolated_margin": ""}, "leverage", "leverage or the isolated margin"),
    ({"symbol": "FOOUSDT"}, "symbol", "not a binance instrument"),
    ({"venue": "nowhere"}, "venue", "choose one of"),
    ({"side": "up"}, "side", "long or short"),
    ({"leverage": "150"}, "leverage", "exceeds the tier's max leverage 125"),
    ({"size": "2000", "leverage": "110"}, "leverage", "max leverage"),  # the bigger tier caps lower
    ({"leverage": "", "isolated_margin": "100"}, "isolated_margin", "liquidated at entry"),
    ({"margin_mode": "cross"}, "wallet", "wallet balance"),
    ({"venue": "bybit", "symbol": "SOLUSDT"}, "mmr_pct", "maintenance margin rate"),
])
def test_bad_fields_are_named(changes: dict[str, str], field: str, text: str) -> None:
    result = parse(**changes)
    assert not result.ok
    assert field in result.errors, result.errors
    assert text in result.errors[field], result.errors


def test_venue_without_bundled_tiers_takes_the_typed_rate_and_cross_takes_the_wallet() -> None:
    assert needs_mmr("okx", "SOL-USDT-SWAP", load_bundled())
    assert not needs_mmr("binance", "BTCUSDT", load_bundled())
    result = parse(venue="okx", symbol="sol-usdt-swap", side="short", size="800", entry="126.5", mmr_pct="1",
                   margin_mode="cross", wallet="25000", leverage="")
    assert result.ok, result.errors
    assert result.position.symbol == "SOL-USDT-SWAP" and result.position.contract.mmr == 0.01
    assert result.account == Account("okx", "manual", wallet_balance=25_000.0)
    assert fields_of(result.position, result.account).wallet == "25000"
