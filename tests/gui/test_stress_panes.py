"""The market stress panes: the headline, the per-venue / per-coin bars and the cumulative line follow
one window selector; and the acceptance check of issue 12: after the bundled scenario has played fully
through the demo session, the summary pane and `cascade summarize` on the bundled recording agree with
each other and with the demo calibration."""

from __future__ import annotations

import asyncio

import pytest
from test_window import NOW, StubSession

from app.commands.summarize import summarize
from app.core.events import Liquidation
from app.core.formatting import compact_usd
from app.feeds.sink import FeedSink
from app.scenario import calibration as cal
from app.services.runtime import demo_recording
from app.services.session import DemoSession
from app.services.snapshot import Snapshot
from app.services.stress import SLOW_REBUILD_TICKS
from app.ui.panes.stress_bars import StressBarsPane
from app.ui.panes.stress_line import StressLinePane
from app.ui.panes.stress_summary import StressSummaryPane
from app.ui.window import MainWindow

HOUR = 3_600_000


class StressStub(StubSession):
    def set_stress_window(self, window: str) -> None:
        self._builder.stress.select(window)


def settle(window: MainWindow) -> None:
    """Ticks enough for a rebuild: on a loaded machine one slow build makes the service rebuild only every
    SLOW_REBUILD_TICKS ticks (a throttle, not part of what is tested here)."""
    for _ in range(SLOW_REBUILD_TICKS + 1):
        window.tick()


def liq(ts: int, usd: float, venue: str, coin: str, side: str, completeness: str = "all") -> Liquidation:
    return Liquidation(venue, f"{coin}USDT", coin, "linear_perp", side, 1.0, 1.0, usd, ts,  # type: ignore[arg-type]
                       completeness, f"{venue}{ts}{usd}")  # type: ignore[arg-type]


def test_the_panes_follow_one_window_selector(qtbot) -> None:
    sink = FeedSink()
    now = [NOW]
    window = MainWindow(StressStub(sink, now, {"binance": "sampled", "bybit": "all"}))
    qtbot.addWidget(window)
    summary: StressSummaryPane = window.panes["stressSummaryDock"]  # type: ignore[assignment]
    bars: StressBarsPane = window.panes["stressBarsDock"]  # type: ignore[assignment]
    line: StressLinePane = window.panes["stressLineDock"]  # type: ignore[assignment]
    settle(window)
    assert "No liquidations" in summary.title.text() or summary.title.text().startswith("Past 24 h: 0 ")
    sink.offer("binance", [liq(NOW - 3 * HOUR, 2_000_000.0, "binance", "ETH", "short"),
                           liq(NOW - 60_000, 500_000.0, "binance", "BTC", "long")])
    sink.offer("bybit", [liq(NOW - 30_000, 1_500_000.0, "bybit", "BTC", "long"),
                         liq(NOW - 20_000, 9e6, "bybit", "BTC", "long", completeness="aggregated")])
    settle(window)
    assert summary.title.text() == "Past 24 h: 4 liquidations, $13.00M"
    assert "Longs 84.6%" in summary.sides.text() and "▼" in summary.sides.text()  # never colour alone
    assert summary.largest.text().startswith("Largest: Binance ETHUSDT $2.00M short at ")  # not the aggregated
    assert summary.caveat.text() == "Sampled venues undercount: Binance" and summary.caveat.isVisibleTo(summary)
    assert summary.observed.toolTip().startswith("Observed in the last 24h, per venue:")
    assert [row.label for row in bars.venues.rows] == ["Bybit", "Binance"]
    assert [row.label for row in bars.coins.rows] == ["BTC", "ETH"]
    assert bars.coins.rows[0].long_usd == 11_000_000.0
    assert line.series is not None and line.series.long_usd[-1] == 11_000_000.0
    summary.selector.buttons["1h"].click()  # one selector: every stress pane shows the hour
    settle(window)
    assert summary.title.text() == "Past 1 h: 3 liquidations, $11.00M"
    assert "last 1h" in bars.venues.title.text()
    assert [row.label for row in bars.coins.rows] == ["BTC"]
    assert "last 1h" in line.title.text() and line.series.short_usd[-1] == 0.0  # type: ignore[union-attr]
    assert summary.largest.text().startswith("Largest: Bybit BTCUSDT $1.50M long at ")


class WholeDemo(DemoSession):
    """The demo session, its replay held until every connection is live, so nothing is played before
    anyone listens (the app's demo starts playing at once: it may miss the first seconds)."""

    async def endpoints(self) -> dict[str, str]:
        await self.server.start(autoplay=False)
        return self.server.endpoints()


async def play_demo(speed: float) -> Snapshot:
    session = WholeDemo(speed=speed)
    await session.open()
    await session.start()
    try:
        assert session.runtime is not None
        for _ in range(500):
            if all(status.state == "live" for status in session.runtime.statuses):
                break
            await asyncio.sleep(0.01)
        session.server.play()
        while not session.server.finished:
            session.snapshot()
            await asyncio.sleep(0.05)
        # The last frames on the wire: everything sent has been received (a loaded machine can leave
        # hundreds queued in the client when the server finishes), then a fresh view.
        statuses = session.runtime.statuses
        async with asyncio.timeout(30):
            while sum(status.frames for status in statuses) < session.server.frames_sent:
                session.snapshot()
                await asyncio.sleep(0.05)
        for _ in range(SLOW_REBUILD_TICKS + 2):
            await asyncio.sleep(0.05)
            session.snapshot()
        return session.snapshot()
    finally:
        await session.stop()


@pytest.mark.timeout(90)
def test_after_the_bundled_scenario_the_summary_pane_agrees_with_summarize_and_the_calibration(qtbot) -> None:
    snapshot = asyncio.run(play_demo(speed=1500.0))
    assert snapshot.stress is not None
    pane = StressSummaryPane(None)
    qtbot.addWidget(pane)
    pane.refresh(snapshot)
    shown = pane.headline
    assert shown is not None and shown.window == "24h"
    stats = snapshot.stress.current
    assert stats.end_ms - cal.END_MS < 20 * HOUR  # the scenario's whole span is still inside 24 h
    recorded = summarize(str(demo_recording()))
    # The pane and the command agree (the same aggregator; the pane's figures came through the network).
    assert shown.count == pytest.approx(recorded.stats.totals.count, rel=0.01)
    assert shown.total_usd == pytest.approx(recorded.stats.totals.total_usd, rel=0.01)
    assert shown.long_share == pytest.approx(recorded.stats.totals.long_share, rel=0.01)
    assert pane.title.text() == f"Past 24 h: {shown.count:,} liquidations, {compact_usd(shown.total_usd)}"
    for coin in ("BTC", "ETH"):
        assert stats.by_coin[coin].long_usd == pytest.approx(recorded.stats.by_coin[coin].long_usd, rel=0.01)
    assert shown.largest is not None and recorded.stats.largest is not None
    assert (shown.largest.venue, shown.largest.symbol) == (recorded.stats.largest.venue,
                                                           recorded.stats.largest.symbol) == ("bitget", "BTCUSDT")
    assert "Bitget BTCUSDT $13.52M long" in pane.largest.text()
    # ... and both agree with the calibration, over the calibrated venues (a venue added to the scenario
    # later adds its own liquidations on top).
    calibrated = [stats.by_venue[venue] for venue in cal.VENUE_LONG_USD]
    longs = sum(split.long_usd for split in calibrated)
    total = sum(split.total_usd for split in calibrated)
    target_longs = sum(target.value for target in cal.VENUE_LONG_USD.values())
    assert longs == pytest.approx(target_longs, rel=0.01)
    assert total == pytest.approx(target_longs / cal.LONG_SHARE.value, rel=0.01)
    assert longs / total == pytest.approx(cal.LONG_SHARE.value, rel=0.01)
    for coin in ("BTC", "ETH"):  # the coin's share of the calibrated venues' longs
        assert stats.by_coin[coin].long_usd == pytest.approx(cal.COIN_SHARE[coin].value * longs, rel=0.01)
    assert shown.largest.notional_usd == pytest.approx(cal.BITGET_WHALE_USD.value, rel=0.01)
