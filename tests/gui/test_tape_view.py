"""TapeView paints the tape itself (one Python call a repaint): the picture must be the delegate's, pixel
for pixel — alternating rows, a selected row, tints and bold for big prints, an elided cell, a scrolled
view — and it measures again after a font change."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import QAbstractItemView, QTableView

from app.core.events import Liquidation
from app.core.tape import TapeUpdate
from app.ui.tape_delegate import TapeDelegate
from app.ui.tape_model import TapeModel
from app.ui.tape_view import TapeView


def _rows() -> list[Liquidation]:
    return [Liquidation("binance", "BTCUSDT" if i % 4 else "1000PEPEUSDT-LONG-NAME", "BTC", "linear",
                        "long" if i % 3 else "short", 91_000.0 + i, 0.5, 45_500.0 * (1 + i % 50),
                        1_768_935_600_000 + i, "sampled", str(i)) for i in range(120)]


def _view(qtbot, own_painting: bool, font: QFont | None = None) -> QTableView:  # type: ignore[no-untyped-def]
    model = TapeModel()
    model.highlight_usd = 1_000_000.0  # some rows big (bold, tinted), a few ten times it
    model.apply(TapeUpdate(inserted=_rows(), removed_from_bottom=0))
    if own_painting:
        view: QTableView = TapeView(model)
    else:
        view = QTableView()
        view.setModel(model)
    view.setItemDelegate(TapeDelegate(model, view))
    qtbot.addWidget(view)
    if font is not None:
        view.setFont(font)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.verticalHeader().hide()
    view.setColumnWidth(2, 60)  # the long symbol is elided
    view.resize(760, 420)
    view.show()
    view.selectionModel().select(model.index(3, 0), QItemSelectionModel.SelectionFlag.Select
                                 | QItemSelectionModel.SelectionFlag.Rows)
    return view


def _picture(view: QTableView) -> QImage:
    return view.viewport().grab().toImage()


def test_the_picture_is_the_delegates(qtbot) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = _view(qtbot, True), _view(qtbot, False)
    assert _picture(ours) == _picture(theirs)
    for view in (ours, theirs):
        view.verticalScrollBar().setValue(437)  # mid-row: partial rows at both edges
    assert _picture(ours) == _picture(theirs)
    font = QFont(ours.font())
    font.setPointSize(font.pointSize() + 3)
    ours.setFont(font)  # after painting: the view measures again (the symbol column now elides more)
    ours.verticalScrollBar().setValue(0)
    mine, reference = _picture(ours), _picture(_view(qtbot, False, font))
    height = min(mine.height(), reference.height())  # the header's new height may not be laid out yet
    assert mine.copy(0, 0, mine.width(), height) == reference.copy(0, 0, reference.width(), height)


def test_an_empty_tape_paints_nothing_but_the_base(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = TapeView(TapeModel())
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.show()
    picture = _picture(view)
    base = view.palette().base().color().rgb()
    assert {picture.pixel(x, y) for x in range(0, picture.width(), 7) for y in range(0, picture.height(), 7)} == {base}


def test_rows_are_drawn_once_per_background_and_kept_while_shown(qtbot) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = _view(qtbot, True), _view(qtbot, False)
    _picture(ours)
    shown = ours.pictures_drawn
    assert shown > 10  # every visible row but the selected one (drawn directly)

    def arrive(i: int) -> None:
        new = Liquidation("okx", "ETH-USDT-SWAP", "ETH", "linear", "short", 3_000.0 + i, 2.0, 6_000.0 + i,
                          1_768_935_700_000 + i, "all", f"new-{i}")
        for view in (ours, theirs):
            view.model().apply(TapeUpdate(inserted=[new], removed_from_bottom=0))
            _picture(view)

    arrive(1)  # every row moved down one: each is drawn once more, on the other background
    assert ours.pictures_drawn - shown <= shown + 2
    before = ours.pictures_drawn
    arrive(2)  # back on their first backgrounds: only the new row (and the one that moved into view) drawn
    assert ours.pictures_drawn - before <= 2
    assert _picture(ours) == _picture(theirs)
    ours.model().set_highlight(10.0)  # what the rows show changed: drawn again
    theirs.model().set_highlight(10.0)
    before = ours.pictures_drawn
    assert _picture(ours) == _picture(theirs) and ours.pictures_drawn - before >= 10
    ours.keep_pictures = False  # (benches compare) drawn straight: the same picture
    assert _picture(ours) == _picture(theirs)
