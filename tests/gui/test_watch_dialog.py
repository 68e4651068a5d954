"""File → Watch address…: lists the watched addresses shortened, adds through the session's check and
removes the selected one."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.watch_dialog import WatchDialog

WHALE = "0x00000000000000000000000000000000c0ffee01"


class FakeSession:
    def __init__(self) -> None:
        self.watched: dict[str, list[str]] = {"v": [WHALE]}

    def watch_venues(self) -> list[str]:
        return ["v"]

    def watched_accounts(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.watched.items()}

    def shorten_address(self, venue: str, address: str) -> str:
        return f"{address[:6]}…{address[-4:]}"

    def add_watched(self, venue: str, text: str) -> str | None:
        if not text.startswith("0x") or len(text) != 42:
            return "Not a valid address"
        self.watched.setdefault(venue, []).append(text)
        return None

    def remove_watched(self, venue: str, address: str) -> bool:
        self.watched[venue].remove(address)
        return True


def test_watch_dialog_lists_adds_and_removes(qtbot) -> None:  # type: ignore[no-untyped-def]
    session = FakeSession()
    dialog = WatchDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.addresses.count() == 1
    assert dialog.addresses.item(0).text() == "0x0000…ee01"
    dialog.address.setText("nonsense")
    dialog.add()
    assert dialog.message.text() == "Not a valid address"
    assert dialog.addresses.count() == 1
    dialog.address.setText("0x" + "ab" * 20)
    dialog.add()
    assert dialog.addresses.count() == 2 and dialog.address.text() == ""
    dialog.addresses.setCurrentRow(0)
    dialog.remove()
    assert session.watched == {"v": ["0x" + "ab" * 20]}
    assert dialog.addresses.item(0).data(Qt.ItemDataRole.UserRole) == "0x" + "ab" * 20


def test_forget_imported_account_asks_the_session_to_forget_the_chosen_one(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.ui.key_import import open_forget_imported

    forgotten: list[tuple[str, str]] = []

    class Accounts:
        def imported_accounts(self) -> list[tuple[str, str]]:
            return [("v", "main"), ("w", "spare")]

        def forget_imported(self, venue: str, label: str) -> None:
            forgotten.append((venue, label))

    dialog = open_forget_imported(None, Accounts())
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.comboBoxItems() == ["v/main", "w/spare"]
    dialog.setTextValue("w/spare")
    dialog.accept()
    assert forgotten == [("w", "spare")]
