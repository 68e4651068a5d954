from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.events import Liquidation
from app.core.tape import Tape, TapeFilter
from app.ui.panes.tape import TapePane
from app.ui.theme import LONG_COLOR, SHORT_COLOR


def liq(ts: int, usd: float = 2_000.0, side: str = "long") -> Liquidation:
    return Liquidation("binance", "BTCUSDT", "BTC", "linear_perp", side, 90_000.0, usd / 90_000.0, usd, ts,  # type: ignore[arg-type]
                       "sampled", f"id{ts}")


def test_rows_inserted_on_top_with_side_word_colour_and_tick_precision(qtbot) -> None:
    pane = TapePane(Tape(max_rows=50), tick_size=lambda venue, symbol: 0.1)
    qtbot.addWidget(pane)
    inserted: list[tuple[int, int]] = []
    resets: list[bool] = []
    pane.model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    pane.model.modelReset.connect(lambda: resets.append(True))
    pane.tape.push([liq(1_768_935_600_000), liq(1_768_935_601_000, side="short", usd=1_352_000)])
    pane.refresh()
    model = pane.model
    assert model.rowCount() == 2
    assert inserted == [(0, 1)]
    assert resets == []  # the hot path never resets the model
    assert model.index(0, 0).data() == "19:00:01"
    assert model.index(0, 3).data() == "▲ SHORT"
    assert model.index(0, 3).data(Qt.ItemDataRole.ForegroundRole) == SHORT_COLOR
    assert model.index(1, 3).data(Qt.ItemDataRole.ForegroundRole) == LONG_COLOR
    assert model.index(0, 4).data() == "90,000.0"
    assert model.index(0, 6).data() == "$1.35M"


def test_bounded_rows_are_removed_from_the_bottom(qtbot) -> None:
    pane = TapePane(Tape(max_rows=5))
    qtbot.addWidget(pane)
    removed: list[tuple[int, int]] = []
    pane.model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    for start in range(0, 12, 3):
        pane.tape.push([liq(start + i) for i in range(3)])
        pane.refresh()
    assert pane.model.rowCount() == 5
    assert pane.model.liquidation(0).ts_ms == 11
    assert removed  # trimmed, not reset


def test_scrolling_pauses_and_badge_counts_new_rows(qtbot) -> None:
    pane = TapePane(Tape(max_rows=500))
    qtbot.addWidget(pane)
    pane.resize(600, 200)
    pane.show()
    qtbot.waitExposed(pane)
    pane.tape.push([liq(i) for i in range(100)])
    pane.refresh()
    qtbot.waitUntil(lambda: pane.view.verticalScrollBar().maximum() > 0, timeout=2000)
    pane.view.verticalScrollBar().setValue(pane.view.verticalScrollBar().maximum())
    assert pane.tape.paused
    pane.tape.push([liq(1000 + i) for i in range(7)])
    pane.refresh()
    assert pane.model.rowCount() == 100
    assert pane.new_badge.isVisible() and pane.new_badge.text() == "7 new"
    pane.new_badge.click()
    assert not pane.tape.paused
    assert pane.model.rowCount() == 107
    assert not pane.new_badge.isVisible()


def test_min_size_filter_refilters_history(qtbot) -> None:
    pane = TapePane(Tape(tape_filter=TapeFilter(min_usd=0)))
    qtbot.addWidget(pane)
    pane.tape.push([liq(1, 500), liq(2, 20_000), liq(3, 2_000_000)])
    pane.refresh()
    assert pane.model.rowCount() == 3
    pane.min_size.setCurrentIndex(2)  # ≥ $10K
    assert pane.model.rowCount() == 2
    pane.tape.push([liq(4, 900)])
    pane.refresh()
    assert pane.model.rowCount() == 2


def test_hover_pauses_only_while_the_pointer_moves(qtbot, monkeypatch) -> None:
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from app.ui.panes import tape as tape_pane

    monkeypatch.setattr(tape_pane, "HOVER_PAUSE_MS", 50)
    pane = TapePane(Tape())
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitExposed(pane)
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(10, 10), QPointF(10, 10), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(pane.view.viewport(), move)
    assert pane.tape.paused
    qtbot.waitUntil(lambda: not pane.tape.paused, timeout=2000)
