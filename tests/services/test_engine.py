from __future__ import annotations

from app.core.events import Liquidation
from app.core.silence import SILENT_AFTER_MS
from app.feeds.sink import FeedSink
from app.services.engine import Engine


def liq(venue: str, ts: int) -> Liquidation:
    return Liquidation(venue, "BTCUSDT", "BTC", "linear_perp", "long", 1.0, 1.0, 1.0, ts, "all", f"{venue}{ts}")


def test_recent_counts_keep_the_last_hour_only() -> None:
    now = [0]
    sink = FeedSink()
    engine = Engine(sink, lambda: now[0])
    sink.offer("bybit", [liq("bybit", i) for i in range(3)])
    engine.tick()
    now[0] = SILENT_AFTER_MS // 2
    sink.offer("okx", [liq("okx", 10)])
    sink.offer("bybit", [liq("bybit", 11)])
    engine.tick()
    assert dict(engine.recent_counts()) == {"bybit": 4, "okx": 1}
    now[0] = SILENT_AFTER_MS + 1  # the first tick's three have aged out
    assert dict(engine.recent_counts()) == {"bybit": 1, "okx": 1}
    assert engine.counts == {"bybit": 4, "okx": 1}  # session counts are never aged


def test_totals_keep_the_largest_order_itself_live_and_from_a_refill() -> None:
    from app.store.db import VenueTotals

    sink = FeedSink()
    engine = Engine(sink, lambda: 0)
    big = Liquidation("bybit", "ETHUSDT", "ETH", "linear_perp", "short", 3000.0, 10.0, 30_000.0, 5, "all", "b5")
    lumped = Liquidation("bybit", "ETHUSDT", "ETH", "linear_perp", "short", 3000.0, 20.0, 60_000.0, 6, "aggregated",
                         "b6")
    sink.offer("bybit", [liq("bybit", 1), big, lumped])
    engine.tick()
    assert engine.totals["bybit"].largest is big  # an aggregated record is never "the largest order"
    refilled = Engine(FeedSink(), lambda: 0)
    refilled.refill([liq("okx", 1), big], [VenueTotals("bybit", 2, 0.0, 30_001.0, 30_000.0),
                                           VenueTotals("okx", 1, 1.0, 0.0, 99.0)], since_ms=0)
    assert refilled.totals["bybit"].largest is big
    assert refilled.totals["okx"].largest is None  # the stored largest is older than the rows put back
