"""How the replay server speaks the dYdX v4 indexer websocket
(https://docs.dydx.exchange/api_integration-indexer/indexer_websocket): a frame's topic is `channel:id`
(`v4_trades:BTC-USD`); `{"type":"subscribe","channel":"v4_trades","id":"BTC-USD"}` is acked with
`{"type":"subscribed",…}` (an error with `{"type":"error","message":…}`) and, as the indexer sends the
recent trades with every subscription, the latest frame of that market already played follows at once
(the client must not count it again). The indexer keeps connections alive with websocket protocol
pings only (every 30 s, a pong due within 10 s), which the websockets library answers by itself, so
no application heartbeat or deadline exists here."""

from __future__ import annotations

from typing import Any

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules

TRADES = "v4_trades"


class _Head(msgspec.Struct):
    channel: str | None = None
    id: str | None = None


_HEAD = msgspec.json.Decoder(_Head)


def topic(frame: str) -> str | None:
    head = frame_head(_HEAD, frame)
    if head is None or head.channel is None:
        return None
    return f"{head.channel}:{head.id}"


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    request = request_object(message)
    if request is None:
        return []
    kind, channel, market = request.get("type"), request.get("channel"), request.get("id")
    if kind not in ("subscribe", "unsubscribe"):
        return []
    head = {"connection_id": peer.conn_id, "message_id": 1}
    if kind == "subscribe" and (peer.take_error_ack() or channel != TRADES or not isinstance(market, str)):
        return [{"type": "error", "message": f"Invalid subscribe message: channel {channel!r} id {market!r}", **head}]
    if kind == "unsubscribe":
        peer.topics.discard(f"{channel}:{market}")
        return [{"type": "unsubscribed", "channel": channel, "id": market, **head}]
    peer.topics.add(f"{channel}:{market}")
    return [{"type": "subscribed", "channel": channel, "id": market, "contents": {"trades": []}, **head}]


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=None, snapshot_on_subscribe=True)
