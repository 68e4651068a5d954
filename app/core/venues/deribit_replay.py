"""How the replay server speaks Deribit's JSON-RPC websocket (resources/docs/feeds.md §7): a frame's topic
is its subscription channel (`params.channel`), `public/subscribe` is acked with the channel list,
`public/set_heartbeat` with "ok", and from then on the server sends a `test_request` every interval
that the client must answer with `public/test`; a client that stops answering is cut off, as Deribit
closes it (https://docs.deribit.com/api-reference/session-management/public-set_heartbeat.md)."""

from __future__ import annotations

from typing import Any

import msgspec

from app.core.venues.common import frame_head, request_object
from app.core.venues.descriptor import ReplayPeer, ReplayRules

HEARTBEAT_INTERVAL_S = 30.0  # what we ask for in public/set_heartbeat (Deribit's minimum is 10 s)
HEARTBEAT_DEADLINE_S = 2 * HEARTBEAT_INTERVAL_S + 5.0  # one missed test request, with slack
HEARTBEAT_ON = "deribit:heartbeat"  # the pseudo-topic a client holds once it set up heartbeats
TEST_REQUEST = {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}}


class _Params(msgspec.Struct):
    channel: str | None = None


class _Head(msgspec.Struct):
    params: _Params | None = None


_HEAD = msgspec.json.Decoder(_Head)


def topic(frame: str) -> str | None:
    head = frame_head(_HEAD, frame)
    return head.params.channel if head is not None and head.params is not None else None


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    request = request_object(message)
    if request is None:
        return []
    method, req_id = request.get("method"), request.get("id")
    params = request.get("params") if isinstance(request.get("params"), dict) else {}
    if method == "public/test":
        peer.heartbeat()
        return [{"jsonrpc": "2.0", "id": req_id, "result": {"version": "replay"}}]
    if method == "public/set_heartbeat":
        peer.topics.add(HEARTBEAT_ON)
        peer.heartbeat()
        return [{"jsonrpc": "2.0", "id": req_id, "result": "ok"}]
    if method not in ("public/subscribe", "public/unsubscribe"):
        return []
    channels = [str(c) for c in params.get("channels") or []]
    if method == "public/subscribe" and peer.take_error_ack():
        return [{"jsonrpc": "2.0", "id": req_id,
                 "error": {"code": 13778, "message": "raw_subscriptions_not_available_for_unauthorized"}}]
    if method == "public/subscribe":
        peer.topics.update(channels)
    else:
        peer.topics.difference_update(channels)
    return [{"jsonrpc": "2.0", "id": req_id, "result": channels}]


def probe(peer: ReplayPeer) -> Any | None:
    return TEST_REQUEST if HEARTBEAT_ON in peer.topics else None


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=HEARTBEAT_DEADLINE_S, probe=probe,
                     probe_interval_s=HEARTBEAT_INTERVAL_S)
