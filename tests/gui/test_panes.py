"""The dock table: every entry becomes one dock with its pane, its View-menu entry, and a refresh
from the tick's snapshot."""

from __future__ import annotations

from test_window import NOW, StubSession

from app.core.events import VenueNotice
from app.feeds.sink import FeedSink
from app.ui.panes import DOCKS
from app.ui.window import MainWindow


def test_every_table_entry_is_a_dock_in_the_view_menu_refreshed_each_tick(qtbot) -> None:
    sink = FeedSink()
    window = MainWindow(StubSession(sink, [NOW], {"binance": "sampled"}))
    qtbot.addWidget(window)
    view_menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&View")
    toggles = {action.text() for action in view_menu.actions()}
    for entry in DOCKS:
        dock = window.docks[entry.name]
        assert dock.objectName() == entry.name and dock.widget() is window.panes[entry.name]
        assert window.dockWidgetArea(dock) == entry.area
        assert (entry.title in toggles) == entry.in_view_menu
        assert callable(getattr(window.panes[entry.name], "refresh", None))
    sink.offer("binance", [VenueNotice("binance", "error", "-1121", "Invalid symbol")])
    window.tick()
    assert "Invalid symbol" in window.notices.item(0).text()


def test_the_notices_pane_says_what_it_is_for_until_the_first_notice(qtbot) -> None:
    from app.ui.panes.notices import EMPTY_TEXT

    sink = FeedSink()
    window = MainWindow(StubSession(sink, [NOW], {"binance": "sampled"}))
    qtbot.addWidget(window)
    window.tick()
    assert [window.notices.item(i).text() for i in range(window.notices.count())] == [EMPTY_TEXT]
    sink.offer("binance", [VenueNotice("binance", "error", "-1121", "Invalid symbol")])
    window.tick()
    texts = [window.notices.item(i).text() for i in range(window.notices.count())]
    assert len(texts) == 1 and "Invalid symbol" in texts[0]


def test_a_venue_without_a_liquidation_feed_has_no_totals_row_and_says_so_in_the_status_bar(qtbot) -> None:
    from app.core.venues import registry
    from app.services.venue_status import VenueRecord
    from app.ui.panes.totals import TotalsPane
    from app.ui.status_bar import venue_status_text

    silent = next(v for v in registry.VENUES if not v.publishes_liquidations)
    loud = next(v for v in registry.VENUES if v.publishes_liquidations)
    venues = [loud.name, silent.name]
    pane = TotalsPane(registry.publishing_liquidations(venues), {}, registry.missing_feed_notes(venues))
    qtbot.addWidget(pane)
    names = [pane.table.item(row, 0).text() for row in range(pane.table.rowCount())]
    assert silent.display_name not in names and loud.display_name in names
    assert f"{silent.display_name} publishes no market-wide liquidation feed" in pane.note.text()
    # With the user's optional source on, the venue has a row and the note no longer says it has no feed.
    on = TotalsPane(registry.publishing_liquidations(venues, {silent.name}), {silent.name: "all"},
                    registry.missing_feed_notes(venues, {silent.name}))
    qtbot.addWidget(on)
    assert silent.display_name in [on.table.item(row, 0).text() for row in range(on.table.rowCount())]
    assert "publishes no" not in on.note.text()
    text = venue_status_text(VenueRecord(silent.name, "live", 1.0, "partial", liquidation_note=silent.liquidation_note))
    assert "no liquidation feed" in text and "partial" not in text


def test_the_compact_status_text_of_a_narrow_window_still_says_each_venues_completeness() -> None:
    from app.services.venue_status import VenueRecord
    from app.ui.status_bar import venue_status_text

    for completeness in ("all", "sampled", "partial"):
        record = VenueRecord("binance", "live", 41.3, completeness)  # type: ignore[arg-type]
        assert venue_status_text(record, compact=True).endswith(f" {completeness}")
        assert completeness in venue_status_text(record)
    assert "41.3/s" not in venue_status_text(VenueRecord("binance", "live", 41.3, "all"), compact=True)


def test_an_alert_goes_to_the_alert_log_and_replaces_its_placeholder(qtbot) -> None:
    from app.services.alerts import Alert
    from app.ui.panes.notices import EMPTY_TEXT

    sink = FeedSink()
    window = MainWindow(StubSession(sink, [NOW], {"binance": "sampled"}))
    qtbot.addWidget(window)
    assert not window.alert_log.empty.isHidden() and window.alert_log.rows() == []
    window.alerts.dispatch(Alert("k", "Position near liquidation", "7.01 % from liquidation", "warning", NOW))
    assert window.alert_log.empty.isHidden()
    (row,) = window.alert_log.rows()
    assert row[1:] == ("▲ warning", "Position near liquidation", "7.01 % from liquidation")
    texts = [window.notices.item(i).text() for i in range(window.notices.count())]
    assert texts == [EMPTY_TEXT]  # venue notices stay for venues' conditions


def test_status_labels_keep_their_width_as_their_figures_change_yet_never_widen_the_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.services.venue_status import VenueRecord
    from app.ui.status_bar import VenueStatusBar

    bar = VenueStatusBar()
    qtbot.addWidget(bar)
    bar.resize(1600, 30)
    bar.add_venues(["binance"])
    bar.show()
    bar.update_venues([VenueRecord("binance", "live", 1234.5, "sampled")])
    label = bar.venue_label("binance")
    assert label is not None
    held = label.parentWidget()  # its layout fence: the width the bar lays out
    wide = held.sizeHint().width()
    bar.update_venues([VenueRecord("binance", "live", 1.0, "sampled")])  # a shorter figure: the same width
    assert held.sizeHint().width() == wide and "1" in label.text()  # (no relayout, nothing moves)
    bar.update_venues([VenueRecord("binance", "live", 1.0, "sampled", bad_frames=12_345, reconnects=67)])
    assert held.sizeHint().width() >= label.fontMetrics().horizontalAdvance(label.text())  # a longer one: wider
    assert held.minimumWidth() == 24 and held.maximumWidth() > 10_000  # squeezable: never widens the window
    bar.update_clock(1_768_910_400_000, "live")
    clock = bar.clock_label
    assert clock.parentWidget().sizeHint().width() >= clock.fontMetrics().horizontalAdvance(clock.text())


def test_a_repaint_inside_a_pane_paints_neither_the_window_nor_its_dock_in_either_theme(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent, QObject

    from app.ui.theme import apply_theme

    class Paints(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    window = MainWindow(StubSession(FeedSink(), [NOW], {"binance": "sampled"}))
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    try:
        for theme in ("dark", "light"):
            apply_theme(theme)
            qtbot.wait(50)
            paints = Paints()
            for watched in (window, window.docks["stressSummaryDock"]):
                watched.installEventFilter(paints)
            pane = window.panes["stressSummaryDock"]
            assert pane.autoFillBackground()  # (the style sheet's polish turns it off: turned on again)
            qtbot.wait(200)  # the theme's repaints are done
            paints.count = 0
            pane.rate.update()
            qtbot.wait(20)
            assert paints.count == 0, theme
    finally:
        apply_theme("dark")


def test_the_totals_name_only_the_cells_that_changed_so_only_those_repaint(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.services.engine import SideTotals
    from app.ui.panes.totals import TotalsPane

    venues = ["binance", "bybit", "okx"]
    pane = TotalsPane(venues, dict.fromkeys(venues, "all"))
    qtbot.addWidget(pane)
    totals = {venue: SideTotals(long_usd=1000.0 * i, short_usd=500.0, count=i) for i, venue in enumerate(venues)}
    pane.show_totals(totals, dict.fromkeys(venues, 60_000))
    ranges: list[tuple[int, int, int, int]] = []
    pane.table.model().dataChanged.connect(
        lambda top, bottom, *_: ranges.append((top.row(), top.column(), bottom.row(), bottom.column())))
    pane.show_totals(totals, dict.fromkeys(venues, 61_000))  # a second later: only "observed" changed
    assert ranges == [(0, 2, 2, 2)]
    assert pane.table.item(1, 2).text() != "" and pane.table.item(1, 2).text() == pane.table.item(0, 2).text()
    ranges.clear()
    pane.show_totals(totals, dict.fromkeys(venues, 61_000))  # nothing changed: nothing repaints
    assert ranges == []
    bigger = {**totals, "okx": SideTotals(long_usd=9e6, short_usd=500.0, count=3)}
    pane.show_totals(bigger, dict.fromkeys(venues, 61_000))
    assert ranges == [(2, 3, 3, 4)]  # okx's orders and longs, and the total row's
