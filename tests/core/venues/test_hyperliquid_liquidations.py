"""Hyperliquid's optional liquidation source (hyperliquid_liquidations.py) on the documented frame shapes:
the side of the liquidated position from the liquidated user's fill and from its counterparty's, base
quantity and USD notional, the fill's timestamp, completeness `all`, the two sides of one trade counted
once, one order's fills in a block as one record, snapshot repeats deduplicated across frames but never
within one, acks and errors; plus the connection it adds (off by default), the key kept out of every
URL and repr, and the registry's view of a venue whose source is on."""

from __future__ import annotations

import json

import pytest
from sample_frames import HL_FILL, HL_GOLDRUSH, HL_HYDROMANCER, HL_MAKER, HL_USER_FILLS, HL_VICTIM

from app.core.errors import BadFrame
from app.core.events import Liquidation, VenueNotice
from app.core.instruments import load_bundled
from app.core.venues import hyperliquid, hyperliquid_liquidations, registry
from app.core.venues.descriptor import ConnectRequest, LiquidationSource
from app.core.venues.hyperliquid_liquidations import SeenFills, parse
from app.core.venues.hyperliquid_replay import topic
from app.core.venues.protocol import WsAuth

RECEIVED = 1_704_067_200_500


def fill(**changes: object) -> dict[str, object]:
    row = json.loads(HL_FILL)
    liquidation = changes.pop("liquidation", None)
    row.update(changes)
    if liquidation is not None:
        row["liquidation"] = liquidation
    return row


def frame(*entries: object, channel: str = "liquidationFills") -> str:
    return json.dumps({"channel": channel, "fills": list(entries)})


def test_goldrush_tuple_of_the_liquidated_users_own_sell_is_a_long_liquidation() -> None:
    (event,) = parse(HL_GOLDRUSH, RECEIVED, None, SeenFills())
    assert event == Liquidation("hyperliquid", "ETH", "ETH", "linear_perp", "long", 2150.5, 1.5, 1.5 * 2150.5,
                                1_704_067_200_000, "all", "H87654321")


def test_the_counterpartys_buy_is_also_the_liquidated_long() -> None:
    (event,) = parse(HL_HYDROMANCER, RECEIVED, None, SeenFills())  # the maker bought from the liquidated long
    assert (event.side, event.qty, event.ts_ms, event.completeness) == ("long", 1.5, 1_704_067_200_000, "all")


@pytest.mark.parametrize(("address", "side", "expected"), [
    (HL_VICTIM, "B", "short"),  # the liquidated user buys back: its short was closed
    (HL_MAKER, "A", "short"),  # the counterparty sells to the liquidated short
    (HL_VICTIM.upper().replace("0X", "0x"), "A", "long"),  # address case does not matter
])
def test_side_of_the_liquidated_position(address: str, side: str, expected: str) -> None:
    (event,) = parse(frame([address, fill(side=side)]), RECEIVED)
    assert event.side == expected


def test_users_own_node_userfills_snapshot_counts_its_liquidation_fills_only() -> None:
    ordinary = fill(tid=1, liquidation=None)
    del ordinary["liquidation"]
    document = json.loads(HL_USER_FILLS)
    document["data"]["fills"].append(ordinary)
    (event,) = parse(json.dumps(document), RECEIVED, None, SeenFills())
    assert (event.side, event.id) == ("long", "H87654321")


def test_both_sides_of_one_trade_in_a_frame_are_one_liquidation() -> None:
    text = frame([HL_VICTIM, fill()], [HL_MAKER, fill(side="B")])
    (event,) = parse(text, RECEIVED, None, SeenFills())
    assert (event.side, event.qty) == ("long", 1.5)


def test_one_orders_fills_in_a_block_are_one_record_at_the_volume_weighted_price() -> None:
    text = frame([HL_VICTIM, fill(tid=11, px="100", sz="1")], [HL_VICTIM, fill(tid=10, px="110", sz="3")],
                 [HL_VICTIM, fill(tid=12, coin="BTC", px="90000", sz="0.5")])
    eth, btc = parse(text, RECEIVED)
    assert (eth.qty, eth.notional_usd, eth.price, eth.id) == (4.0, 430.0, 107.5, "H10")
    assert (btc.coin, btc.notional_usd, btc.id) == ("BTC", 45000.0, "H12")


def test_kpepe_counts_pepe_in_base_units() -> None:
    (event,) = parse(frame([HL_VICTIM, fill(coin="kPEPE", px="0.0105", sz="1000")]), RECEIVED)
    assert (event.symbol, event.coin, event.qty) == ("kPEPE", "PEPE", 1_000_000.0)
    assert event.notional_usd == pytest.approx(10.5)


def test_a_snapshot_repeating_earlier_frames_is_not_counted_twice() -> None:
    seen = SeenFills()
    assert len(parse(HL_GOLDRUSH, RECEIVED, None, seen)) == 1
    assert parse(HL_USER_FILLS, RECEIVED, None, seen) == []  # isSnapshot on resubscribe: the same tid
    assert parse(HL_HYDROMANCER, RECEIVED, None, seen) == []  # a replay overlap: the other side, same tid
    (fresh,) = parse(frame([HL_VICTIM, fill(tid=99)]), RECEIVED, None, seen)
    assert fresh.id == "H99"


def test_repeats_within_one_frame_are_never_deduplicated() -> None:
    same = [HL_VICTIM, fill(tid=5, sz="1")]
    (event,) = parse(frame(same, same), RECEIVED, None, SeenFills())
    assert event.qty == 2.0  # two fills of the same trade id from the same side: both kept


def test_the_memory_of_seen_fills_is_bounded() -> None:
    seen = SeenFills(capacity=2)
    seen.add([1, 2, 3])
    assert 1 not in seen and 2 in seen and 3 in seen


def test_acks_pongs_and_errors() -> None:
    assert parse('{"channel":"pong"}', RECEIVED) == []
    assert parse('{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":'
                 '{"type":"liquidationFills"}}}', RECEIVED) == []
    (notice,) = parse('{"channel":"error","data":"Invalid subscription"}', RECEIVED)
    assert notice == VenueNotice("hyperliquid", "error", "error", "Invalid subscription")


@pytest.mark.parametrize("text", [
    frame([HL_VICTIM, fill(liquidation={"markPx": "1", "method": "market"})]),  # no liquidatedUser
    json.dumps({"channel": "userFills", "data": {"fills": [fill()]}}),  # a bare fill without its user
    '{"channel":"liquidationFills"}',
    frame([HL_VICTIM, fill(px="-1")]),
    frame([HL_VICTIM, fill(side="X")]),
    "not json",
])
def test_malformed_frames_are_bad_frames(text: str) -> None:
    with pytest.raises(BadFrame):
        parse(text, RECEIVED, None, SeenFills())


def test_replay_topic_of_a_liquidation_frame_matches_the_subscription() -> None:
    assert topic(HL_GOLDRUSH) == topic(HL_HYDROMANCER) == "liquidationFills:"
    from app.core.venues.hyperliquid_replay import subscription_key
    assert subscription_key({"type": "liquidationFills"}) == "liquidationFills:"


# --- the connection, off by default ---------------------------------------------------------------


def request(source: LiquidationSource | None = None) -> ConnectRequest:
    instruments = load_bundled()
    return ConnectRequest(None, instruments, None, instruments.symbols("hyperliquid"), (), source)


def test_off_by_default_the_venue_counts_no_liquidations() -> None:
    specs = hyperliquid.DESCRIPTOR.connect(request())
    assert [spec.stream for spec in specs] == ["hyperliquid/ws"]
    assert specs[0].completeness == "partial"
    assert registry.publishing_liquidations(["binance", "hyperliquid"]) == ["binance"]
    assert registry.completeness("hyperliquid") == "partial"


def test_turned_on_it_adds_the_liquidation_connection_and_the_venue_is_complete() -> None:
    source = LiquidationSource("wss://hypercore.example/ws?dex=main", WsAuth("s3cret-key", "query", "key"))
    ws, liquidations = hyperliquid.DESCRIPTOR.connect(request(source))
    assert (liquidations.stream, liquidations.url, liquidations.completeness) == (
        "hyperliquid/liquidations", "wss://hypercore.example/ws?dex=main", "all")
    assert liquidations.subscribe == ('{"method":"subscribe","subscription":{"type":"liquidationFills"}}',)
    assert liquidations.heartbeat == '{"method":"ping"}' and ws.completeness == "all"
    assert liquidations.new_state is not None and liquidations.new_state() is liquidations.new_state()  # shared
    assert "s3cret" not in repr(liquidations) and "s3cret" not in liquidations.url
    assert registry.publishing_liquidations(["binance", "hyperliquid"], {"hyperliquid"}) == ["binance", "hyperliquid"]
    assert registry.completeness("hyperliquid", {"hyperliquid"}) == "all"
    assert hyperliquid.DESCRIPTOR.optional_liquidations is hyperliquid_liquidations.OPTIONAL


@pytest.mark.parametrize(("mode", "name", "url", "headers"), [
    ("query", "key", "wss://h.example/ws?dex=main&key=s%2Fk+y", None),
    ("bearer", "key", "wss://h.example/ws?dex=main", {"Authorization": "Bearer s/k y"}),
    ("header", "X-Api-Key", "wss://h.example/ws?dex=main", {"X-Api-Key": "s/k y"}),
    ("none", "key", "wss://h.example/ws?dex=main", None),
])
def test_the_key_is_presented_as_the_service_documents(mode: str, name: str, url: str,
                                                       headers: dict[str, str] | None) -> None:
    auth = WsAuth("s/k y", mode, name)  # type: ignore[arg-type]
    assert auth.apply("wss://h.example/ws?dex=main") == (url, headers)
    assert "s/k y" not in repr(auth)
