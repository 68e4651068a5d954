"""A bug reaches the user: the crash hook's text becomes a non-modal dialog in the GUI thread, also
when the hook fires in another thread."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui import crash


def _open_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_a_crash_in_a_worker_thread_opens_the_dialog_in_the_gui_thread(qtbot) -> None:
    reporter = crash.CrashReporter()
    worker = threading.Thread(target=reporter.report, args=("Traceback (most recent call last):\n  boom",))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(_open_boxes()), timeout=2000)
    box = _open_boxes()[0]
    assert "boom" in box.detailedText()
    assert box.thread() is QApplication.instance().thread()
    box.close()
