"""Watched public addresses in live mode: typed in the settings (checked by the venue's address rule),
added and removed through the session, and applied by restarting only that venue's connections."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from app.core.timing import Timing
from app.replay.server import ReplayServer
from app.services.clock import MarketClock
from app.services.engine import Engine
from app.services.runtime import FeedRuntime, demo_recording
from app.store.settings import checked_watched, load_settings

WHALE = "0x00000000000000000000000000000000c0ffee01"
OTHER = "0x" + "ab" * 20


def _watch_venue() -> str:
    from app.core.venues import registry

    return next(name for name in registry.names() if registry.by_name(name).accounts is not None)


def test_settings_keep_valid_addresses_and_drop_bad_ones_naming_them(tmp_path: Path) -> None:
    venue = _watch_venue()
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "watched_accounts": {
        venue: [WHALE.upper().replace("0X", "0x"), "0xnotanaddress", WHALE], "nowhere": [WHALE]}}))
    loaded = load_settings(path)
    assert loaded.settings.watched_accounts == {venue: [WHALE]}
    assert any("0xnotanaddress" in w for w in loaded.warnings)
    assert any("nowhere" in w for w in loaded.warnings)
    assert checked_watched({venue: [OTHER]}) == ({venue: [OTHER]}, [])


async def test_live_session_adds_and_removes_watched_addresses_and_saves_them() -> None:
    from app.services.session import LiveSession
    from app.store.paths import profile_paths

    venue = _watch_venue()
    profile = profile_paths("watch-test").ensure()
    session = LiveSession(profile)
    assert session.watched_accounts() == {}
    assert session.watch_venues() == [venue]
    assert session.add_watched(venue, "0x123") is not None  # refused, with the reason
    assert session.add_watched(venue, f"  {WHALE}  ") is None
    assert session.add_watched(venue, WHALE) is not None  # already watched
    assert session.add_watched(venue, OTHER) is None
    assert session.shorten_address(venue, WHALE).startswith("0x0000")
    assert "…" in session.shorten_address(venue, WHALE)
    await session.store.flush()
    assert LiveSession(profile).watched_accounts() == {venue: [WHALE, OTHER]}
    assert session.remove_watched(venue, WHALE)
    assert not session.remove_watched(venue, WHALE)
    await session.store.flush()
    assert LiveSession(profile).watched_accounts() == {venue: [OTHER]}


async def test_a_new_watched_address_restarts_only_that_venues_connections() -> None:
    venue = _watch_venue()
    timing = Timing(scale=60)
    server = ReplayServer(demo_recording(), speed=40, timing=timing)
    await server.start()
    clock = MarketClock(server.market_ms, label="replay")
    runtime = FeedRuntime(clock=clock, endpoints=server.endpoints(), timing=timing)
    engine = Engine(runtime.sink, clock)
    runtime.start()
    try:
        others = {name: task for name, task in runtime.supervisor._tasks.items()
                  if not name.startswith(venue)}
        statuses = {s.stream: s for s in runtime.statuses}
        await runtime.restart_venue(venue, watched=[WHALE])
        assert runtime.restarts == {venue: 1}
        # The other venues' connection tasks are the very same ones, still running.
        assert {name: task for name, task in runtime.supervisor._tasks.items()
                if not name.startswith(venue)} == others
        assert all(not task.done() for task in others.values())
        assert {s.stream: s for s in runtime.statuses if s.venue != venue} == {
            k: v for k, v in statuses.items() if v.venue != venue}
        for _ in range(500):
            engine.tick()
            if (venue, WHALE) in engine.accounts:
                break
            await asyncio.sleep(0.02)
        assert (venue, WHALE) in engine.accounts
    finally:
        await runtime.stop()
        await server.stop()
