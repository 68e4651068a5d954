"""How the replay server speaks Bybit v5 public: topics are the frame's `topic`, requests are JSON
`op`s acked with `success`, and a client that sends no `ping` op for 10 minutes is cut off, as Bybit
does (resources/docs/feeds.md §2.3)."""

from __future__ import annotations

from typing import Any

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules

HEARTBEAT_DEADLINE_S = 600.0


class _Head(msgspec.Struct):
    topic: str | None = None


_HEAD = msgspec.json.Decoder(_Head)


def topic(frame: str) -> str | None:
    head = frame_head(_HEAD, frame)
    return head.topic if head is not None else None


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    request = request_object(message)
    if request is None:
        return []
    op, req_id = request.get("op"), request.get("req_id", "")
    if op == "ping":
        peer.heartbeat()
        return [{"success": True, "ret_msg": "pong", "conn_id": peer.conn_id, "req_id": req_id, "op": "ping"}]
    if op not in ("subscribe", "unsubscribe"):
        return []
    args = [str(a) for a in request.get("args") or []]
    if op == "subscribe" and peer.take_error_ack():
        first = args[0] if args else ""
        return [{"success": False, "ret_msg": f"error:handler not found,topic:{first}",
                 "conn_id": peer.conn_id, "req_id": req_id, "op": op}]
    if op == "subscribe":
        peer.topics.update(args)
    else:
        peer.topics.difference_update(args)
    return [{"success": True, "ret_msg": "", "conn_id": peer.conn_id, "req_id": req_id, "op": op}]


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=HEARTBEAT_DEADLINE_S)
