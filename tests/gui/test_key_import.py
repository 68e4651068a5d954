"""The key-import dialog with the import stubbed: progress while it runs off the GUI thread, the result in
the dialog, "insist" offered only after a refusal, an imported account offered to the session's sink."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QApplication

from app.core.events import AccountState
from app.core.positions.model import Account
from app.core.venues.accounts import Permissions
from app.feeds.sink import FeedSink
from app.services.accounts import ImportResult
from app.ui.key_import import KeyImportDialog, open_key_import

SECRET = "dialog-secret-0123456789"


class StubImport:
    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.threads: list[threading.Thread] = []
        self.release = threading.Event()
        self.release.set()

    async def __call__(self, venue, api_key, secret, passphrase=None, *, insist=False, label="default"):
        self.calls.append({"venue": venue, "api_key": api_key, "secret": secret, "passphrase": passphrase,
                           "insist": insist, "label": label})
        self.threads.append(threading.current_thread())
        self.release.wait(5)
        if not insist:
            return ImportResult(venue, label, "refused", "This key can trade (enableFutures).",
                                permissions=Permissions(True, ("enableFutures",)))
        state = AccountState(Account(venue, label, wallet_balance=1.0), (), 1, "import")
        return ImportResult(venue, label, "imported", "Imported 0 positions.", state, stored=True)


def test_refusal_then_insist_imports(qtbot) -> None:
    stub = StubImport()
    dialog = KeyImportDialog(import_fn=stub)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.insist.isVisible() and not dialog.passphrase.isVisible()  # Binance first: no passphrase
    dialog.api_key.setText("key-123")
    dialog.secret.setText(SECRET)

    stub.release.clear()
    dialog.import_button.click()
    assert dialog.progress.isVisible() and not dialog.import_button.isEnabled()
    stub.release.set()
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=5000)
    assert stub.threads[0] is not QApplication.instance().thread() and stub.threads[0] is not threading.main_thread()
    assert dialog.last_result.status == "refused"
    assert "enableFutures" in dialog.status.text()
    assert dialog.insist.isVisible() and not dialog.progress.isVisible()
    assert stub.calls[0]["insist"] is False and stub.calls[0]["label"] == "main"

    dialog.insist.setChecked(True)
    with qtbot.waitSignal(dialog.imported, timeout=5000) as imported:
        dialog.import_button.click()
    assert imported.args[0].status == "imported" and stub.calls[1]["insist"] is True
    assert dialog.secret.text() == "" and dialog.api_key.text() == ""  # nothing kept in the form
    assert not dialog.insist.isVisible() and "Imported" in dialog.status.text()


def test_okx_shows_the_passphrase_and_the_account_reaches_the_sink(qtbot) -> None:
    stub = StubImport()

    class Session:
        sink = FeedSink()

    session = Session()
    dialog = open_key_import(None, session, import_fn=stub)
    qtbot.addWidget(dialog)
    dialog.venue.setCurrentIndex(dialog.venue.findData("okx"))
    assert dialog.passphrase.isVisible()
    dialog.api_key.setText("key-123")
    dialog.secret.setText(SECRET)
    dialog.passphrase.setText("pass-phrase")
    dialog.insist.setChecked(True)  # hidden: not honoured before a refusal
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=5000)
    assert stub.calls[0]["passphrase"] == "pass-phrase" and stub.calls[0]["insist"] is False
    dialog.insist.setChecked(True)
    with qtbot.waitSignal(dialog.imported, timeout=5000):
        dialog.import_button.click()
    drained = session.sink.drain()
    assert [state.account.venue for state in drained.accounts] == ["okx"]
    dialog.close()


def test_the_file_menu_opens_the_dialog(qtbot) -> None:
    from tests.gui.test_window import NOW, make_window

    window = make_window(qtbot, FeedSink(), [NOW])
    file_menu = window.menuBar().actions()[0].menu()
    [action] = [a for a in file_menu.actions() if a.text() == "Import read-only API key…"]
    action.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, KeyImportDialog) and w.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].close()
