"""A websocket handshake refused (451) or rate limited (429) reaches the user as a status-bar message
and a notice, once, and the venue's status says it: what the user sees, through the session."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from app.core.timing import Timing
from app.services.clock import MarketClock
from app.services.session.base import Session
from app.store.settings import Settings
from tests.feeds.test_http import handshake_answering

STREAM = "bybit/linear"


class OneStreamSession(Session):
    def __init__(self, url: str, history: Path) -> None:
        super().__init__(Settings(), None, MarketClock(lambda: 1_768_900_000_000, label="test"))
        self.streams = (STREAM,)
        self.venues = ["bybit"]
        self._url = url
        self._history = history

    def history_path(self) -> str:
        return str(self._history)

    async def endpoints(self) -> dict[str, str]:
        return {STREAM: self._url}


@pytest.mark.parametrize(("status", "headers", "state", "said"), [
    (429, "Retry-After: 3600\r\n", "offline", r"Bybit: rate limited until \d\d:\d\d UTC \(HTTP 429\)"),
    (451, "", "refused", r"Bybit: HTTP 451: not available from your region"),
])
async def test_a_refused_or_rate_limited_handshake_is_told_once(tmp_path: Path, status: int, headers: str,
                                                                state: str, said: str) -> None:
    async with handshake_answering(status, headers) as (url, attempts):
        session = OneStreamSession(url, tmp_path / "history.sqlite3")
        session.timing = Timing(60.0)
        await session.open()
        await session.start()
        snapshots = []
        try:
            async with asyncio.timeout(5):
                while not any(r.state == state for r in (snapshots[-1].venues if snapshots else ())):
                    snapshots.append(session.snapshot())
                    await asyncio.sleep(0.02)
            for _ in range(20):  # 20 more ticks: told once, not every tick
                snapshots.append(session.snapshot())
                await asyncio.sleep(0.01)
        finally:
            await session.stop()
    messages = [m.text for snap in snapshots for m in snap.messages if m.venue == "bybit"]
    told = [text for text in messages if re.fullmatch(said, text)]
    assert len(told) == 1, messages
    assert any(re.fullmatch(said, n.text) for snap in snapshots for n in snap.notices)
    assert len(attempts) == 1
