"""The crash dialog: a bug reaches the user with the traceback and a way to copy it, and the log."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

_open_dialogs: list[QMessageBox] = []  # strong refs until closed


def show_crash_dialog(details: str, parent: QWidget | None = None) -> QMessageBox | None:
    if QApplication.instance() is None:
        return None
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(box.tr("Cascade hit a bug"))
    box.setText(box.tr("Something went wrong inside Cascade. It keeps running; the details are in the log."))
    box.setInformativeText(box.tr("Please send the details below (they contain no keys or addresses)."))
    box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    _open_dialogs.append(box)
    box.finished.connect(lambda _result: _open_dialogs.remove(box) if box in _open_dialogs else None)
    box.open()  # never exec(): a nested loop would break qasync's tasks
    return box


class CrashReporter(QObject):
    """Crash hooks run in whichever thread failed; this hands the text to the GUI thread (a queued
    signal) before any widget is built."""

    crashed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.crashed.connect(show_crash_dialog)

    def report(self, details: str) -> None:
        self.crashed.emit(details)
