"""Public tier tables fetched from a local server answering as Bybit, OKX and Hyperliquid do, cached in
the profile cache dir in the bundled format; failures per venue, under one deadline."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from app.core.margin.tiers import chain_maintenance_amounts
from app.core.timing import Timing
from app.feeds.tiers import fetch_tiers, load_cache
from tests.feeds.fake_venue import serve

pytestmark = pytest.mark.timeout(20)

RISK_LIMIT = {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [
    {"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005", "initialMargin": "0.01",
     "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""},
    {"id": 2, "symbol": "BTCUSDT", "riskLimitValue": "2600000", "maintenanceMargin": "0.0056",
     "initialMargin": "0.0111", "isLowestRisk": 0, "maxLeverage": "90.00", "mmDeduction": "1200"},
]}, "retExtInfo": {}, "time": 1}
POSITION_TIERS = {"code": "0", "msg": "", "data": [
    {"instFamily": "BTC-USDT", "tier": "1", "minSz": "0", "maxSz": "2000", "mmr": "0.004", "imr": "0.01",
     "maxLever": "100"},
    {"instFamily": "BTC-USDT", "tier": "2", "minSz": "2000", "maxSz": "4000", "mmr": "0.005", "imr": "0.0133",
     "maxLever": "75"},
]}
META = {"universe": [{"name": "BTC", "szDecimals": 5, "maxLeverage": 40, "marginTableId": 56}],
        "marginTables": [[56, {"description": "tiered 40x", "marginTiers": [
            {"lowerBound": "0.0", "maxLeverage": 40}, {"lowerBound": "150000000.0", "maxLeverage": 20}]}]]}


async def test_tables_are_fetched_and_cached(tmp_path: Path) -> None:
    routes = {"/v5/market/risk-limit": RISK_LIMIT, "/api/v5/public/position-tiers": POSITION_TIERS, "/info": META}
    with serve(routes) as venue:
        bases = {"bybit": venue.base_url, "okx": venue.base_url, "hyperliquid": venue.base_url}
        result = await fetch_tiers({"bybit": ["BTCUSDT"], "okx": ["BTC-USDT-SWAP"], "hyperliquid": ["BTC"]},
                                   tmp_path, base_urls=bases, as_of="2026-12-04")
    assert result.errors == {}
    requests = {(seen.method, seen.path, seen.query) for seen in venue.seen}
    assert ("GET", "/v5/market/risk-limit", "category=linear&symbol=BTCUSDT") in requests
    assert ("GET", "/api/v5/public/position-tiers", "instType=SWAP&tdMode=cross&instFamily=BTC-USDT") in requests
    assert ("POST", "/info", "") in requests

    bybit = load_cache(tmp_path, "bybit")
    table = bybit["tables"]["BTCUSDT"]
    assert table["as_of"] == "2026-12-04" and "risk-limit" in table["source"]
    tiers = chain_maintenance_amounts([(r["floor"], r["cap"], r["mmr"], r["maintenance_amount"], r["max_leverage"])
                                       for r in table["tiers"]])
    assert tiers[1].maintenance_amount == 1200.0 and tiers[1].floor == 2_000_000.0
    okx = load_cache(tmp_path, "okx")["tables"]["BTC-USDT-SWAP"]
    assert okx["size_unit"] == "contracts" and okx["contract_size"] == 0.01
    hyperliquid = load_cache(tmp_path, "hyperliquid")["tables"]["BTC"]
    assert [row["max_leverage"] for row in hyperliquid["tiers"]] == [40.0, 20.0]
    assert json.loads(result.cache_files["bybit"].read_text())["venue"] == "bybit"


async def test_failures_are_per_venue_and_the_cache_keeps_old_tables(tmp_path: Path) -> None:
    routes = {"/v5/market/risk-limit": RISK_LIMIT, "/api/v5/public/position-tiers": lambda: (403, {})}
    with serve(routes) as venue:
        bases = {"bybit": venue.base_url, "okx": venue.base_url}
        await fetch_tiers({"bybit": ["BTCUSDT"]}, tmp_path, base_urls=bases, as_of="2026-12-01")
        routes_now = venue.routes
        routes_now["/v5/market/risk-limit"] = {"retCode": 10001, "retMsg": "params error"}
        result = await fetch_tiers({"bybit": ["BTCUSDT"], "okx": ["BTC-USDT-SWAP"], "gate": ["BTC_USDT"]},
                                   tmp_path, base_urls=bases)
    assert "unexpected tier answer" in result.errors["bybit"]
    assert "region" in result.errors["okx"] and "okx" in result.refused
    assert "no public tier table" in result.errors["gate"]
    assert load_cache(tmp_path, "bybit")["tables"]["BTCUSDT"]["as_of"] == "2026-12-01"  # not overwritten


async def test_a_silent_venue_does_not_hold_the_deadline(tmp_path: Path) -> None:
    release = threading.Event()  # the host answers only once the test lets it: it hangs until then

    def silent() -> tuple[int, object]:
        release.wait(30)
        return 200, RISK_LIMIT

    with serve({"/v5/market/risk-limit": silent}) as venue:
        try:
            result = await fetch_tiers({"bybit": ["BTCUSDT"]}, tmp_path, base_urls={"bybit": venue.base_url},
                                       timeout_s=30.0, timing=Timing(60.0))
            assert not release.is_set()  # the fetch gave up while the host still held its answer
        finally:
            release.set()
    assert "no answer" in result.errors["bybit"] and load_cache(tmp_path, "bybit") == {}
