"""How the replay server speaks OKX v5 public: a frame's topic is its `arg` (channel plus instId or
instType), text `ping` gets text `pong`, subscribe acks come one per arg, and a client silent for
30 s is cut off, as OKX does (resources/docs/feeds.md §3.3)."""

from __future__ import annotations

from typing import Any

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules

HEARTBEAT_DEADLINE_S = 30.0


class _Head(msgspec.Struct):
    arg: dict[str, Any] | None = None


_HEAD = msgspec.json.Decoder(_Head)


def arg_key(arg: dict[str, Any]) -> str:
    return f"{arg.get('channel')}:{arg.get('instId') or arg.get('instType') or ''}"


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
    extra = {"id": request["id"]} if "id" in request else {}
    if op == "subscribe" and peer.take_error_ack():
        first = args[0] if args else {}
        return [{**extra, "event": "error", "code": "60018",
                 "msg": f"Wrong URL or channel:{first.get('channel')}, doesn't exist.", "connId": peer.conn_id}]
    replies = []
    for arg in args:
        if op == "subscribe":
            peer.topics.add(arg_key(arg))
        else:
            peer.topics.discard(arg_key(arg))
        replies.append({**extra, "event": op, "arg": arg, "connId": peer.conn_id})
    return replies


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=HEARTBEAT_DEADLINE_S)
