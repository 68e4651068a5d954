"""Bitget UTA v3 `liquidation` parsing: resources/docs/feeds.md §4.1 and §11 sample frames, exact events."""

from __future__ import annotations

import pytest
from sample_frames import BITGET_OFFICIAL, BITGET_THIRD_PARTY_NUMERIC_TS, BITGET_THIRD_PARTY_SHORT

from app.core.errors import BadFrame
from app.core.events import Liquidation, VenueNotice
from app.core.venues import bitget
from app.core.venues.common import liquidation_id


def _liq(symbol, coin, kind, side, price, qty, notional, ts):  # type: ignore[no-untyped-def]
    return Liquidation("bitget", symbol, coin, kind, side, price, qty, notional, ts, "sampled",
                       liquidation_id("bitget", symbol, ts, side, qty, price))


def test_official_push_buy_is_a_long_and_amount_is_the_quote_notional() -> None:
    (event,) = bitget.parse(BITGET_OFFICIAL, 0)
    qty = 37.722858 / 89000
    assert event == _liq("BTCUSDT", "BTC", "linear_perp", "long", 89000.0, qty, qty * 89000.0, 1736371332162)
    assert event.notional_usd == pytest.approx(37.722858)
    assert event.completeness == "sampled"


def test_third_party_sell_is_a_short() -> None:
    (event,) = bitget.parse(BITGET_THIRD_PARTY_SHORT, 0)
    assert (event.side, event.qty, event.price, event.ts_ms) == ("short", pytest.approx(5 / 99), 99.0, 1002)
    assert event.notional_usd == pytest.approx(5.0)


def test_numeric_timestamp_and_no_inst_type() -> None:
    (event,) = bitget.parse(BITGET_THIRD_PARTY_NUMERIC_TS, 0)
    assert (event.side, event.qty, event.notional_usd, event.ts_ms) == ("long", 2.5, 150000.0, 1791500000000)


def test_coin_futures_amount_is_usd_too() -> None:
    frame = ('{"arg":{"instType":"coin-futures","topic":"liquidation"},'
             '"data":[{"symbol":"BTCUSD","side":"sell","price":"50000","amount":"1000","ts":"5"}]}')
    (event,) = bitget.parse(frame, 0)
    assert (event.coin, event.kind, event.side, event.qty, event.notional_usd) == (
        "BTC", "inverse_perp", "short", 0.02, 1000.0)


def test_identical_rows_in_one_push_are_both_kept() -> None:
    row = '{"symbol":"ETHUSDT","side":"sell","price":"3000","amount":"300","ts":"7"}'
    frame = '{"arg":{"instType":"usdt-futures","topic":"liquidation"},"data":[' + row + "," + row + "]}"
    first, second = bitget.parse(frame, 0)
    assert first.id != second.id and first.qty == second.qty == 0.1


def test_pong_acks_and_errors() -> None:
    assert bitget.parse("pong", 0) == [] and bitget.parse(b"pong", 0) == []
    assert bitget.parse('{"event":"subscribe","arg":{"instType":"usdt-futures","topic":"liquidation"}}', 0) == []
    assert bitget.parse('{"event":"error","code":30001,"msg":"doesn\'t exist"}', 0) == [
        VenueNotice("bitget", "error", "30001", "doesn't exist")]


@pytest.mark.parametrize("frame", [
    '{"arg":{"topic":"liquidation"}}',
    '{"arg":{"topic":"liquidation"},"data":[{"symbol":"BTCUSDT","side":"long","price":"1","amount":"1","ts":"1"}]}',
    '{"arg":{"topic":"liquidation"},"data":[{"symbol":"BTCUSDT","side":"buy","price":"0","amount":"1","ts":"1"}]}',
    '{"arg":{"topic":"liquidation"},"data":[{"symbol":"BTCUSDT","side":"buy","price":"1","amount":"x","ts":"1"}]}',
    "ping", "",
])
def test_bad_frames(frame: str) -> None:
    with pytest.raises(BadFrame):
        bitget.parse(frame, 0)


def test_subscription_covers_every_inst_type_and_the_connection_rotates_before_24_h() -> None:
    (spec,) = bitget.connections()
    assert spec.url == "wss://ws.bitget.com/v3/ws/public" and spec.heartbeat == "ping"
    assert spec.heartbeat_interval_s == 30.0 and spec.max_lifetime_s is not None and spec.max_lifetime_s < 24 * 3600
    for inst_type in ("usdt-futures", "coin-futures", "usdc-futures"):
        assert f'{{"instType":"{inst_type}","topic":"liquidation"}}' in spec.subscribe[0]
