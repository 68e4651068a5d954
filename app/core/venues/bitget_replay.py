"""How the replay server speaks Bitget's v3 public websocket: a frame's topic is its `arg`
(instType:topic), text `ping` gets text `pong`, subscribe acks come one per arg as
`{"event":"subscribe","arg":…}` (the v2 docs' ack shape; Bitget's common websocket intro), and a client
that sends no ping for 2 minutes is cut off, as Bitget does (resources/docs/feeds.md §4.3)."""

from __future__ import annotations

from typing import Any

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules

HEARTBEAT_INTERVAL_S = 30.0
HEARTBEAT_DEADLINE_S = 120.0


class _Head(msgspec.Struct):
    arg: dict[str, Any] | None = None


_HEAD = msgspec.json.Decoder(_Head)


def arg_key(arg: dict[str, Any]) -> str:
    return f"{arg.get('instType')}:{arg.get('topic')}"


def topic(frame: str) -> str | None:
    head = frame_head(_HEAD, frame)
    return arg_key(head.arg) if head is not None and head.arg is not None else None


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    if message == "ping":
        peer.heartbeat()
        return ["pong"]
    request = request_object(message)
    if request is None:
        return []
    op = request.get("op")
    if op not in ("subscribe", "unsubscribe"):
        return []
    args = [a for a in request.get("args") or [] if isinstance(a, dict)]
    if op == "subscribe" and peer.take_error_ack():
        first = args[0] if args else {}
        return [{"event": "error", "arg": first, "code": 30001,
                 "msg": f"instType:{first.get('instType')} topic:{first.get('topic')} doesn't exist"}]
    replies = []
    for arg in args:
        if op == "subscribe":
            peer.topics.add(arg_key(arg))
        else:
            peer.topics.discard(arg_key(arg))
        replies.append({"event": op, "arg": arg})
    return replies


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=HEARTBEAT_DEADLINE_S)
