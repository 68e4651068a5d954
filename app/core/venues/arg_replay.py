"""The replay answers shared by venues of the OKX protocol family (OKX, Bitget): frames carry their
topic in `arg`, a client pings with the text `ping`, and subscribes with `{"op", "args": [arg, …]}`.
Each venue supplies how an arg names a topic and the shape of its ack and error ack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer

Arg = dict[str, Any]


class _Head(msgspec.Struct):
    arg: Arg | None = None


_HEAD = msgspec.json.Decoder(_Head)


def arg_topic(frame: str, key: Callable[[Arg], str]) -> str | None:
    head = frame_head(_HEAD, frame)
    return key(head.arg) if head is not None and head.arg is not None else None


def answer_args(
    peer: ReplayPeer,
    message: str | bytes,
    key: Callable[[Arg], str],
    ack: Callable[[ReplayPeer, dict[str, Any], str, Arg], Any],
    error_ack: Callable[[ReplayPeer, dict[str, Any], Arg], Any],
) -> list[Any]:
    """Pong a text ping; subscribe or unsubscribe each arg with one ack per arg (or one error ack for
    the first when the server was told to refuse)."""
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
        return [error_ack(peer, request, args[0] if args else {})]
    replies = []
    for arg in args:
        if op == "subscribe":
            peer.topics.add(key(arg))
        else:
            peer.topics.discard(key(arg))
        replies.append(ack(peer, request, op, arg))
    return replies
