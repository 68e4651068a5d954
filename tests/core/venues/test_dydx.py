"""dYdX v4 `v4_trades` parsing on the docs' frame shapes: only LIQUIDATED trades count, the taker's side
names the liquidated position, size is base coins, createdAt the time; a resubscription's snapshot is
not counted twice (trade ids, across frames, never within one); the perpetualMarkets listing."""

from __future__ import annotations

import pytest
from sample_frames import DYDX_CONNECTED, DYDX_ERROR, DYDX_SUBSCRIBED, DYDX_UPDATE

from app.core.errors import BadFrame
from app.core.events import Liquidation, VenueNotice
from app.core.instruments import Instruments, load_bundled
from app.core.venues import dydx
from app.core.venues.descriptor import ConnectRequest


def test_the_subscribed_snapshot_counts_its_liquidated_trade_only() -> None:
    (event,) = dydx.parse(DYDX_SUBSCRIBED, 0, None, dydx.SeenTrades())  # the LIMIT trade is not a liquidation
    assert isinstance(event, Liquidation)
    assert (event.venue, event.symbol, event.coin, event.kind) == ("dydx", "BTC-USD", "BTC", "linear_perp")
    assert event.side == "long"  # the taker SOLD: the liquidated account was long
    assert (event.qty, event.price, event.notional_usd) == (0.25, 27837.0, 0.25 * 27837.0)
    assert event.ts_ms == 1680568158353  # 2023-04-04T00:29:18.353Z
    assert event.completeness == "all"


def test_a_taker_buy_is_a_short_liquidated() -> None:
    (event,) = dydx.parse(DYDX_UPDATE, 0, None, dydx.SeenTrades())
    assert (event.side, event.qty, event.notional_usd) == ("short", 1.5, pytest.approx(1.5 * 27901.0))


def test_a_resubscription_snapshot_is_not_counted_again() -> None:
    seen = dydx.SeenTrades()
    assert len(dydx.parse(DYDX_SUBSCRIBED, 1_000, None, seen)) == 1
    assert len(dydx.parse(DYDX_UPDATE, 2_000, None, seen)) == 1
    assert dydx.parse(DYDX_SUBSCRIBED, 3_000, None, seen) == []  # reconnect: the same recent trades again
    assert dydx.parse(DYDX_UPDATE, 4_000, None, seen) == []


def test_two_identical_trades_in_one_frame_both_count() -> None:
    twin = DYDX_UPDATE.replace('"trades":[{', '"trades":[{"id":"b3c7a9c1-58e4-5b1f-bd0a-3f5b1c7e2a10","size":"1.5",'
                               '"price":"27901","side":"BUY","createdAt":"2023-04-04T00:30:02.120Z",'
                               '"type":"LIQUIDATED"},{')
    events = dydx.parse(twin, 0, None, dydx.SeenTrades())
    assert len(events) == 2 and events[0].id != events[1].id


def test_batched_data_and_deleveraging() -> None:
    batch = ('{"type":"channel_batch_data","id":"ETH-USD","channel":"v4_trades","contents":[{"trades":[{"id":"a",'
             '"size":"2","price":"3000","side":"SELL","createdAt":"2026-01-20T19:00:00Z","type":"LIQUIDATED"}]},'
             '{"trades":[{"id":"b","size":"1","price":"3001","side":"BUY","createdAt":"2026-01-20T19:00:01Z",'
             '"type":"DELEVERAGED"}]}]}')
    (event,) = dydx.parse(batch, 0)
    assert (event.coin, event.side, event.qty, event.ts_ms) == ("ETH", "long", 2.0, 1_768_935_600_000)


def test_a_time_without_a_zone_is_utc() -> None:
    (event,) = dydx.parse(DYDX_UPDATE.replace("02.120Z", "02.120"), 0)
    assert event.ts_ms == 1680568202120


def test_connected_error_and_other_channels() -> None:
    assert dydx.parse(DYDX_CONNECTED, 0) == []
    assert dydx.parse(DYDX_UPDATE.replace("v4_trades", "v4_orderbook"), 0) == []
    assert dydx.parse(DYDX_ERROR, 0) == [VenueNotice("dydx", "error", "",
                                                     "Invalid subscribe message: channel is not a valid channel")]


@pytest.mark.parametrize("frame", [
    "[]", '{"channel":"v4_trades"}', '{"type":"channel_data","channel":"v4_trades","id":"BTC-USD"}',
    DYDX_UPDATE.replace('"1.5"', '"-1"'), DYDX_UPDATE.replace('"BUY"', '"LONG"'),
    DYDX_UPDATE.replace("2023-04-04T00:30:02.120Z", "yesterday"),
    DYDX_UPDATE.replace("2023-04-04T00:30:02.120Z", "0001-01-01T00:00:00Z"),
    DYDX_UPDATE.replace('"id":"BTC-USD",', ""),
])
def test_malformed_frames_raise_bad_frame(frame: str) -> None:
    with pytest.raises(BadFrame):
        dydx.parse(frame, 0, Instruments(), dydx.SeenTrades())


def test_one_subscription_per_market() -> None:
    (spec,) = dydx.DESCRIPTOR.connect(ConnectRequest(None, load_bundled(), ["BTC-USD", "ETH-USD"], []))
    assert spec.subscribe == ('{"type":"subscribe","channel":"v4_trades","id":"BTC-USD"}',
                              '{"type":"subscribe","channel":"v4_trades","id":"ETH-USD"}')
    (default,) = dydx.DESCRIPTOR.connect(ConnectRequest(None, load_bundled(), None, []))
    assert len(default.subscribe) == len(dydx.DEFAULT_MARKETS)
    assert spec.new_state is not None and spec.new_state() is spec.new_state()  # one cache across reconnects


def test_perpetual_markets_listing() -> None:
    body = ('{"markets":{"BTC-USD":{"ticker":"BTC-USD","status":"ACTIVE","tickSize":"1","stepSize":"0.0001"},'
            '"LUNA-USD":{"ticker":"LUNA-USD","status":"FINAL_SETTLEMENT"},"X":{"status":"ACTIVE"}}}')
    problems: list[str] = []
    (row,) = dydx.instruments_from_rest(body, problems)
    assert (row.symbol, row.coin, row.contract_size) == ("BTC-USD", "BTC", 1.0)
    assert (row.tick_size, row.lot_size) == (1.0, 0.0001)
    assert len(problems) == 1
    with pytest.raises(BadFrame):
        dydx.instruments_from_rest("[]")
