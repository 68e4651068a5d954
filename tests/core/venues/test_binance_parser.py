"""Binance USDⓈ-M forceOrder / markPrice parsing: resources/docs/feeds.md §1 and §11 sample frames, exact events."""

from __future__ import annotations

import json

import pytest
from sample_frames import BINANCE_BARTER, BINANCE_COINM, BINANCE_MARK, BINANCE_OFFICIAL

from app.core.errors import BadFrame
from app.core.events import Liquidation, MarkPrice, Unconvertible, VenueNotice
from app.core.instruments import Instruments
from app.core.venues import binance
from app.core.venues.binance import BinanceState
from app.core.venues.common import liquidation_id


def _liq(symbol, coin, kind, side, price, qty, notional, ts):  # type: ignore[no-untyped-def]
    return Liquidation(
        "binance", symbol, coin, kind, side, price, qty, notional, ts, "sampled",
        liquidation_id("binance", symbol, ts, side, qty, price),
    )  # fmt: skip


def test_official_force_order_sell_is_a_liquidated_long() -> None:
    assert binance.parse(BINANCE_OFFICIAL, 0) == [
        _liq("BTCUSDT", "BTC", "linear_perp", "long", 9910.0, 0.014, 0.014 * 9910.0, 1568014460893)
    ]


def test_barter_sample_uses_average_price_and_filled_qty() -> None:
    assert binance.parse(BINANCE_BARTER, 0) == [
        _liq("BTCUSDT", "BTC", "linear_perp", "long", 18990.0, 0.009, 0.009 * 18990.0, 1665523974217)
    ]


def test_coin_margined_contracts_convert_through_usd_contract_size() -> None:
    # BTCUSD_200925 is not in the snapshot: its pair's perpetual (BTCUSD_PERP, 100 USD) sizes it.
    qty = 100.0 / 9496.5
    assert binance.parse(BINANCE_COINM, 0) == [
        _liq("BTCUSD_200925", "BTC", "inverse_future", "long", 9496.5, qty, 100.0, 1591154240949)
    ]


def test_coin_margined_without_metadata_is_unconvertible() -> None:
    assert binance.parse(BINANCE_COINM, 0, Instruments()) == [
        Unconvertible("binance", "BTCUSD_200925", "COIN-M contract size unknown")
    ]


def test_mark_price_update() -> None:
    assert binance.parse(BINANCE_MARK, 0) == [
        MarkPrice("binance", "BTCUSDT", "BTC", 11794.15, 1562305380000, 11784.62659091, 0.00038167, 1562306400000)
    ]


def _order(**fields: object) -> str:
    order = {"s": "ETHUSDT", "S": "BUY", "o": "LIMIT", "q": "2", "p": "3000", "ap": "3001", "z": "1.5", "T": 7}
    order.update(fields)
    return json.dumps({"e": "forceOrder", "E": 9, "o": order})


def test_buy_is_a_liquidated_short() -> None:
    (event,) = binance.parse(_order(), 0)
    assert (event.side, event.qty, event.price, event.notional_usd) == ("short", 1.5, 3001.0, 1.5 * 3001.0)


def test_unfilled_order_falls_back_to_original_qty_and_price() -> None:
    (event,) = binance.parse(_order(z="0", ap="0"), 0)
    assert (event.qty, event.price, event.notional_usd) == (2.0, 3000.0, 6000.0)


def test_event_time_is_used_when_trade_time_is_missing() -> None:
    frame = json.loads(_order())
    del frame["o"]["T"]
    (event,) = binance.parse(json.dumps(frame), 0)
    assert event.ts_ms == 9


def test_thousand_prefixed_symbol_counts_coins() -> None:
    (event,) = binance.parse(_order(s="1000PEPEUSDT", z="10", ap="0.01"), 0)
    assert (event.coin, event.qty, event.notional_usd) == ("PEPE", 10_000.0, 0.1)
    (unknown,) = binance.parse(_order(s="1000SHIBUSDT", z="10", ap="0.01"), 0, Instruments())
    assert (unknown.coin, unknown.qty, unknown.kind) == ("SHIB", 10_000.0, "linear_perp")


def test_dated_usdm_future_kind() -> None:
    (event,) = binance.parse(_order(s="BTCUSDT_260327"), 0)
    assert (event.coin, event.kind) == ("BTC", "linear_future")


def test_combined_stream_envelopes() -> None:
    wrapped = json.dumps({"stream": "!forceOrder@arr", "data": json.loads(BINANCE_OFFICIAL)})
    assert binance.parse(wrapped, 0) == binance.parse(BINANCE_OFFICIAL, 0)
    marks = json.dumps({"stream": "!markPrice@arr@1s", "data": [json.loads(BINANCE_MARK)] * 2})
    assert binance.parse(marks, 0) == binance.parse(BINANCE_MARK, 0) * 2
    assert binance.parse("[" + BINANCE_MARK + "]", 0) == binance.parse(BINANCE_MARK, 0)


def test_mark_filter_from_state_and_dated_future_without_funding() -> None:
    rows = [json.loads(BINANCE_MARK), {**json.loads(BINANCE_MARK), "s": "ETHUSDT_260327", "r": "", "T": 0}]
    frame = json.dumps({"stream": "!markPrice@arr@1s", "data": rows})
    (dated,) = binance.parse(frame, 0, state=BinanceState(frozenset({"ETHUSDT_260327"})))
    assert (dated.symbol, dated.coin, dated.funding_rate, dated.next_funding_ms) == (
        "ETHUSDT_260327",
        "ETH",
        None,
        None,
    )


def test_acks_and_error_acks() -> None:
    assert binance.parse('{"result":null,"id":1}', 0) == []
    assert binance.parse(b'{"result":["!forceOrder@arr"],"id":3}', 0) == []
    assert binance.parse('{"error":{"code":2,"msg":"Invalid request: unknown variant"},"id":1}', 0) == [
        VenueNotice("binance", "error", "2", "Invalid request: unknown variant")
    ]


def test_unknown_event_is_ignored() -> None:
    assert binance.parse('{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT"}}', 0) == []


def test_same_frame_gives_same_ids() -> None:
    assert binance.parse(BINANCE_OFFICIAL, 1)[0].id == binance.parse(BINANCE_OFFICIAL, 2)[0].id


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        '{"e":"forceOrder","E":1}',
        _order(S="SIDEWAYS"),
        _order(q="abc"),
        _order(p="-1"),
        _order(q="NaN"),
        _order(s=5),
        '{"e":"markPriceUpdate","E":1,"s":"BTCUSDT"}',
        '{"error":"nope"}',
        "[1, 2]",
    ],
)
def test_malformed_frames_raise_bad_frame(frame: str) -> None:
    with pytest.raises(BadFrame):
        binance.parse(frame, 0)


def test_connection_spec() -> None:
    spec, _coinm = binance.connections()
    assert (spec.venue, spec.stream, spec.url) == (
        "binance", "binance/usdm/market", "wss://fstream.binance.com/market/stream",
    )  # fmt: skip
    assert spec.subscribe == ('{"method":"SUBSCRIBE","params":["!forceOrder@arr","!markPrice@arr@1s"],"id":1}',)
    assert (spec.heartbeat, spec.heartbeat_interval_s, spec.stall_after_s) == (None, None, 10.0)
    assert spec.completeness == binance.COMPLETENESS == "sampled"
    local, _ = binance.connections({"binance/usdm/market": "ws://127.0.0.1:1/binance"}, symbols=["BTCUSDT"])
    assert local.url == "ws://127.0.0.1:1/binance"
    assert local.new_state is not None and local.new_state().mark_symbols == frozenset({"BTCUSDT"})
    assert local.parse(BINANCE_MARK, 0, None, local.new_state())[0].symbol == "BTCUSDT"


def test_one_zero_mark_in_the_array_skips_only_that_entry() -> None:
    import json as _json

    from app.core.events import MarkPrice as _MarkPrice
    from app.core.venues import binance as _binance

    good = {"e": "markPriceUpdate", "E": 1768935600000, "s": "BTCUSDT", "p": "92500.1", "i": "92490", "r": "0.0001",
            "T": 1768953600000}
    zero = {**good, "s": "OLDUSDT", "p": "0.00000000"}
    frame = _json.dumps({"stream": "!markPrice@arr@1s", "data": [good, zero]})
    events = _binance.parse(frame, 1768935600100)
    assert [(e.symbol, e.price) for e in events if isinstance(e, _MarkPrice)] == [("BTCUSDT", 92500.1)]


def test_coinm_connection_subscribes_liquidations_and_its_majors_marks_on_dstream() -> None:
    _, coinm = binance.connections(symbols=["BTCUSDT", "BTCUSD_PERP", "ETHUSD_PERP"])
    assert (coinm.stream, coinm.url) == ("binance/coinm/market", "wss://dstream.binance.com/stream")
    assert coinm.subscribe == ('{"method":"SUBSCRIBE","params":["!forceOrder@arr","btcusd_perp@markPrice@1s",'
                               '"ethusd_perp@markPrice@1s"],"id":1}',)
    assert coinm.new_state is not None and coinm.new_state().mark_symbols == frozenset({"BTCUSD_PERP", "ETHUSD_PERP"})
    assert (coinm.stall_after_s, coinm.max_lifetime_s, coinm.completeness) == (10.0, 23.5 * 3600, "sampled")
    _, default = binance.connections()  # no symbols: the snapshot's COIN-M perpetuals
    assert "btcusd_perp@markPrice@1s" in default.subscribe[0] and "solusd_perp@markPrice@1s" in default.subscribe[0]


def test_coinm_official_sample_in_its_combined_stream_envelope() -> None:
    # resources/docs/feeds.md §11 COIN-M sample (q in contracts): BTCUSD_200925 sized by BTCUSD_PERP's
    # 100 USD contracts.
    (event,) = binance.parse('{"stream":"!forceOrder@arr","data":' + BINANCE_COINM + "}", 0)
    assert (event.side, event.notional_usd, event.price, event.ts_ms, event.completeness) == (
        "long", 100.0, 9496.5, 1591154240949, "sampled")
    assert event.qty == pytest.approx(100.0 / 9496.5)


def test_coinm_mark_price() -> None:
    frame = ('{"stream":"btcusd_perp@markPrice@1s","data":{"e":"markPriceUpdate","E":1596095725000,'
             '"s":"BTCUSD_PERP","p":"11185.87786614","P":"11185.87786614","r":"0.00030000","T":1596096000000}}')
    (mark,) = binance.parse(frame, 0)
    assert (mark.symbol, mark.coin, mark.price) == ("BTCUSD_PERP", "BTC", 11185.87786614)


def test_coinm_exchange_info_listing() -> None:
    import json as _json

    body = _json.dumps({"symbols": [
        {"symbol": "BTCUSD_PERP", "pair": "BTCUSD", "contractType": "PERPETUAL", "contractStatus": "TRADING",
         "contractSize": 100, "baseAsset": "BTC", "marginAsset": "BTC",
         "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.1"}, {"filterType": "LOT_SIZE", "stepSize": "1"}]},
        {"symbol": "XRPUSD_PERP", "contractType": "PERPETUAL", "contractStatus": "TRADING", "contractSize": 10,
         "baseAsset": "XRP"},
        {"symbol": "BTCUSD_261225", "contractType": "CURRENT_QUARTER", "contractStatus": "TRADING",
         "contractSize": 100, "baseAsset": "BTC"},
        {"symbol": "BADUSD_PERP", "contractType": "PERPETUAL", "contractStatus": "TRADING", "contractSize": 0},
    ]})
    problems: list[str] = []
    rows = {i.symbol: i for i in binance.coinm_instruments_from_rest(body, problems)}
    assert set(rows) == {"BTCUSD_PERP", "XRPUSD_PERP"} and len(problems) == 1
    btc = rows["BTCUSD_PERP"]
    assert (btc.kind, btc.contract_size, btc.contract_unit, btc.tick_size, btc.settle) == (
        "inverse_perp", 100.0, "usd", 0.1, "BTC")
    listing = binance.DESCRIPTOR.rest.listings[1]  # type: ignore[union-attr]
    assert listing.optional and listing.url(binance.DEFAULT_REST_BASE, None) == \
        "https://dapi.binance.com/dapi/v1/exchangeInfo"
    assert listing.url("http://127.0.0.1:9", None) == "http://127.0.0.1:9/dapi/v1/exchangeInfo"


def _wrapped(payload: dict) -> str:
    return json.dumps({"stream": "!forceOrder@arr", "data": payload}, separators=(",", ":"))


def test_the_hot_decode_reads_any_field_order_and_checks_e_as_a_tag() -> None:
    payload = json.loads(_order())
    expected = binance.parse(_order(), 0)
    assert len(expected) == 1 and type(expected[0]) is Liquidation
    shuffled = {"o": dict(reversed(list(payload["o"].items()))), "E": 9, "e": "forceOrder"}
    assert binance.parse(_wrapped(payload), 0) == expected
    assert binance.parse(_wrapped(shuffled), 0) == expected
    assert binance.parse(_wrapped(shuffled).encode(), 0) == expected
    # another event with an order-shaped `o` is not a liquidation (the tag rejects it; the general way ignores it)
    assert binance.parse(_wrapped(payload | {"e": "ORDER_TRADE_UPDATE"}), 0) == []
    assert binance.parse(json.dumps(payload | {"e": "ORDER_TRADE_UPDATE"}), 0) == []
    # an order `o` without `e` is read as a forceOrder, wrapped or not (no other payload carries one)
    bare = {key: value for key, value in payload.items() if key != "e"}
    assert binance.parse(_wrapped(bare), 0) == expected
    assert binance.parse(json.dumps(bare), 0) == expected


@pytest.mark.parametrize("field, value", [("q", "0"), ("p", "-1"), ("ap", "nan"), ("z", "x"), ("S", "SIDEWAYS"),
                                          ("T", -1), ("s", 5)])
def test_a_bad_field_in_a_wrapped_force_order_is_a_bad_frame(field: str, value: object) -> None:
    payload = json.loads(_order(**{field: value}))
    with pytest.raises(BadFrame):
        binance.parse(_wrapped(payload), 0)
