"""Bybit v5 allLiquidation / tickers parsing: resources/docs/feeds.md §2 and §11 sample frames, exact events."""

from __future__ import annotations

import json

import pytest
from sample_frames import (
    BYBIT_ALL_LIQUIDATION,
    BYBIT_LEGACY,
    BYBIT_PONG,
    BYBIT_SUBSCRIBED,
    BYBIT_THIRD_PARTY,
    BYBIT_TICKER_SNAPSHOT,
    BYBIT_V3,
)

from app.core.errors import BadFrame
from app.core.events import Liquidation, MarkPrice, VenueNotice
from app.core.instruments import Instruments
from app.core.venues import bybit
from app.core.venues.bybit import BybitState
from app.core.venues.common import liquidation_id


def _liq(symbol, coin, kind, side, price, qty, notional, ts, completeness="all"):  # type: ignore[no-untyped-def]
    return Liquidation(
        "bybit", symbol, coin, kind, side, price, qty, notional, ts, completeness,
        liquidation_id("bybit", symbol, ts, side, qty, price),
    )  # fmt: skip


def test_official_all_liquidation_sell_is_a_liquidated_short() -> None:
    assert bybit.parse(BYBIT_ALL_LIQUIDATION, 0) == [
        _liq("ROSEUSDT", "ROSE", "linear_perp", "short", 0.04499, 20000.0, 20000 * 0.04499, 1739502302929)
    ]


def test_third_party_buy_is_a_liquidated_long() -> None:
    assert bybit.parse(BYBIT_THIRD_PARTY, 0) == [_liq("BTCUSDT", "BTC", "linear_perp", "long", 100.0, 2.0, 200.0, 1000)]


def test_deprecated_liquidation_topics_are_sampled() -> None:
    assert bybit.parse(BYBIT_LEGACY, 0) == [
        _liq("BTCUSDT", "BTC", "linear_perp", "short", 43511.7, 0.003, 0.003 * 43511.7, 1703485237953, "sampled")
    ]
    assert bybit.parse(BYBIT_V3, 0) == [
        _liq("GALAUSDT", "GALA", "linear_perp", "long", 0.03803, 1637.0, 1637 * 0.03803, 1673251091822, "sampled")
    ]


def test_deprecated_topic_read_alike_however_the_frame_is_laid_out() -> None:
    """The compact frame takes its own decoder (told by two characters of the topic); spaced, reordered or
    bytes frames go the general way: the same events either way."""
    expected = bybit.parse(BYBIT_LEGACY, 0)
    message = json.loads(BYBIT_LEGACY)
    spaced = json.dumps(message)
    reordered = json.dumps({"data": message["data"], **message}, separators=(",", ":"))
    assert BYBIT_LEGACY.startswith('{"topic":"liquidation.') and not spaced.startswith('{"topic":"liquidation.')
    for frame in (spaced, reordered, BYBIT_LEGACY.encode()):
        assert bybit.parse(frame, 0, state=BybitState("linear")) == expected
    bad = BYBIT_LEGACY.replace('"Sell"', '"Short"').replace('"Buy"', '"Short"')
    with pytest.raises(BadFrame):
        bybit.parse(bad, 0)
    tokens = '{"topic":"lt.BTC3LUSDT","ts":1,"data":{"symbol":"BTC3LUSDT","updatedTime":1,"side":"Buy","size":"1","price":"1"}}'  # noqa: E501
    assert bybit.parse(tokens, 0) == []  # another topic that starts with `l`: ignored, as every unknown topic


def test_all_liquidation_read_alike_however_the_frame_is_laid_out() -> None:
    expected = bybit.parse(BYBIT_ALL_LIQUIDATION, 0)
    assert BYBIT_ALL_LIQUIDATION.startswith('{"topic":"allLiquidation.') and expected
    message = json.loads(BYBIT_ALL_LIQUIDATION)
    for frame in (json.dumps(message), json.dumps({"data": message["data"], **message}, separators=(",", ":")),
                  BYBIT_ALL_LIQUIDATION.encode()):
        assert bybit.parse(frame, 0, state=BybitState("linear")) == expected
    for short in ('{"topic":"a', '{"topic":"allLiquidati', '{"topic":"liquidat'):
        with pytest.raises(BadFrame):
            bybit.parse(short, 0)


def _batch(*rows: dict) -> str:
    return json.dumps({"topic": f"allLiquidation.{rows[0]['s']}", "type": "snapshot", "ts": 5, "data": list(rows)})


def test_inverse_size_is_usd_contracts() -> None:
    (event,) = bybit.parse(_batch({"T": 9, "s": "BTCUSD", "S": "Buy", "v": "50000", "p": "100000"}), 0)
    assert event == _liq("BTCUSD", "BTC", "inverse_perp", "long", 100000.0, 0.5, 50000.0, 9)


def test_unknown_inverse_symbol_uses_connection_category() -> None:
    frame = _batch({"T": 9, "s": "SOLUSD", "S": "Sell", "v": "200", "p": "100"})
    (event,) = bybit.parse(frame, 0, Instruments(), BybitState("inverse"))
    assert (event.kind, event.coin, event.qty, event.notional_usd) == ("inverse_perp", "SOL", 2.0, 200.0)
    (future,) = bybit.parse(_batch({"T": 9, "s": "BTCUSDH26", "S": "Sell", "v": "100", "p": "100"}), 0)
    assert (future.kind, future.coin) == ("inverse_future", "BTC")


def test_thousand_prefixed_linear_symbol_counts_coins() -> None:
    (event,) = bybit.parse(_batch({"T": 9, "s": "1000PEPEUSDT", "S": "Buy", "v": "100", "p": "0.01"}), 0)
    assert (event.coin, event.qty, event.notional_usd) == ("PEPE", 100_000.0, 1.0)


def test_identical_rows_in_one_batch_keep_distinct_ids() -> None:
    row = {"T": 9, "s": "ETHUSDT", "S": "Buy", "v": "1", "p": "3000"}
    first, second = bybit.parse(_batch(row, row), 0)
    assert first.id != second.id and second.id.startswith(first.id)
    assert [e.id for e in bybit.parse(_batch(row, row), 0)] == [first.id, second.id]


def _ticker(kind: str, ts: int, **fields: str) -> str:
    return json.dumps({"topic": "tickers.ETHUSDT", "type": kind, "ts": ts, "data": {"symbol": "ETHUSDT", **fields}})


def test_ticker_snapshot_then_deltas_merge_per_connection_state() -> None:
    state = BybitState("linear")
    assert bybit.parse(BYBIT_TICKER_SNAPSHOT, 0, state=state) == [
        MarkPrice("bybit", "BTCUSDT", "BTC", 66666.6, 1760325052630, 115418.19, -0.005, 1760328000000)
    ]
    snapshot = _ticker("snapshot", 1, markPrice="3000", indexPrice="2999", fundingRate="0.0001", nextFundingTime="8")
    assert bybit.parse(snapshot, 0, state=state) == [MarkPrice("bybit", "ETHUSDT", "ETH", 3000.0, 1, 2999.0, 0.0001, 8)]
    # A delta carries only what changed: the rest is the merged view.
    assert bybit.parse(_ticker("delta", 2, markPrice="3010.5"), 0, state=state) == [
        MarkPrice("bybit", "ETHUSDT", "ETH", 3010.5, 2, 2999.0, 0.0001, 8)
    ]
    assert bybit.parse(_ticker("delta", 3, fundingRate="0.0002", bid1Price="3010"), 0, state=state) == [
        MarkPrice("bybit", "ETHUSDT", "ETH", 3010.5, 3, 2999.0, 0.0002, 8)
    ]
    # A new snapshot replaces the merged view (fields it lacks are unknown again).
    assert bybit.parse(_ticker("snapshot", 4, markPrice="2990"), 0, state=state) == [
        MarkPrice("bybit", "ETHUSDT", "ETH", 2990.0, 4)
    ]


def test_ticker_values_the_typed_decode_leaves_to_the_two_step_way_merge_alike() -> None:
    """Empty, huge and number-typed prices: read by `_positive` / `optional_number` whichever way the frame
    goes (a price the typed decode does not take goes the two-step way), the merged view the same."""
    state = BybitState("linear")
    assert bybit.parse(_ticker("snapshot", 1, markPrice="3000", indexPrice="1e301", fundingRate=""), 0,
                       state=state) == [MarkPrice("bybit", "ETHUSDT", "ETH", 3000.0, 1, 1e301, None, None)]
    assert bybit.parse(_ticker("delta", 2, indexPrice=2999.5, fundingRate="-0.0001"), 0, state=state) == [  # type: ignore[arg-type]
        MarkPrice("bybit", "ETHUSDT", "ETH", 3000.0, 2, 2999.5, -0.0001, None)]
    for bad in ("nan", "inf", "-1", "0", "1e300", "1e-400"):
        with pytest.raises(BadFrame):
            bybit.parse(_ticker("delta", 4, markPrice=bad), 0, state=state)
    for bad in ("nan", "-inf", "x"):
        with pytest.raises(BadFrame):
            bybit.parse(_ticker("delta", 4, fundingRate=bad), 0, state=state)


def test_delta_before_snapshot_shows_nothing_yet() -> None:
    state = BybitState()
    assert bybit.parse(_ticker("delta", 2, fundingRate="0.0002"), 0, state=state) == []
    assert bybit.parse(_ticker("delta", 3, markPrice="3000"), 0, state=state) == [
        MarkPrice("bybit", "ETHUSDT", "ETH", 3000.0, 3, None, 0.0002, None)
    ]


def test_dated_future_ticker_with_empty_funding() -> None:
    frame = _ticker("snapshot", 1, markPrice="3000", fundingRate="", nextFundingTime="0")
    assert bybit.parse(frame, 0) == [MarkPrice("bybit", "ETHUSDT", "ETH", 3000.0, 1)]


def test_pong_and_acks_are_quiet_and_refusals_are_notices() -> None:
    assert bybit.parse(BYBIT_PONG, 0) == []
    assert bybit.parse(BYBIT_SUBSCRIBED, 0) == []
    refused = (
        '{"success":false,"ret_msg":"error:handler not found,topic:allLiquidation.NOPE","conn_id":"x","op":"subscribe"}'
    )
    assert bybit.parse(refused, 0) == [
        VenueNotice("bybit", "error", "subscribe", "error:handler not found,topic:allLiquidation.NOPE")
    ]


def test_unknown_topics_are_ignored() -> None:
    trade = '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","p":"1","L":"PlusTick","i":"x","BT":false}]}'  # noqa: E501
    assert bybit.parse(trade, 0) == []
    assert (
        bybit.parse('{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[]}}', 0)
        == []
    )


@pytest.mark.parametrize(
    "frame",
    [
        "{",
        '{"topic":"allLiquidation.BTCUSDT","ts":1}',
        '{"topic":"allLiquidation.BTCUSDT","ts":1,"data":{"T":1,"s":"BTCUSDT","S":"Buy","v":"2","p":"100"}}',
        '{"topic":"allLiquidation.BTCUSDT","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Long","v":"2","p":"100"}]}',
        '{"topic":"allLiquidation.BTCUSDT","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Buy","p":"100"}]}',
        '{"topic":"allLiquidation.BTCUSDT","ts":1,"data":[{"T":"soon","s":"BTCUSDT","S":"Buy","v":"2","p":"100"}]}',
        '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","markPrice":"1"}}',
        '{"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"data":{"symbol":"BTCUSDT","markPrice":"lots"}}',
        '{"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"data":{"symbol":"BTCUSDT","markPrice":"-5"}}',
        '{"topic":7}',
    ],
)
def test_malformed_frames_raise_bad_frame(frame: str) -> None:
    with pytest.raises(BadFrame):
        bybit.parse(frame, 0)


def test_connections_cover_both_categories_in_chunks() -> None:
    linear, inverse = bybit.connections()
    assert (linear.stream, linear.url) == ("bybit/linear", "wss://stream.bybit.com/v5/public/linear")
    assert (inverse.stream, inverse.url) == ("bybit/inverse", "wss://stream.bybit.com/v5/public/inverse")
    for spec, symbols in ((linear, ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "1000PEPEUSDT"]),
                          (inverse, ["BTCUSD", "ETHUSD"])):  # fmt: skip
        messages = [json.loads(m) for m in spec.subscribe]
        assert all(m["op"] == "subscribe" and len(m["args"]) <= bybit.ARGS_PER_SUBSCRIBE for m in messages)
        assert all(len(json.dumps(m["args"])) < 21_000 for m in messages)
        args = [a for m in messages for a in m["args"]]
        assert sorted(args) == sorted(f"{t}.{s}" for s in symbols for t in ("allLiquidation", "tickers"))
        assert json.loads(spec.heartbeat)["op"] == "ping"
        assert (spec.heartbeat_interval_s, spec.stall_after_s, spec.completeness) == (20.0, 30.0, "all")
        assert isinstance(spec.new_state(), BybitState)
    assert linear.new_state().category == "linear" and inverse.new_state().category == "inverse"
    assert linear.new_state() is not linear.new_state()


def test_connections_for_chosen_symbols_and_local_endpoints() -> None:
    endpoints = {"bybit/linear": "ws://127.0.0.1:9/bybit/linear", "bybit/inverse": "ws://127.0.0.1:9/bybit/inverse"}
    specs = bybit.connections(endpoints, symbols=["BTCUSDT"])
    assert [(s.stream, s.url) for s in specs] == [("bybit/linear", "ws://127.0.0.1:9/bybit/linear")]
    (inverse,) = bybit.connections(endpoints, Instruments(), symbols=["BTCUSDH26", "XRPUSD"])
    assert inverse.stream == "bybit/inverse"
