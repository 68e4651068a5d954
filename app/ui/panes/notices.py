"""Venue notices (error acks, deprecations, unconvertible instruments), lasting conditions (an instrument
list unavailable, stale JGB closes, history not saved, downtime recorded) and in-app alerts, newest first."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from app.core.formatting import format_clock
from app.services.snapshot import Snapshot
from app.ui.tape_model import venue_name

MAX_NOTICES = 200
EMPTY_TEXT = "No notices yet (venue errors, unreachable sources, stale data, gaps)"
UNLIMITED = 16_777_215  # QWIDGETSIZE_MAX


class NoticesPane(QListWidget):
    opened = Signal()  # the first notice arrived: the pane is no longer a one-line badge
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        # An empty pane says what it is for rather than looking broken.
        self._empty: QListWidgetItem | None = QListWidgetItem(EMPTY_TEXT)
        self._empty.setFlags(Qt.ItemFlag.NoItemFlags)
        self._empty.setToolTip(self.tr("Venue error acks, deprecations, unconvertible instruments, unreachable "
                                       "sources, stale JGB closes, history not saved, downtime and in-app alerts "
                                       "appear here, newest first."))
        self.addItem(self._empty)
        # Collapsed to a one-line badge until the first notice: the column's space goes to the panes below.
        self._badge = True
        self.setMaximumHeight(self.collapsed_height())

    def never_collapse(self) -> None:
        """In a tab group there is no column space to give back: the pane keeps its full height."""
        if self._empty is not None:
            self.setMaximumHeight(UNLIMITED)
            self._badge = False
            self.updateGeometry()

    def collapsed_height(self) -> int:
        return self.fontMetrics().height() + 2 * self.frameWidth() + 8

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), self.collapsed_height()) if self._empty is not None and self._badge else hint

    @property
    def collapsed(self) -> bool:
        return self._empty is not None

    def refresh(self, snapshot: Snapshot) -> None:
        for notice in snapshot.notices:
            who = f"{venue_name(notice.venue)}  " if notice.venue else ""  # "" = the app's own condition
            self.add_line(f"{format_clock(notice.market_ms)}  {who}{notice.code}: {notice.text}")

    def add_line(self, text: str) -> None:
        """Newest first; notices and in-app alerts both come through here, so the placeholder goes."""
        if self._empty is not None:
            self.takeItem(self.row(self._empty))
            self._empty = None
            self.setMaximumHeight(UNLIMITED)  # something arrived: the pane opens
            self.updateGeometry()
            self.opened.emit()
        self.insertItem(0, text)
        while self.count() > MAX_NOTICES:
            self.takeItem(self.count() - 1)
