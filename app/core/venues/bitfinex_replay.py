"""How the replay server speaks Bitfinex's public websocket v2 (https://docs.bitfinex.com/reference/ws-public-status;
https://docs.bitfinex.com/docs/ws-general): data frames are JSON arrays `[CHANNEL_ID, …]` that carry no
channel name, so every array frame belongs to the one channel Cascade subscribes (`status` /
`liq:global`); `{"event":"subscribe","channel":"status","key":"liq:global"}` is acked with
`{"event":"subscribed",…,"chanId":…}` (an error with `{"event":"error","msg":…,"code":…}`);
`{"event":"ping","cid":n}` gets `{"event":"pong","ts":…,"cid":n}`; and a subscribed client gets the
channel heartbeat `[CHANNEL_ID,"hb"]` every 15 s, as Bitfinex sends one on a channel quiet for 15 s.
Bitfinex documents no cut-off for a client that never pings, so no heartbeat deadline is enforced."""

from __future__ import annotations

import time
from typing import Any

from app.core.venues.common import request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules

LIQ_KEY = "liq:global"
LIQ_CHANNEL_ID = 91684  # the chanId of the docs' example; a live server picks one per subscription
HB_INTERVAL_S = 15.0  # "If there is no activity in the channel for 15 seconds, the server sends a heartbeat"


def topic(frame: str) -> str | None:
    return LIQ_KEY if frame.lstrip().startswith("[") else None  # events (`{…}`) go to every client


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    request = request_object(message)
    if request is None:
        return []
    event = request.get("event")
    if event == "ping":
        peer.heartbeat()
        return [{"event": "pong", "ts": int(time.time() * 1000), "cid": request.get("cid")}]
    if event == "unsubscribe":
        peer.topics.discard(LIQ_KEY)
        return [{"event": "unsubscribed", "status": "OK", "chanId": request.get("chanId")}]
    if event != "subscribe":
        return []
    channel, key = request.get("channel"), request.get("key")
    if peer.take_error_ack() or channel != "status" or key != LIQ_KEY:
        return [{"event": "error", "msg": "subscribe: invalid", "code": 10300, "channel": channel, "key": key}]
    peer.topics.add(LIQ_KEY)
    return [{"event": "subscribed", "channel": "status", "chanId": LIQ_CHANNEL_ID, "key": LIQ_KEY}]


def probe(peer: ReplayPeer) -> Any | None:
    return [LIQ_CHANNEL_ID, "hb"] if LIQ_KEY in peer.topics else None


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=None, probe=probe,
                     probe_interval_s=HB_INTERVAL_S)
