"""A live restart refills the tape and totals from the last 24 h of history (marked as such, with
its gaps); alerts and JGB readings are stored; retention deletes what is older than the setting."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.core.events import Liquidation
from app.services.alerts import Alert, AlertDispatcher
from app.services.clock import MarketClock
from app.services.macro import MacroService
from app.services.session.base import Session
from app.store.db import HistoryDb
from app.store.settings import Settings

NOW = 1_800_000_000_000
HOUR = 3_600_000


class StoredSession(Session):
    """The live session's history behaviour without its network (no feeds are started)."""

    demo = False

    def __init__(self, path: Path, now: list[int], settings: Settings | None = None) -> None:
        super().__init__(settings or Settings(), None, MarketClock(lambda: now[0], label="live"))
        self._path = path

    def history_path(self) -> str:
        return str(self._path)


def liq(i: int, ts_ms: int, venue: str = "v1", side: str = "long", usd: float = 1000.0) -> Liquidation:
    return Liquidation(venue, "BTCUSDT", "BTC", "linear_perp", side, 100.0, usd / 100, usd, ts_ms, "all", f"id{i}")


def seed(path: Path) -> None:
    with HistoryDb.open(path) as db:
        db.write_liquidations([liq(0, NOW - 30 * HOUR, usd=99_999)])  # older than 24 h: not refilled
        db.write_liquidations([liq(i, NOW - 20 * HOUR + i * 1000, venue="v1" if i % 2 else "v2",
                                   side="long" if i % 3 else "short", usd=100.0 + i) for i in range(1, 7001)])
        db.write_gap("v1", "v1/stream", NOW - 10 * HOUR, NOW - 9 * HOUR)
        db.begin_run(NOW - 21 * HOUR)
        db.mark_alive(NOW - 2 * HOUR)  # the last run stopped recording 2 h ago


def test_a_restart_refills_the_last_24_hours_into_tape_and_totals(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    seed(path)
    session = StoredSession(path, [NOW])
    asyncio.run(session.open())
    try:
        engine = session.engine
        assert sum(engine.counts.values()) == 7000  # the one older than 24 h is not counted
        rows = [liq(i, 0, venue="v1" if i % 2 else "v2", side="long" if i % 3 else "short", usd=100.0 + i)
                for i in range(1, 7001)]
        for venue in ("v1", "v2"):
            mine = [r for r in rows if r.venue == venue]
            totals = engine.totals[venue]
            assert totals.count == len(mine)
            assert totals.long_usd == sum(r.notional_usd for r in mine if r.side == "long")
            assert totals.short_usd == sum(r.notional_usd for r in mine if r.side == "short")
            assert totals.largest_usd == max(r.notional_usd for r in mine)
        update = session.tape.take_update()
        assert update is not None
        assert update.inserted[0].id == "id7000"  # newest first, the tape's own bound applies
        assert len(update.inserted) == session.tape.max_rows
        snapshot = session.snapshot()
        assert snapshot.history_since_ms == NOW - 24 * HOUR
        assert snapshot.history_gaps == 2  # the disconnect, and the 2 h Cascade was not running
        assert any("Restored 7,000 liquidations" in m.text for m in snapshot.messages)
        assert not engine.last_liquidation_ms  # silence detection starts from live data only
    finally:
        asyncio.run(asyncio.to_thread(session.history.close))
    with HistoryDb.open(path) as db:
        assert db.count() == 7001  # nothing written back


def test_an_empty_history_refills_nothing(tmp_path: Path) -> None:
    session = StoredSession(tmp_path / "h.sqlite3", [NOW])
    asyncio.run(session.open())
    assert session.engine.history_since_ms is None and session.snapshot().history_since_ms is None
    session.history.close()


def test_alerts_fired_and_jgb_readings_shown_are_stored(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    session = StoredSession(path, [1_768_900_000_000])
    asyncio.run(session.open())
    dispatcher = AlertDispatcher([session.alert_log()])
    dispatcher.dispatch(Alert("macro-event:boj", "BOJ", "starts in 15m", "warning", 1_768_900_000_000))
    session._replace_macro(MacroService.load(None))
    session.history.flush()
    (alert,) = session.history.alerts_between(0, 2**62)
    assert (alert.key, alert.title, alert.body) == ("macro-event:boj", "BOJ", "starts in 15m")
    readings = session.history.macro_readings()
    assert {r.tenor for r in readings} >= {"10Y", "30Y"}
    assert all(r.data_date <= "2026-01-20" and r.level is not None for r in readings)
    session._replace_macro(MacroService.load(None))  # shown again: kept once
    session.history.flush()
    assert len(session.history.macro_readings()) == len(readings)
    session.history.close()


def test_retention_deletes_rows_older_than_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryDb.open(path) as db:
        db.write_liquidations([liq(i, NOW - day * 24 * HOUR) for i, day in enumerate((0, 1, 5, 9, 40))])
        db.write_alert(NOW - 40 * 24 * HOUR, "old", "info", "old", "")
    session = StoredSession(path, [NOW], Settings(history_retention_days=7))

    async def run() -> dict[str, int]:
        await session.open()
        return await session.compact_history()

    deleted = asyncio.run(run())
    assert deleted == {"liquidations": 2, "alerts": 1}
    session.history.flush()
    assert session.history.count() == 3
    session.history.close()
