"""The stress table: per coin, the window's liquidations, open interest, liquidations / OI (with the
weakest completeness of its inputs), daily RSI-14 with its reference venue, and the 24 h change. The
window is the one the stress panes share (the snapshot's selected window); without them, the table's own
selector (1 h / 4 h / 12 h / 24 h). A figure older than its
source's cadence is muted and carries its age. All text is built by app.services.market.table_rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.formatting import format_clock
from app.core.stress import SELECTABLE_WINDOWS
from app.services.market import HEADERS, LATE_OI_MARK, Cell, MarketView, table_rows
from app.services.snapshot import Snapshot
from app.ui.tape_model import venue_name
from app.ui.theme import STALE_TEXT, tabular_font

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
DEFAULT_WINDOW = "4h"


class StressTablePane(QWidget):
    refresh_every_s = 1.0
    """Paced windows (WindowOptions.paced) refresh it this often:
    rolling windows of an hour and more."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_box = QComboBox()
        for name in SELECTABLE_WINDOWS:
            self.window_box.addItem(name, name)
        self.window_box.setCurrentIndex(max(0, self.window_box.findData(DEFAULT_WINDOW)))
        self._top = QWidget()
        top = QHBoxLayout(self._top)
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(QLabel(self.tr("Window")))
        top.addWidget(self.window_box)
        top.addStretch(1)
        self.table = QTableWidget(0, len(HEADERS))
        self._set_headers()
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFont(tabular_font(self.table.font()))
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(False)
        self._note_text = self.tr("Liq / OI: same venues both sides, OI at the window's start; {late} OI history "
                                  "starts later. Muted: old, age shown.").format(late=LATE_OI_MARK)
        details = self.tr(
            "Liq / OI: liquidations over open interest at the window's start, both over the same venues "
            "(those with a liquidation feed and OI), beside the weakest completeness of its inputs; "
            "{late} the OI history starts after the window's start (its earliest OI stands in). RSI: Wilder 14 "
            "on closed UTC days of the named venue. Muted figures are old: their age is shown. Hover a figure "
            "for its sources.").format(late=LATE_OI_MARK)
        self.note = QLabel(self._note_text)
        self.note.setToolTip(details)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8b949e; padding: 4px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._top)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        self._view: MarketView | None = None
        self._shown: tuple[object, ...] | None = None
        self.window_box.currentIndexChanged.connect(self._window_changed)

    def _set_headers(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr(h).format(window=self.window) for h in HEADERS])

    @property
    def window(self) -> str:
        return str(self.window_box.currentData())

    def _window_changed(self) -> None:
        self._set_headers()
        self._shown = None
        if self._view is not None:
            self.show_view(self._view)

    def refresh(self, snapshot: Snapshot) -> None:
        shared = snapshot.stress.selected if snapshot.stress is not None else None
        if shared is not None and shared != self.window and self.window_box.findData(shared) >= 0:
            self.window_box.setCurrentIndex(self.window_box.findData(shared))  # repaints via _window_changed
        self._top.setVisible(snapshot.stress is None)  # the stress panes' shared selector rules when present
        if snapshot.market is not None and snapshot.market is not self._view:
            self._view = snapshot.market
            self.show_view(snapshot.market)

    def show_view(self, view: MarketView) -> None:
        note = self._note_text + "".join(f"\n⚠ {problem}" for problem in view.notes)
        if self.note.text() != note:
            self.note.setText(note)
        rows = table_rows(view, self.window, venue_name, lambda ms: format_clock(ms)[:5])
        key = tuple(tuple((c.text, c.tooltip, c.stale) for c in row) for row in rows)
        if key == self._shown:
            return  # nothing changed: no repaint
        self._shown = key
        if self.table.rowCount() != len(rows):
            self.table.setRowCount(len(rows))
        # One model notification for the table, not one per cell (each re-measured the columns sized to
        # their contents): see TotalsPane.show_totals.
        model = self.table.model()
        blocked = model.blockSignals(True)
        try:
            self._fill(rows)
        finally:
            model.blockSignals(blocked)
        if rows:
            model.dataChanged.emit(model.index(0, 0), model.index(len(rows) - 1, model.columnCount() - 1))

    def _fill(self, rows: list[list[Cell]]) -> None:
        last = len(rows) - 1
        for r, cells in enumerate(rows):
            for c, cell in enumerate(cells):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    if c >= 1:
                        item.setTextAlignment(_RIGHT)
                    self.table.setItem(r, c, item)
                if item.text() != cell.text:
                    item.setText(cell.text)
                if item.toolTip() != cell.tooltip:
                    item.setToolTip(cell.tooltip)
                if cell.stale:
                    item.setForeground(STALE_TEXT)
                else:
                    item.setData(Qt.ItemDataRole.ForegroundRole, None)
                font = item.font()
                if font.bold() != (r == last and cells[0].text == "All"):
                    font.setBold(not font.bold())
                    item.setFont(font)
