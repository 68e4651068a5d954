"""Status messages queue per venue: every venue's message is seen, none overwrites another's."""

from __future__ import annotations

from app.services.runtime import DEFAULT_VENUES
from app.services.snapshot import MessageQueue, StatusMessage
from app.services.status_board import StatusBoard

A, B, C = DEFAULT_VENUES[:3]


def board() -> StatusBoard:
    return StatusBoard(label=str.upper, max_chars=80, rotate_ms=1_000)


def test_two_venues_messages_posted_in_one_tick_are_both_shown() -> None:
    queue = MessageQueue()
    queue.post("instrument list unavailable (timeout)", venue=A)
    queue.post("instrument list unavailable (HTTP 451)", venue=C)
    shown = StatusBoard(label=str.upper)
    shown.add(queue.take(), 0)
    assert shown.text(0) == (f"{A.upper()}: instrument list unavailable (timeout); "
                             f"{C.upper()}: instrument list unavailable (HTTP 451)")


def test_too_long_to_combine_they_take_turns_each_for_its_own_timeout() -> None:
    shown = board()
    shown.add([StatusMessage("x" * 40, 10_000, A), StatusMessage("y" * 40, 10_000, B)], 0)
    shown.add([StatusMessage("the app's own", 2_500)], 0)
    assert shown.text(0) == f"(1/3) {A.upper()}: " + "x" * 40
    assert shown.text(1_000) == f"(2/3) {B.upper()}: " + "y" * 40
    assert shown.text(2_000) == "(3/3) the app's own"
    assert shown.texts(3_000) == [f"{A.upper()}: " + "x" * 40, f"{B.upper()}: " + "y" * 40]  # expired
    assert shown.text(10_000) == ""


def test_a_venues_newer_message_replaces_its_older_one_only() -> None:
    shown = board()
    shown.add([StatusMessage("connecting", 5_000, A), StatusMessage("offline", 5_000, B)], 0)
    shown.add([StatusMessage("back", 5_000, A)], 1_000)
    assert shown.texts(1_000) == [f"{B.upper()}: offline", f"{A.upper()}: back"]
    assert shown.texts(5_500) == [f"{A.upper()}: back"]


def test_lasting_conditions_also_become_notices() -> None:
    from app.feeds.sink import FeedSink
    from app.services.engine import Engine
    from app.services.snapshot import SnapshotBuilder

    queue = MessageQueue()
    builder = SnapshotBuilder(Engine(FeedSink(), lambda: 7), list, lambda: 7, messages=queue)
    queue.post("instrument list unavailable (timeout); using the bundled majors", venue=A, notice="instruments")
    queue.post("Loading…", 5000)
    snapshot = builder.build()
    assert len(snapshot.messages) == 2
    assert [(n.market_ms, n.venue, n.code) for n in snapshot.notices] == [(7, A, "instruments")]
