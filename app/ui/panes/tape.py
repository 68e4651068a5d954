"""The liquidation tape pane: a table, a minimum-size filter, and pause-while-scrolled with an
"N new" badge. Refreshed by the window's repaint timer, never per message."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.tape import Tape, TapeFilter
from app.services.snapshot import Snapshot
from app.services.waiting import tape_placeholder
from app.ui.tape_model import TapeModel, venue_name
from app.ui.theme import tabular_font

MIN_SIZE_CHOICES = (("All sizes", 0.0), ("≥ $1K", 1e3), ("≥ $10K", 1e4), ("≥ $50K", 5e4),
                    ("≥ $100K", 1e5), ("≥ $1M", 1e6))


HOVER_PAUSE_MS = 2500


class TapePane(QWidget):
    min_size_changed = Signal(float)  # USD, for the settings
    def __init__(self, tape: Tape, tick_size: Callable[[str, str], float | None] | None = None,
                 title: str = "Liquidations", parent: QWidget | None = None, venues: list[str] | None = None) -> None:
        super().__init__(parent)
        self.tape = tape
        self.venues = list(venues or [])
        self.model = TapeModel(tick_size, parent=self)
        self._hovered = False
        self.held = False  # paused by the user (Tape → Pause) until resumed
        # Hover pauses while the pointer MOVES over the rows (the user is reading); a pointer that
        # merely rests there resumes the tape after a moment, so a parked mouse never freezes it.
        self._hover_idle = QTimer(self)
        self._hover_idle.setSingleShot(True)
        self._hover_idle.setInterval(HOVER_PAUSE_MS)
        self._hover_idle.timeout.connect(self._hover_ended)

        self.title = QLabel(self.tr(title))
        self.title.setObjectName("paneTitle")
        self.min_size = QComboBox()
        for label, value in MIN_SIZE_CHOICES:
            self.min_size.addItem(self.tr(label), value)
        current = max(i for i, (_, v) in enumerate(MIN_SIZE_CHOICES) if v <= tape.filter.min_usd)
        self.min_size.setCurrentIndex(current)
        self.min_size.currentIndexChanged.connect(self._min_size_changed)
        self.new_badge = QPushButton()
        self.new_badge.setObjectName("newBadge")
        self.new_badge.setToolTip(self.tr("The tape is paused while you scroll or hover. Click to jump to the newest."))
        self.new_badge.hide()
        self.new_badge.clicked.connect(self.jump_to_newest)

        header = QHBoxLayout()
        header.setContentsMargins(6, 4, 6, 4)
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.new_badge)
        header.addWidget(QLabel(self.tr("Min size")))
        header.addWidget(self.min_size)

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setFont(tabular_font(self.view.font()))
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 6)
        horizontal = self.view.horizontalHeader()
        # Time, Symbol and Side keep their widths; the spare width is shared by the others, so the columns
        # always end at the scroll bar: no empty band, and no Notional floating far from the rest of its row.
        horizontal.setMinimumSectionSize(56)
        for column, width in enumerate((64, 84, 130, 78, 110, 100, 90)):
            self.view.setColumnWidth(column, width)
            fixed = column in (0, 2, 3)
            horizontal.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive if fixed
                                            else QHeaderView.ResizeMode.Stretch)
        self.view.verticalScrollBar().valueChanged.connect(self._update_pause)
        self.view.setMouseTracking(True)
        self.view.viewport().installEventFilter(self)

        # Over the empty table: what the tape is waiting for (derived from the snapshot's venue records).
        self.placeholder = QLabel(self.view.viewport())
        self.placeholder.setObjectName("tapePlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #8b949e; padding: 24px;")
        self.placeholder.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.placeholder.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.view)

    def refresh(self, snapshot: Snapshot | None = None) -> None:
        """Called by the repaint timer: apply what arrived, or show the waiting count. The tape holds
        its own rows, so the snapshot is not read."""
        update = self.tape.take_update()
        if update is not None:
            self.model.apply(update)
        self._show_placeholder(snapshot)
        waiting = self.tape.new_count
        if waiting:
            self.new_badge.setText(self.tr("{n} new").format(n=f"{waiting:,}"))
            self.new_badge.show()
        elif self.new_badge.isVisible():
            self.new_badge.hide()

    def _show_placeholder(self, snapshot: Snapshot | None) -> None:
        empty = self.model.rowCount() == 0
        if empty and snapshot is not None:
            self.placeholder.setText(tape_placeholder(
                snapshot.venues, self.venues, label=venue_name, clock_label=snapshot.clock_label,
                now_ms=snapshot.now_ms, min_usd=self.tape.filter.min_usd))
            self.placeholder.setGeometry(self.view.viewport().rect())
        hidden = not empty or not self.placeholder.text()
        if hidden != self.placeholder.isHidden():
            self.placeholder.setHidden(hidden)

    def jump_to_newest(self) -> None:
        self._hovered = False
        self.held = False
        self._hover_idle.stop()
        self.view.verticalScrollBar().setValue(0)
        self.tape.paused = False
        self.refresh()

    def _min_size_changed(self, index: int) -> None:
        value = float(self.min_size.itemData(index))
        old = self.tape.filter
        rows = self.tape.refilter(TapeFilter(min_usd=value, venues=old.venues, coins=old.coins))
        self.model.replace_rows(rows)
        self.min_size_changed.emit(value)

    def _update_pause(self) -> None:
        self.tape.paused = self.held or self._hovered or self.view.verticalScrollBar().value() > 0

    def _hover_ended(self) -> None:
        self._hovered = False
        self._update_pause()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseMove:
            self._hovered = True
            self._hover_idle.start()
            self._update_pause()
        elif kind == QEvent.Type.Leave:
            self._hover_idle.stop()
            self._hover_ended()
        elif kind == QEvent.Type.Resize:
            self.placeholder.setGeometry(self.view.viewport().rect())
        return super().eventFilter(watched, event)
