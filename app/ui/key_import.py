"""File → "Import read-only API key…": venue, label, key, secret (and OKX's passphrase); the import runs
in a worker thread with its own event loop (never on the GUI/qasync loop thread, never `exec()`), with a
busy bar while it runs and its result or error in the dialog. A refused key (it can trade or move funds)
shows the reason and an "insist" checkbox; only then can the user import it anyway.

The secret fields are cleared once a key is imported; the key itself is kept by the import in the
system keyring, nowhere else.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.venues.account_registry import ACCOUNT_APIS
from app.services.accounts import ImportResult, import_account

ImportFunction = Callable[..., Awaitable[ImportResult]]


class KeyImportDialog(QDialog):
    imported = Signal(object)  # ImportResult of a successful import
    _finished_in_worker = Signal(object)  # ImportResult, emitted from the worker thread (queued)

    def __init__(self, parent: QWidget | None = None, import_fn: ImportFunction | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyImportDialog")
        self.setWindowTitle(self.tr("Import read-only API key"))
        self._import_fn: ImportFunction = import_fn or import_account
        self._worker: threading.Thread | None = None
        self.last_result: ImportResult | None = None

        self.venue = QComboBox(self)
        for api in ACCOUNT_APIS:
            self.venue.addItem(api.display_name, api.venue)
        self.label = QLineEdit("main", self)
        self.api_key = QLineEdit(self)
        self.secret = QLineEdit(self)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.insist = QCheckBox(self.tr("Import it anyway (I accept that this key can trade or move funds)"), self)
        self.insist.hide()
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy
        self.progress.hide()
        self.status = QLabel(self.tr("Create a read-only key on the exchange. Cascade never trades; the key is "
                                     "kept in the system keyring only."), self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("Venue"), self.venue)
        form.addRow(self.tr("Label"), self.label)
        form.addRow(self.tr("API key"), self.api_key)
        form.addRow(self.tr("Secret"), self.secret)
        self._passphrase_label = QLabel(self.tr("Passphrase"), self)
        form.addRow(self._passphrase_label, self.passphrase)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.import_button = QPushButton(self.tr("Import"), self)
        self.import_button.setDefault(True)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.import_button.clicked.connect(self.start_import)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.insist)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self.venue.currentIndexChanged.connect(self._venue_changed)
        self._finished_in_worker.connect(self._show_result)
        self._venue_changed()

    def _api(self) -> Any:
        return ACCOUNT_APIS[max(0, self.venue.currentIndex())]

    def _venue_changed(self) -> None:
        needs = bool(self._api().needs_passphrase)
        self.passphrase.setVisible(needs)
        self._passphrase_label.setVisible(needs)
        self.insist.setChecked(False)
        self.insist.hide()

    @property
    def busy(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def start_import(self) -> None:
        if self.busy:
            return
        api = self._api()
        passphrase = self.passphrase.text() if api.needs_passphrase else None
        call = self._import_fn(api.venue, self.api_key.text(), self.secret.text(), passphrase,
                               insist=self.insist.isVisible() and self.insist.isChecked(),
                               label=self.label.text())
        self._set_busy(True)
        self.status.setText(self.tr("Checking the key's permissions and reading the account…"))
        self._worker = threading.Thread(target=self._run, args=(call,), name="key-import", daemon=True)
        self._worker.start()

    def _run(self, call: Awaitable[ImportResult]) -> None:
        try:
            result = asyncio.run(_awaited(call))
        except Exception as error:  # import_account returns results; this is a bug: say so, keep no secret
            result = ImportResult("?", "?", "failed", f"Import failed unexpectedly ({type(error).__name__}).")
        self._finished_in_worker.emit(result)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for widget in (self.venue, self.label, self.api_key, self.secret, self.passphrase, self.insist,
                       self.import_button):
            widget.setEnabled(not busy)

    def _show_result(self, result: ImportResult) -> None:
        self._set_busy(False)
        self.last_result = result
        self.status.setText(result.message)
        if result.status == "refused":
            self.insist.show()
            return
        if result.ok:
            self.secret.clear()
            self.passphrase.clear()
            self.api_key.clear()
            self.insist.setChecked(False)
            self.insist.hide()
            self.imported.emit(result)


async def _awaited(call: Awaitable[ImportResult]) -> ImportResult:
    return await call


_open: list[KeyImportDialog] = []  # strong refs until closed


def open_key_import(parent: QWidget | None, session: object, import_fn: ImportFunction | None = None
                    ) -> KeyImportDialog:
    """Open the dialog (non-modal, `open()`); an imported account goes to the session's sink."""
    dialog = KeyImportDialog(parent, import_fn)

    def offer(result: ImportResult) -> None:
        sink = getattr(session, "sink", None)
        if sink is not None and result.state is not None:
            sink.offer(result.venue, [result.state])
        remember = getattr(session, "remember_imported", None)
        if remember is not None and result.stored:  # listed (venue, label) and refreshed from now on
            remember(result.venue, result.label)

    dialog.imported.connect(offer)
    _open.append(dialog)
    dialog.finished.connect(lambda _code: _open.remove(dialog) if dialog in _open else None)
    dialog.open()
    return dialog


def open_forget_imported(parent: QWidget | None, session: Any) -> QInputDialog | None:
    """File → "Forget imported account…": pick one (venue/label); the session unlists it, stops its
    refresh and deletes its key from the keyring. Non-modal (`open()`)."""
    accounts = session.imported_accounts()
    if not accounts:
        QMessageBox.information(parent, "Forget imported account", "No imported account.")
        return None
    dialog = QInputDialog(parent)
    dialog.setObjectName("forgetImportedDialog")
    dialog.setWindowTitle(dialog.tr("Forget imported account"))
    dialog.setLabelText(dialog.tr("Account to forget (its key is deleted from the keyring):"))
    dialog.setComboBoxItems([f"{venue}/{label}" for venue, label in accounts])
    choices = dict(zip(dialog.comboBoxItems(), accounts, strict=True))

    def chosen(text: str) -> None:
        if text in choices:
            session.forget_imported(*choices[text])

    dialog.textValueSelected.connect(chosen)
    _forget_open.append(dialog)
    dialog.finished.connect(lambda _code: _forget_open.remove(dialog) if dialog in _forget_open else None)
    dialog.open()
    return dialog


_forget_open: list[QInputDialog] = []
