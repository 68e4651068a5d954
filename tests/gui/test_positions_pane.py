"""The position panel end to end, offscreen: a manual position through the form (a bad field refused
with its message), its row with the margin engine's figures, marks fed through the sink until a
distance alert fires once on a recording Notifier, and a stale mark greying the row."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.events import MarkPrice
from app.core.formatting import format_price
from app.core.margin.engine import compute
from app.core.margin.model import Position as MarginPosition
from app.services.alerts import RecordingNotifier
from app.services.clock import MarketClock
from app.services.position_rows import COLUMNS
from app.services.session.base import Session
from app.store.settings import Settings
from app.ui.position_form import PositionForm
from app.ui.theme import STALE_TEXT
from app.ui.window import MainWindow

NOW = 1_768_935_600_000


class QuietSession(Session):
    """The real session's snapshot, positions and actions, with no feeds started."""

    def history_path(self) -> str:
        return ":memory:"


def make(qtbot, now: list[int]):  # type: ignore[no-untyped-def]
    session = QuietSession(Settings(), None, MarketClock(lambda: now[0], label="replay"))
    window = MainWindow(session)
    qtbot.addWidget(window)
    recorder = RecordingNotifier()
    window.alerts.add(recorder)
    return session, window, recorder


def mark(session: Session, price: float, ts: int) -> None:
    session.sink.offer("binance", [MarkPrice("binance", "ETHUSDT", "ETH", price, ts, funding_rate=0.0001,
                                             next_funding_ms=ts + 3_600_000)])


def fill(form: PositionForm, **values: str) -> None:
    for name, text in values.items():
        widget = form.inputs[name]
        if name in ("venue", "side", "margin_mode"):
            widget.setCurrentIndex(widget.findData(text))  # type: ignore[attr-defined]
        else:
            widget.setText(text)  # type: ignore[attr-defined]


def cell(window: MainWindow, column: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    view = window.positions_pane.view
    return view.model().index(0, COLUMNS.index(column)).data(role)


def test_add_through_the_form_then_alert_once_and_grey_when_stale(qtbot) -> None:
    now = [NOW]
    session, window, recorder = make(qtbot, now)
    window.show()
    assert window.positions_pane.model.rowCount() == 0

    form = window.open_position_form(None)
    assert form is not None and form.isVisible()
    fill(form, venue="binance", symbol="ethusdt", side="long", size="0", entry="3300", leverage="5")
    form.submit()
    assert form.isVisible()  # refused: the field says why
    assert not form.errors["size"].isHidden() and "positive" in form.errors["size"].text()
    assert session.positions.positions == []
    fill(form, size="12.5")
    form.submit()
    assert not form.isVisible()
    assert [p.symbol for p in session.positions.positions] == ["ETHUSDT"]

    mark(session, 3200.0, NOW)
    window.tick()
    expected = compute(MarginPosition(venue="binance", side="long", entry_price=3300.0, quantity=12.5,
                                      mark_price=3200.0, leverage=5.0, symbol="ETHUSDT"))
    view = window.positions_pane.frame.book.positions[0]
    assert view.liquidation_price == expected.liquidation_price
    assert view.distance_pct == expected.distance_pct
    assert view.margin_ratio == expected.margin_ratio
    assert cell(window, "Liq. ours | exch.").startswith(format_price(expected.liquidation_price))
    assert cell(window, "Dist. %") == f"{expected.distance_pct:.2f}%"
    assert cell(window, "Venue") == "Binance" and "LONG" in cell(window, "Side")
    assert "+0.0100%" in cell(window, "Funding · next")
    assert recorder.alerts == []

    # The mark falls to ~9 % above the liquidation price and wobbles there: the 10 % alert fires once.
    liquidation = expected.liquidation_price
    for step in range(1, 8):
        now[0] = NOW + step * 1000
        mark(session, liquidation * 1.09 - step * 0.1, now[0])
        window.tick()
    titles = [alert.title for alert in recorder.alerts]
    assert titles == ["Position near liquidation"], titles
    assert "10 %" in recorder.alerts[0].body and recorder.alerts[0].level == "warning"
    assert window.alert_log.rows()[0][2] == "Position near liquidation"  # the alert log got it too
    assert "Position near liquidation" in window.alert_banner.toolTip()

    # No mark for 6 s of market time: the row greys and says why.
    now[0] += 6_000
    window.tick()
    assert window.positions_pane.model.rows[0].stale
    assert cell(window, "Mark (age)", Qt.ItemDataRole.ForegroundRole).color() == STALE_TEXT
    assert "stale: mark 6.0 s old" in cell(window, "Venue", Qt.ItemDataRole.ToolTipRole)


def test_edit_delete_and_shock_table(qtbot) -> None:
    now = [NOW]
    session, window, _ = make(qtbot, now)
    form = window.open_position_form(None)
    fill(form, venue="binance", symbol="BTCUSDT", side="long", size="1", entry="95000", leverage="10")
    form.submit()
    mark(session, 3200.0, NOW)
    session.sink.offer("binance", [MarkPrice("binance", "BTCUSDT", "BTC", 92_000.0, NOW)])
    window.tick()
    window.positions_pane.select(session.positions.positions[0].key)
    assert window.positions_pane.edit_button.isEnabled()
    edit = window.open_position_form(session.positions.positions[0].key)
    assert edit.size.text() == "1" and edit.leverage.text() == "10"
    fill(edit, leverage="200")
    edit.submit()
    assert "max leverage" in edit.errors["leverage"].text()
    fill(edit, leverage="5")
    edit.submit()
    assert session.positions.positions[0].leverage == 5.0
    window.tick()
    dialog = window.open_shock_table()
    assert dialog is not None and dialog.table.rowCount() == 21
    assert dialog.table.item(0, 0).text() == "-20%"
    assert "First to go" in dialog.moves.text()
    window.delete_position(session.positions.positions[0].key)
    assert session.positions.positions == []
    assert window.positions_pane.model.rowCount() == 0
