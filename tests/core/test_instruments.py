"""The bundled instrument snapshot, lookups, live merge and canonical coins."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.instruments import (
    Instrument,
    Instruments,
    canonical_coin,
    load_bundled,
    parse_snapshot,
    unit_multiplier,
)
from app.resources import resource_path


def test_bundled_snapshot_is_loaded_once() -> None:
    assert load_bundled() is load_bundled()
    assert len(load_bundled()) == len(json.loads(resource_path("instruments-majors.json").read_text())["instruments"])


def test_majors_of_the_three_parsed_venues_are_there() -> None:
    instruments = load_bundled()
    assert instruments.get("okx", "BTC-USDT-SWAP") == Instrument(
        "okx", "BTC-USDT-SWAP", "BTC", "linear_perp", 0.01, "base", 0.1, 0.1, "USDT", "USDT"
    )
    assert instruments.get("okx", "BTC-USD-SWAP").contract_unit == "usd"
    # The snapshot's binance_usdm / binance_coinm markets are both the venue "binance".
    assert instruments.get("binance", "1000PEPEUSDT").contract_size == 1000.0
    assert instruments.get("binance", "BTCUSD_PERP").kind == "inverse_perp"
    assert instruments.get("bybit", "BTCUSD").kind == "inverse_perp"
    assert instruments.get("bitmex", "ETHUSD").contract_unit == "quanto"


def test_unknown_values_stay_none() -> None:
    sol_inverse = load_bundled().get("okx", "SOL-USD-SWAP")
    assert sol_inverse is not None and sol_inverse.contract_size is None and sol_inverse.tick_size is None


def test_get_and_symbols() -> None:
    instruments = load_bundled()
    assert instruments.get("okx", "NOPE-USDT-SWAP") is None
    assert instruments.get("nowhere", "BTCUSDT") is None
    assert instruments.symbols("bybit", "inverse_perp") == ["BTCUSD", "ETHUSD"]
    assert set(instruments.symbols("bybit")) >= {"BTCUSDT", "1000PEPEUSDT", "BTCUSD"}
    assert instruments.symbols("nowhere") == []


def test_every_snapshot_coin_matches_canonical_coin() -> None:
    for instrument in load_bundled():
        assert canonical_coin(instrument.venue, instrument.symbol) == instrument.coin, instrument.symbol


def test_merge_live_wins_unknown_live_fields_keep_snapshot_and_original_is_untouched() -> None:
    bundled = load_bundled()
    live = bundled.merge(
        [
            {"venue": "okx", "symbol": "SOL-USD-SWAP", "kind": "inverse_perp", "contract_size": "10",
             "contract_unit": "usd", "tick_size": 0.01},
            Instrument("okx", "BTC-USDT-SWAP", "BTC", "linear_perp", contract_size=0.01, lot_size=0.01),
            {"venue": "okx", "symbol": "IOST-USDT-SWAP", "kind": "linear_perp", "contract_size": 1000},
        ]
    )  # fmt: skip
    assert live.get("okx", "SOL-USD-SWAP").contract_size == 10.0
    assert live.get("okx", "SOL-USD-SWAP").settle == "SOL"  # kept from the snapshot
    assert live.get("okx", "BTC-USDT-SWAP").lot_size == 0.01
    assert live.get("okx", "BTC-USDT-SWAP").tick_size == 0.1
    assert live.get("okx", "IOST-USDT-SWAP").coin == "IOST"
    assert bundled.get("okx", "SOL-USD-SWAP").contract_size is None
    assert bundled.get("okx", "IOST-USDT-SWAP") is None


def test_merge_partial_dict_rows_and_reject_bad_ones() -> None:
    live = load_bundled().merge([{"venue": "okx", "symbol": "ETH-USD-SWAP", "tick_size": "0.01"}])
    assert live.get("okx", "ETH-USD-SWAP").tick_size == 0.01
    assert live.get("okx", "ETH-USD-SWAP").contract_size == 10.0
    with pytest.raises(ValueError):
        load_bundled().merge([{"venue": "okx", "symbol": "NEW-USDT-SWAP"}])  # a new row needs its kind
    with pytest.raises(ValueError):
        load_bundled().merge([{"venue": "okx", "symbol": "NEW-USDT-SWAP", "kind": "spot"}])
    with pytest.raises(ValueError):
        load_bundled().merge([{"venue": "okx", "symbol": "BTC-USDT-SWAP", "contract_size": "lots"}])


def test_parse_snapshot_accepts_a_minimal_document() -> None:
    text = '{"instruments":[{"venue":"binance_usdm","symbol":"ETHUSDT","kind":"linear_perp"}]}'
    instruments = parse_snapshot(text)
    assert instruments.get("binance", "ETHUSDT") == Instrument("binance", "ETHUSDT", "ETH", "linear_perp")
    assert len(Instruments()) == 0


@pytest.mark.parametrize(
    ("venue", "symbol", "coin"),
    [
        ("bitmex", "XBTUSD", "BTC"),
        ("bitmex", "XBTZ25", "BTC"),
        ("bitmex", "ETHUSDZ25", "ETH"),
        ("okx", "BTC-USDT-SWAP", "BTC"),
        ("okx", "BTC-USD-250328", "BTC"),
        ("bybit", "BTCUSD", "BTC"),
        ("bybit", "BTCUSDH26", "BTC"),
        ("bybit", "BTCPERP", "BTC"),
        ("bybit", "ETHUSDT-26DEC25", "ETH"),
        ("bybit", "1000PEPEUSDT", "PEPE"),
        ("bybit", "1000000MOGUSDT", "MOG"),
        ("hyperliquid", "kPEPE", "PEPE"),
        ("hyperliquid", "BTC", "BTC"),
        ("binance", "BTCUSD_PERP", "BTC"),
        ("binance", "BTCUSDT_260327", "BTC"),
        ("binance", "1INCHUSDT", "1INCH"),
        ("binance", "ETHFDUSD", "ETH"),
        ("bitget", "BTCUSDT_UMCBL", "BTC"),
        ("gate", "BTC_USDT", "BTC"),
        ("deribit", "BTC-PERPETUAL", "BTC"),
        ("deribit", "ETH_USDC-PERPETUAL", "ETH"),
    ],
)
def test_canonical_coin(venue: str, symbol: str, coin: str) -> None:
    assert canonical_coin(venue, symbol) == coin


def test_unit_multiplier() -> None:
    assert unit_multiplier("1000PEPEUSDT") == 1000.0
    assert unit_multiplier("kPEPE") == 1000.0
    assert unit_multiplier("1000000MOGUSDT") == 1e6
    assert unit_multiplier("1INCHUSDT") == 1.0
    assert unit_multiplier("BTCUSDT") == 1.0


@settings(deadline=None, max_examples=200)
@given(symbol=st.text(max_size=20))
def test_canonical_coin_never_fails(symbol: str) -> None:
    coin = canonical_coin("any", symbol)
    assert isinstance(coin, str)
    assert unit_multiplier(symbol) >= 1.0


def test_suffix_multiplier_symbols_have_the_coin_and_size_of_their_liquidations() -> None:
    from app.core.instruments import canonical_coin, unit_multiplier

    assert (canonical_coin("bybit", "SHIB1000USDT"), unit_multiplier("SHIB1000USDT")) == ("SHIB", 1000.0)
    assert (canonical_coin("binance", "1000PEPEUSDT"), unit_multiplier("1000PEPEUSDT")) == ("PEPE", 1000.0)
    assert (canonical_coin("bybit", "API3USDT"), unit_multiplier("API3USDT")) == ("API3", 1.0)
    assert (canonical_coin("bybit", "10000000AIDOGEUSDT"), unit_multiplier("10000000AIDOGEUSDT")) == ("AIDOGE", 1e7)
