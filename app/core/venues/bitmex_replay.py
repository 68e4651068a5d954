"""How the replay server speaks BitMEX's realtime websocket (resources/docs/feeds.md §6): a frame's topic
is its `table`, `{"op":"subscribe","args":[…]}` is acked with `{"success":true,"subscribe":…}` per arg
(an error with `{"status":400,"error":…}`), the URL may subscribe (`?subscribe=liquidation`), and text
`ping` gets text `pong`. BitMEX documents no idle cut-off for clients (its ping advice is for the client
to notice a dead connection), so no heartbeat deadline is enforced."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules


class _Head(msgspec.Struct):
    table: str | None = None


_HEAD = msgspec.json.Decoder(_Head)


def topic(frame: str) -> str | None:
    head = frame_head(_HEAD, frame)
    return head.table if head is not None else None


def _table(arg: str) -> str:
    return arg.partition(":")[0]  # `liquidation:XBTUSD` is a filter on the liquidation table


def url_topics(path: str) -> set[str]:
    found: set[str] = set()
    for value in parse_qs(urlsplit(path).query).get("subscribe", []):
        found.update(_table(arg) for arg in value.split(",") if arg)
    return found


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
    args = [str(a) for a in request.get("args") or []] if isinstance(request.get("args"), list) else []
    if op == "subscribe" and peer.take_error_ack():
        return [{"status": 400, "error": f"Unknown table: {args[0] if args else ''}", "meta": {}, "request": request}]
    replies = []
    for arg in args:
        if op == "subscribe":
            peer.topics.add(_table(arg))
        else:
            peer.topics.discard(_table(arg))
        replies.append({"success": True, op: arg, "request": request})
    return replies


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=None, url_topics=url_topics)
