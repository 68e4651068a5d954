"""Venue notices (error acks, deprecations, unconvertible instruments), lasting conditions (an instrument
list unavailable, stale JGB closes, history not saved, downtime recorded) and in-app alerts, newest first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from app.core.formatting import format_clock
from app.services.snapshot import Snapshot
from app.ui.tape_model import venue_name

MAX_NOTICES = 200
EMPTY_TEXT = "No notices. Venue error acks, unreachable sources, stale data and gaps appear here."


class NoticesPane(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        # An empty pane says what it is for rather than looking broken.
        self._empty: QListWidgetItem | None = QListWidgetItem(EMPTY_TEXT)
        self._empty.setFlags(Qt.ItemFlag.NoItemFlags)
        self.addItem(self._empty)

    def refresh(self, snapshot: Snapshot) -> None:
        for notice in snapshot.notices:
            who = f"{venue_name(notice.venue)}  " if notice.venue else ""  # "" = the app's own condition
            self.add_line(f"{format_clock(notice.market_ms)}  {who}{notice.code}: {notice.text}")

    def add_line(self, text: str) -> None:
        """Newest first; notices and in-app alerts both come through here, so the placeholder goes."""
        if self._empty is not None:
            self.takeItem(self.row(self._empty))
            self._empty = None
        self.insertItem(0, text)
        while self.count() > MAX_NOTICES:
            self.takeItem(self.count() - 1)
