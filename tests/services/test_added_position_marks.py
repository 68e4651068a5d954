"""A manual position added while running whose symbol has no mark stream: the row says "mark subscription
pending", its venue's connections (only those) restart once for several adds in a short while, with the
new symbols subscribed; the last position going drops the symbol at that venue's next restart."""

from __future__ import annotations

import asyncio

import msgspec

from app.core.instruments import Instruments
from app.core.positions import Position
from app.services.session import DemoSession
from app.services.session import base as session_base

VENUE = "bybit"
NEW = ("ADAUSDT", "LINKUSDT")


async def _wait_for(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


def _row(session: DemoSession, symbol: str):  # type: ignore[no-untyped-def]
    frame = session.positions.tick(session.now_ms(), session._venue_records())
    return next(view for view in frame.book.positions if view.position.symbol == symbol)


async def test_positions_added_while_running_get_their_marks_with_one_restart_of_their_venue(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(session_base, "MARK_COALESCE_S", 0.5)
    session = DemoSession(speed=20)
    template = session.instruments.get(VENUE, "ETHUSDT")
    assert template is not None
    extra = [msgspec.structs.replace(template, symbol=symbol, coin=symbol[:-4]) for symbol in NEW]
    session.instruments = Instruments([*session.instruments, *extra])  # as a venue's live listing would
    await session.open()
    await session.start()
    runtime = session.runtime
    assert runtime is not None
    try:
        await _wait_for(lambda: any(s.venue == VENUE and s.frames > 0 for s in runtime.statuses))
        others = {name: task for name, task in runtime.supervisor._tasks.items() if not name.startswith(VENUE)}
        for symbol in NEW:
            session.add_position(Position(VENUE, "manual", symbol, symbol[:-4], "long", 100.0, 1.0, leverage=5.0))
        assert session._mark_streamed(VENUE, NEW[0]) == "pending"
        assert "mark subscription pending" in (_row(session, NEW[0]).stale_reason or "")
        await _wait_for(lambda: runtime.restarts.get(VENUE) == 1)
        await asyncio.sleep(1.0)  # no second restart for the second position
        assert runtime.restarts == {VENUE: 1}
        assert {name: task for name, task in runtime.supervisor._tasks.items()
                if not name.startswith(VENUE)} == others  # the other venues were not touched
        subscribed = " ".join(m for spec in runtime.specs if spec.venue == VENUE for m in spec.subscribe)
        assert all(symbol in subscribed for symbol in NEW)
        server_topics = lambda: " ".join(t for c in session.server._clients.get(f"{VENUE}/linear", ())  # noqa: E731
                                         for t in c.topics)
        await _wait_for(lambda: all(symbol in server_topics() for symbol in NEW))
        assert session._mark_streamed(VENUE, NEW[0]) is True
        assert "mark subscription pending" not in (_row(session, NEW[0]).stale_reason or "")

        for symbol in NEW:  # the last position on each goes: dropped at the venue's next restart
            session.delete_position((VENUE, "manual", symbol, "long"))
        assert not any(symbol in runtime.held_symbols.get(VENUE, []) for symbol in NEW)
        assert runtime.restarts == {VENUE: 1}
    finally:
        await session.stop()
