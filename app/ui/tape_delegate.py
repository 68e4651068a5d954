"""Paints the tape's cells from the model's cached strings and colours.

QStyledItemDelegate asks the model for seven roles a cell through Python (display, alignment, font,
colours, decoration, check state), about 2,000 calls a repaint of a full tape, the largest part of a quiet
day's CPU (issue 14; `tests/bench/bench_app.py quiet --probe-ticks`). Here one call a cell reads what the
model formatted when the row arrived, with the palette and fonts read once (again after a theme switch).
Tooltips and everything else still come from the model's data().
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.ui.tape_model import NUMERIC_COLUMNS, TapeModel
from app.ui.theme import theme_changed

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_SELECTED = QStyle.StateFlag.State_Selected
PADDING = 4
"""Text inset from the cell's edges (px), as the style's item margin."""


class Look:
    """A view's palette and fonts, read once (again after a theme or font change); TapeView shares it."""

    __slots__ = ("alternate", "bold", "bold_metrics", "font", "highlight", "highlighted_text", "metrics", "text")

    def __init__(self, palette: QPalette, font: QFont) -> None:
        self.text: QColor = palette.text().color()
        self.alternate: QBrush = palette.alternateBase()
        self.highlight: QBrush = palette.highlight()
        self.highlighted_text: QColor = palette.highlightedText().color()
        self.font: QFont = QFont(font)
        self.bold = QFont(self.font)
        self.bold.setBold(True)
        self.metrics = QFontMetrics(self.font)
        self.bold_metrics = QFontMetrics(self.bold)


class TapeDelegate(QStyledItemDelegate):
    def __init__(self, model: TapeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._look: Look | None = None
        theme_changed().connect(self.forget_look)

    def forget_look(self) -> None:
        """The theme or the view's font changed: read them again at the next paint."""
        self._look = None

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        look = self._look
        if look is None:
            look = self._look = Look(option.palette, option.font)  # type: ignore[attr-defined]
        column = index.column()
        text, fg, bg, bold = self._model.cell(index.row(), column)
        rect = option.rect  # type: ignore[attr-defined]
        if option.state & _SELECTED:  # type: ignore[attr-defined]
            painter.fillRect(rect, look.highlight)
            painter.setPen(look.highlighted_text)
        else:
            if bg is not None:
                painter.fillRect(rect, bg)
            painter.setPen(fg if fg is not None else look.text)
        painter.setFont(look.bold if bold else look.font)
        inner = rect.adjusted(PADDING, 0, -PADDING, 0)
        metrics = look.bold_metrics if bold else look.metrics
        if metrics.horizontalAdvance(text) > inner.width():
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
        painter.drawText(inner, RIGHT if column in NUMERIC_COLUMNS else LEFT, text)
