"""Live instrument metadata from each venue's REST listing, written from the documented response shapes:
Binance `GET /fapi/v1/exchangeInfo`, Bybit `GET /v5/market/instruments-info`, OKX `GET
/api/v5/public/instruments?instType=SWAP`. Only live perpetual swaps; bad rows skipped and counted."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sample_frames import OKX_OFFICIAL

from app.core.errors import BadFrame
from app.core.events import Liquidation
from app.core.instruments import Instrument, coin_and_multiplier, load_bundled
from app.core.venues import binance, bybit, okx
from app.core.venues.common import positive_or_none


def _binance_symbol(symbol: str, base: str, contract_type: str = "PERPETUAL", status: str = "TRADING",
                    tick: str = "0.10", step: str = "0.001", quote: str = "USDT") -> dict:
    return {
        "symbol": symbol, "pair": symbol.partition("_")[0], "contractType": contract_type,
        "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": status,
        "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
        "baseAsset": base, "quoteAsset": quote, "marginAsset": quote,
        "pricePrecision": 2, "quantityPrecision": 3, "baseAssetPrecision": 8, "quotePrecision": 8,
        "underlyingType": "COIN", "underlyingSubType": ["PoW"], "settlePlan": 0, "triggerProtect": "0.0500",
        "filters": [
            {"minPrice": "556.80", "maxPrice": "4529764", "filterType": "PRICE_FILTER", "tickSize": tick},
            {"stepSize": step, "filterType": "LOT_SIZE", "maxQty": "1000", "minQty": step},
            {"stepSize": step, "filterType": "MARKET_LOT_SIZE", "maxQty": "120", "minQty": step},
            {"limit": 200, "filterType": "MAX_NUM_ORDERS"},
            {"notional": "100", "filterType": "MIN_NOTIONAL"},
        ],
        "orderTypes": ["LIMIT", "MARKET", "STOP"], "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
    }  # fmt: skip


BINANCE_EXCHANGE_INFO = json.dumps({
    "timezone": "UTC", "serverTime": 1764086400000, "futuresType": "U_MARGINED",
    "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400}],
    "exchangeFilters": [], "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
    "symbols": [
        _binance_symbol("BTCUSDT", "BTC", tick="0.10", step="0.001"),
        _binance_symbol("1000PEPEUSDT", "1000PEPE", tick="0.0000001", step="1"),
        _binance_symbol("WIFUSDC", "WIF", tick="0.0001", step="0.1", quote="USDC"),
        _binance_symbol("TSLAUSDT", "TSLA", contract_type="TRADIFI_PERPETUAL", tick="0.01", step="0.001"),
        _binance_symbol("BTCUSDT_260327", "BTC", contract_type="CURRENT_QUARTER"),
        _binance_symbol("OLDUSDT", "OLD", status="SETTLING"),
        {"symbol": "BROKENUSDT", "contractType": "PERPETUAL", "status": "TRADING"},  # no baseAsset
        ["not", "an", "object"],
    ],
})  # fmt: skip


def test_binance_keeps_trading_perpetuals_with_tick_lot_and_coin() -> None:
    problems: list[str] = []
    rows = {i.symbol: i for i in binance.instruments_from_rest(BINANCE_EXCHANGE_INFO, problems)}
    assert sorted(rows) == ["1000PEPEUSDT", "BTCUSDT", "TSLAUSDT", "WIFUSDC"]
    assert rows["BTCUSDT"] == Instrument(
        "binance", "BTCUSDT", "BTC", "linear_perp", 1.0, "base", 0.1, 0.001, "USDT", "USDT"
    )
    pepe = rows["1000PEPEUSDT"]
    assert (pepe.coin, pepe.contract_size, pepe.tick_size, pepe.lot_size) == ("PEPE", 1000.0, 1e-7, 1.0)
    assert (rows["WIFUSDC"].quote, rows["WIFUSDC"].settle) == ("USDC", "USDC")
    assert len(problems) == 2  # the row without baseAsset and the array


def test_binance_live_rows_size_liquidations_of_symbols_the_snapshot_lacks() -> None:
    live = load_bundled().merge(binance.instruments_from_rest(BINANCE_EXCHANGE_INFO))
    frame = ('{"e":"forceOrder","E":1,"o":{"s":"1000PEPEUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"2000",'
             '"p":"0.0100000","ap":"0.0100000","X":"FILLED","l":"2000","z":"2000","T":5}}')  # fmt: skip
    (event,) = binance.parse(frame, 0, live)
    assert isinstance(event, Liquidation)
    assert (event.coin, event.qty, event.notional_usd) == ("PEPE", 2_000_000.0, 20.0)


@pytest.mark.parametrize("payload", ['{"code":-1003,"msg":"Too many requests"}', "<html>502</html>", b"\x1f\x8b"])
def test_binance_non_listing_body_is_bad_frame(payload: str | bytes) -> None:
    with pytest.raises(BadFrame):
        binance.instruments_from_rest(payload)


def _bybit_row(symbol: str, base: str, contract_type: str, status: str = "Trading", tick: str = "0.10",
               step: str = "0.001", quote: str = "USDT", settle: str = "USDT") -> dict:
    return {
        "symbol": symbol, "contractType": contract_type, "status": status, "baseCoin": base,
        "quoteCoin": quote, "symbolType": "", "launchTime": "1584230400000", "deliveryTime": "0",
        "deliveryFeeRate": "", "priceScale": "2",
        "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
        "priceFilter": {"minPrice": "0.10", "maxPrice": "1999999.80", "tickSize": tick},
        "lotSizeFilter": {"maxOrderQty": "1190.000", "minOrderQty": step, "qtyStep": step,
                          "postOnlyMaxOrderQty": "1190.000", "maxMktOrderQty": "500.000", "minNotionalValue": "5"},
        "unifiedMarginTrade": True, "fundingInterval": 480, "settleCoin": settle, "copyTrading": "both",
        "upperFundingRate": "0.005", "lowerFundingRate": "-0.005", "isPreListing": False, "preListingInfo": None,
        "riskParameters": {"priceLimitRatioX": "0.01", "priceLimitRatioY": "0.02"},
    }  # fmt: skip


def bybit_page(category: str, rows: list, cursor: str = "") -> str:
    return json.dumps({
        "retCode": 0, "retMsg": "OK",
        "result": {"category": category, "list": rows, "nextPageCursor": cursor},
        "retExtInfo": {}, "time": 1764086400000,
    })  # fmt: skip


BYBIT_LINEAR = bybit_page("linear", [
    _bybit_row("BTCUSDT", "BTC", "LinearPerpetual"),
    _bybit_row("1000PEPEUSDT", "1000PEPE", "LinearPerpetual", tick="0.0000001", step="100"),
    _bybit_row("SHIB1000USDT", "SHIB1000", "LinearPerpetual", tick="0.000001", step="10"),
    _bybit_row("BTCPERP", "BTC", "LinearPerpetual", quote="USDC", settle="USDC"),
    _bybit_row("BTC-27MAR26", "BTC", "LinearFutures", quote="USDC", settle="USDC"),
    _bybit_row("NEWUSDT", "NEW", "LinearPerpetual", status="PreLaunch"),
    {"contractType": "LinearPerpetual", "status": "Trading"},  # no symbol
], cursor="first%3D1000")  # fmt: skip
BYBIT_INVERSE = bybit_page("inverse", [
    _bybit_row("BTCUSD", "BTC", "InversePerpetual", tick="0.10", step="1", quote="USD", settle="BTC"),
    _bybit_row("SOLUSD", "SOL", "InversePerpetual", tick="0.001", step="1", quote="USD", settle="SOL"),
    _bybit_row("BTCUSDH26", "BTC", "InverseFutures", quote="USD", settle="BTC"),
])  # fmt: skip


def test_bybit_linear_page_keeps_trading_perpetuals_and_cursor() -> None:
    problems: list[str] = []
    page = bybit.instruments_page(BYBIT_LINEAR, problems)
    rows = {i.symbol: i for i in page.instruments}
    assert sorted(rows) == ["1000PEPEUSDT", "BTCPERP", "BTCUSDT", "SHIB1000USDT"]
    assert rows["BTCUSDT"] == Instrument(
        "bybit", "BTCUSDT", "BTC", "linear_perp", 1.0, "base", 0.1, 0.001, "USDT", "USDT"
    )
    assert (rows["1000PEPEUSDT"].coin, rows["1000PEPEUSDT"].contract_size) == ("PEPE", 1000.0)
    assert (rows["SHIB1000USDT"].coin, rows["SHIB1000USDT"].contract_size) == ("SHIB", 1000.0)
    assert rows["BTCPERP"].settle == "USDC"
    assert page.next_cursor == "first%3D1000"
    assert len(problems) == 1


def test_bybit_inverse_contracts_are_one_usd() -> None:
    page = bybit.instruments_page(BYBIT_INVERSE)
    assert page.next_cursor is None  # "" on the last page
    assert [(i.symbol, i.kind, i.contract_size, i.contract_unit, i.settle) for i in page.instruments] == [
        ("BTCUSD", "inverse_perp", 1.0, "usd", "BTC"),
        ("SOLUSD", "inverse_perp", 1.0, "usd", "SOL"),
    ]
    assert bybit.instruments_from_rest(BYBIT_INVERSE) == page.instruments


def test_bybit_live_rows_size_a_suffix_multiplier_symbol() -> None:
    live = load_bundled().merge(bybit.instruments_from_rest(BYBIT_LINEAR))
    frame = ('{"topic":"allLiquidation.SHIB1000USDT","type":"snapshot","ts":9,'
             '"data":[{"T":9,"s":"SHIB1000USDT","S":"Buy","v":"500","p":"0.012"}]}')  # fmt: skip
    (event,) = bybit.parse(frame, 0, live)
    assert isinstance(event, Liquidation)
    assert (event.coin, event.side, event.qty, event.notional_usd) == ("SHIB", "long", 500_000.0, 6.0)


def test_bybit_error_response_is_bad_frame() -> None:
    with pytest.raises(BadFrame, match="10006"):
        bybit.instruments_page('{"retCode":10006,"retMsg":"Too many visits!","result":{},"time":1}')
    with pytest.raises(BadFrame):
        bybit.instruments_page('{"retCode":0,"retMsg":"OK"}')


def test_bybit_page_url_quotes_the_cursor() -> None:
    assert bybit.instruments_url("http://127.0.0.1:1/", "inverse", "a=b&c") == (
        "http://127.0.0.1:1/v5/market/instruments-info?category=inverse&limit=1000&cursor=a%3Db%26c"
    )


def _okx_row(inst_id: str, ct_type: str, ct_val: str, ct_val_ccy: str, settle: str, tick: str = "0.1",
             lot: str = "0.1", state: str = "live") -> dict:
    family = inst_id.removesuffix("-SWAP")
    return {
        "alias": "", "baseCcy": "", "category": "1", "ctMult": "1", "ctType": ct_type, "ctVal": ct_val,
        "ctValCcy": ct_val_ccy, "expTime": "", "instFamily": family, "instId": inst_id, "instType": "SWAP",
        "lever": "100", "listTime": "1611916828000", "lotSz": lot, "maxIcebergSz": "100000000.0000000000000000",
        "maxLmtAmt": "20000000", "maxLmtSz": "100000000", "maxMktAmt": "", "maxMktSz": "12000", "maxStopSz": "12000",
        "maxTriggerSz": "100000000.0000000000000000", "maxTwapSz": "100000000.0000000000000000", "minSz": lot,
        "optType": "", "quoteCcy": "", "settleCcy": settle, "state": state, "stk": "", "tickSz": tick,
        "uly": family, "ruleType": "normal",
    }  # fmt: skip


OKX_SWAPS = json.dumps({"code": "0", "msg": "", "data": [
    _okx_row("BTC-USDT-SWAP", "linear", "0.01", "BTC", "USDT", lot="0.01"),
    _okx_row("BTC-USD-SWAP", "inverse", "100", "USD", "BTC", lot="1"),
    _okx_row("IOST-USDT-SWAP", "linear", "1000", "IOST", "USDT", tick="0.000001", lot="1"),
    _okx_row("PEPE-USDT-SWAP", "linear", "10000000", "PEPE", "USDT", tick="0.0000000001", lot="0.1"),
    _okx_row("OLD-USDT-SWAP", "linear", "10", "OLD", "USDT", state="suspend"),
    _okx_row("ODD-USDT-SWAP", "linear", "", "ODD", "USDT"),  # no ctVal: never guessed
    _okx_row("ALT-USDT-SWAP", "quanto", "1", "ALT", "USDT"),
    _okx_row("X-USDT-SWAP", "linear", "1", "ETH", "USDT"),  # ctValCcy is not the base
    {"instType": "SWAP", "state": "live"},  # no instId
]})  # fmt: skip


def test_okx_swaps_are_sized_by_ctval() -> None:
    problems: list[str] = []
    rows = {i.symbol: i for i in okx.instruments_from_rest(OKX_SWAPS, problems)}
    assert sorted(rows) == ["BTC-USD-SWAP", "BTC-USDT-SWAP", "IOST-USDT-SWAP", "PEPE-USDT-SWAP"]
    assert rows["BTC-USDT-SWAP"] == Instrument(
        "okx", "BTC-USDT-SWAP", "BTC", "linear_perp", 0.01, "base", 0.1, 0.01, "USDT", "USDT"
    )
    assert rows["BTC-USD-SWAP"] == Instrument(
        "okx", "BTC-USD-SWAP", "BTC", "inverse_perp", 100.0, "usd", 0.1, 1.0, "USD", "BTC"
    )
    assert rows["PEPE-USDT-SWAP"].contract_size == 10_000_000.0
    assert len(problems) == 4


def test_okx_ct_mult_scales_the_contract() -> None:
    row = _okx_row("ETH-USDT-SWAP", "linear", "0.1", "ETH", "USDT") | {"ctMult": "10"}
    (instrument,) = okx.instruments_from_rest(json.dumps({"code": "0", "msg": "", "data": [row]}))
    assert instrument.contract_size == pytest.approx(1.0)


def test_okx_live_rows_make_the_official_sample_convertible() -> None:
    live = load_bundled().merge(okx.instruments_from_rest(OKX_SWAPS))
    (event,) = okx.parse(OKX_OFFICIAL, 0, live)
    assert isinstance(event, Liquidation)
    assert (event.coin, event.side, event.qty) == ("IOST", "short", 13_000.0)
    assert event.notional_usd == pytest.approx(13_000 * 0.007831)


def test_okx_error_response_is_bad_frame() -> None:
    with pytest.raises(BadFrame, match="50011"):
        okx.instruments_from_rest('{"code":"50011","msg":"Rate limit reached","data":[]}')
    with pytest.raises(BadFrame):
        okx.instruments_from_rest("not json")


@pytest.mark.parametrize(
    ("base", "expected"),
    [("BTC", ("BTC", 1.0)), ("XBT", ("BTC", 1.0)), ("1000PEPE", ("PEPE", 1000.0)), ("1MBABYDOGE", ("BABYDOGE", 1e6)),
     ("SHIB1000", ("SHIB", 1000.0)), ("kPEPE", ("PEPE", 1000.0)), ("1INCH", ("1INCH", 1.0)), ("A8", ("A8", 1.0))],
)  # fmt: skip
def test_coin_and_multiplier(base: str, expected: tuple[str, float]) -> None:
    assert coin_and_multiplier(base) == expected


def test_positive_or_none_rejects_garbage() -> None:
    assert [positive_or_none(v) for v in ("0.1", 2, "", "0", "-1", "nan", "inf", "abc", None, True)] == [
        0.1, 2.0, None, None, None, None, None, None, None, None,
    ]  # fmt: skip


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_field_values = st.sampled_from(["", "0", "-1", "1e400", "abc", "0.5", "BTC", "1000PEPE"]) | _json_values


@settings(deadline=None, max_examples=150)
@given(
    row=st.fixed_dictionaries(
        {},
        optional={
            name: _field_values
            for name in ("symbol", "instId", "baseAsset", "baseCoin", "ctVal", "ctMult", "ctValCcy", "tickSz",
                         "lotSz", "priceFilter", "lotSizeFilter", "filters", "uly", "instFamily", "settleCcy")
        } | {
            "contractType": st.sampled_from(["PERPETUAL", "LinearPerpetual", "InversePerpetual", "x"]),
            "status": st.sampled_from(["TRADING", "Trading", "x"]),
            "state": st.sampled_from(["live", "x"]),
            "ctType": st.sampled_from(["linear", "inverse", "x"]),
        },
    )
)  # fmt: skip
def test_odd_rows_are_skipped_never_raised(row: dict) -> None:
    payloads = {
        binance: json.dumps({"symbols": [row]}),
        bybit: json.dumps({"retCode": 0, "result": {"list": [row]}}),
        okx: json.dumps({"code": "0", "data": [row]}),
    }
    for module, payload in payloads.items():
        for instrument in module.instruments_from_rest(payload, []):
            assert instrument.contract_size is not None and instrument.contract_size > 0
            assert instrument.coin


def test_okx_dated_futures_are_sized_like_their_swaps() -> None:
    import json as _json

    from app.core.venues import okx as _okx

    body = _json.dumps({"code": "0", "msg": "", "data": [
        {"instId": "BTC-USD-260327", "instType": "FUTURES", "ctType": "inverse", "ctVal": "100", "ctValCcy": "USD",
         "instFamily": "BTC-USD", "settleCcy": "BTC", "tickSz": "0.1", "lotSz": "1", "state": "live"},
        {"instId": "ETH-USDT-260327", "instType": "FUTURES", "ctType": "linear", "ctVal": "0.1", "ctValCcy": "ETH",
         "instFamily": "ETH-USDT", "settleCcy": "USDT", "tickSz": "0.01", "lotSz": "1", "state": "live"},
        {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "ctType": "linear", "ctVal": "0.01", "ctValCcy": "BTC",
         "instFamily": "BTC-USDT", "settleCcy": "USDT", "tickSz": "0.1", "lotSz": "1", "state": "live"},
    ]})
    futures = {i.symbol: i for i in _okx.instruments_from_rest(body, inst_type="FUTURES")}
    assert set(futures) == {"BTC-USD-260327", "ETH-USDT-260327"}
    assert (futures["BTC-USD-260327"].kind, futures["BTC-USD-260327"].contract_size) == ("inverse_future", 100.0)
    assert (futures["ETH-USDT-260327"].kind, futures["ETH-USDT-260327"].coin) == ("linear_future", "ETH")
    assert [i.symbol for i in _okx.instruments_from_rest(body)] == ["BTC-USDT-SWAP"]
