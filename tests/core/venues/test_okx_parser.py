"""OKX v5 liquidation-orders / mark-price parsing: resources/docs/feeds.md §3 and §11 sample frames, exact events."""

from __future__ import annotations

import json

import pytest
from sample_frames import OKX_MARK, OKX_OFFICIAL, OKX_THIRD_PARTY_LONG, OKX_THIRD_PARTY_SHORT

from app.core.errors import BadFrame
from app.core.events import Liquidation, MarkPrice, Unconvertible, VenueNotice
from app.core.instruments import Instrument, load_bundled
from app.core.venues import okx
from app.core.venues.common import liquidation_id


def _liq(symbol, coin, kind, side, price, qty, notional, ts):  # type: ignore[no-untyped-def]
    return Liquidation(
        "okx", symbol, coin, kind, side, price, qty, notional, ts, "partial",
        liquidation_id("okx", symbol, ts, side, qty, price),
    )  # fmt: skip


def test_official_sample_for_an_instrument_we_cannot_size_is_unconvertible() -> None:
    assert okx.parse(OKX_OFFICIAL, 0) == [Unconvertible("okx", "IOST-USDT-SWAP", "not in instrument metadata")]


def test_official_sample_converts_once_live_metadata_knows_ctval() -> None:
    live = load_bundled().merge(
        [{"venue": "okx", "symbol": "IOST-USDT-SWAP", "kind": "linear_perp", "contract_size": 1000}]
    )
    assert okx.parse(OKX_OFFICIAL, 0, live) == [
        _liq("IOST-USDT-SWAP", "IOST", "linear_perp", "short", 0.007831, 13_000.0, 13_000 * 0.007831, 1692266434010)
    ]


def test_third_party_long_with_ctval() -> None:
    assert okx.parse(OKX_THIRD_PARTY_LONG, 0) == [
        _liq("BTC-USDT-SWAP", "BTC", "linear_perp", "long", 100.0, 0.02, 0.02 * 100.0, 1000)
    ]


def test_third_party_frame_without_arg_is_still_a_liquidation() -> None:
    assert okx.parse(OKX_THIRD_PARTY_SHORT, 0) == [
        _liq("BTC-USDT-SWAP", "BTC", "linear_perp", "short", 100000.0, 0.03, 0.03 * 100000.0, 1723892524781)
    ]


def test_mark_price() -> None:
    assert okx.parse(OKX_MARK, 0) == [MarkPrice("okx", "LTC-USD-190628", "LTC", 0.1, 1597026383085)]


def _liquidations(inst_id: str, *details: dict) -> str:
    arg = {"channel": "liquidation-orders", "instType": "SWAP"}
    return json.dumps({"arg": arg, "data": [{"instId": inst_id, "instType": "SWAP", "details": list(details)}]})


def test_net_mode_uses_the_order_side_and_inverse_divides_by_bankruptcy_price() -> None:
    sell = {"bkPx": "100000", "sz": "5", "side": "sell", "posSide": "net", "ts": "10"}
    buy = {"bkPx": "100000", "sz": "1", "side": "buy", "posSide": "net", "ts": "11"}
    # BTC-USD-SWAP: ctVal 100 USD → 5 contracts = 500 USD = 0.005 BTC at 100,000.
    assert okx.parse(_liquidations("BTC-USD-SWAP", sell, buy), 0) == [
        _liq("BTC-USD-SWAP", "BTC", "inverse_perp", "long", 100000.0, 0.005, 500.0, 10),
        _liq("BTC-USD-SWAP", "BTC", "inverse_perp", "short", 100000.0, 0.001, 100.0, 11),
    ]


def test_missing_pos_side_falls_back_to_order_side() -> None:
    detail = {"bkPx": "3000", "sz": "10", "side": "sell", "ts": "10"}
    (event,) = okx.parse(_liquidations("ETH-USDT-SWAP", detail), 0)
    assert (event.side, event.qty, event.notional_usd) == ("long", 1.0, 3000.0)


def test_snapshot_row_without_ctval_is_unconvertible_never_guessed() -> None:
    detail = {"bkPx": "150", "sz": "10", "side": "sell", "posSide": "long", "ts": "10"}
    assert okx.parse(_liquidations("SOL-USD-SWAP", detail), 0) == [
        Unconvertible("okx", "SOL-USD-SWAP", "ctVal unknown")
    ]
    live = load_bundled().merge(
        [Instrument("okx", "SOL-USD-SWAP", "SOL", "inverse_perp", contract_size=10.0, contract_unit="usd")]
    )
    (event,) = okx.parse(_liquidations("SOL-USD-SWAP", detail), 0, live)
    assert (event.qty, event.notional_usd) == (100.0 / 150.0, 100.0)


def test_pong_subscribe_and_error_events() -> None:
    assert okx.parse("pong", 0) == []
    assert okx.parse(b"pong", 0) == []
    assert (
        okx.parse('{"event":"subscribe","arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"connId":"a"}', 0) == []
    )
    assert okx.parse('{"event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}', 0) == [
        VenueNotice("okx", "error", "60012", "Invalid request")
    ]
    upgrade = "The connection will soon be closed for a service upgrade."
    notice = json.dumps({"event": "notice", "code": "64008", "msg": upgrade, "connId": "a"})
    assert okx.parse(notice, 0) == [VenueNotice("okx", "warning", "64008", upgrade)]


def test_unknown_channel_is_ignored() -> None:
    frame = '{"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{"oi":"5000","ts":"1"}]}'
    assert okx.parse(frame, 0) == []


@pytest.mark.parametrize(
    "frame",
    [
        "ping",
        '{"arg":{"channel":"liquidation-orders","instType":"SWAP"}}',
        '{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":{"instId":"BTC-USDT-SWAP"}}',
        _liquidations("BTC-USDT-SWAP", {"bkPx": "100", "sz": "many", "side": "sell", "ts": "1"}),
        _liquidations("BTC-USDT-SWAP", {"bkPx": "100", "sz": "1", "side": "sell", "posSide": "sideways", "ts": "1"}),
        _liquidations("BTC-USDT-SWAP", {"bkPx": "100", "sz": "1", "side": "sell"}),
        '{"arg":{"channel":"mark-price","instId":"X"},"data":[{"instId":"X","markPx":"0","ts":"1"}]}',
        '{"event":5}',
    ],
)
def test_malformed_frames_raise_bad_frame(frame: str) -> None:
    with pytest.raises(BadFrame):
        okx.parse(frame, 0)


def test_connection_spec() -> None:
    (spec,) = okx.connections()
    assert (spec.venue, spec.stream, spec.url) == ("okx", "okx/public", "wss://ws.okx.com:8443/ws/v5/public")
    assert (spec.heartbeat, spec.heartbeat_interval_s, spec.stall_after_s) == ("ping", 20.0, 30.0)
    assert spec.completeness == okx.COMPLETENESS == "partial"
    args = [a for m in spec.subscribe for a in json.loads(m)["args"]]
    assert {"channel": "liquidation-orders", "instType": "SWAP"} in args
    assert {"channel": "liquidation-orders", "instType": "FUTURES"} in args
    marks = {a["instId"] for a in args if a["channel"] == "mark-price"}
    assert marks == set(load_bundled().symbols("okx")) and "BTC-USDT-SWAP" in marks
    (local,) = okx.connections({"okx/public": "ws://127.0.0.1:9/okx"}, symbols=["ETH-USDT-SWAP"])
    assert local.url == "ws://127.0.0.1:9/okx"
    assert [a["instId"] for m in local.subscribe for a in json.loads(m)["args"] if "instId" in a] == ["ETH-USDT-SWAP"]


def _compact(frame: str) -> str:
    return json.dumps(json.loads(frame), separators=(",", ":"))


_HOT_ROWS = [
    {"instId": "BTC-USD-SWAP", "instType": "SWAP", "details": [
        {"bkLoss": "0", "bkPx": "100000", "ccy": "", "posSide": "net", "side": "sell", "sz": "5", "ts": "10"},
        {"bkPx": "100000", "posSide": "net", "side": "sell", "sz": "5", "ts": "10"},  # identical: kept, `-2`
        {"bkPx": "100000", "side": "buy", "sz": "1", "ts": "11"},
    ]},
    {"instId": "SOL-USD-SWAP",
     "details": [{"bkPx": "150", "sz": "10", "side": "sell", "posSide": "long", "ts": "12"}]},
    {"instId": "ETH-USDT-SWAP",
     "details": [{"bkPx": "3000", "sz": "10", "side": "buy", "posSide": "long", "ts": "13"}]},
]


def test_compact_liquidation_push_takes_its_own_decode_and_gives_the_same_events_as_any_layout() -> None:
    arg = {"channel": "liquidation-orders", "instType": "SWAP"}
    compact = json.dumps({"arg": arg, "data": _HOT_ROWS}, separators=(",", ":"))
    assert compact[okx._CHANNEL_AT] == "l" and compact[okx._ORDERS_AT] == "o"  # the hot path's pick
    expected = okx.parse(compact, 0)
    first = _liq("BTC-USD-SWAP", "BTC", "inverse_perp", "long", 100000.0, 0.005, 500.0, 10)
    assert expected == [
        first,
        Liquidation(*(getattr(first, f) for f in first.__struct_fields__[:-1]), id=first.id + "-2"),
        _liq("BTC-USD-SWAP", "BTC", "inverse_perp", "short", 100000.0, 0.001, 100.0, 11),
        Unconvertible("okx", "SOL-USD-SWAP", "ctVal unknown"),
        _liq("ETH-USDT-SWAP", "ETH", "linear_perp", "long", 3000.0, 1.0, 3000.0, 13),
    ]
    spaced = json.dumps({"arg": arg, "data": _HOT_ROWS})
    reordered = json.dumps({"data": _HOT_ROWS, "arg": arg}, separators=(",", ":"))
    untagged = json.dumps({"data": _HOT_ROWS}, separators=(",", ":"))
    for frame in (spaced, reordered, untagged, compact.encode(), reordered.encode()):
        assert okx.parse(frame, 0) == expected, frame
    assert okx.parse(json.dumps({"arg": arg, "data": []}, separators=(",", ":")), 0) == []


@pytest.mark.parametrize(
    "frame",
    [
        '{"arg":{"channel":"liquidation-orders","instType":"SWAP"}}',
        '{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":{"instId":"BTC-USDT-SWAP"}}',
        '{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP"}]}',
        '{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP","details":[',
        '{"arg":{"channel":"liquidation-orders"',
        _compact(_liquidations("BTC-USDT-SWAP", {"bkPx": "100", "sz": "many", "side": "sell", "ts": "1"})),
        _compact(_liquidations("BTC-USDT-SWAP", {"bkPx": "0", "sz": "1", "side": "sell", "ts": "1"})),
        _compact(_liquidations("BTC-USDT-SWAP", {"bkPx": "1", "sz": "1", "side": "sell", "posSide": "up", "ts": "1"})),
        _compact(_liquidations("BTC-USDT-SWAP", {"bkPx": "100", "sz": "1", "side": "sell"})),
        _compact(_liquidations("BTC-USDT-SWAP", {"bkPx": "100", "sz": "1", "side": "sideways", "ts": "1"})),
    ],
)
def test_malformed_compact_liquidation_pushes_raise_bad_frame(frame: str) -> None:
    with pytest.raises(BadFrame):
        okx.parse(frame, 0)


def test_compact_frames_of_other_channels_are_not_taken_for_liquidations() -> None:
    mark = ('{"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},'
            '"data":[{"instId":"BTC-USDT-SWAP","markPx":"5","ts":"1"}]}')
    assert okx.parse(mark, 0) == [MarkPrice("okx", "BTC-USDT-SWAP", "BTC", 5.0, 1)]
    # `l` at the channel's place, not `liquidation-orders`: the general way (ignored, as any unknown channel)
    other = '{"arg":{"channel":"liquidation-warning","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP"}]}'
    assert okx.parse(other, 0) == []
    assert okx.parse('{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"event":"subscribe"}', 0) == []
