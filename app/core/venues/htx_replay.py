"""How the replay server speaks HTX's USDT-margined swap notification websocket
(`/linear-swap-notification`; https://huobiapi.github.io/docs/usdt_swap/v1/en/): every frame the venue
sends is GZIP-compressed binary (`encode`), a notify frame's topic is `public.<contract>.liquidation_orders`
(all of them are one replay topic, since Cascade subscribes the `public.*.liquidation_orders` wildcard),
`{"op":"sub","cid":…,"topic":…}` is acked with `"err-code":0` (an error with a non-zero code and
`err-msg`), and the server pings every client with `{"op":"ping","ts":"…"}` every 5 s, cutting one that
stops answering `{"op":"pong","ts":"…"}` (HTX's derivatives heartbeat: a ping every 5 s; its SunX twin
documents the cut after 5 ignored pings,
https://sunx.gitbook.io/sunx/developer/quick-start/websocket-heartbeat/order-push-heartbeat)."""

from __future__ import annotations

import gzip
import time
import zlib
from typing import Any

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules

LIQUIDATIONS = "liquidation_orders"
WILDCARD_TOPIC = f"public.*.{LIQUIDATIONS}"
PING_INTERVAL_S = 5.0
PING_DEADLINE_S = 5 * PING_INTERVAL_S  # five pings unanswered


class _Head(msgspec.Struct):
    op: str | None = None
    topic: str | None = None


_HEAD = msgspec.json.Decoder(_Head)


def topic(frame: str) -> str | None:
    head = frame_head(_HEAD, frame)
    if head is None or head.topic is None:
        return None
    return LIQUIDATIONS if head.topic.endswith("." + LIQUIDATIONS) else head.topic


def encode(text: str) -> bytes:
    """The venue's wire form of a frame: gzip, with a fixed header time so replays are byte-identical."""
    return gzip.compress(text.encode(), mtime=0)


MAX_INFLATED_BYTES = 4 << 20  # as the websocket frame limit: a gzip bomb is refused, not inflated


def inflate_bounded(frame: bytes) -> bytes:
    """A gzip frame inflated, at most MAX_INFLATED_BYTES; ValueError for anything else or a larger one."""
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        text = inflater.decompress(frame, MAX_INFLATED_BYTES)
    except zlib.error as error:
        raise ValueError(f"bad gzip frame: {error}") from None
    if inflater.unconsumed_tail:
        raise ValueError("gzip frame inflates past the frame limit")
    if not inflater.eof:
        raise ValueError("truncated gzip frame")
    return text


def decode(frame: bytes) -> str:
    """The text a recording keeps for a wire frame: the inflated JSON (a frame that is not gzip, or
    will not inflate, as UTF-8 text, like any other venue's)."""
    try:
        return inflate_bounded(frame).decode("utf-8", "replace")
    except ValueError:
        return frame.decode("utf-8", "replace")


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    request = request_object(message)
    if request is None:
        return []
    op, wanted = request.get("op"), request.get("topic")
    if op == "pong":
        peer.heartbeat()
        return []
    if op not in ("sub", "unsub") or not isinstance(wanted, str):
        return []
    reply = {"op": op, "cid": request.get("cid"), "topic": wanted, "ts": int(time.time() * 1000)}
    if op == "sub" and (peer.take_error_ack() or not wanted.endswith("." + LIQUIDATIONS)):
        return [{**reply, "err-code": 4007, "err-msg": f"invalid topic {wanted}"}]
    if op == "sub":
        peer.topics.add(LIQUIDATIONS)
    else:
        peer.topics.discard(LIQUIDATIONS)
    return [{**reply, "err-code": 0}]


def probe(peer: ReplayPeer) -> Any | None:
    return {"op": "ping", "ts": str(int(time.time() * 1000))}


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=PING_DEADLINE_S, probe=probe,
                     probe_interval_s=PING_INTERVAL_S, encode=encode, decode=decode)
