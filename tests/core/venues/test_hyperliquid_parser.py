"""Hyperliquid: the documented frames of resources/docs/feeds.md §5 (activeAssetCtx verbatim from §11,
clearinghouseState in the §5.2b shape), acks and pongs, the no-liquidation-feed descriptor, the
10-user websocket limit, and the replay answers."""

from __future__ import annotations

import json

import pytest

from app.core.errors import BadFrame
from app.core.events import AccountState, MarkPrice, OpenInterest, VenueNotice
from app.core.positions import Mark, value_book
from app.core.venues import hyperliquid, registry
from app.core.venues.descriptor import ConnectRequest
from app.core.venues.hyperliquid_replay import REPLAY

ACTIVE_ASSET_CTX = '{"channel":"activeAssetCtx","data":{"coin":"BTC","ctx":{"funding":"0.0000125","openInterest":"34524.51236","prevDayPx":"64319.0","dayNtlVlm":"5691036987.81","premium":"-0.0001329822","oraclePx":"69182.2","markPx":"69172.0","midPx":"69172.5","impactPxs":["69172.0","69173.0"],"dayBaseVlm":"84496.56164"}}}'  # noqa: E501
USER = "0x00000000000000000000000000000000C0FFEE01"
RECEIVED = 1_768_945_000_123


def clearinghouse_state(**changes: object) -> dict[str, object]:
    """A §5.2b state: one 2,200 ETH cross long (the scenario's whale at mark 3,031.82) and one closed row."""
    eth = {"coin": "ETH", "szi": "2200.0", "entryPx": "3180.0", "positionValue": "6670004.0",
           "unrealizedPnl": "-325996.0", "returnOnEquity": "-1.1648", "liquidationPx": "2991.43",
           "marginUsed": "266800.16", "maxLeverage": 25, "leverage": {"type": "cross", "value": 25},
           "cumFunding": {"allTime": "0.0", "sinceOpen": "0.0", "sinceChange": "0.0"}}
    closed = {**eth, "coin": "SOL", "szi": "0.0", "liquidationPx": None, "unrealizedPnl": "0.0"}
    summary = {"accountValue": "220477.0", "totalNtlPos": "6670004.0", "totalRawUsd": "-6449527.0",
               "totalMarginUsed": "266800.16"}
    state = {"marginSummary": summary, "crossMarginSummary": summary, "crossMaintenanceMarginUsed": "133400.08",
             "withdrawable": "0.0", "assetPositions": [{"type": "oneWay", "position": eth},
                                                       {"type": "oneWay", "position": closed}],
             "time": 1_768_945_000_000}
    state.update(changes)
    return state


def user_frame(state: dict[str, object] | None = None, user: str = USER) -> str:
    return json.dumps({"channel": "clearinghouseState",
                       "data": {"dex": "", "user": user, "clearinghouseState": state or clearinghouse_state()}})


def test_active_asset_ctx_is_a_mark_with_funding_and_open_interest() -> None:
    mark, oi = hyperliquid.parse(ACTIVE_ASSET_CTX, RECEIVED)
    assert mark == MarkPrice("hyperliquid", "BTC", "BTC", 69172.0, RECEIVED, 69182.2, 0.0000125,
                             1_768_946_400_000)  # the next whole hour: funding is hourly
    assert isinstance(oi, OpenInterest) and oi.base_qty == 34524.51236
    assert oi.usd == pytest.approx(34524.51236 * 69172.0)


def test_kpepe_marks_count_pepe() -> None:
    frame = ACTIVE_ASSET_CTX.replace('"coin":"BTC"', '"coin":"kPEPE"')
    assert hyperliquid.parse(frame, RECEIVED)[0].coin == "PEPE"


def test_clearinghouse_state_is_the_accounts_whole_state() -> None:
    (event,) = hyperliquid.parse(user_frame(), RECEIVED)
    assert isinstance(event, AccountState) and event.source == "websocket"
    assert event.ts_ms == 1_768_945_000_000
    account = event.account
    assert (account.venue, account.account) == ("hyperliquid", USER.lower())
    # The cross wallet: account value less the cross PnL, so the engine's equity at any mark matches.
    assert account.wallet_balance == pytest.approx(220_477.0 + 325_996.0)
    (position,) = event.positions  # the size-zero SOL row is skipped
    assert (position.symbol, position.coin, position.side, position.size, position.entry) == (
        "ETH", "ETH", "long", 2200.0, 3180.0)
    assert position.margin_mode == "cross" and position.leverage == 25 and position.isolated_margin is None
    assert position.exchange_liquidation_price == 2991.43
    assert position.label == "0x0000…ee01 ETH" and "c0ffee01" not in account.label


def test_the_whale_reproduces_the_reported_liquidation_price() -> None:
    (event,) = hyperliquid.parse(user_frame(), RECEIVED)
    book = value_book([event.account], list(event.positions),
                      {("hyperliquid", "ETH"): Mark(3031.82, RECEIVED, "hl mark")}, RECEIVED)
    view = book.positions[0]
    assert view.liquidation_price == pytest.approx(2991.43, abs=0.01)
    assert not view.liq_disagrees
    assert view.distance_pct == pytest.approx(1.33, abs=0.01)


def test_isolated_short_and_null_liquidation_price() -> None:
    state = clearinghouse_state()
    row = state["assetPositions"][0]["position"]  # type: ignore[index]
    row.update(szi="-1.5", leverage={"type": "isolated", "value": 10, "rawUsd": "5000.0"},
               marginUsed="480.0", unrealizedPnl="-20.0", liquidationPx=None)
    (event,) = hyperliquid.parse(user_frame(state), RECEIVED)
    position = event.positions[0]
    assert (position.side, position.size, position.margin_mode) == ("short", 1.5, "isolated")
    assert position.isolated_margin == pytest.approx(500.0)
    assert position.exchange_liquidation_price is None


def test_polled_answer_is_the_bare_state() -> None:
    (event,) = hyperliquid.parse_account(json.dumps(clearinghouse_state()), USER.lower(), RECEIVED)
    assert event.source == "poll" and event.account.account == USER.lower() and len(event.positions) == 1
    with pytest.raises(BadFrame):
        hyperliquid.parse_account("null", USER.lower(), RECEIVED)


@pytest.mark.parametrize("frame", [
    '{"channel":"pong"}',
    '{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"activeAssetCtx","coin":"BTC"}}}',
    "Websocket connection established.",
    '{"channel":"allMids","data":{"mids":{"BTC":"69172.5"}}}',
])
def test_acks_pongs_and_the_greeting_are_nothing(frame: str) -> None:
    assert hyperliquid.parse(frame, RECEIVED) == []


def test_error_channel_is_a_notice() -> None:
    (notice,) = hyperliquid.parse('{"channel":"error","data":"Already subscribed: {\\"type\\":\\"x\\"}"}', RECEIVED)
    assert isinstance(notice, VenueNotice) and notice.level == "error" and "Already subscribed" in notice.text


@pytest.mark.parametrize("frame", [
    "not json", '{"channel":"activeAssetCtx"}', '{"channel":"activeAssetCtx","data":{"coin":"BTC","ctx":{}}}',
    ACTIVE_ASSET_CTX.replace('"markPx":"69172.0"', '"markPx":"nan"'),
    ACTIVE_ASSET_CTX.replace('"markPx":"69172.0"', '"markPx":"-1"'),
    user_frame(user="0xnot-an-address"),
    '{"channel":"clearinghouseState","data":{"user":"0x00000000000000000000000000000000c0ffee01"}}',
    "[" * 5000,
])
def test_malformed_frames_raise_bad_frame(frame: str) -> None:
    with pytest.raises(BadFrame):
        hyperliquid.parse(frame, RECEIVED)


def test_descriptor_says_there_is_no_public_liquidation_feed() -> None:
    descriptor = registry.by_name("hyperliquid")
    assert descriptor is hyperliquid.DESCRIPTOR and not descriptor.publishes_liquidations
    assert descriptor.liquidation_note.startswith("Hyperliquid publishes no market-wide liquidation feed")
    assert "hyperliquid" not in registry.publishing_liquidations(registry.names())
    assert registry.publishing_liquidations(registry.names())[:3] == ["binance", "bybit", "okx"]
    assert descriptor.default_endpoints == {"hyperliquid/ws": "wss://api.hyperliquid.xyz/ws"}
    assert descriptor.rules.heartbeat == '{"method":"ping"}' and descriptor.rules.heartbeat_interval_s <= 50
    assert descriptor.replay.heartbeat_deadline_s == 60.0
    accounts = descriptor.accounts
    assert accounts is not None and (accounts.stream_limit, accounts.request_weight, accounts.budget_per_min) == (
        10, 2, 1200)
    assert accounts.request(USER.lower()) == (
        "POST", "/info", '{"type":"clearinghouseState","user":"0x00000000000000000000000000000000c0ffee01"}')
    assert accounts.shorten(USER.lower()) == "0x0000…ee01"


def test_connection_streams_ten_users_at_most() -> None:
    users = (*(f"0x{i:040x}" for i in range(1, 15)), USER, "garbage", f"0x{1:040X}")
    (spec,) = hyperliquid.DESCRIPTOR.connect(ConnectRequest(None, None, None, ["BTC", "ETH", "SOL"], users))  # type: ignore[arg-type]
    subs = [json.loads(m)["subscription"] for m in spec.subscribe]
    assert subs[:3] == [{"type": "activeAssetCtx", "coin": c} for c in ("BTC", "ETH", "SOL")]
    assert [s["user"] for s in subs[3:]] == [f"0x{i:040x}" for i in range(1, 11)]
    streamed, polled = hyperliquid.streamed_and_polled(users)
    assert len(streamed) == 10 and polled == [f"0x{i:040x}" for i in range(11, 15)] + [USER.lower()]


class Peer:
    def __init__(self) -> None:
        self.conn_id, self.topics, self.heartbeats, self.errors = "c1", set(), 0, 0

    def heartbeat(self) -> None:
        self.heartbeats += 1

    def take_error_ack(self) -> bool:
        return False


def test_replay_answers_like_hyperliquid() -> None:
    peer = Peer()
    assert REPLAY.answer(peer, '{"method":"ping"}') == [{"channel": "pong"}] and peer.heartbeats == 1
    sub = '{"method":"subscribe","subscription":{"type":"activeAssetCtx","coin":"ETH"}}'
    (ack,) = REPLAY.answer(peer, sub)
    assert ack["channel"] == "subscriptionResponse" and peer.topics == {"activeAssetCtx:ETH"}
    assert REPLAY.answer(peer, sub)[0]["data"].startswith("Already subscribed")
    for i in range(11):
        user = f'{{"method":"subscribe","subscription":{{"type":"clearinghouseState","user":"0x{i:040x}"}}}}'
        reply = REPLAY.answer(peer, user)[0]
    assert reply["channel"] == "error" and "10 total users" in reply["data"]
    assert REPLAY.topic(ACTIVE_ASSET_CTX) == "activeAssetCtx:BTC"
    assert REPLAY.topic(user_frame()) == f"clearinghouseState:{USER.lower()}"
    assert REPLAY.topic('{"channel":"pong"}') is None
    key = REPLAY.http_key("POST", "/info", '{"user":"' + USER + '","type":"clearinghouseState"}')
    assert key == REPLAY.http_key("POST", "/info", hyperliquid.info_request(USER.lower())[2])
