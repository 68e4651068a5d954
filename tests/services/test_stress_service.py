"""The engine feeds every liquidation to the rolling windows, each snapshot carries their view, the
panes' window is one shared selection, and a live restart shows the last 24 h again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.core.events import Liquidation
from app.services.engine import Engine
from app.services.snapshot import SnapshotBuilder
from app.services.stress import HistoryCoverage, coverage_inputs, stored_liquidations
from app.store.db import HistoryDb
from tests.services.test_history_refill import HOUR, NOW, StoredSession, seed


class Sink:
    def __init__(self) -> None:
        self.pending: list[Liquidation] = []

    def drain(self) -> SimpleNamespace:
        taken, self.pending = self.pending, []
        return SimpleNamespace(liquidations=taken, marks=[], notices=[], accounts=[], open_interest=[])


def liq(ts: int, usd: float, venue: str = "v1", side: str = "long", completeness: str = "all") -> Liquidation:
    return Liquidation(venue, "BTCUSDT", "BTC", "linear_perp", side, 1.0, 1.0, usd, ts,  # type: ignore[arg-type]
                       completeness, f"{venue}{ts}{usd}")  # type: ignore[arg-type]


def test_the_engine_feeds_the_windows_and_the_snapshot_carries_them() -> None:
    now = [NOW]
    sink = Sink()
    engine = Engine(sink, lambda: now[0])
    builder = SnapshotBuilder(engine, lambda: [], lambda: now[0])
    sink.pending = [liq(NOW - 2 * HOUR, 5e6, side="short"), liq(NOW - 1000, 2e6),
                    liq(NOW - 500, 9e6, venue="v2", completeness="aggregated")]
    stress = builder.build().stress
    assert stress is not None
    assert stress.selected == "24h"
    assert stress.windows["1h"].totals.count == 2
    assert stress.windows["1h"].largest.notional_usd == 2e6  # type: ignore[union-attr]  # never the aggregated
    assert stress.current.totals.short_usd == 5e6
    assert stress.current.largest.notional_usd == 5e6  # type: ignore[union-attr]
    builder.stress.select("1h")
    assert builder.build().stress.current.name == "1h"  # type: ignore[union-attr]
    now[0] += HOUR  # market time moves on: the hour empties, without any new event
    for _ in range(5):
        stress = builder.build().stress
    assert stress.windows["1h"].totals.count == 0  # type: ignore[union-attr]
    assert stress.windows["4h"].totals.count == 3  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        builder.stress.select("5h")


def test_coverage_inputs_join_connections_and_history() -> None:
    statuses = [SimpleNamespace(venue="v1", first_live_ms=100, gaps=[(150, 160)]),
                SimpleNamespace(venue="v1", first_live_ms=90, gaps=[(170, None)]),
                SimpleNamespace(venue="v2", first_live_ms=None, gaps=[])]
    assert coverage_inputs(statuses, venues=["v3"]) == {
        "v3": (None, []), "v1": (90, [(150, 160), (170, None)]), "v2": (None, [])}
    history = HistoryCoverage(since_ms=0, resume_ms=50, gaps={"v1": ((10, 20),)})
    joined = coverage_inputs(statuses, history)
    assert joined["v1"] == (0, [(10, 20), (50, 90), (150, 160), (170, None)])
    assert joined["v2"] == (0, [(50, None)])  # never live in this run: unobserved since the last one


def test_a_restart_shows_the_last_24_hours_in_the_stress_windows(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    seed(path)  # 7,000 rows 20 h to ~18 h ago, one 30 h ago; a 1 h gap on v1; Cascade closed 2 h ago
    session = StoredSession(path, [NOW])
    asyncio.run(session.open())
    try:
        stress = session.snapshot().stress
        assert stress is not None
        day = stress.windows["24h"]
        assert day.totals.count == 7000
        assert day.totals.total_usd == pytest.approx(sum(100.0 + i for i in range(1, 7001)))
        assert day.largest is not None and day.largest.notional_usd == 7100.0
        assert stress.windows["12h"].totals.count == 0
        assert stress.coverage["24h"]["v1"] == 21 * HOUR  # 24 h minus the gap and the 2 h closed
        assert stress.coverage["24h"][session.venues[0]] == 22 * HOUR  # only the 2 h closed
    finally:
        asyncio.run(asyncio.to_thread(session.history.close))
    with HistoryDb.open(path) as db:
        assert db.count() == 7001
        sliced = list(stored_liquidations(db, NOW - 24 * HOUR, NOW, slice_ms=HOUR // 7))  # uneven slices
        assert [row.id for row in sliced] == [row.id for row in db.liquidations_between(NOW - 24 * HOUR, NOW)]


def test_headline_lines_bars_and_spans() -> None:
    from app.core.stress import StressAggregator
    from app.services.stress import bar_rows, headline, span_text

    assert [span_text(ms) for ms in (78_000_000, 4 * HOUR, 35 * 60_000, 45_000, -5)] == [
        "21 h 40 m", "4 h", "35 m", "45 s", "0 s"]
    agg = StressAggregator()
    agg.advance(NOW)
    empty = headline(agg.window("24h"), {}, {})
    assert empty.lines == ("Past 24 h: 0 liquidations, $0", "Longs —", "Largest: —", "Observed: nothing yet")
    agg.add_many([liq(NOW - 1000, 3e6, venue="okx"), liq(NOW - 2000, 1e6, venue="bybit", side="short"),
                  liq(NOW - 3000, 5e6, venue="hyperliquid", completeness="partial")])
    shown = headline(agg.window("24h"), {"okx": 78_000_000, "bybit": 86_400_000, "gate": 0},
                     {"okx": "partial", "bybit": "all", "hyperliquid": "partial"})
    assert shown.lines[0] == "Past 24 h: 3 liquidations, $9.00M"
    assert shown.lines[1].startswith("Longs 88.9% ($8.00M) · shorts 11.1% ($1.00M)")
    assert shown.lines[2].startswith("Largest: Hyperliquid BTCUSDT $5.00M long at ")
    assert shown.lines[3] == "Observed 21 h 40 m of 24 h"  # the least-observed venue that was listened to
    assert shown.lines[4] == "Partial venues undercount: OKX"  # no liquidation feed: not named
    rows = bar_rows(agg.window("24h").by_venue, limit=2, venues=True)
    assert [(row.label, row.long_usd, row.short_usd) for row in rows] == [
        ("Hyperliquid", 5e6, 0.0), ("OKX", 3e6, 0.0), ("Other (1)", 0.0, 1e6)]
