"""The per-venue account mapping (pure): permission answers, position payloads and tier tables as the
venues document them, mapped to Permissions, Positions and tier rows."""

from __future__ import annotations

import json

import pytest

from app.core.errors import BadFrame
from app.core.instruments import Instrument, Instruments
from app.core.margin import hyperliquid
from app.core.venues import binance_account, bybit_account, bybit_tiers, okx_account, okx_tiers
from app.core.venues.account_registry import ACCOUNT_APIS, account_api, public_tiers
from app.core.venues.accounts import AccountDataError

# Bybit docs, docs/v5/position/position.mdx (bybit-exchange/docs), "Response Example" verbatim.
BYBIT_POSITION_LIST_DOC = {
    "retCode": 0, "retMsg": "OK",
    "result": {
        "list": [{
            "positionIdx": 0, "riskId": 1, "riskLimitValue": "150", "symbol": "BTCUSD", "side": "Sell", "size": "300",
            "avgPrice": "27464.50441675", "positionValue": "0.01092319", "tradeMode": 0, "positionStatus": "Normal",
            "autoAddMargin": 1, "adlRankIndicator": 2, "leverage": "10", "positionBalance": "0.00139186",
            "markPrice": "28224.50", "liqPrice": "", "bustPrice": "999999.00", "positionMM": "0.0000015",
            "positionIM": "0.00010923", "tpslMode": "Full", "takeProfit": "0.00", "stopLoss": "0.00",
            "trailingStop": "0.00", "unrealisedPnl": "-0.00029413", "cumRealisedPnl": "-0.00096902",
            "seq": 5723621632, "isReduceOnly": False, "mmrSysUpdateTime": "", "leverageSysUpdatedTime": "",
            "createdTime": "1676538056258", "updatedTime": "1697673600012",
        }],
        "nextPageCursor": "", "category": "inverse",
    },
    "retExtInfo": {}, "time": 1697684980172,
}

# Bybit docs, docs/v5/user/apikey-info.mdx, "Response Example" (a read-and-write key), trimmed to the fields read.
BYBIT_QUERY_API_DOC = {
    "retCode": 0, "retMsg": "",
    "result": {
        "id": "13770661", "note": "readwrite api key", "apiKey": "XXXXXX", "readOnly": 0, "secret": "",
        "permissions": {
            "ContractTrade": ["Order", "Position"], "Spot": ["SpotTrade"],
            "Wallet": ["AccountTransfer", "SubMemberTransfer"], "Options": ["OptionsTrade"], "Derivatives": [],
            "CopyTrading": [], "BlockTrade": [], "Exchange": [], "NFT": [], "Affiliate": [], "Earn": [],
        },
        "ips": ["*"], "type": 1, "uta": 0, "isMaster": True,
    },
    "retExtInfo": {}, "time": 1697525990798,
}

# A real OKX GET /api/v5/account/positions row as posted in ccxt issue #28121 (2026-03; an isolated
# BIGTIME-USDT-SWAP long whose figures resources/docs/margin.md §3 verifies), the fields the mapping reads.
OKX_POSITIONS_ISSUE_28121 = {
    "code": "0", "msg": "",
    "data": [{
        "adl": "1", "availPos": "", "avgPx": "0.01305", "ccy": "USDT", "instId": "BIGTIME-USDT-SWAP",
        "instType": "SWAP", "lever": "8", "liqPx": "0.0116677335375191", "margin": "9.9995625",
        "markPx": "0.01304", "mgnMode": "isolated", "mgnRatio": "6.064828669759086", "mmr": "1.5987040000000001",
        "notionalUsd": "79.937598056", "pos": "613", "posSide": "net", "upl": "-0.0613000000000081",
    }],
}
BIGTIME = Instrument("okx", "BIGTIME-USDT-SWAP", "BIGTIME", "linear_perp", 10.0, quote="USDT", settle="USDT")


def test_bybit_documented_position_list_maps_to_a_position() -> None:
    [position] = bybit_account.positions(BYBIT_POSITION_LIST_DOC, "main")
    assert (position.venue, position.account, position.symbol, position.coin) == ("bybit", "main", "BTCUSD", "BTC")
    assert position.side == "short"
    assert position.size == 300.0 and position.contract.kind == "inverse"  # inverse sizes are USD
    assert position.entry == pytest.approx(27464.50441675)
    assert position.leverage == 10.0
    assert position.margin_mode == "cross" and position.isolated_margin is None
    assert position.exchange_liquidation_price is None  # liqPrice "" = none


def test_bybit_isolated_linear_row_keeps_margin_and_liquidation_price() -> None:
    row = {**BYBIT_POSITION_LIST_DOC["result"]["list"][0], "symbol": "BTCUSDT", "side": "Buy", "size": "0.5",
           "avgPrice": "50000", "tradeMode": 1, "positionBalance": "2500", "liqPrice": "45250.5"}
    answer = {"retCode": 0, "result": {"list": [row, {**row, "side": "", "size": "0"}], "category": "linear"}}
    [position] = bybit_account.positions(answer, "main")
    assert position.side == "long" and position.contract.kind == "linear"
    assert position.margin_mode == "isolated" and position.isolated_margin == 2500.0
    assert position.exchange_liquidation_price == 45250.5


def test_bybit_build_reads_margin_mode_and_wallet() -> None:
    answers = {
        "info": {"retCode": 0, "result": {"marginMode": "ISOLATED_MARGIN"}},
        "positions": BYBIT_POSITION_LIST_DOC,
        "wallet": {"retCode": 0, "result": {"list": [{"coin": [{"coin": "USDT", "walletBalance": "1234.5"}]}]}},
    }
    state = bybit_account.build(answers, "main", 1, None, [])
    assert state.account.wallet_balance == 1234.5 and state.account.account_mode is None
    assert state.positions[0].margin_mode == "isolated"
    regular = {**answers, "info": {"retCode": 0, "result": {"marginMode": "REGULAR_MARGIN"}}}
    assert bybit_account.build(regular, "main", 1, None, []).account.account_mode == "multi_collateral"


def test_bybit_documented_read_write_key_is_refused_naming_permissions() -> None:
    permissions = bybit_account.read_permissions(BYBIT_QUERY_API_DOC)
    assert not permissions.read_only
    assert "ContractTrade" in permissions.trade and "Wallet.AccountTransfer" in permissions.withdraw
    text = permissions.refusal("Bybit")
    assert text is not None and "ContractTrade" in text and "AccountTransfer" in text


def test_bybit_read_only_key_is_accepted() -> None:
    answer = json.loads(json.dumps(BYBIT_QUERY_API_DOC))
    answer["result"]["readOnly"] = 1
    answer["result"]["permissions"]["Wallet"] = []
    permissions = bybit_account.read_permissions(answer)
    assert permissions.read_only and permissions.refusal("Bybit") is None


def test_okx_position_row_maps_with_ct_val() -> None:
    skipped: list[str] = []
    [position] = okx_account.positions(OKX_POSITIONS_ISSUE_28121, "main", Instruments([BIGTIME]), skipped)
    assert skipped == []
    assert (position.symbol, position.coin, position.side) == ("BIGTIME-USDT-SWAP", "BIGTIME", "long")
    assert position.size == 613.0 and position.contract.contract_size == 10.0  # contracts × ctVal
    assert position.entry == 0.01305 and position.leverage == 8.0
    assert position.margin_mode == "isolated" and position.isolated_margin == 9.9995625
    assert position.exchange_liquidation_price == pytest.approx(0.0116677335375191)


def test_okx_row_without_known_contract_size_is_skipped_not_guessed() -> None:
    skipped: list[str] = []
    assert okx_account.positions(OKX_POSITIONS_ISSUE_28121, "main", Instruments(), skipped) == []
    assert skipped and "BIGTIME-USDT-SWAP" in skipped[0]


def test_okx_hedge_short_and_account_config() -> None:
    row = {**OKX_POSITIONS_ISSUE_28121["data"][0], "instId": "BTC-USDT-SWAP", "posSide": "short", "pos": "5",
           "mgnMode": "cross", "avgPx": "90000", "liqPx": ""}
    answers = {
        "permissions": {"code": "0", "data": [{"perm": "read_only", "acctLv": "2", "posMode": "long_short_mode"}]},
        "positions": {"code": "0", "data": [row]},
        "balance": {"code": "0", "data": [{"details": [{"ccy": "USDT", "cashBal": "5000"}]}]},
    }
    state = okx_account.build(answers, "main", 7, None, [])  # BTC-USDT-SWAP is in the bundled snapshot
    [position] = state.positions
    assert position.side == "short" and position.contract.contract_size == 0.01 and position.isolated_margin is None
    assert state.account.position_mode == "hedge" and state.account.wallet_balance == 5000.0
    assert state.account.account_mode is None
    answers["permissions"]["data"][0]["acctLv"] = "4"
    assert okx_account.build(answers, "main", 7, None, []).account.account_mode == "portfolio_margin"


@pytest.mark.parametrize(("perm", "read_only", "named"), [
    ("read_only", True, None), ("read_only,trade", False, "trade"), ("read_only,withdraw", False, "withdraw"),
])
def test_okx_perm_field(perm: str, read_only: bool, named: str | None) -> None:
    permissions = okx_account.read_permissions({"code": "0", "data": [{"perm": perm}]})
    assert permissions.read_only is read_only
    text = permissions.refusal("OKX")
    assert (text is None) if named is None else (named in text)


def test_binance_restrictions() -> None:
    reading = {"enableReading": True, "enableSpotAndMarginTrading": False, "enableWithdrawals": False}
    assert binance_account.read_permissions(reading).read_only
    trading = {**reading, "enableSpotAndMarginTrading": True}
    text = binance_account.read_permissions(trading).refusal("Binance USDⓈ-M")
    assert text is not None and "enableSpotAndMarginTrading" in text
    with pytest.raises(AccountDataError):
        binance_account.read_permissions({"code": -2015})


def test_malformed_answers_raise_account_data_error() -> None:
    with pytest.raises(AccountDataError):
        bybit_account.positions({"retCode": 0, "result": {"list": [{"side": "Buy", "size": "x"}]}}, "m")
    with pytest.raises(AccountDataError):
        okx_account.positions({"code": "0", "data": "nope"}, "m")
    with pytest.raises(AccountDataError):
        binance_account.positions([{"symbol": "BTCUSDT", "positionAmt": "1", "entryPrice": "nan"}], "m")


def test_registry_lists_the_three_import_venues() -> None:
    assert [api.venue for api in ACCOUNT_APIS] == ["binance", "bybit", "okx"]
    assert account_api("okx").needs_passphrase and account_api("nope") is None
    assert public_tiers("bybit") is bybit_tiers.PUBLIC_TIERS


# ---- public tier tables -------------------------------------------------------------------------

def test_bybit_risk_limit_rows() -> None:
    answer = {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [
        {"id": 2, "symbol": "BTCUSDT", "riskLimitValue": "2600000", "maintenanceMargin": "0.0056",
         "initialMargin": "0.0111", "isLowestRisk": 0, "maxLeverage": "90.00", "mmDeduction": "1200"},
        {"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005",
         "initialMargin": "0.01", "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""},
    ]}}
    [table] = bybit_tiers.parse(json.dumps(answer), "BTCUSDT")
    assert [row["floor"] for row in table.rows] == [0.0, 2_000_000.0]
    assert table.rows[0] == {"floor": 0.0, "cap": 2_000_000.0, "mmr": 0.005, "maintenance_amount": None,
                             "max_leverage": 100.0}
    assert table.rows[1]["maintenance_amount"] == 1200.0
    assert bybit_tiers.url("http://h", "BTCUSDT") == "http://h/v5/market/risk-limit?category=linear&symbol=BTCUSDT"
    with pytest.raises(BadFrame):
        bybit_tiers.parse(b'{"retCode": 10001, "retMsg": "params error"}', "BTCUSDT")


def test_okx_position_tiers_rows_count_contracts() -> None:
    answer = {"code": "0", "msg": "", "data": [
        {"instFamily": "BTC-USDT", "tier": "1", "minSz": "0", "maxSz": "1000", "mmr": "0.004", "imr": "0.008",
         "maxLever": "125"},
        {"instFamily": "BTC-USDT", "tier": "2", "minSz": "1001", "maxSz": "2000", "mmr": "0.006", "imr": "0.01",
         "maxLever": "100"},
    ]}
    [table] = okx_tiers.parse(json.dumps(answer), "BTC-USDT-SWAP")
    assert table.size_unit == "contracts" and table.contract_size == 0.01
    assert [(row["floor"], row["cap"], row["mmr"]) for row in table.rows] == [(0.0, 1000.0, 0.004),
                                                                             (1000.0, 2000.0, 0.006)]
    assert "instFamily=BTC-USDT" in okx_tiers.url("http://h", "BTC-USDT-SWAP")


def test_hyperliquid_meta_margin_tables() -> None:
    answer = {"universe": [{"name": "BTC", "szDecimals": 5, "maxLeverage": 40, "marginTableId": 56},
                           {"name": "DOGE", "szDecimals": 0, "maxLeverage": 10, "marginTableId": 10}],
              "marginTables": [[56, {"description": "tiered 40x", "marginTiers": [
                  {"lowerBound": "0.0", "maxLeverage": 40}, {"lowerBound": "150000000.0", "maxLeverage": 20}]}]]}
    btc, doge = hyperliquid.parse_meta_tiers(json.dumps(answer))
    assert btc.symbol == "BTC" and [row["mmr"] for row in btc.rows] == [0.0125, 0.025]
    assert btc.rows[0]["cap"] == 150_000_000.0
    assert doge.rows == ({"floor": 0.0, "cap": None, "mmr": 0.05, "maintenance_amount": None, "max_leverage": 10.0},)
