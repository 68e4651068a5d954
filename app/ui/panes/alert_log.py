"""The alert log: every alert delivered (liquidation rules, position alerts, pre-event alerts), newest
first, with its level in words. A live start shows the last 24 h of stored alerts again (greyed, marked
"stored"). "Test alert" and "Rules…" sit in its header; the window connects them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.formatting import format_clock
from app.services.alerts import Alert
from app.services.snapshot import Snapshot
from app.ui.theme import tabular_font

MAX_ALERTS = 500
_HEADERS = ("Time", "Level", "Alert", "Details")
LEVEL_TEXT = {"info": "● info", "warning": "▲ warning", "critical": "▲▲ CRITICAL"}
LEVEL_COLORS = {"info": QColor("#8b949e"), "warning": QColor("#d29922"), "critical": QColor("#f85149")}
STORED_COLOR = QColor("#6e7681")


class StoredAlert(Protocol):
    """An alert read back from the history (app.store.db.AlertRecord)."""

    market_ms: int
    level: str
    title: str
    body: str


class AlertLogPane(QWidget):
    test_requested = Signal()
    rules_requested = Signal()
    alert_added = Signal()  # a critical alert arrived (its tab comes forward)

    def __init__(self, restored: Iterable[StoredAlert] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(_HEADERS))
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in _HEADERS])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setFont(tabular_font(self.table.font()))
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.empty = QLabel(self.tr("No alerts yet. Liquidation rules (Alerts → Rules…), position and event "
                                    "alerts appear here."))
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #8b949e; padding: 6px;")
        self.test_button = QPushButton(self.tr("Test alert"))
        self.test_button.setToolTip(self.tr("Show, notify and sound a sample alert"))
        self.test_button.clicked.connect(self.test_requested)
        self.rules_button = QPushButton(self.tr("Rules…"))
        self.rules_button.clicked.connect(self.rules_requested)
        self.count_label = QLabel("")
        self.count_label.setStyleSheet("color: #8b949e;")
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 2)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.test_button)
        top.addWidget(self.rules_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self.fired = 0  # delivered during this run
        for record in restored:
            self._insert(record.market_ms, record.level, record.title, record.body, stored=True)
        self._update_count()

    def refresh(self, snapshot: Snapshot) -> None:
        """Alerts arrive through the Notifier (add_alert), not the snapshot."""

    def add_alert(self, alert: Alert) -> None:
        self.fired += 1
        self._insert(alert.market_ms, alert.level, alert.title, alert.body)
        self._update_count()
        if alert.level == "critical":  # the most severe bring the log forward; the banner shows every one
            self.alert_added.emit()

    def rows(self) -> list[tuple[str, ...]]:
        """The visible text, newest first (tests and diagnostics)."""
        return [tuple(self.table.item(row, column).text() for column in range(len(_HEADERS)))  # type: ignore[union-attr]
                for row in range(self.table.rowCount())]

    def _insert(self, market_ms: int, level: str, title: str, body: str, stored: bool = False) -> None:
        self.table.insertRow(0)
        when = format_clock(market_ms, with_date=stored)
        values = (when, LEVEL_TEXT.get(level, level), title, body)
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setToolTip(body if column == 3 else text)
            if stored:
                item.setForeground(STORED_COLOR)
            elif column == 1:
                item.setForeground(LEVEL_COLORS.get(level, LEVEL_COLORS["info"]))
            if column == 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(0, column, item)
        while self.table.rowCount() > MAX_ALERTS:
            self.table.removeRow(self.table.rowCount() - 1)
        self.empty.hide()

    def _update_count(self) -> None:
        stored = self.table.rowCount() - min(self.fired, self.table.rowCount())
        text = self.tr("{n} fired this run").format(n=self.fired)
        if stored:
            text += self.tr(" · {n} stored from before").format(n=stored)
        self.count_label.setText(text)
        self.empty.setVisible(self.table.rowCount() == 0)
