"""Named window layouts: View → Layouts → Save layout as… / Load / Delete, kept in the settings
(`Settings.named_layouts`: name → geometry and dock state, base64). The window's own layout (the one it
was closed with) is restored on start separately (`window_geometry`/`window_state`).

The name rules and the add/remove steps are in app.services.layouts; the menu only calls them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QWidget

from app.services.layouts import SavedLayout, layout_name_problem, with_layout, without_layout
from app.services.settings_store import SettingsStore


class LayoutMenu(QObject):
    """The Layouts submenu of View. `capture()` gives the window's (geometry, state); `restore(g, s)`
    applies one; `post(text, ms)` tells the user in the status bar."""

    def __init__(self, parent: QWidget, menu: QMenu, store: SettingsStore, capture: Callable[[], tuple[str, str]],
                 restore: Callable[[str, str], bool], post: Callable[[str, int], None]) -> None:
        super().__init__(parent)
        self._parent = parent
        self._store = store
        self._capture = capture
        self._restore = restore
        self._post = post
        self._default: tuple[str, str] | None = None
        self.menu = menu.addMenu(self.tr("&Layouts"))
        self.save_action = QAction(self.tr("Save layout as…"), parent)
        self.save_action.triggered.connect(self.ask_name)
        self.reset_action = QAction(self.tr("Default layout"), parent)
        self.reset_action.triggered.connect(self.reset)
        self.load_menu = QMenu(self.tr("Load layout"), parent)
        self.delete_menu = QMenu(self.tr("Delete layout"), parent)
        self.menu.addAction(self.save_action)
        self.menu.addMenu(self.load_menu)
        self.menu.addMenu(self.delete_menu)
        self.menu.addSeparator()
        self.menu.addAction(self.reset_action)
        self.dialog: QInputDialog | None = None
        self.rebuild()

    def remember_default(self) -> None:
        """The layout the window starts with before any saved one is applied ("Default layout")."""
        if self._default is None:
            self._default = ("", self._capture()[1])  # the docks only: the window keeps its size
            self.rebuild()

    @property
    def layouts(self) -> dict[str, SavedLayout]:
        return dict(self._store.current.named_layouts)

    def rebuild(self) -> None:
        self.load_menu.clear()
        self.delete_menu.clear()
        names = list(self.layouts)
        for name in names:
            self.load_menu.addAction(name).triggered.connect(lambda _c=False, n=name: self.load(n))
            self.delete_menu.addAction(name).triggered.connect(lambda _c=False, n=name: self.delete(n))
        for submenu in (self.load_menu, self.delete_menu):
            if not names:
                submenu.addAction(self.tr("(no saved layouts)")).setEnabled(False)
        self.reset_action.setEnabled(self._default is not None)

    def ask_name(self) -> QInputDialog:
        """A non-blocking name prompt (open(), never exec() inside the qasync loop)."""
        dialog = QInputDialog(self._parent)
        dialog.setWindowTitle(self.tr("Save layout"))
        dialog.setLabelText(self.tr("Name of this layout (an existing name is replaced):"))
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setComboBoxEditable(True)
        dialog.setComboBoxItems(list(self.layouts))
        dialog.setTextValue("")
        dialog.textValueSelected.connect(self.save)
        self.dialog = dialog
        dialog.open()
        return dialog

    def save(self, name: str) -> bool:
        problem = layout_name_problem(name, self.layouts)
        if problem is not None:
            self._post(self.tr("Layout not saved: {why}").format(why=problem), 8000)
            return False
        geometry, state = self._capture()
        self._store.update(named_layouts=with_layout(self.layouts, name, geometry, state))
        self.rebuild()
        self._post(self.tr("Layout saved: {name}").format(name=name.strip()), 5000)
        return True

    def load(self, name: str) -> bool:
        saved = self.layouts.get(name)
        if saved is None or not self._restore(saved.geometry, saved.state):
            self._post(self.tr("Layout {name!r} could not be restored.").format(name=name), 8000)
            return False
        self._post(self.tr("Layout loaded: {name}").format(name=name), 4000)
        return True

    def delete(self, name: str) -> None:
        if name in self.layouts:
            self._store.update(named_layouts=without_layout(self.layouts, name))
            self.rebuild()
            self._post(self.tr("Layout deleted: {name}").format(name=name), 4000)

    def reset(self) -> None:
        if self._default is not None:
            self._restore(*self._default)
