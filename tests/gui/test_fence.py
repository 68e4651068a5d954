"""The layout fence: a label's text change relays nothing above it unless its size needs did change."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.ui.fence import LayoutFence


class LayoutRequests(QObject):
    """Counts the layout requests a widget receives (each one lays it and everything above it out again)."""

    def __init__(self, watched: QWidget) -> None:
        super().__init__()
        self.count = 0
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


@pytest.fixture
def column(qtbot):  # type: ignore[no-untyped-def]
    """Lays widgets out in a shown 400×300 column, kept alive for the test."""
    kept: list[QWidget] = []

    def make(*widgets: QWidget) -> QWidget:
        parent = QWidget()
        qtbot.addWidget(parent)
        kept.append(parent)
        layout = QVBoxLayout(parent)
        for widget in widgets:
            layout.addWidget(widget)
        layout.addStretch(1)
        parent.resize(400, 300)
        parent.show()
        qtbot.waitExposed(parent)
        return parent

    return make


def _settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(1)  # posted layout requests and repaints are delivered


def test_a_text_of_the_same_size_relays_nothing_above_the_fence(qtbot, column) -> None:  # type: ignore[no-untyped-def]
    fenced, bare = QLabel("Rate 1.50/s"), QLabel("Rate 1.50/s")
    fence = LayoutFence(fenced)
    parent = column(fence, bare)
    _settle(qtbot)
    requests = LayoutRequests(parent)
    fenced.setText("Rate 1.40/s")
    _settle(qtbot)
    assert requests.count == 0 and fence.passed_on == 0
    assert fenced.text() == "Rate 1.40/s" and fenced.geometry() == fence.rect()
    bare.setText("Rate 1.40/s")  # the same change on a bare label lays its parent out again
    _settle(qtbot)
    assert requests.count >= 1


def test_a_longer_text_widens_the_label_and_a_shorter_one_keeps_its_width(qtbot, column) -> None:  # type: ignore[no-untyped-def]
    label = QLabel("1.0")
    label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    fence = LayoutFence(label)
    column(fence)
    _settle(qtbot)
    narrow = label.width()
    label.setText("1,234,567.0 and more")
    _settle(qtbot)
    assert fence.passed_on == 1
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text()) > narrow
    wide = label.width()
    label.setText("2.0")  # narrower: nothing moves
    _settle(qtbot)
    assert fence.passed_on == 1 and label.width() == wide
    fence.forget_width()  # (a change of kind, e.g. the compact status texts): fitted afresh
    _settle(qtbot)
    assert label.width() < wide


def test_a_wrapped_label_that_needs_another_line_gets_its_height(qtbot, column) -> None:  # type: ignore[no-untyped-def]
    label = QLabel("short")
    label.setWordWrap(True)
    fence = LayoutFence(label)
    column(fence)
    _settle(qtbot)
    one_line = label.height()
    label.setText("a much longer text that cannot fit on one line of a four hundred pixel wide pane, "
                  "so it wraps onto a second and a third line")
    _settle(qtbot)
    assert fence.passed_on >= 1 and label.height() >= 2 * one_line
    assert label.height() >= label.heightForWidth(label.width())


def test_the_fence_hides_and_shows_with_its_label(qtbot, column) -> None:  # type: ignore[no-untyped-def]
    hidden = QLabel("not yet")
    hidden.hide()
    label = QLabel("shown")
    fences = LayoutFence(hidden), LayoutFence(label)
    column(*fences)
    _settle(qtbot)
    assert fences[0].isHidden() and not fences[1].isHidden() and label.isVisible()
    label.hide()
    hidden.show()
    _settle(qtbot)
    assert fences[1].isHidden() and not fences[0].isHidden() and hidden.isVisible()


def test_a_change_made_while_hidden_reaches_the_layout_when_shown(qtbot, column) -> None:  # type: ignore[no-untyped-def]
    label = QLabel("x")
    fence = LayoutFence(label)
    parent = column(fence)
    parent.hide()
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    label.setMinimumHeight(40)
    parent.show()
    _settle(qtbot)
    assert fence.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored
    assert fence.minimumHeight() == 40 and label.height() == 40


def test_the_window_is_not_laid_out_again_by_the_clock_or_a_venue_figure(qtbot) -> None:  # type: ignore[no-untyped-def]
    from test_window import NOW, StubSession

    from app.feeds.sink import FeedSink
    from app.services.venue_status import VenueRecord
    from app.ui.window import MainWindow

    window = MainWindow(StubSession(FeedSink(), [NOW], {"binance": "all"}))
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    window.status.update_venues([VenueRecord("binance", "live", 12.5, "all")])
    window.status.update_clock(NOW, "live")
    qtbot.wait(300)  # the window settles (its first layouts after being shown)
    requests = LayoutRequests(window)
    for second in range(1, 4):
        window.status.update_clock(NOW + second * 1000, "live")
        window.status.update_venues([VenueRecord("binance", "live", 12.5 + second, "all")])
        _settle(qtbot)
    assert requests.count == 0
