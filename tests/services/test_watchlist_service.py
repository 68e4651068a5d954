"""Watchlists through the session: persisted in the live profile (lists in its store, scopes and tape
panes in its settings), in memory in the demo; watched coins get marks; the prices strip's figures."""

from __future__ import annotations

import asyncio

import msgspec

from app.core.instruments import Instruments
from app.services.session import DemoSession, LiveSession
from app.services.session import base as session_base
from app.services.watchlists import CENTRAL_TAPE
from app.store.paths import profile_paths
from app.store.settings import TapePaneSettings


async def _wait_for(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_live_watchlists_scopes_and_tape_panes_come_back_after_a_restart() -> None:
    profile = profile_paths("watch-test").ensure()
    first = LiveSession(profile)
    await first.open()
    service = first.watchlists
    assert service.all() == []
    majors = service.create("Majors", "btc, eth")
    alts = service.create("Alts", "SOL bybit:solusdt")
    service.move(alts.id, 0)
    service.rename(majors.id, "Big two")
    service.set_scope("totalsDock", majors.id)
    name = service.new_tape_name()
    service.save_tape_pane(TapePaneSettings(name, 10_000.0, venue="bybit", coin=None))
    service.set_scope(name, alts.id)
    service.save_tape_pane(TapePaneSettings(CENTRAL_TAPE, 1_000.0, coin="BTC"))
    await first.stop()

    second = LiveSession(profile)
    await second.open()
    again = second.watchlists
    assert [(w.name, w.entries) for w in again.all()] == [("Alts", ("SOL", "bybit:SOLUSDT")),
                                                         ("Big two", ("BTC", "ETH"))]
    assert again.scope_of("totalsDock") == again.get(majors.id)
    assert [p.name for p in again.tape_panes()] == [name]
    assert again.tape_pane(name) == TapePaneSettings(name, 10_000.0, venue="bybit")
    assert again.scope_of(name) is not None and again.scope_of(name).name == "Alts"  # type: ignore[union-attr]
    assert again.tape_pane(CENTRAL_TAPE).coin == "BTC" and second.settings.tape_min_usd == 1_000.0

    result, counts = again.import_text("watchlist,entry\nNew,BTC\nNew,NOTACOIN\n")
    assert not result.ok and counts == (0, 0)
    assert [str(p) for p in result.problems] == ["line 3: New: unknown coin 'NOTACOIN' (no venue lists it)"]
    assert [w.name for w in again.all()] == ["Alts", "Big two"]  # nothing half-imported
    again.delete(majors.id)
    assert again.scope_of("totalsDock") is None  # its pane shows everything again
    await second.stop()
    third = LiveSession(profile)
    await third.open()
    assert [w.name for w in third.watchlists.all()] == ["Alts"]
    assert "totalsDock" not in third.settings.pane_scopes
    await third.stop()


async def test_the_demo_keeps_watchlists_in_memory_with_a_sample() -> None:
    demo = DemoSession(speed=1)
    await demo.open()
    assert demo.watchlist_store is None
    assert [w.name for w in demo.watchlists.all()] == ["Majors"]
    demo.watchlists.create("Mine", "SOL")
    await demo.stop()
    again = DemoSession(speed=1)
    await again.open()
    assert [w.name for w in again.watchlists.all()] == ["Majors"]
    await again.stop()


async def test_a_watched_coin_gets_its_mark_and_the_strip_shows_prices(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(session_base, "MARK_COALESCE_S", 0.5)
    session = DemoSession(speed=20)
    template = session.instruments.get("bybit", "ETHUSDT")
    assert template is not None
    session.instruments = Instruments([*session.instruments,
                                       msgspec.structs.replace(template, symbol="ADAUSDT", coin="ADA")])
    await session.open()
    await session.start()
    runtime = session.runtime
    assert runtime is not None
    try:
        await _wait_for(lambda: any(s.venue == "bybit" and s.frames > 0 for s in runtime.statuses))
        watched = session.watchlists.create("With ADA", "ADA BTC")
        assert session._mark_streamed("bybit", "ADAUSDT") == "pending"
        await _wait_for(lambda: runtime.restarts.get("bybit") == 1)
        subscribed = " ".join(m for spec in runtime.specs if spec.venue == "bybit" for m in spec.subscribe)
        assert "ADAUSDT" in subscribed
        majors = session.watchlists.all()[0]

        def btc_priced() -> bool:
            session.engine.tick()
            prices = session.watchlists.prices(majors, session.now_ms())
            return prices[0].coin == "BTC" and prices[0].mark is not None
        await _wait_for(btc_priced)
        btc = session.watchlists.prices(majors, session.now_ms())[0]
        assert btc.venue in session.venues and btc.mark is not None and btc.mark > 1000
        assert [p.coin for p in session.watchlists.prices(watched, session.now_ms())] == ["ADA", "BTC"]
    finally:
        await session.stop()
