"""Venue notices (error acks, deprecations, unconvertible instruments), lasting conditions (an instrument
list unavailable, stale JGB closes, history not saved, downtime recorded) and in-app alerts, newest first."""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget, QWidget

from app.core.formatting import format_clock
from app.services.snapshot import Snapshot
from app.ui.tape_model import venue_name

MAX_NOTICES = 200


class NoticesPane(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def refresh(self, snapshot: Snapshot) -> None:
        for notice in snapshot.notices:
            who = f"{venue_name(notice.venue)}  " if notice.venue else ""  # "" = the app's own condition
            self.insertItem(0, f"{format_clock(notice.market_ms)}  {who}{notice.code}: {notice.text}")
        while self.count() > MAX_NOTICES:
            self.takeItem(self.count() - 1)
