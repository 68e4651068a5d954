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
