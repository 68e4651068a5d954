"""Issue 13 acceptance, offscreen: create a watchlist, scope a tape pane to it, close and reopen the
window: layout, scope and theme restored; a watchlist import with a bad row reports the row."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.events import Liquidation
from app.services.session import LiveSession
from app.store.paths import profile_paths
from app.ui.watchlist_menu import PRICES_DOCK
from app.ui.window import MainWindow

NOW = 1_768_935_600_000


def liq(venue: str, symbol: str, coin: str, ts: int, usd: float = 5_000.0) -> Liquidation:
    return Liquidation(venue, symbol, coin, "linear_perp", "long", 1.0, 1.0, usd, ts, "all", f"{venue}{symbol}{ts}")


def _close(window: MainWindow, session: LiveSession) -> None:
    """As app.main does on quit: the layout goes to the settings, then the window closes."""
    session.save_layout(*window.layout_state())
    window.close()


async def test_a_scoped_tape_pane_its_layout_and_the_theme_come_back_after_a_restart(qtbot) -> None:  # type: ignore[no-untyped-def]
    profile = profile_paths("gui-watchlists").ensure()
    session = LiveSession(profile)
    await session.open()
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    workspace = window.watchlists
    assert workspace is not None

    dialog = workspace.open_dialog()
    assert dialog.create_list("Majors", "btc\neth")
    majors = session.watchlists.all()[0]
    pane = workspace.new_tape_pane()
    name = next(n for n in window.docks if n.startswith("tapeDock"))
    pane.scope_combo.setCurrentIndex(pane.scope_combo.findData(majors.id))  # the pane's own selector
    pane.venue_filter.setCurrentIndex(pane.venue_filter.findData("bybit"))
    assert window.docks[name].windowTitle().endswith("— Majors")
    workspace.set_scope("tape", majors.id)
    assert window.tape_pane.title.text() == "Liquidation tape — Majors"
    workspace.set_scope("tape", None)
    assert window.tape_pane.title.text() == "Liquidation tape"
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.docks[name])  # the user moves it
    session.store.update(theme="light")  # the workspace branch's theme switch writes this field

    session.sink.offer("bybit", [liq("bybit", "BTCUSDT", "BTC", NOW), liq("bybit", "DOGEUSDT", "DOGE", NOW + 1),
                                 liq("okx", "BTC-USDT-SWAP", "BTC", NOW + 2)])
    window.tick()
    assert [pane.model.liquidation(r).symbol for r in range(pane.model.rowCount())] == ["BTCUSDT"]
    assert window.tape_pane.model.rowCount() == 3  # the central tape is not scoped
    _close(window, session)
    await session.stop()

    again = LiveSession(profile)
    await again.open()
    assert again.settings.theme == "light"
    restored = MainWindow(again)
    qtbot.addWidget(restored)
    restored.restore_layout(again.settings.window_geometry, again.settings.window_state)
    restored.show()
    assert restored._layout_restored
    assert name in restored.docks and restored.docks[name].isVisible()
    assert restored.dockWidgetArea(restored.docks[name]) == Qt.DockWidgetArea.RightDockWidgetArea
    assert restored.watchlists is not None
    tape = restored.watchlists.tapes[name]
    assert tape.scope is not None and tape.scope.name == "Majors"
    assert tape.scope_combo.currentText() == "Majors"
    assert tape.venue_filter.currentData() == "bybit"
    assert restored.docks[name].windowTitle().endswith("— Majors")
    assert PRICES_DOCK in restored.docks
    again.sink.offer("bybit", [liq("bybit", "ETHUSDT", "ETH", NOW + 10), liq("bybit", "SOLUSDT", "SOL", NOW + 11)])
    restored.tick()
    assert [tape.model.liquidation(r).symbol for r in range(tape.model.rowCount())] == ["ETHUSDT"]

    restored.watchlists.close_tape_pane(name)  # closing a pane forgets it: not rebuilt next time
    _close(restored, again)
    await again.stop()
    third = LiveSession(profile)
    await third.open()
    assert third.watchlists.tape_panes() == [] and name not in third.settings.pane_scopes
    await third.stop()


async def test_a_watchlist_import_with_a_bad_row_reports_the_row_and_imports_nothing(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    profile = profile_paths("gui-watch-import").ensure()
    session = LiveSession(profile)
    await session.open()
    window = MainWindow(session)
    qtbot.addWidget(window)
    assert window.watchlists is not None
    dialog = window.watchlists.open_dialog()
    bad = tmp_path / "lists.csv"
    bad.write_text("watchlist,entry\nMajors,BTC\nMajors,NOTACOIN\nAlts,SOL\n", encoding="utf-8")
    dialog.import_file(str(bad))
    await dialog.settled()  # read off the loop thread
    report = dialog.report.toPlainText()
    assert "Nothing imported" in report
    assert "line 3: Majors: unknown coin 'NOTACOIN'" in report
    assert session.watchlists.all() == [] and dialog.lists.count() == 0

    good = tmp_path / "good.json"
    good.write_text('{"version": 1, "watchlists": [{"name": "Alts", "entries": ["SOL", "bybit:SOLUSDT"]}]}',
                    encoding="utf-8")
    dialog.import_file(str(good))
    await dialog.settled()
    assert "1 added" in dialog.report.toPlainText()
    assert dialog.lists.count() == 1
    assert window.tape_pane.scope_combo.findText("Alts") > 0  # every pane's selector offers it at once
    out = tmp_path / "out.csv"
    dialog.export_file(str(out))
    await dialog.settled()
    assert out.read_text(encoding="utf-8") == "watchlist,entry\nAlts,SOL\nAlts,bybit:SOLUSDT\n"
    window.close()
    await session.stop()


def test_totals_positions_and_the_prices_strip_follow_their_scope(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.core.events import MarkPrice
    from app.core.positions import Position
    from app.services.clock import MarketClock
    from app.services.session.base import Session
    from app.store.settings import Settings

    class QuietSession(Session):
        def history_path(self) -> str:
            return ":memory:"

    now = [NOW]
    session = QuietSession(Settings(), None, MarketClock(lambda: now[0], label="replay"))
    session.add_position(Position("binance", "manual", "ETHUSDT", "ETH", "long", 1.0, 3300.0, leverage=5.0))
    session.add_position(Position("bybit", "manual", "SOLUSDT", "SOL", "long", 10.0, 130.0, leverage=5.0))
    window = MainWindow(session)
    qtbot.addWidget(window)
    workspace = window.watchlists
    assert workspace is not None
    eth = session.watchlists.create("ETH only", "ETH")
    session.sink.offer("binance", [liq("binance", "ETHUSDT", "ETH", NOW, 7_000.0),
                                   liq("binance", "BTCUSDT", "BTC", NOW + 1, 50_000.0),
                                   MarkPrice("binance", "ETHUSDT", "ETH", 3_250.0, NOW)])
    window.tick()
    totals = window.totals_pane.table
    last = totals.rowCount() - 1
    assert totals.item(last, 0).text() == "All shown" and totals.item(last, 3).text() == "2"
    positions = window.positions_pane
    assert positions.model.rowCount() == 2

    workspace.set_scope("totalsDock", eth.id)
    workspace.set_scope("positionsDock", eth.id)
    window.tick()
    assert totals.item(last, 0).text() == "In ETH only" and totals.item(last, 3).text() == "1"
    assert totals.item(last, 4).text() == "$7.00K"
    assert [positions.model.rows[r].key[2] for r in range(positions.model.rowCount())] == ["ETHUSDT"]
    assert "in ETH only" in positions.summary.text()
    assert window.docks["totalsDock"].windowTitle() == "Session totals — ETH only"

    strip = workspace.prices
    strip.show_prices(NOW)
    cells = [label.text() for label in strip._labels if not label.isHidden()]
    assert len(cells) == 1 and "<b>ETH</b>" in cells[0] and "3,250" in cells[0] and "$7.00K" in cells[0]

    session.watchlists.delete(eth.id)  # a deleted list: its panes show everything again
    window.tick()
    assert totals.item(last, 0).text() == "All shown" and positions.model.rowCount() == 2
    assert window.docks["totalsDock"].windowTitle() == "Session totals"


def test_a_narrow_tape_pane_fits_its_columns_instead_of_hiding_the_notional(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.core.tape import Tape
    from app.ui.panes.tape import COLUMN_WIDTHS, TapePane, fit_widths

    assert fit_widths((100, 50), (60, 50), 200) == [100, 50]
    assert fit_widths((100, 80), (60, 40), 140) == [80, 60]
    assert fit_widths((100, 80), (60, 40), 10) == [60, 40]  # never below the least widths
    pane = TapePane(Tape(), closable=True)
    qtbot.addWidget(pane)
    pane.resize(520, 300)
    pane.show()
    qtbot.waitUntil(lambda: pane.view.viewport().width() > 0)
    header = pane.view.horizontalHeader()
    qtbot.waitUntil(lambda: header.length() <= pane.view.viewport().width())
    assert pane.view.columnWidth(2) < COLUMN_WIDTHS[2]
    pane.resize(1400, 300)
    qtbot.waitUntil(lambda: pane.view.columnWidth(2) == COLUMN_WIDTHS[2])  # wide again: the usual widths


def test_a_tape_panes_venue_and_coin_filters_and_the_dialogs_edits(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.core.tape import Tape
    from app.ui.panes.tape import TapePane

    tape = Tape()
    pane = TapePane(tape, venues=["binance", "bybit"], coins=["BTC", "ETH"])
    qtbot.addWidget(pane)
    tape.push([liq("binance", "BTCUSDT", "BTC", NOW), liq("bybit", "BTCUSDT", "BTC", NOW + 1),
               liq("bybit", "ETHUSDT", "ETH", NOW + 2)])
    pane.refresh()
    assert pane.model.rowCount() == 3
    saved: list[tuple[float, str, str]] = []
    pane.filters_changed.connect(lambda usd, venue, coin: saved.append((usd, venue, coin)))
    pane.venue_filter.setCurrentIndex(pane.venue_filter.findData("bybit"))
    assert pane.model.rowCount() == 2
    pane.coin_filter.setCurrentIndex(pane.coin_filter.findData("ETH"))
    assert [pane.model.liquidation(r).symbol for r in range(pane.model.rowCount())] == ["ETHUSDT"]
    assert saved[-1] == (0.0, "bybit", "ETH")
    pane.set_filters(0.0, None, None)  # restoring saved filters says nothing back to the settings
    assert pane.model.rowCount() == 3 and len(saved) == 2


async def test_the_dialog_refuses_bad_entries_and_names_and_reorders(qtbot) -> None:  # type: ignore[no-untyped-def]
    profile = profile_paths("gui-watch-dialog").ensure()
    session = LiveSession(profile)
    await session.open()
    window = MainWindow(session)
    qtbot.addWidget(window)
    assert window.watchlists is not None
    dialog = window.watchlists.open_dialog()
    assert not dialog.create_list("Majors", "BTC kraken:XBTUSD")
    assert "unknown venue 'kraken'" in dialog.report.toPlainText()
    assert dialog.create_list("Majors", "BTC")
    assert dialog.create_list()  # a default name
    assert not dialog.create_list("majors")
    assert "already exists" in dialog.report.toPlainText()
    dialog.lists.setCurrentRow(1)
    dialog.move_selected(-1)
    assert [w.name for w in session.watchlists.all()] == ["Watchlist 2", "Majors"]
    dialog.lists.setCurrentRow(1)
    dialog.entries.setPlainText("btc\nETH\nbybit:solusdt")
    assert dialog.save_entries()
    assert session.watchlists.all()[1].entries == ("BTC", "ETH", "bybit:SOLUSDT")
    dialog.name.setText("Big")
    assert dialog.rename_selected()
    assert window.tape_pane.scope_combo.findText("Big") > 0
    dialog.delete_selected()
    assert "Deleted Big (BTC, ETH, bybit:SOLUSDT)" in dialog.report.toPlainText()
    assert [w.name for w in session.watchlists.all()] == ["Watchlist 2"]
    window.close()
    await session.stop()
