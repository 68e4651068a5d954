"""How the replay server speaks Hyperliquid (resources/docs/feeds.md §5): a frame's topic is its channel
plus coin (`activeAssetCtx:BTC`) or user (`clearinghouseState:0x…`, lower case), or `liquidationFills:`
for an optional liquidation source's frames (served on its own stream, `hyperliquid/liquidations`);
`{"method":"subscribe","subscription":{…}}` is acked with `subscriptionResponse` (a repeat with
`Already subscribed`), `{"method":"ping"}` gets `{"channel":"pong"}`, a new subscription gets the
topic's current state at once (its latest frame), and a client silent for 60 s is cut off, as Hyperliquid does (§5.3).
`POST /info` requests are answered by their `type` and `user` (key order and address case ignored)."""

from __future__ import annotations

from typing import Any

import msgspec

from app.core import safe_json
from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules

HEARTBEAT_DEADLINE_S = 60.0
LIQUIDATION_FILLS = "liquidationFills"
"""The channel of a node-data service's market-wide liquidation fills (hyperliquid_liquidations.py)."""
USER_LIMIT = 10  # unique users across user subscriptions (resources/docs/feeds.md §5.3)


class _Data(msgspec.Struct):
    coin: str | None = None
    user: str | None = None


class _Head(msgspec.Struct):
    channel: str | None = None
    type: str | None = None  # Hydromancer routes on "type" as well as "channel"
    data: _Data | None = None


_HEAD = msgspec.json.Decoder(_Head)


def subscription_key(subscription: dict[str, Any]) -> str:
    """`activeAssetCtx:BTC`, `clearinghouseState:0xabc…`: the subscription a frame or request names."""
    kind = subscription.get("type")
    target = subscription.get("coin") or str(subscription.get("user") or "").lower()
    return f"{kind}:{target}"


def topic(frame: str) -> str | None:
    head = frame_head(_HEAD, frame)
    if head is not None and (head.channel or head.type) == LIQUIDATION_FILLS:
        return f"{LIQUIDATION_FILLS}:"  # the market-wide liquidation stream of an optional source
    if head is None or head.channel is None or not isinstance(head.data, _Data):
        return None
    target = head.data.coin or (head.data.user or "").lower()
    return f"{head.channel}:{target}" if target else None


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    request = request_object(message)
    if request is None:
        return []
    method = request.get("method")
    if method == "ping":
        peer.heartbeat()
        return [{"channel": "pong"}]
    subscription = request.get("subscription")
    if method not in ("subscribe", "unsubscribe") or not isinstance(subscription, dict):
        return []
    key = subscription_key(subscription)
    if method == "subscribe":
        if peer.take_error_ack():
            return [{"channel": "error", "data": f"Invalid subscription: {_text(subscription)}"}]
        if key in peer.topics:
            return [{"channel": "error", "data": f"Already subscribed: {_text(subscription)}"}]
        users = {t.split(":", 1)[1] for t in peer.topics if ":0x" in t} | {key.split(":", 1)[1]}
        if subscription.get("user") and len(users) > USER_LIMIT:
            return [{"channel": "error",
                     "data": f"Cannot track more than {USER_LIMIT} total users: {_text(subscription)}"}]
        peer.topics.add(key)
    else:
        peer.topics.discard(key)
    return [{"channel": "subscriptionResponse", "data": {"method": method, "subscription": subscription}}]


def _text(obj: object) -> str:
    return msgspec.json.encode(obj).decode()


def http_key(method: str, path: str, body: str) -> str:
    """`POST /info clearinghouseState 0xabc…`: what an info request asks, whatever its key order or case."""
    try:
        request = safe_json.loads(body) if body else None
    except safe_json.JsonInputError:
        request = None
    if not isinstance(request, dict):
        return f"{method} {path} {body}"
    return f"{method} {path} {request.get('type')} {str(request.get('user') or '').lower()}".rstrip()


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=HEARTBEAT_DEADLINE_S, http_key=http_key,
                     snapshot_on_subscribe=True)
