"""The venue registry: every descriptor complete and consistent with its own module, names unique, and
each venue's replay answers (acks, pongs, error acks, topics) coming from its descriptor."""

from __future__ import annotations

import importlib
from typing import get_args

import pytest

from app.core.events import Completeness
from app.core.instruments import Instruments, load_bundled, venue_of_snapshot
from app.core.venues import registry
from app.core.venues.descriptor import ConnectRequest, VenueDescriptor


class Peer:
    def __init__(self, error_acks: int = 0) -> None:
        self.conn_id = "c1"
        self.topics: set[str] = set()
        self.heartbeats = 0
        self.error_acks = error_acks

    def heartbeat(self) -> None:
        self.heartbeats += 1

    def take_error_ack(self) -> bool:
        pending, self.error_acks = self.error_acks, max(0, self.error_acks - 1)
        return pending > 0


NO_REST_LISTING = {"bitget", "deribit"}


def test_names_are_unique_and_lookups_agree() -> None:
    names = registry.names()
    assert len(set(names)) == len(names) == len(registry.VENUES) >= 3
    for venue in registry.VENUES:
        assert registry.by_name(venue.name) is venue is registry.find(venue.name)
    assert registry.find("nowhere") is None
    with pytest.raises(KeyError, match="unknown venue 'nowhere'"):
        registry.by_name("nowhere")


@pytest.mark.parametrize("venue", registry.VENUES, ids=lambda v: v.name)
def test_each_descriptor_is_its_modules_one_export(venue: VenueDescriptor) -> None:
    module = importlib.import_module(f"app.core.venues.{venue.name}")
    assert module.DESCRIPTOR is venue
    assert (venue.name, venue.completeness, venue.parse) == (module.VENUE, module.COMPLETENESS, module.parse)
    assert venue.display_name and venue.completeness in get_args(Completeness)
    assert venue.streams and all(stream.startswith(venue.name + "/") for stream in venue.streams)
    assert all(url.startswith("wss://") for url in venue.default_endpoints.values())


@pytest.mark.parametrize("venue", registry.VENUES, ids=lambda v: v.name)
def test_connections_follow_the_descriptor(venue: VenueDescriptor) -> None:
    instruments = load_bundled()
    marks = instruments.symbols(venue.name)
    specs = venue.connect(ConnectRequest(None, instruments, None, marks))
    assert specs and {spec.stream for spec in specs} <= set(venue.streams)
    rules = venue.rules
    for spec in specs:
        assert (spec.venue, spec.completeness, spec.parse) == (venue.name, venue.completeness, venue.parse)
        assert spec.url == venue.default_endpoints[spec.stream] and spec.subscribe
        # The heartbeat's text may carry the moment it was built (Gate's `time`): only its presence is fixed.
        assert (spec.heartbeat is None, spec.heartbeat_interval_s, spec.stall_after_s, spec.max_lifetime_s) == (
            rules.heartbeat is None, rules.heartbeat_interval_s, rules.stall_after_s, rules.max_lifetime_s)
    overridden = {stream: f"ws://127.0.0.1:1/{stream}" for stream in venue.streams}
    local = venue.connect(ConnectRequest(overridden, Instruments(), marks, marks))
    assert all(spec.url == overridden[spec.stream] for spec in local)


@pytest.mark.parametrize("venue", registry.VENUES, ids=lambda v: v.name)
def test_heartbeat_rules_fit_the_replay_deadline(venue: VenueDescriptor) -> None:
    rules, deadline = venue.rules, venue.replay.heartbeat_deadline_s
    assert (rules.heartbeat is None) == (rules.heartbeat_interval_s is None)
    if deadline is not None and venue.replay.probe is None:
        # a venue that cuts silent clients must be pinged well within its deadline
        assert rules.heartbeat is not None and rules.heartbeat_interval_s < deadline
    elif deadline is not None:  # the venue asks (Deribit's test request) and the spec's reply answers
        assert venue.replay.probe_interval_s is not None and venue.replay.probe_interval_s < deadline
        assert all(spec.reply is not None for spec in venue.connect(ConnectRequest(None, load_bundled(), None, [])))
        assert rules.stall_after_s > venue.replay.probe_interval_s
    assert rules.stall_after_s > (rules.heartbeat_interval_s or 0.0)


@pytest.mark.parametrize("venue", registry.VENUES, ids=lambda v: v.name)
def test_rest_listings_are_urls_under_the_base(venue: VenueDescriptor) -> None:
    if venue.rest is None:  # no contract values needed (Bitget: quote amounts), or a POST listing (Hyperliquid)
        assert venue.name in NO_REST_LISTING or load_bundled().symbols(venue.name)
        return
    assert venue.rest.listings
    assert not all(listing.optional for listing in venue.rest.listings)
    for listing in venue.rest.listings:
        assert listing.url("https://example.test", None).startswith("https://example.test/")


def test_snapshot_aliases_map_to_their_venue() -> None:
    for venue in registry.VENUES:
        assert venue_of_snapshot(venue.name) == venue.name
        for alias in venue.snapshot_aliases:
            assert alias not in registry.names() and venue_of_snapshot(alias) == venue.name
    assert {row.venue for row in load_bundled()} >= set(registry.names())


# --- replay answers -----------------------------------------------------------------------------

def test_binance_replay_answers() -> None:
    replay, peer = registry.VENUES[0].replay, Peer(error_acks=1)
    sub = '{"method":"SUBSCRIBE","params":["!forceOrder@arr"],"id":7}'
    assert replay.answer(peer, sub) == [{"error": {"code": 2, "msg": "Invalid request: invalid stream"}, "id": 7}]
    assert replay.answer(peer, sub) == [{"result": None, "id": 7}] and peer.topics == {"!forceOrder@arr"}
    assert replay.answer(peer, '{"method":"LIST_SUBSCRIPTIONS","id":8}') == [{"result": ["!forceOrder@arr"], "id": 8}]
    assert replay.answer(peer, "not json") == [] and peer.heartbeats == 0
    assert set(replay.url_topics("/stream?streams=a@x/b@y")) == {"a@x", "b@y"}
    assert replay.topic('{"stream":"!markPrice@arr@1s","data":[]}') == "!markPrice@arr@1s"
    assert replay.heartbeat_deadline_s is None


def test_bybit_replay_answers() -> None:
    replay, peer = registry.by_name(registry.names()[1]).replay, Peer()
    pong = replay.answer(peer, '{"req_id":"ping","op":"ping"}')
    assert pong[0]["ret_msg"] == "pong" and pong[0]["conn_id"] == "c1" and peer.heartbeats == 1
    ack = replay.answer(peer, '{"req_id":"sub-1","op":"subscribe","args":["allLiquidation.BTCUSDT"]}')
    assert ack[0]["success"] is True and peer.topics == {"allLiquidation.BTCUSDT"}
    assert replay.topic('{"topic":"allLiquidation.BTCUSDT","data":[]}') == "allLiquidation.BTCUSDT"
    assert replay.topic("[" * 5000) is None
    assert replay.heartbeat_deadline_s == 600.0


def test_okx_replay_answers() -> None:
    replay, peer = registry.by_name(registry.names()[2]).replay, Peer(error_acks=1)
    assert replay.answer(peer, "ping") == ["pong"] and peer.heartbeats == 1
    sub = '{"op":"subscribe","args":[{"channel":"mark-price","instId":"BTC-USDT-SWAP"}]}'
    assert replay.answer(peer, sub)[0]["event"] == "error" and not peer.topics
    assert replay.answer(peer, sub)[0]["event"] == "subscribe" and peer.topics == {"mark-price:BTC-USDT-SWAP"}
    assert replay.topic('{"arg":{"channel":"liquidation-orders","instType":"SWAP"}}') == "liquidation-orders:SWAP"
    assert replay.topic("pong") is None
    assert replay.heartbeat_deadline_s == 30.0


def test_bitget_replay_answers() -> None:
    replay, peer = registry.by_name("bitget").replay, Peer(error_acks=1)
    assert replay.answer(peer, "ping") == ["pong"] and peer.heartbeats == 1
    sub = '{"op":"subscribe","args":[{"instType":"usdt-futures","topic":"liquidation"}]}'
    assert replay.answer(peer, sub)[0]["event"] == "error" and not peer.topics
    assert replay.answer(peer, sub) == [{"event": "subscribe", "arg": {"instType": "usdt-futures",
                                                                      "topic": "liquidation"}}]
    assert peer.topics == {"usdt-futures:liquidation"}
    assert replay.topic('{"arg":{"instType":"usdt-futures","topic":"liquidation"},"data":[]}') == \
        "usdt-futures:liquidation"
    assert replay.topic("pong") is None and replay.heartbeat_deadline_s == 120.0


def test_gate_replay_answers() -> None:
    replay, peer = registry.by_name("gate").replay, Peer(error_acks=1)
    pong = replay.answer(peer, '{"time":1,"channel":"futures.ping"}')
    assert pong[0]["channel"] == "futures.pong" and peer.heartbeats == 1
    sub = '{"time":1,"channel":"futures.public_liquidates","event":"subscribe","payload":["!all"]}'
    assert replay.answer(peer, sub)[0]["error"]["code"] == 2 and not peer.topics
    assert replay.answer(peer, sub)[0]["result"] == {"status": "success"}
    assert peer.topics == {"futures.public_liquidates"}
    assert replay.topic('{"channel":"futures.public_liquidates","event":"update","result":[]}') == \
        "futures.public_liquidates"
    assert replay.heartbeat_deadline_s is None


def test_deribit_replay_answers_and_probes() -> None:
    replay, peer = registry.by_name("deribit").replay, Peer(error_acks=1)
    assert replay.probe is not None and replay.probe(peer) is None  # no test requests before set_heartbeat
    ack = replay.answer(peer, '{"jsonrpc":"2.0","id":1,"method":"public/set_heartbeat","params":{"interval":30}}')
    assert ack == [{"jsonrpc": "2.0", "id": 1, "result": "ok"}]
    assert replay.probe(peer) == {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}}
    sub = '{"jsonrpc":"2.0","id":2,"method":"public/subscribe","params":{"channels":["trades.future.BTC.100ms"]}}'
    assert replay.answer(peer, sub)[0]["error"]["code"] == 13778
    assert replay.answer(peer, sub) == [{"jsonrpc": "2.0", "id": 2, "result": ["trades.future.BTC.100ms"]}]
    before = peer.heartbeats
    assert replay.answer(peer, '{"jsonrpc":"2.0","id":3,"method":"public/test","params":{}}')[0]["id"] == 3
    assert peer.heartbeats == before + 1
    assert replay.topic('{"method":"subscription","params":{"channel":"trades.future.BTC.100ms","data":[]}}') == \
        "trades.future.BTC.100ms"
    assert replay.topic('{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}') is None


def test_bitmex_replay_answers() -> None:
    replay, peer = registry.by_name("bitmex").replay, Peer(error_acks=1)
    assert replay.answer(peer, "ping") == ["pong"] and peer.heartbeats == 1
    sub = '{"op":"subscribe","args":["liquidation"]}'
    assert replay.answer(peer, sub)[0]["status"] == 400 and not peer.topics
    assert replay.answer(peer, sub)[0]["success"] is True and peer.topics == {"liquidation"}
    assert set(replay.url_topics("/realtime?subscribe=liquidation:XBTUSD,instrument")) == {"liquidation", "instrument"}
    assert replay.topic('{"table":"liquidation","action":"insert","data":[]}') == "liquidation"
    assert replay.topic("pong") is None and replay.heartbeat_deadline_s is None


def test_bitfinex_replay_answers_and_heartbeats() -> None:
    replay, peer = registry.by_name("bitfinex").replay, Peer(error_acks=1)
    assert replay.probe is not None and replay.probe(peer) is None  # no channel, no heartbeat
    pong = replay.answer(peer, '{"event":"ping","cid":7}')
    assert pong[0]["event"] == "pong" and pong[0]["cid"] == 7 and peer.heartbeats == 1
    sub = '{"event":"subscribe","channel":"status","key":"liq:global"}'
    assert replay.answer(peer, sub)[0]["event"] == "error" and not peer.topics
    assert replay.answer(peer, sub) == [{"event": "subscribed", "channel": "status", "chanId": 91684,
                                         "key": "liq:global"}]
    assert replay.probe(peer) == [91684, "hb"]
    assert replay.topic('[91684,[["pos",1]]]') == "liq:global" and replay.topic('{"event":"info"}') is None
    assert replay.heartbeat_deadline_s is None


def test_dydx_replay_answers() -> None:
    replay, peer = registry.by_name("dydx").replay, Peer(error_acks=1)
    sub = '{"type":"subscribe","channel":"v4_trades","id":"BTC-USD"}'
    assert replay.answer(peer, sub)[0]["type"] == "error" and not peer.topics
    assert replay.answer(peer, sub)[0]["type"] == "subscribed" and peer.topics == {"v4_trades:BTC-USD"}
    assert replay.topic('{"type":"channel_data","channel":"v4_trades","id":"BTC-USD"}') == "v4_trades:BTC-USD"
    assert replay.topic('{"type":"connected"}') is None
    assert replay.snapshot_on_subscribe and replay.heartbeat_deadline_s is None


def test_htx_replay_answers_pings_and_gzips() -> None:
    import gzip

    replay, peer = registry.by_name("htx").replay, Peer(error_acks=1)
    assert replay.probe is not None and replay.probe(peer)["op"] == "ping"
    assert replay.answer(peer, '{"op":"pong","ts":"1"}') == [] and peer.heartbeats == 1
    sub = '{"op":"sub","cid":"c","topic":"public.*.liquidation_orders"}'
    assert replay.answer(peer, sub)[0]["err-code"] == 4007 and not peer.topics
    assert replay.answer(peer, sub)[0]["err-code"] == 0 and peer.topics == {"liquidation_orders"}
    assert replay.topic('{"op":"notify","topic":"public.ETH-USDT.liquidation_orders","data":[]}') == \
        "liquidation_orders"
    assert replay.encode is not None and gzip.decompress(replay.encode("{}")) == b"{}"
    assert replay.heartbeat_deadline_s is not None and replay.probe_interval_s is not None
