"""The tape's table view, painting its visible rows in one Python call.

With a delegate Qt calls into Python once a cell, wrapping a painter, a copied style option and an index
each time, and asks the style to paint each cell's row background first: ~250 cells a repaint, ~17 µs
each. The tape repaints on every tick that brings rows, so that was the largest share of both a quiet
day's painting and the GUI thread's time at 30k frames/s (issue 14; `tests/bench/bench_tape_paint.py`).
Here one paintEvent walks the visible rows and draws each cell's text from the model's cached strings
(`TapeModel.cell`), as TapeDelegate does, which remains the delegate for anything that asks one.

Each row is drawn once into a picture of its own and kept while it is on screen: a new liquidation shifts
every row down and repaints them all, and drawing ~150 texts again was most of a quiet day's painting
(issue 14: ~1 ms a repaint; kept rows are copied). A picture has its row's background, so it is the same
pixels as drawing the row there; a row has one picture per background (a shift swaps the alternating
colours). Selected rows are drawn directly. The pictures are dropped when what they show changes: the
columns' positions or widths, the row height, the theme or font, the model's data (highlight, time zone).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QTableView, QWidget

from app.ui.tape_delegate import LEFT, PADDING, RIGHT, Look
from app.ui.tape_model import NUMERIC_COLUMNS, TapeModel
from app.ui.theme import theme_changed

WIDTH_CACHE = 20_000
"""Text advances kept (cleared past it: a few MB at most)."""

Column = tuple[int, int, int]  # model column, x in the viewport, width


class TapeView(QTableView):
    keep_pictures = True
    """Rows drawn once and kept as pictures (False: every row drawn at every repaint; benches compare)."""

    def __init__(self, model: TapeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tape = model
        self._look: Look | None = None
        self._widths: dict[tuple[str, bool], int] = {}  # a text's advance, per font (the same strings recur)
        self._pictures: dict[int, tuple[object, list[QPixmap | None]]] = {}
        """id(liquidation) -> (it, its row drawn on the base and on the alternate background)"""
        self._pictured: tuple[object, ...] = ()  # what the pictures were drawn for (the columns, the scale)
        self.pictures_drawn = 0
        """Rows drawn into a picture (tests and benches read it)."""
        self.setModel(model)
        for signal in (model.dataChanged, model.modelReset, model.layoutChanged):
            signal.connect(self.forget_pictures)
        theme_changed().connect(self.forget_look)

    def forget_look(self) -> None:
        """The theme or the view's font changed: read them again at the next paint."""
        self._look = None
        self._widths.clear()
        self._pictures.clear()

    def forget_pictures(self, *_: object) -> None:
        self._pictures.clear()

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
        scale = self.devicePixelRatioF()
        pictured = (tuple(columns), scale)
        if pictured != self._pictured:
            self._pictured = pictured
            self._pictures.clear()
        pictures, kept = self._pictures, {}
        selection = self.selectionModel()
        alternating = self.alternatingRowColors()
        root = QModelIndex()
        if len(self._widths) > WIDTH_CACHE:
            self._widths.clear()
        base = self.palette().base()
        painter = QPainter(self.viewport())
        for row in range(first, last + 1):
            top, height = self.rowViewportPosition(row), self.rowHeight(row)
            if selection is not None and selection.isRowSelected(row, root):
                painter.fillRect(QRect(left, top, right - left, height), look.highlight)
                self._draw_row(painter, look, row, columns, top, height, look.highlighted_text)
                continue
            alternate = alternating and row % 2 == 1
            if not self.keep_pictures:
                if alternate:
                    painter.fillRect(QRect(left, top, right - left, height), look.alternate)
                self._draw_row(painter, look, row, columns, top, height, None)
                continue
            liquidation = model.liquidation(row)
            entry = kept.get(id(liquidation)) or pictures.get(id(liquidation))
            if entry is None or entry[0] is not liquidation:
                entry = (liquidation, [None, None])
            kept[id(liquidation)] = entry
            picture = entry[1][alternate]
            if picture is None or picture.height() != round(height * scale):
                background = look.alternate if alternate else base
                picture = entry[1][alternate] = self._picture(look, row, columns, left, right - left, height,
                                                              scale, background)
            painter.drawPixmap(left, top, picture)
        painter.end()
        if area.height() >= self.viewport().height():  # a whole repaint: what scrolled away is dropped
            self._pictures = kept
        else:
            pictures.update(kept)

    def _picture(self, look: Look, row: int, columns: list[Column], left: int, width: int, height: int,
                 scale: float, background: QBrush) -> QPixmap:
        picture = QPixmap(round(width * scale), round(height * scale))
        picture.setDevicePixelRatio(scale)
        painter = QPainter(picture)
        painter.fillRect(QRect(0, 0, width, height), background)
        self._draw_row(painter, look, row, [(column, x - left, w) for column, x, w in columns], 0, height, None)
        painter.end()
        self.pictures_drawn += 1
        return picture

    def _draw_row(self, painter: QPainter, look: Look, row: int, columns: list[Column], top: int, height: int,
                  selected_text: QColor | None) -> None:
        """One row's cells at `top`: tints and texts (`selected_text`: the selection's colour, no tints)."""
        model, widths = self._tape, self._widths
        pen: QColor | None = None
        font_bold: bool | None = None
        for column, x, width in columns:
            text, fg, bg, bold = model.cell(row, column)
            if selected_text is not None:
                colour = selected_text
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
