"""Issue 13 item 7 as the user reads it: per-coin prices for multiplied contracts, inverse sizes to the
same precision as the rest, big prints highlighted, the largest order with what and when, the notices pane
collapsed until something arrives, events within a horizon and never split from their countdown."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from app.core.events import Liquidation
from app.core.formatting import compact_small_price, format_derived_qty
from app.core.macro.calendar import load_calendar
from app.core.macro.jgb import parse_mof_csv
from app.core.tape import TapeUpdate, coin_price, units_per_price
from app.services.engine import SideTotals
from app.services.macro import MacroService
from app.ui.panes.macro_strip import MacroStrip
from app.ui.panes.notices import NoticesPane
from app.ui.panes.totals import TotalsPane, largest_text
from app.ui.tape_model import TapeModel
from tests.gui.test_window import MOF, NOW

TS = 1_768_935_600_000  # 2026-01-20 19:00 UTC


def pepe(price: float = 0.0048282, size: float = 36_876) -> Liquidation:
    """Binance 1000PEPEUSDT: the price is per 1000 PEPE, the quantity is counted in PEPE."""
    return Liquidation("binance", "1000PEPEUSDT", "PEPE", "linear_perp", "long", price, size * 1000, size * price,
                       TS, "sampled", "p1")


def inverse_eth() -> Liquidation:
    return Liquidation("okx", "ETH-USD-SWAP", "ETH", "inverse_perp", "long", 3193.9, 3050 / 3193.9, 3050.0, TS,
                       "partial", "o1")


def btc(usd: float) -> Liquidation:
    return Liquidation("bybit", "BTCUSDT", "BTC", "linear_perp", "short", 90_000.0, usd / 90_000, usd, TS, "all",
                       f"b{usd}")


def model_with(*rows: Liquidation) -> TapeModel:
    ticks = {"1000PEPEUSDT": 1e-7, "ETH-USD-SWAP": 0.01, "BTCUSDT": 0.1}
    model = TapeModel(lambda _venue, symbol: ticks.get(symbol))
    model.apply(TapeUpdate(inserted=list(rows), removed_from_bottom=0))
    return model


def test_multiplied_contract_shows_the_per_coin_price_and_the_contract_price_in_the_tooltip(qtbot) -> None:
    liq = pepe()
    assert units_per_price(liq) == 1000 and coin_price(liq) == liq.price / 1000
    model = model_with(liq, btc(5_000))
    assert model.data(model.index(0, 4)) == "0.0₅48282"  # PEPE's price (0.0000048282), contract tick ÷ 1000
    tip = model.data(model.index(0, 4), Qt.ItemDataRole.ToolTipRole)
    assert "price per PEPE 0.0₅48282; contract price 0.0048282 per 1,000 PEPE" in tip
    assert compact_small_price("0.0012") == "0.0012" and compact_small_price("12.00001") == "12.00001"
    assert compact_small_price("0.00000") == "0.00000" and compact_small_price("-0.000012") == "-0.0₄12"
    assert model.data(model.index(1, 4)) == "90,000.0"  # an ordinary contract is unchanged
    assert units_per_price(btc(5_000)) == 1.0 and units_per_price(inverse_eth()) == 1.0


def test_inverse_sizes_are_approximate_and_three_decimals_like_the_rest(qtbot) -> None:
    model = model_with(inverse_eth())
    assert model.data(model.index(0, 5)) == "≈0.955"  # was 0.954942
    assert "from USD contracts ÷ price" in model.data(model.index(0, 5), Qt.ItemDataRole.ToolTipRole)
    assert format_derived_qty(0.0123456) == "≈0.0123"
    assert format_derived_qty(0.006457) == "≈0.00646"
    assert format_derived_qty(2500.4) == "≈2,500"


def test_big_prints_are_bold_and_tinted_from_a_default_minimum(qtbot) -> None:
    model = model_with(btc(150_000), btc(43_000), btc(13))
    background = Qt.ItemDataRole.BackgroundRole
    assert model.data(model.index(2, 6), background) is None  # $13: plain
    assert model.data(model.index(2, 6), Qt.ItemDataRole.FontRole) is None
    assert model.data(model.index(1, 6), background) is not None  # $43K: its notional tinted, bold
    assert model.data(model.index(1, 0), background) is None
    assert model.data(model.index(1, 6), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(0, 0), background) is not None  # $150K ≥ 10 × $10K: the whole row
    model.set_highlight(0)
    assert model.data(model.index(0, 6), background) is None


def test_largest_order_names_symbol_time_and_venue_in_the_total(qtbot) -> None:
    totals = SideTotals(largest_usd=36_200.0, largest=btc(36_200.0))
    assert largest_text(totals) == ("$36.20K BTCUSDT 19:00", "Bybit BTCUSDT ▲ SHORT: $36,200 at 90,000, "
                                                            "2026-01-20 19:00:00 UTC")
    assert largest_text(totals, with_venue=True)[0] == "$36.20K Bybit BTCUSDT 19:00"
    assert largest_text(SideTotals(largest_usd=5.0))[0] == "$5"  # from history: the size only
    pane = TotalsPane(["bybit"], {"bybit": "all"})
    qtbot.addWidget(pane)
    pane.show_totals({"bybit": totals})
    assert pane.table.item(1, 6).text() == "$36.20K Bybit BTCUSDT 19:00"
    assert [pane.table.horizontalHeaderItem(c).text() for c in (4, 5)] == ["Longs liq.", "Shorts liq."]
    assert pane.table.maximumHeight() < 200  # as tall as its rows: no blank band under them


def test_notices_pane_is_a_one_line_badge_until_something_arrives(qtbot) -> None:
    pane = NoticesPane()
    qtbot.addWidget(pane)
    assert pane.collapsed and pane.maximumHeight() == pane.collapsed_height() < 40
    pane.add_line("19:00:00  Bybit  10001: Invalid symbol")
    assert not pane.collapsed and pane.maximumHeight() > 10_000
    assert pane.item(0).text().endswith("Invalid symbol")


ICS = """BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nX-CASCADE-AS-OF:2026-01-01\r\n
BEGIN:VEVENT\r\nUID:boj@test\r\nSUMMARY:BOJ Monetary Policy Meeting (Jan 22-23)\r\nDTSTART:20260122T030000Z\r\n
DTEND:20260123T060000Z\r\nX-CASCADE-KIND:boj\r\nX-CASCADE-IMPACT:high\r\nEND:VEVENT\r\n
BEGIN:VEVENT\r\nUID:fomc@test\r\nSUMMARY:FOMC decision (meeting Dec 8-9)\r\nDTSTART:20261209T190000Z\r\n
DTEND:20261209T200000Z\r\nX-CASCADE-KIND:fomc\r\nX-CASCADE-IMPACT:high\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n""".replace(
    "\n\n", "\n").replace("\r\n\n", "\r\n")


def test_events_beyond_the_horizon_are_not_counted_down_and_countdowns_stay_with_their_event(qtbot) -> None:
    strip = MacroStrip()
    qtbot.addWidget(strip)
    macro = MacroService(parse_mof_csv(MOF), load_calendar(ICS), hide_after=date(2026, 1, 20))
    strip.show_macro(macro, NOW)
    text = strip.events.text()
    assert "BOJ Monetary Policy" in text and "22&#8209;23)</b>&nbsp;in&nbsp;1d&nbsp;08h" in text
    assert "FOMC" not in text  # 323 days away: beyond the 14-day horizon
    strip.show_macro(macro, NOW + 3 * 86_400_000)  # after the BOJ meeting: nothing within 14 days
    later = strip.events.text().replace("&nbsp;", " ").replace("&#8209;", "-")
    assert "No scheduled events in the next 14 days (next: FOMC decision (meeting Dec 8-9), 2026-12-09)" in later
