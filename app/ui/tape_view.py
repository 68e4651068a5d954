"""The tape's table view, painting its visible rows in one Python call.

With a delegate Qt calls into Python once a cell, wrapping a painter, a copied style option and an index
each time, and asks the style to paint each cell's row background first: ~250 cells a repaint, ~17 µs
each. The tape repaints on every tick that brings rows, so that was the largest share of both a quiet
day's painting and the GUI thread's time at 30k frames/s (issue 14; `tests/bench/bench_tape_paint.py`).
Here one paintEvent walks the visible rows and draws each cell's text from the model's cached strings
(`TapeModel.cell`), as TapeDelegate does, which remains the delegate for anything that asks one.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QTableView, QWidget

from app.ui.tape_delegate import LEFT, PADDING, RIGHT, Look
from app.ui.tape_model import NUMERIC_COLUMNS, TapeModel
from app.ui.theme import theme_changed

WIDTH_CACHE = 20_000
"""Text advances kept (cleared past it: a few MB at most)."""


class TapeView(QTableView):
    def __init__(self, model: TapeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tape = model
        self._look: Look | None = None
        self._widths: dict[tuple[str, bool], int] = {}  # a text's advance, per font (the same strings recur)
        self.setModel(model)
        theme_changed().connect(self.forget_look)

    def forget_look(self) -> None:
        """The theme or the view's font changed: read them again at the next paint."""
        self._look = None
        self._widths.clear()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.forget_look()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self._tape
        rows = model.rowCount()
        if rows == 0:
            return
        area = event.rect()
        first = self.rowAt(area.top())
        if first < 0:
            return  # the update lies below the last row
        last = self.rowAt(area.bottom())
        if last < 0:
            last = rows - 1
        look = self._look
        if look is None:
            look = self._look = Look(self.palette(), self.font())
        columns = [(column, self.columnViewportPosition(column), self.columnWidth(column))
                   for column in range(model.columnCount()) if not self.isColumnHidden(column)]
        left = min(x for _, x, _ in columns)
        right = max(x + width for _, x, width in columns)
        selection = self.selectionModel()
        alternating = self.alternatingRowColors()
        root = QModelIndex()
        widths = self._widths
        if len(widths) > WIDTH_CACHE:
            widths.clear()
        painter = QPainter(self.viewport())
        pen: QColor | None = None
        font_bold: bool | None = None
        for row in range(first, last + 1):
            top, height = self.rowViewportPosition(row), self.rowHeight(row)
            selected = selection is not None and selection.isRowSelected(row, root)
            if selected:
                painter.fillRect(QRect(left, top, right - left, height), look.highlight)
            elif alternating and row % 2:
                painter.fillRect(QRect(left, top, right - left, height), look.alternate)
            for column, x, width in columns:
                text, fg, bg, bold = model.cell(row, column)
                if selected:
                    colour = look.highlighted_text
                else:
                    if bg is not None:
                        painter.fillRect(QRect(x, top, width, height), bg)
                    colour = fg if fg is not None else look.text
                if colour is not pen:
                    painter.setPen(colour)
                    pen = colour
                if bold is not font_bold:
                    painter.setFont(look.bold if bold else look.font)
                    font_bold = bold
                room = width - 2 * PADDING
                key = (text, bold)
                advance = widths.get(key)
                if advance is None:
                    advance = widths[key] = (look.bold_metrics if bold else look.metrics).horizontalAdvance(text)
                if advance > room:
                    text = (look.bold_metrics if bold else look.metrics).elidedText(
                        text, Qt.TextElideMode.ElideRight, room)
                painter.drawText(QRect(x + PADDING, top, room, height),
                                 RIGHT if column in NUMERIC_COLUMNS else LEFT, text)
        painter.end()
