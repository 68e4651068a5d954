"""The book's what-if: every mark of one coin (or all coins) moved −20 … +20 %, and per step which
positions liquidate and what the book loses (`app.core.positions.book_shock_table`, via the session).
Opened with `open()`; recomputed when the coin changes or on Refresh."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.formatting import compact_usd
from app.core.positions import BookShockTable
from app.ui.theme import STRESS_COLORS, tabular_font

_HEADERS = ("Move", "Liquidated", "Newly liquidated", "Book loss")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def move_text(table: BookShockTable) -> str:
    if not table.moves:
        return "No position liquidates within the searched range."
    parts = [f"{move.label}: {move.move_pct:+.2f}% (liq {move.liquidation_price:,.2f})" for move in table.moves[:4]]
    return "First to go: " + "; ".join(parts)


class ShockDialog(QDialog):
    def __init__(self, compute: Callable[[str | None], BookShockTable], coins: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shockDialog")
        self.setWindowTitle(self.tr("Shock table"))
        self._compute = compute
        self.coin = QComboBox()
        self.coin.addItem(self.tr("All coins together"), None)
        for coin in coins:
            self.coin.addItem(coin, coin)
        self.coin.currentIndexChanged.connect(self.recompute)
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.recompute)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Move the marks of")))
        top.addWidget(self.coin)
        top.addStretch(1)
        top.addWidget(refresh)
        self.table = QTableWidget(0, len(_HEADERS))
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in _HEADERS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFont(tabular_font(self.table.font()))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.moves = QLabel()
        self.moves.setWordWrap(True)
        self.moves.setStyleSheet("color: #8b949e;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addWidget(self.moves)
        layout.addWidget(buttons)
        self.resize(820, 620)
        self.last: BookShockTable | None = None
        self.recompute()

    def recompute(self) -> None:
        table = self._compute(self.coin.currentData())
        self.last = table
        self.table.setRowCount(len(table.steps))
        for row, step in enumerate(table.steps):
            values = (f"{step.shock_pct:+.0f}%", ", ".join(step.liquidated) or "—",
                      ", ".join(step.newly_liquidated) or "—", compact_usd(step.loss_usd))
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if column in (0, 3):
                    item.setTextAlignment(_RIGHT)
                if column == 2 and step.newly_liquidated:
                    item.setForeground(Qt.GlobalColor.white)
                    item.setBackground(QColor(STRESS_COLORS["danger"]))
                self.table.setItem(row, column, item)
        skipped = f"  Skipped (input errors): {', '.join(table.skipped)}" if table.skipped else ""
        self.moves.setText(move_text(table) + skipped)

