"""Keyboard shortcuts: one table binds them and the Help → Keyboard shortcuts dialog lists them, so the
two cannot drift. Each entry names an action id; the window hands `install` a QAction per id (existing
menu actions keep their place, the shortcut is set on them). Docks get Ctrl+1… in DOCKS order."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class Shortcut:
    action: str  # the id the window binds
    keys: str  # QKeySequence portable text
    description: str
    group: str


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("tape.pause", "Ctrl+P", "Pause / resume the tape", "Tape"),
    Shortcut("tape.newest", "Ctrl+J", "Jump to the newest liquidation (resume)", "Tape"),
    Shortcut("tape.clear", "Ctrl+L", "Clear the tape", "Tape"),
    Shortcut("tape.filter", "Ctrl+F", "Focus the tape's size filter", "Tape"),
    Shortcut("position.new", "Ctrl+N", "New manual position…", "File"),
    Shortcut("file.export", "Ctrl+E", "Export CSV…", "File"),
    Shortcut("file.record", "Ctrl+R", "Record feeds… / stop recording", "File"),
    Shortcut("file.settings", "Ctrl+,", "Settings…", "File"),
    Shortcut("file.quit", "Ctrl+Q", "Quit", "File"),
    Shortcut("view.theme", "Ctrl+Shift+L", "Switch light / dark theme", "View"),
    Shortcut("view.local_time", "Ctrl+Shift+U", "Local time / UTC", "View"),
    Shortcut("view.save_layout", "Ctrl+Shift+S", "Save layout as…", "View"),
    Shortcut("help.shortcuts", "F1", "This list of keyboard shortcuts", "Help"),
)


def pane_shortcuts(docks: list[tuple[str, str]]) -> tuple[Shortcut, ...]:
    """Ctrl+1…Ctrl+9 show/hide the docks, given as (object name, title) in DOCKS order."""
    return tuple(Shortcut(f"pane.{name}", f"Ctrl+{number}", f"Show / hide {title}", "View")
                 for number, (name, title) in enumerate(docks[:9], start=1))


def install(window: QWidget, table: tuple[Shortcut, ...], actions: dict[str, QAction]) -> list[str]:
    """Set each table entry's keys on its action; every action is also added to the window so it fires
    while its menu is closed. Returns the ids the window gave no action for (a test keeps it empty)."""
    missing = []
    for shortcut in table:
        action = actions.get(shortcut.action)
        if action is None:
            missing.append(shortcut.action)
            continue
        action.setShortcut(QKeySequence(shortcut.keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if action not in window.actions():
            window.addAction(action)
    return missing


def native_text(keys: str) -> str:
    """The keys as this platform writes them (⌘ on macOS)."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: the table above, grouped."""

    def __init__(self, table: tuple[Shortcut, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        rows = sorted(table, key=lambda s: _GROUP_ORDER.get(s.group, 99))
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action"), self.tr("Menu")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        for row, shortcut in enumerate(rows):
            for column, text in enumerate((native_text(shortcut.keys), self.tr(shortcut.description),
                                           self.tr(shortcut.group))):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel(self.tr("Shortcuts work anywhere in the main window."))
        note.setProperty("muted", True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.table.setMinimumHeight(self.table.verticalHeader().length()
                                    + self.table.horizontalHeader().sizeHint().height() + 4)
        self.resize(540, self.sizeHint().height())


_GROUP_ORDER = {"Tape": 0, "File": 1, "View": 2, "Help": 3}
