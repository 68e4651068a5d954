"""How the replay server speaks Binance's combined-stream protocol: topics are stream names, the URL
may already subscribe (`/ws/a/b`, `/stream?streams=a/b`), requests are JSON `method` calls acked
with `result`. Binance pings at the websocket level only, so there is no heartbeat to enforce."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules


class _Head(msgspec.Struct):
    stream: str | None = None


_HEAD = msgspec.json.Decoder(_Head)


def topic(frame: str) -> str | None:
    head = frame_head(_HEAD, frame)
    return head.stream if head is not None else None


def url_topics(path: str) -> set[str]:
    """Streams named in a Binance URL: `/ws/a/b` (raw) or `/stream?streams=a/b` (combined)."""
    parts = urlsplit(path)
    found: set[str] = set()
    for value in parse_qs(parts.query).get("streams", []):
        found.update(s for s in value.split("/") if s)
    if "/ws/" in parts.path:
        found.update(s for s in parts.path.split("/ws/", 1)[1].split("/") if s)
    return found


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    request = request_object(message)
    if request is None:
        return []
    method, params, req_id = request.get("method"), request.get("params") or [], request.get("id")
    if method == "SUBSCRIBE":
        if peer.take_error_ack():
            return [{"error": {"code": 2, "msg": "Invalid request: invalid stream"}, "id": req_id}]
        peer.topics.update(str(p) for p in params)
        return [{"result": None, "id": req_id}]
    if method == "UNSUBSCRIBE":
        peer.topics.difference_update(str(p) for p in params)
        return [{"result": None, "id": req_id}]
    if method == "LIST_SUBSCRIPTIONS":
        return [{"result": sorted(peer.topics), "id": req_id}]
    return []


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=None, url_topics=url_topics)
