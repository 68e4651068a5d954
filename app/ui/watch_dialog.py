"""File → "Watch address…": the public addresses followed per venue that can watch accounts; add one
(checked by the session against the venue's address rule) or remove the selected one. The session does
the checking, saving and restarting; this dialog only shows and forwards."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.tape_model import venue_name


class WatchSession(Protocol):
    def watch_venues(self) -> list[str]: ...
    def watched_accounts(self) -> dict[str, list[str]]: ...
    def shorten_address(self, venue: str, address: str) -> str: ...
    def add_watched(self, venue: str, text: str) -> str | None: ...
    def remove_watched(self, venue: str, address: str) -> bool: ...


class WatchDialog(QDialog):
    def __init__(self, session: WatchSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("watchDialog")
        self.setWindowTitle(self.tr("Watched addresses"))
        self.session = session
        self.venue = QComboBox(self)
        for venue in session.watch_venues():
            self.venue.addItem(venue_name(venue), venue)
        self.addresses = QListWidget(self)
        self.address = QLineEdit(self)
        self.address.setPlaceholderText("0x…")
        self.add_button = QPushButton(self.tr("Add"), self)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.address, 1)
        row.addWidget(self.add_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.venue)
        layout.addWidget(self.addresses)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.venue.currentIndexChanged.connect(lambda _i: self.refresh())
        self.add_button.clicked.connect(self.add)
        self.address.returnPressed.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        if not session.watch_venues():
            self.message.setText(self.tr("No connected venue can watch public addresses."))
            self.add_button.setEnabled(False)
        self.refresh()

    def current_venue(self) -> str | None:
        return self.venue.currentData()

    def refresh(self) -> None:
        self.addresses.clear()
        venue = self.current_venue()
        if venue is None:
            return
        for address in self.session.watched_accounts().get(venue, []):
            item = QListWidgetItem(self.session.shorten_address(venue, address))
            item.setData(Qt.ItemDataRole.UserRole, address)
            item.setToolTip(address)
            self.addresses.addItem(item)
        self.remove_button.setEnabled(self.addresses.count() > 0)

    def add(self) -> None:
        venue = self.current_venue()
        if venue is None or not self.address.text().strip():
            return
        problem = self.session.add_watched(venue, self.address.text())
        if problem is None:
            self.address.clear()
            self.message.setText(self.tr("Added; only this venue's connections restart."))
        else:
            self.message.setText(problem)
        self.refresh()

    def remove(self) -> None:
        venue, item = self.current_venue(), self.addresses.currentItem()
        if venue is None or item is None:
            return
        self.session.remove_watched(venue, item.data(Qt.ItemDataRole.UserRole))
        self.message.setText(self.tr("Removed {0}").format(item.text()))
        self.refresh()


_open: list[WatchDialog] = []  # strong refs until closed


def open_watch_dialog(parent: QWidget | None, session: WatchSession) -> WatchDialog:
    dialog = WatchDialog(session, parent)
    _open.append(dialog)
    dialog.finished.connect(lambda _code: _open.remove(dialog) if dialog in _open else None)
    dialog.open()
    return dialog
