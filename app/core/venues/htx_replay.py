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
                     probe_interval_s=PING_INTERVAL_S, encode=encode)
