"""How the replay server speaks Bitget's v3 public websocket: a frame's topic is its `arg`
(instType:topic), text `ping` gets text `pong`, subscribe acks come one per arg as
`{"event":"subscribe","arg":…}` (the v2 docs' ack shape; Bitget's common websocket intro), and a client
that sends no ping for 2 minutes is cut off, as Bitget does (resources/docs/feeds.md §4.3)."""

from __future__ import annotations

from typing import Any

from app.core.venues.arg_replay import Arg, answer_args, arg_topic
from app.core.venues.descriptor import ReplayPeer, ReplayRules

HEARTBEAT_INTERVAL_S = 30.0
HEARTBEAT_DEADLINE_S = 120.0


def arg_key(arg: Arg) -> str:
    return f"{arg.get('instType')}:{arg.get('topic')}"


def topic(frame: str) -> str | None:
    return arg_topic(frame, arg_key)


def _ack(peer: ReplayPeer, request: dict[str, Any], op: str, arg: Arg) -> dict[str, Any]:
    return {"event": op, "arg": arg}


def _error_ack(peer: ReplayPeer, request: dict[str, Any], first: Arg) -> dict[str, Any]:
    return {"event": "error", "arg": first, "code": 30001,
            "msg": f"instType:{first.get('instType')} topic:{first.get('topic')} doesn't exist"}


def answer(peer: ReplayPeer, message: str | bytes) -> list[Any]:
    return answer_args(peer, message, arg_key, _ack, _error_ack)


REPLAY = ReplayRules(topic=topic, answer=answer, heartbeat_deadline_s=HEARTBEAT_DEADLINE_S)
