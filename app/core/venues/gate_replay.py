"""How the replay server speaks Gate's futures websocket v4: a frame's topic is its channel, requests
are JSON `{"time","channel","event","payload"}`, subscribe acks carry `result: {"status": "success"}` and
errors `error: {code, message}` (the envelope of Gate's v4 websocket docs), and `futures.ping` gets
`futures.pong`. Gate documents no idle cut-off, so no heartbeat deadline is enforced."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules

LIQUIDATES = "futures.public_liquidates"
PING, PONG = "futures.ping", "futures.pong"
HEARTBEAT_INTERVAL_S = 10.0


class _Head(msgspec.Struct):
    channel: str | None = None


_HEAD = msgspec.json.Decoder(_Head)


def topic(frame: str) -> str | None:
    head = frame_head(_HEAD, frame)
    return head.channel if head is not None else None


def _envelope(channel: str, event: str) -> dict[str, Any]:
    now_ms = int(time.time() * 1000)
    return {"time": now_ms // 1000, "time_ms": now_ms, "channel": channel, "event": event}


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    request = request_object(message)
    if request is None:
        return []
    channel, event = request.get("channel"), request.get("event")
    if channel == PING:
        peer.heartbeat()
        return [{**_envelope(PONG, ""), "result": None}]
    if not isinstance(channel, str) or event not in ("subscribe", "unsubscribe"):
        return []
    if event == "subscribe" and peer.take_error_ack():
        return [{**_envelope(channel, event), "error": {"code": 2, "message": f"unknown channel {channel}"},
                 "result": None}]
    if event == "subscribe":
        peer.topics.add(channel)
    else:
        peer.topics.discard(channel)
    return [{**_envelope(channel, event), "result": {"status": "success"}}]


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=None)
