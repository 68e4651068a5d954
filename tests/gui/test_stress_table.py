"""The stress table pane paints the snapshot's MarketView: one row per coin and the market-wide row,
the window from its selector (headers and figures follow it), stale figures muted with their age."""

from __future__ import annotations

from app.core.events import Liquidation, OpenInterest
from app.services.market import MarketService
from app.services.snapshot import Snapshot
from app.ui.panes.stress_table import StressTablePane
from app.ui.theme import STALE_TEXT

T0 = 1_768_935_000_000
MIN = 60_000


def _snapshot(market: MarketService, now: int) -> Snapshot:
    return Snapshot(now_ms=now, clock_label="replay", venues=(), notices=(), messages=(), totals={},
                    observed_ms={}, market=market.view(now, {}))


def test_the_pane_shows_each_coin_and_follows_the_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    market = MarketService({"bybit": "all"})
    for minute in range(0, 300, 5):
        now = T0 + minute * MIN
        liqs = [Liquidation("bybit", "ETHUSDT", "ETH", "linear_perp", "long", 3000.0, 100.0, 300_000.0, now,
                            "all", f"e{minute}")] if minute >= 120 else []
        market.take(liqs, [OpenInterest("bybit", "ETHUSDT", "ETH", 1e6, 3e9, now)], now)
    now = T0 + 300 * MIN
    pane = StressTablePane()
    qtbot.addWidget(pane)
    pane.refresh(_snapshot(market, now))
    coins = [pane.table.item(r, 0).text() for r in range(pane.table.rowCount())]
    assert coins[0] == "ETH" and coins[-1] == "All" and "BTC" in coins  # the majors are always listed
    eth = coins.index("ETH")
    assert pane.table.horizontalHeaderItem(1).text() == "Liq 4h"
    assert pane.table.item(eth, 1).text() == "$10.80M"  # 36 orders of $300K in the last 4 h (bucketed)
    assert pane.table.item(eth, 2).text() == "$3.00B"
    assert pane.table.item(eth, 3).text().startswith("0.3")  # 10.8M / 3B, all venues complete
    pane.window_box.setCurrentIndex(pane.window_box.findData("1h"))
    assert pane.table.horizontalHeaderItem(1).text() == "Liq 1h"
    assert pane.table.item(eth, 1).text() == "$3.60M"
    market.problems = lambda: {"Bybit open interest": "ETHUSDT: HTTP 503"}
    pane.refresh(_snapshot(market, now + 1000))
    assert "⚠ Bybit open interest: ETHUSDT: HTTP 503" in pane.note.text()
    # An hour without any OI poll: the OI is muted and says how old it is.
    pane.refresh(_snapshot(market, now + 60 * MIN))
    oi = pane.table.item(eth, 2)
    assert oi.text().endswith("old") and oi.foreground().color() == STALE_TEXT
