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
