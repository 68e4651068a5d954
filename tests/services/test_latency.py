"""The arrival-to-model latency: the sink stamps the offers that carried liquidations, the snapshot
hands them to the window, the monitor reports percentiles weighted by liquidations."""

from __future__ import annotations

import time

from app.core.events import Liquidation, MarkPrice
from app.feeds.sink import FeedSink
from app.services.engine import Engine
from app.services.loop_lag import LatencyMonitor
from app.services.snapshot import SnapshotBuilder


def liq(n: int) -> Liquidation:
    return Liquidation("bybit", "BTCUSDT", "BTC", "linear_perp", "long", 100.0, 1.0, 100.0, n, "all", str(n))


def test_offers_with_liquidations_are_stamped_and_marks_are_not() -> None:
    sink = FeedSink()
    before = time.perf_counter()
    sink.offer("bybit", [MarkPrice("bybit", "BTCUSDT", "BTC", 1.0, 0)])
    assert sink.drain().arrivals == []
    sink.offer("bybit", [liq(1), liq(2)])
    sink.offer("bybit", [liq(3)])
    arrivals = sink.drain().arrivals
    assert sum(count for _, count in arrivals) == 3
    assert all(at >= before for at, _ in arrivals)
    assert sink.drain().arrivals == []  # exactly once


def test_arrivals_stay_bounded_and_keep_every_count() -> None:
    sink = FeedSink(liquidation_capacity=10**6)
    sink.ARRIVAL_CAPACITY = 3  # type: ignore[misc]
    for n in range(50):
        sink.offer("bybit", [liq(n)])
        time.sleep(0.0011 if n < 5 else 0)  # the first ones a millisecond apart: separate entries
    arrivals = sink.drain().arrivals
    assert len(arrivals) == 3
    assert sum(count for _, count in arrivals) == 50


def test_weighted_percentiles() -> None:
    monitor = LatencyMonitor()
    monitor.reached([[10.0, 98], [9.0, 1], [8.0, 1]], now=10.002)  # 98 at 2 ms, one at 1002, one at 2002 ms
    assert round(monitor.percentile(0.5) or 0) == 2
    assert round(monitor.percentile(0.99) or 0) == 1002
    assert round(monitor.worst_ms) == 2002
    assert monitor.liquidations == 100
    assert "p50 2.0 ms" in monitor.summary()
    assert LatencyMonitor().summary() == "arrival to model: no samples"


def test_the_snapshot_reports_the_batch_when_the_window_took_it() -> None:
    sink, monitor = FeedSink(), LatencyMonitor()
    builder = SnapshotBuilder(Engine(sink, lambda: 7), list, lambda: 7, latency=monitor)
    assert builder.build().tape_reached is None  # nothing arrived
    sink.offer("bybit", [liq(1), liq(2)])
    snapshot = builder.build()
    assert snapshot.tape_reached is not None
    assert monitor.liquidations == 0  # not until the tape pane took it
    snapshot.tape_reached()
    assert monitor.liquidations == 2
    assert monitor.percentile(0.5) is not None


def test_the_lag_probe_reads_the_benchmarks_setting(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.services.loop_lag import PROBE_ENV, LoopLagMonitor

    default = LoopLagMonitor.DEFAULT_INTERVAL_S

    assert (LoopLagMonitor.from_env().interval_s, LoopLagMonitor.from_env().skip_s) == (default, 0.0)
    monkeypatch.setenv(PROBE_ENV, "10:3")
    assert (LoopLagMonitor.from_env().interval_s, LoopLagMonitor.from_env().skip_s) == (0.01, 3.0)
    monkeypatch.setenv(PROBE_ENV, ":3")  # the app's own interval, the first 3 s skipped (bench_app.py quiet)
    assert (LoopLagMonitor.from_env().interval_s, LoopLagMonitor.from_env().skip_s) == (default, 3.0)
    monkeypatch.setenv(PROBE_ENV, "nonsense")
    assert LoopLagMonitor.from_env().interval_s == default
