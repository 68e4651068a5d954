"""File → "Record feeds…" and File → "Export CSV…": thin Qt over the session's recording and export.

Recording: a save dialog, then the session records beside its own connections; the status bar shows
the duration and the file's size every second until the action is used again to stop. Export: a save
dialog and a small filter dialog (time window, venue, coin, or the alerts), then the export runs in a
worker thread behind a QProgressDialog that can cancel it: the window keeps painting. Dialogs use
open() and signals, never exec().
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, QObject, Qt, QTimer, QTimeZone
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressDialog,
)

from app.core.watchlist import Watchlist
from app.services.export import HistoryQuery
from app.ui.fence import LayoutFence
from app.ui.tape_model import venue_name

DAY_MS = 86_400_000
PROGRESS_STEPS = 1000


class ExportFilter(QDialog):
    """What to export: [since, until) in UTC, a venue or all, a coin or all, a watchlist or none, or the
    alerts instead."""

    def __init__(self, venues: list[str], now_ms: int, parent: Any = None,
                 watchlists: Sequence[Watchlist] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export CSV"))
        form = QFormLayout(self)
        utc = QTimeZone.utc()
        self.since = QDateTimeEdit(QDateTime.fromMSecsSinceEpoch(now_ms - DAY_MS, utc))
        self.until = QDateTimeEdit(QDateTime.fromMSecsSinceEpoch(now_ms + 60_000, utc))
        for edit in (self.since, self.until):
            edit.setTimeZone(utc)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
            edit.setCalendarPopup(True)
        self.venue = QComboBox()
        self.venue.addItem(self.tr("All venues"), None)
        for venue in venues:
            self.venue.addItem(venue_name(venue), venue)
        self.coin = QLineEdit()
        self.coin.setPlaceholderText(self.tr("all coins (or e.g. BTC)"))
        self.watchlist = QComboBox()
        self.watchlist.addItem(self.tr("No watchlist"), None)
        for watchlist in watchlists:
            self.watchlist.addItem(watchlist.name, watchlist)
        self.alerts = QCheckBox(self.tr("Export the alerts fired instead of liquidations"))
        form.addRow(self.tr("From"), self.since)
        form.addRow(self.tr("Until"), self.until)
        form.addRow(self.tr("Venue"), self.venue)
        form.addRow(self.tr("Coin"), self.coin)
        form.addRow(self.tr("Watchlist"), self.watchlist)
        form.addRow(self.alerts)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def query(self) -> HistoryQuery:
        coin = self.coin.text().strip().upper() or None
        watchlist: Watchlist | None = self.watchlist.currentData()
        scope = watchlist.scope() if watchlist is not None else None
        return HistoryQuery(self.since.dateTime().toMSecsSinceEpoch(), self.until.dateTime().toMSecsSinceEpoch(),
                            self.venue.currentData(), coin,
                            tuple(sorted(scope.coins)) if scope is not None else (),
                            tuple(sorted(scope.pairs)) if scope is not None else ())


class HistoryActions(QObject):
    """Installs both actions on the window's File menu; `post(text, timeout_ms)` reaches the status bar."""

    def __init__(self, window: QMainWindow, session: Any, menu: QMenu, post: Callable[[str, int], None]) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.post = post
        self.record_action = QAction(self.tr("Record feeds…"), window)
        self.record_action.triggered.connect(self.toggle_recording)
        self.export_action = QAction(self.tr("Export CSV…"), window)
        self.export_action.triggered.connect(self.choose_export)
        menu.addAction(self.record_action)
        menu.addAction(self.export_action)
        self.record_action.setEnabled(hasattr(session, "start_recording"))
        self.export_action.setEnabled(hasattr(session, "export_csv") and not getattr(session, "demo", False))
        self.recording_label = QLabel()  # a permanent status-bar field while recording: duration, size
        self.recording_label.setObjectName("recordingStatus")
        self.recording_label.hide()
        window.statusBar().addPermanentWidget(LayoutFence(self.recording_label))  # it counts every second
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.show_recording)
        self.progress: QProgressDialog | None = None
        self.cancel: threading.Event | None = None
        self.tasks: set[asyncio.Task[Any]] = set()

    # --- recording ----------------------------------------------------------------------------------

    def toggle_recording(self) -> None:
        if self.session.recording_status() is not None:
            self.timer.stop()
            self.recording_label.hide()
            self.record_action.setText(self.tr("Record feeds…"))
            self._run(self.session.stop_recording(), lambda text: self.post(text, 15_000))
            return
        dialog = QFileDialog(self.window, self.tr("Record feeds to"), str(Path.home() / "cascade-recording.jsonl.gz"),
                             self.tr("Cascade recordings (*.jsonl.gz)"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.start_recording)
        dialog.open()

    def start_recording(self, path: str) -> None:
        problem = self.session.start_recording(path)
        if problem is not None:
            self.post(problem, 10_000)
            return
        self.record_action.setText(self.tr("Stop recording"))
        self.timer.start()
        self.show_recording()

    def show_recording(self) -> None:
        status = self.session.recording_status()
        if status is not None:
            self.recording_label.setText("● " + " ".join(status.split()))
            self.recording_label.show()

    # --- export -------------------------------------------------------------------------------------

    def choose_export(self) -> None:
        dialog = QFileDialog(self.window, self.tr("Export CSV to"), str(Path.home() / "cascade-liquidations.csv"),
                             self.tr("CSV files (*.csv)"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.choose_filter)
        dialog.open()

    def choose_filter(self, path: str) -> None:
        service = getattr(self.session, "watchlists", None)
        dialog = ExportFilter(list(self.session.venues), self.session.now_ms(), self.window,
                              service.all() if service is not None else ())
        dialog.accepted.connect(lambda: self.start_export(path, dialog.query(), dialog.alerts.isChecked()))
        dialog.open()

    def start_export(self, path: str, query: HistoryQuery, alerts: bool = False) -> None:
        self.cancel = threading.Event()
        self.progress = QProgressDialog(self.tr("Exporting to {name}…").format(name=Path(path).name),
                                        self.tr("Cancel"), 0, PROGRESS_STEPS, self.window)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(300)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.canceled.connect(self.cancel.set)
        self.progress.setValue(0)
        self._run(self.session.export_csv(path, query, alerts=alerts, progress=self.show_progress, cancel=self.cancel),
                  self.export_done, self.export_failed)

    def show_progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.setLabelText(self.tr("Exported {done} of {total} rows").format(
                done=f"{done:,}", total=f"{total:,}"))
            share = PROGRESS_STEPS if total == 0 else min(PROGRESS_STEPS, done * PROGRESS_STEPS // total)
            self.progress.setValue(share)

    def export_done(self, result: Any) -> None:
        self._close_progress()
        self.post(self.tr("Exported {rows} rows to {path}").format(rows=f"{result.rows:,}", path=result.path), 15_000)

    def export_failed(self, error: BaseException) -> None:
        self._close_progress()
        self.post(self.tr("Export not written: {error}").format(error=error), 15_000)

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    # --- plumbing -----------------------------------------------------------------------------------

    def _run(self, coroutine: Coroutine[Any, Any, Any], done: Callable[[Any], None],
             failed: Callable[[BaseException], None] | None = None) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)

        def finished(task: asyncio.Task[Any]) -> None:
            self.tasks.discard(task)
            if task.cancelled():
                return
            error = task.exception()
            if error is None:
                done(task.result())
            elif failed is not None:
                failed(error)
            else:
                self.post(str(error), 15_000)

        task.add_done_callback(finished)
