"""Watchlists → Manage watchlists…: create, rename, reorder, delete, edit entries, import and export.

A thin view over WatchlistService: every rule (names, entries, all-or-nothing imports) lives there
and in app.core.watchlist; this dialog shows the lists and says why a change was refused. Files are
read and written off the loop thread when a loop runs; imports are capped at MAX_IMPORT_BYTES.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.watchlist import WatchlistError
from app.services.watchlists import WatchlistService

MAX_IMPORT_BYTES = 1_000_000


def _read_capped(path: str) -> str:
    with open(path, "rb") as handle:
        data = handle.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValueError(f"larger than {MAX_IMPORT_BYTES // 1000} KB: not a watchlist file")
    return data.decode("utf-8-sig")


def _write(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


class WatchlistDialog(QDialog):
    def __init__(self, service: WatchlistService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Watchlists"))
        self.setObjectName("watchlistDialog")
        self.service = service
        self._tasks: set[asyncio.Task[object]] = set()

        self.lists = QListWidget()
        self.lists.setObjectName("watchlistList")
        self.lists.currentRowChanged.connect(lambda _row: self._show_selected())
        self.new_button = QPushButton(self.tr("New"))
        self.up_button = QPushButton(self.tr("Move up"))
        self.down_button = QPushButton(self.tr("Move down"))
        self.delete_button = QPushButton(self.tr("Delete"))
        self.new_button.clicked.connect(lambda: self.create_list())
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.delete_button.clicked.connect(self.delete_selected)
        left_buttons = QHBoxLayout()
        for button in (self.new_button, self.up_button, self.down_button, self.delete_button):
            left_buttons.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(self.lists, 1)
        left.addLayout(left_buttons)

        self.name = QLineEdit()
        self.name.setObjectName("watchlistName")
        self.rename_button = QPushButton(self.tr("Rename"))
        self.rename_button.clicked.connect(self.rename_selected)
        self.name.returnPressed.connect(self.rename_selected)
        name_row = QHBoxLayout()
        name_row.addWidget(QLabel(self.tr("Name")))
        name_row.addWidget(self.name, 1)
        name_row.addWidget(self.rename_button)
        self.entries = QPlainTextEdit()
        self.entries.setObjectName("watchlistEntries")
        self.entries.setPlaceholderText(self.tr("One per line: a coin (BTC, PEPE) or venue:symbol (bybit:SOLUSDT)"))
        self.save_button = QPushButton(self.tr("Save entries"))
        self.save_button.clicked.connect(self.save_entries)
        right = QVBoxLayout()
        right.addLayout(name_row)
        right.addWidget(QLabel(self.tr("Coins or venue:symbol pairs")))
        right.addWidget(self.entries, 1)
        right.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)

        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)

        self.report = QPlainTextEdit()
        self.report.setObjectName("watchlistReport")
        self.report.setReadOnly(True)
        self.report.setMaximumHeight(110)
        self.report.hide()
        self.import_button = QPushButton(self.tr("Import…"))
        self.export_button = QPushButton(self.tr("Export…"))
        close = QPushButton(self.tr("Close"))
        self.import_button.clicked.connect(self.choose_import)
        self.export_button.clicked.connect(self.choose_export)
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.export_button)
        bottom.addStretch(1)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.report)
        layout.addLayout(bottom)
        self.resize(720, 420)
        self._reload()
        service.listeners.append(self._reload)
        self.finished.connect(lambda _r: self._forget())

    def _forget(self) -> None:
        if self._reload in self.service.listeners:
            self.service.listeners.remove(self._reload)

    # --- the list ----------------------------------------------------------------------------------

    def _reload(self, select: int | None = None) -> None:
        current = select if select is not None else self.selected_id()
        self.lists.blockSignals(True)
        self.lists.clear()
        for watchlist in self.service.all():
            item = QListWidgetItem(f"{watchlist.name}  ({len(watchlist.entries)})")
            item.setData(Qt.ItemDataRole.UserRole, watchlist.id)
            self.lists.addItem(item)
            if watchlist.id == current:
                self.lists.setCurrentItem(item)
        if self.lists.currentRow() < 0 and self.lists.count():
            self.lists.setCurrentRow(0)
        self.lists.blockSignals(False)
        self._show_selected()

    def selected_id(self) -> int | None:
        item = self.lists.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _show_selected(self) -> None:
        watchlist = self.service.get(self.selected_id())
        has = watchlist is not None
        for widget in (self.name, self.rename_button, self.entries, self.save_button, self.up_button,
                       self.down_button, self.delete_button):
            widget.setEnabled(has)
        self.name.setText(watchlist.name if watchlist else "")
        self.entries.setPlainText("\n".join(watchlist.entries) if watchlist else "")

    def say(self, text: str, error: bool = False) -> None:
        self.report.setPlainText(text)
        self.report.setStyleSheet("color: #f85149;" if error else "color: #8b949e;")
        self.report.setVisible(bool(text))

    def _try(self, change: Callable[[], object]) -> bool:
        try:
            change()
        except WatchlistError as error:
            self.say(str(error), error=True)
            return False
        return True

    def create_list(self, name: str | None = None, entries: str = "") -> bool:
        taken = {w.name.casefold() for w in self.service.all()}
        if name is None:
            n = len(taken) + 1
            while f"watchlist {n}" in taken:
                n += 1
            name = self.tr("Watchlist {n}").format(n=n)
        created: list[int] = []
        ok = self._try(lambda: created.append(self.service.create(name, entries).id))
        if ok:
            self._reload(select=created[0])
            self.say(self.tr("Created {name}.").format(name=name))
            self.name.setFocus()
            self.name.selectAll()
        return ok

    def rename_selected(self) -> bool:
        wid = self.selected_id()
        if wid is None:
            return False
        return self._try(lambda: self.service.rename(wid, self.name.text()))

    def save_entries(self) -> bool:
        wid = self.selected_id()
        if wid is None:
            return False
        ok = self._try(lambda: self.service.set_entries(wid, self.entries.toPlainText()))
        if ok:
            self.say(self.tr("Saved."))
        return ok

    def move_selected(self, step: int) -> None:
        wid = self.selected_id()
        if wid is not None:
            self._try(lambda: self.service.move(wid, self.lists.currentRow() + step))

    def delete_selected(self) -> None:
        """Deleted at once; the report names it and its entries, so it can be typed back."""
        watchlist = self.service.get(self.selected_id())
        if watchlist is not None and self._try(lambda: self.service.delete(watchlist.id)):
            self.say(self.tr("Deleted {name} ({entries}); panes scoped to it show everything.").format(
                name=watchlist.name, entries=", ".join(watchlist.entries) or self.tr("empty")))

    # --- files -------------------------------------------------------------------------------------

    def choose_import(self) -> None:
        dialog = QFileDialog(self, self.tr("Import watchlists"), str(Path.home()),
                             self.tr("Watchlists (*.json *.csv);;All files (*)"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.import_file)
        dialog.open()

    def choose_export(self) -> None:
        dialog = QFileDialog(self, self.tr("Export watchlists"), str(Path.home() / "watchlists.json"),
                             self.tr("JSON (*.json);;CSV (*.csv)"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.export_file)
        dialog.open()

    def _off_loop(self, work: Callable[[], object], done: Callable[[object | BaseException], None]) -> None:
        """File reads and writes: on a worker thread when the qasync loop runs (directly in tests)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                result: object | BaseException = work()
            except (OSError, ValueError) as error:
                result = error
            done(result)
            return

        async def run() -> object:
            try:
                return await asyncio.to_thread(work)
            except (OSError, ValueError) as error:
                return error

        task = loop.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(lambda t: (self._tasks.discard(t), t.cancelled() or done(t.result())))

    async def settled(self) -> None:
        """Until the file reads and writes started so far have finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    def import_file(self, path: str) -> None:
        name = Path(path).name

        def imported(result: object | BaseException) -> None:
            if isinstance(result, BaseException):
                self.say(self.tr("Could not read {name}: {error}").format(name=name, error=result), error=True)
                return
            outcome, (added, replaced) = self.service.import_text(str(result))
            if outcome.problems:
                lines = "\n".join(str(problem) for problem in outcome.problems)
                self.say(self.tr("Nothing imported from {name}; fix these rows and import again:\n{lines}").format(
                    name=name, lines=lines), error=True)
                return
            self.say(self.tr("Imported {name}: {added} added, {replaced} replaced.").format(
                name=name, added=added, replaced=replaced))

        self._off_loop(lambda: _read_capped(path), imported)

    def export_file(self, path: str) -> None:
        fmt = "csv" if path.lower().endswith(".csv") else "json"
        text = self.service.export_text(fmt)
        count = len(self.service.all())

        def written(result: object | BaseException) -> None:
            if isinstance(result, BaseException):
                self.say(self.tr("Could not write {path}: {error}").format(path=path, error=result), error=True)
            else:
                self.say(self.tr("Exported {n} watchlist(s) to {path}.").format(n=count, path=path))

        self._off_loop(lambda: _write(path, text), written)
