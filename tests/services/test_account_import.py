"""Importing a read-only key end to end through ccxt, against a local server answering as Binance
USDⓈ-M would (ccxt's `urls['api']` pointed at 127.0.0.1): permissions refused or accepted, positions
mapped, the server-time adjustment applied, the key kept in the keyring only, and no secret anywhere."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from urllib.parse import parse_qs

import keyring
import pytest
from keyring.backends import fail

from app.services.accounts import ImportResult, import_account, keyring_service, load_credentials
from app.store.settings import Settings, save_settings
from tests.feeds.fake_venue import serve

ccxt = pytest.importorskip("ccxt")
pytestmark = pytest.mark.timeout(30)

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
SERVER_AHEAD_MS = 3_600_000  # the fake venue's clock runs an hour ahead: ccxt must sign with its time

READ_ONLY = {  # GET /sapi/v1/account/apiRestrictions, Binance's documented shape
    "ipRestrict": False, "createTime": 1698645219000, "enableReading": True, "enableWithdrawals": False,
    "enableInternalTransfer": False, "enableMargin": False, "enableFutures": False,
    "permitsUniversalTransfer": False, "enableVanillaOptions": False, "enableFixApiTrade": False,
    "enableFixReadOnly": False, "enableSpotAndMarginTrading": False, "enablePortfolioMarginTrading": False,
}
TRADING = {**READ_ONLY, "enableSpotAndMarginTrading": True}
POSITION_RISK = [  # GET /fapi/v2/positionRisk
    {"symbol": "BTCUSDT", "positionAmt": "0.500", "entryPrice": "90000.0", "breakEvenPrice": "90036.0",
     "markPrice": "91000.00000000", "unRealizedProfit": "500.00000000", "liquidationPrice": "72150.25",
     "leverage": "20", "maxNotionalValue": "3000000", "marginType": "cross", "isolatedMargin": "0.00000000",
     "isAutoAddMargin": "false", "positionSide": "BOTH", "notional": "45500", "isolatedWallet": "0",
     "updateTime": 1768900000000},
    {"symbol": "ETHUSDT", "positionAmt": "-3.000", "entryPrice": "3100.5", "breakEvenPrice": "3099.3",
     "markPrice": "3050.0", "unRealizedProfit": "151.5", "liquidationPrice": "3390.10", "leverage": "10",
     "maxNotionalValue": "5000000", "marginType": "isolated", "isolatedMargin": "1081.65",
     "isAutoAddMargin": "false", "positionSide": "BOTH", "notional": "-9150", "isolatedWallet": "930.15",
     "updateTime": 1768900000000},
    {"symbol": "SOLUSDT", "positionAmt": "0.000", "entryPrice": "0.0", "markPrice": "200", "unRealizedProfit": "0",
     "liquidationPrice": "0", "leverage": "10", "marginType": "cross", "isolatedMargin": "0",
     "positionSide": "BOTH", "notional": "0", "isolatedWallet": "0", "updateTime": 0},
]
ACCOUNT = {"multiAssetsMargin": False, "totalWalletBalance": "10000.0", "totalCrossWalletBalance": "9069.85",
           "assets": [{"asset": "USDT", "walletBalance": "10000.0", "crossWalletBalance": "9069.85"}]}
BRACKETS = [{"symbol": "BTCUSDT", "brackets": [
    {"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0, "maintMarginRatio": 0.004,
     "cum": 0.0},
    {"bracket": 2, "initialLeverage": 100, "notionalCap": 600000, "notionalFloor": 50000, "maintMarginRatio": 0.005,
     "cum": 50.0}]}]


def binance_routes(restrictions: dict) -> dict:
    return {
        "/fapi/v1/time": lambda: (200, {"serverTime": int(time.time() * 1000) + SERVER_AHEAD_MS}),
        "/sapi/v1/account/apiRestrictions": restrictions,
        "/fapi/v2/positionRisk": POSITION_RISK,
        "/fapi/v2/account": ACCOUNT,
        "/fapi/v1/leverageBracket": BRACKETS,
    }


async def test_read_only_key_imports_positions_and_is_kept_in_the_keyring(memory_keyring) -> None:
    with serve(binance_routes(READ_ONLY)) as venue:
        before_ms = time.time() * 1000
        result = await import_account("binance", API_KEY, SECRET, urls=venue.base_url, label="main", timeout_s=10)
        after_ms = time.time() * 1000
    assert result.status == "imported", result.message
    # The endpoints ccxt had to answer, in order: its server-time probe, then our signed calls.
    assert venue.paths == ["/fapi/v1/time", "/sapi/v1/account/apiRestrictions", "/fapi/v2/positionRisk",
                           "/fapi/v2/account", "/fapi/v1/leverageBracket"]
    signed = [request for request in venue.seen if "signature=" in request.query]
    assert len(signed) == 4 and all(request.headers.get("X-MBX-APIKEY") == API_KEY for request in signed)
    for request in signed:  # adjustForTimeDifference: signed with the venue's clock, not ours
        stamp = int(parse_qs(request.query)["timestamp"][0])
        # On the venue's clock during the import (ccxt keeps whole-ms offsets: 1 ms of rounding each way).
        assert before_ms + SERVER_AHEAD_MS - 1 <= stamp <= after_ms + SERVER_AHEAD_MS + 1

    state = result.state
    assert state is not None and state.source == "import"
    assert state.account.venue == "binance" and state.account.account == "main"
    assert state.account.wallet_balance == 9069.85 and state.account.position_mode == "one_way"
    btc, eth = state.positions  # the empty SOLUSDT row is left out
    assert (btc.symbol, btc.side, btc.size, btc.entry, btc.leverage) == ("BTCUSDT", "long", 0.5, 90000.0, 20.0)
    assert btc.margin_mode == "cross" and btc.exchange_liquidation_price == 72150.25
    assert btc.contract.tiers is not None and btc.contract.tiers[1].maintenance_amount == 50.0
    assert (eth.side, eth.size, eth.margin_mode, eth.isolated_margin) == ("short", 3.0, "isolated", 930.15)
    assert eth.exchange_liquidation_price == 3390.10 and eth.leverage == 10.0

    assert result.stored and "keyring" in result.message
    assert set(memory_keyring.store) == {(keyring_service("binance", "main"), "credentials")}
    loaded = await load_credentials("binance", "main")
    assert loaded is not None and (loaded.api_key, loaded.secret) == (API_KEY, SECRET)


async def test_key_that_can_trade_is_refused_naming_the_permission(memory_keyring) -> None:
    with serve(binance_routes(TRADING)) as venue:
        result = await import_account("binance", API_KEY, SECRET, urls=venue.base_url, timeout_s=10)
    assert result.status == "refused"
    assert "enableSpotAndMarginTrading" in result.message and "read-only" in result.message
    assert venue.paths == ["/fapi/v1/time", "/sapi/v1/account/apiRestrictions"]  # nothing else was asked
    assert result.state is None and not result.stored and memory_keyring.store == {}


async def test_insist_imports_a_trading_key_with_a_warning(memory_keyring) -> None:
    with serve(binance_routes(TRADING)) as venue:
        result = await import_account("binance", API_KEY, SECRET, urls=venue.base_url, insist=True, timeout_s=10)
    assert result.status == "imported" and "can trade" in result.message
    assert result.state is not None and len(result.state.positions) == 2


async def test_without_a_keyring_the_import_says_so_and_stores_nothing(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    with serve(binance_routes(READ_ONLY)) as venue:
        result = await import_account("binance", API_KEY, SECRET, urls=venue.base_url, timeout_s=10)
    assert result.status == "imported" and not result.stored
    assert "NOT saved" in result.message and "No system keyring" in result.message


async def test_okx_needs_a_passphrase() -> None:
    result = await import_account("okx", API_KEY, SECRET)
    assert result.status == "failed" and "passphrase" in result.message


async def test_rejected_key_is_a_message(memory_keyring) -> None:
    routes = binance_routes(READ_ONLY)
    routes["/sapi/v1/account/apiRestrictions"] = lambda: (
        401, {"code": -2015, "msg": f"Invalid API-key, IP, or permissions for action. key={API_KEY}"})
    with serve(routes) as venue:
        result = await import_account("binance", API_KEY, SECRET, urls=venue.base_url, timeout_s=10)
    assert result.status == "failed" and "rejected the key" in result.message
    assert API_KEY not in result.message and memory_keyring.store == {}


async def test_no_secret_in_logs_settings_or_exception_texts(tmp_path: Path, memory_keyring, monkeypatch) -> None:
    log_file = tmp_path / "cascade.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    messages: list[str] = []
    try:
        async def run(routes: dict, **kwargs) -> ImportResult:
            with serve(routes) as venue:
                result = await import_account("binance", API_KEY, SECRET, urls=venue.base_url, timeout_s=10, **kwargs)
            messages.append(result.message)
            return result

        assert (await run(binance_routes(READ_ONLY))).status == "imported"
        assert (await run(binance_routes(TRADING))).status == "refused"
        failing = binance_routes(READ_ONLY)
        failing["/fapi/v2/positionRisk"] = lambda: (400, {"code": -1022, "msg": f"Signature for {SECRET} invalid"})
        assert (await run(failing)).status == "failed"
        broken = binance_routes(READ_ONLY)
        broken["/fapi/v2/account"] = b"{not json"
        assert (await run(broken)).status == "failed"

        def exploding_sign(self, *args, **kwargs):  # an exception inside ccxt whose text holds the secret
            raise RuntimeError(f"sign failed with secret {self.secret} and key {self.apiKey}")

        monkeypatch.setattr(ccxt.async_support.binanceusdm, "sign", exploding_sign)
        crashed = await run(binance_routes(READ_ONLY))
        assert crashed.status == "failed" and "RuntimeError" in crashed.message
        keyring.set_keyring(fail.Keyring())
        monkeypatch.undo()
        assert not (await run(binance_routes(READ_ONLY))).stored
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()
    settings_file = save_settings(Settings(), tmp_path / "settings.json")

    written = log_file.read_text(encoding="utf-8")
    assert "imported" in written and "refused" in written  # the log was written to
    for text in (written, settings_file.read_text(encoding="utf-8"), *messages):
        assert SECRET not in text
        assert API_KEY not in text


def _now_ms() -> int:
    return int(time.time() * 1000)


BYBIT_ROUTES = {
    "/v5/market/time": lambda: (200, {"retCode": 0, "retMsg": "OK", "result": {
        "timeSecond": str(_now_ms() // 1000), "timeNano": str(_now_ms() * 1_000_000)}, "time": _now_ms()}),
    "/v5/user/query-api": {"retCode": 0, "result": {"readOnly": 1, "permissions": {"ContractTrade": [], "Wallet": []}}},
    "/v5/account/info": {"retCode": 0, "result": {"marginMode": "ISOLATED_MARGIN"}},
    "/v5/position/list": {"retCode": 0, "result": {"category": "linear", "list": [
        {"symbol": "BTCUSDT", "side": "Buy", "size": "0.1", "avgPrice": "90000", "leverage": "10",
         "liqPrice": "81000", "positionBalance": "900", "tradeMode": 1, "positionIdx": 0}]}},
    "/v5/account/wallet-balance": {"retCode": 0, "result": {"list": [
        {"coin": [{"coin": "USDT", "walletBalance": "100"}]}]}},
}
OKX_ROUTES = {
    "/api/v5/public/time": lambda: (200, {"code": "0", "data": [{"ts": str(_now_ms())}]}),
    "/api/v5/account/config": {"code": "0", "data": [{"perm": "read_only", "acctLv": "2", "posMode": "net_mode"}]},
    "/api/v5/account/positions": {"code": "0", "data": [
        {"instId": "BTC-USDT-SWAP", "pos": "10", "posSide": "net", "avgPx": "90000", "lever": "10", "liqPx": "81000",
         "mgnMode": "cross"}]},
    "/api/v5/account/balance": {"code": "0", "data": [{"details": [{"ccy": "USDT", "cashBal": "1000"}]}]},
}


@pytest.mark.parametrize(("venue", "routes", "passphrase", "signed_header"), [
    ("bybit", BYBIT_ROUTES, None, "X-BAPI-SIGN"), ("okx", OKX_ROUTES, "pass-phrase-1", "OK-ACCESS-SIGN"),
])
async def test_bybit_and_okx_go_through_ccxt(venue, routes, passphrase, signed_header, memory_keyring) -> None:
    with serve(routes) as server:
        result = await import_account(venue, API_KEY, SECRET, passphrase, urls=server.base_url, timeout_s=10)
    assert result.status == "imported", result.message
    assert server.paths == list(routes)  # the time probe, the permission check, then the account calls
    assert all(signed_header in request.headers for request in server.seen[1:])
    [position] = result.state.positions
    assert (position.symbol.startswith("BTC"), position.side, position.exchange_liquidation_price) == (True, "long",
                                                                                                        81000.0)
