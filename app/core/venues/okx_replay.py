"""How the replay server speaks OKX v5 public: a frame's topic is its `arg` (channel plus instId or
instType), text `ping` gets text `pong`, subscribe acks come one per arg, and a client silent for
30 s is cut off, as OKX does (resources/docs/feeds.md §3.3)."""

from __future__ import annotations

from typing import Any

from app.core.venues.arg_replay import Arg, answer_args, arg_topic
from app.core.venues.descriptor import ReplayPeer, ReplayRules

HEARTBEAT_DEADLINE_S = 30.0


def arg_key(arg: Arg) -> str:
    return f"{arg.get('channel')}:{arg.get('instId') or arg.get('instType') or ''}"


def topic(frame: str) -> str | None:
    return arg_topic(frame, arg_key)


def _echo_id(request: dict[str, Any]) -> dict[str, Any]:
    return {"id": request["id"]} if "id" in request else {}


def _ack(peer: ReplayPeer, request: dict[str, Any], op: str, arg: Arg) -> dict[str, Any]:
    return {**_echo_id(request), "event": op, "arg": arg, "connId": peer.conn_id}


def _error_ack(peer: ReplayPeer, request: dict[str, Any], first: Arg) -> dict[str, Any]:
    return {**_echo_id(request), "event": "error", "code": "60018",
            "msg": f"Wrong URL or channel:{first.get('channel')}, doesn't exist.", "connId": peer.conn_id}


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    return answer_args(peer, message, arg_key, _ack, _error_ack)


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=HEARTBEAT_DEADLINE_S)
