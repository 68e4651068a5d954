"""`cascade margin` for Bybit and OKX positions given no mmr: the bundled, sourced tiers answer where a
published table exists (resources/tiers/bybit.json BTCUSDT); OKX swap tables count contracts and pick the
tier by size; a symbol without a published table says so."""

from __future__ import annotations

import io
import itertools
import json

import pytest

from app.commands import margin as margin_cli
from app.core.margin import okx as okx_rules
from app.core.margin.tiers import bundled_symbols, bundled_table


def run(data: dict) -> tuple[int, dict]:
    out = io.StringIO()
    code = margin_cli.main([], stdin=io.StringIO(json.dumps(data)), stdout=out)
    return code, json.loads(out.getvalue())


def test_bybit_btc_without_mmr_uses_the_bundled_tiers() -> None:
    code, result = run({"venue": "bybit", "side": "long", "entry_price": 90_000, "quantity": 1, "leverage": 20,
                        "symbol": "BTCUSDT"})
    assert code == 0, result
    assert result["tier_source"].startswith("bundled bybit BTCUSDT tiers as of")
    assert result["tier"]["mmr"] == 0.005 and result["tier"]["max_leverage"] == 100
    # Bybit's isolated formula: LP = EP − (IM − MM)/Q = 90,000 − (4,500 − 450) = 85,950
    assert result["liquidation_price"] == pytest.approx(85_950.0)


def test_bybit_btc_tier_follows_the_entry_position_value() -> None:
    code, result = run({"venue": "bybit", "side": "short", "entry_price": 100_000, "quantity": 30, "leverage": 50,
                        "symbol": "BTCUSDT"})
    assert code == 0, result
    # 3,000,000 USDT at entry: tier 3 (2.6M–3.2M), 0.63 % with a 3,020 USDT deduction
    assert result["tier"]["mmr"] == pytest.approx(0.0063) and result["tier"]["maintenance_amount"] == 3020.0
    assert result["position_maintenance_margin"] == pytest.approx(3_000_000 * 0.0063 - 3020)


def test_bundled_bybit_table_is_sourced_and_dated() -> None:
    assert bundled_symbols("bybit") == ["BTCUSDT"]
    table = bundled_table("bybit", "BTCUSDT")
    assert table is not None and "margin-parameters" in table["source"] and table["as_of"]
    rows = table["tiers"]
    for previous, row in itertools.pairwise(rows):  # the page's deductions follow its recursion
        assert row["floor"] == previous["cap"]
        expected = row["floor"] * (row["mmr"] - previous["mmr"]) + previous["maintenance_amount"]
        assert row["maintenance_amount"] == pytest.approx(expected, abs=1e-6)


def test_okx_btc_without_a_published_table_asks_for_mmr() -> None:
    code, result = run({"venue": "okx", "side": "long", "entry_price": 90_000, "quantity": 100,
                        "contract_size": 0.01, "leverage": 10, "symbol": "BTC-USDT-SWAP"})
    assert code == 2 and result["field"] == "mmr" and "no bundled okx" in result["error"]


def test_okx_tables_by_size_pick_the_tier_by_contracts(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {"contract": "linear", "as_of": "test", "source": "test table", "size_unit": "contracts",
             "contract_size": 0.01, "tiers": [
                 {"floor": 0, "cap": 2000, "mmr": 0.004, "maintenance_amount": 0, "max_leverage": 100},
                 {"floor": 2000, "cap": 4000, "mmr": 0.006, "maintenance_amount": 0, "max_leverage": 75}]}
    monkeypatch.setattr(okx_rules, "bundled_table", lambda venue, symbol: table)
    base = {"venue": "okx", "side": "long", "entry_price": 90_000, "leverage": 10, "symbol": "BTC-USDT-SWAP"}
    code, small = run({**base, "quantity": 2000, "contract_size": 0.01})
    assert code == 0 and small["tier"]["mmr"] == 0.004 and "tier 1 by size" in small["tier_source"]
    code, large = run({**base, "quantity": 30.0})  # 30 BTC without contract_size = 3,000 contracts
    assert code == 0 and large["tier"]["mmr"] == 0.006 and "3000 contracts" in large["tier_source"]
