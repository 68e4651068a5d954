"""The window's watchlist side, kept out of window.py: the Watchlists menu (manage, new tape pane,
each pane's scope), the extra tape docks, the prices strip dock, and applying each pane's saved scope
and filters at start.

Every pane that can be scoped implements `Scoped.set_scope(watchlist | None)`; its scope is recorded
in the settings by the dock's object name ("tape" for the central tape), so it comes back on start.
Extra tape docks are named "tapeDock2", "tapeDock3", … (never reused while open), so a saved layout
restores them: they are built from the settings before the window's state is restored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

from app.core.watchlist import Watchlist
from app.services.watchlists import CENTRAL_TAPE, TapePaneSettings, WatchlistService
from app.ui.panes.prices import PricesStrip
from app.ui.panes.tape import TapePane
from app.ui.theme import opaque_pane
from app.ui.watchlist_dialog import WatchlistDialog

if TYPE_CHECKING:
    from app.ui.window import MainWindow

PRICES_DOCK = "pricesDock"


@runtime_checkable
class Scoped(Protocol):
    """A pane that can be locked to a watchlist (None: everything)."""

    def set_scope(self, watchlist: Watchlist | None) -> None: ...


class WatchlistWorkspace(QObject):
    """Built by the window after its own docks, before a saved layout is restored."""

    def __init__(self, window: MainWindow, service: WatchlistService) -> None:
        super().__init__(window)
        self.window = window
        self.service = service
        self.titles: dict[str, str] = {CENTRAL_TAPE: window.tr("Liquidation tape")}
        self.scoped: dict[str, Scoped] = {CENTRAL_TAPE: window.tape_pane}
        for name, dock in window.docks.items():
            pane = window.panes[name]
            if isinstance(pane, Scoped):
                self.scoped[name] = pane
                self.titles[name] = dock.windowTitle()
        self.tapes: dict[str, TapePane] = {CENTRAL_TAPE: window.tape_pane}
        self._coins = sorted(service.known().coins)

        self.prices = PricesStrip(service, getattr(window.session, "tick_size", None))
        self.prices.watchlist_chosen.connect(lambda wid: self.set_scope(PRICES_DOCK, wid))
        dock = self._dock(PRICES_DOCK, window.tr("Watchlist prices"), self.prices)
        window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, dock)
        self.scoped[PRICES_DOCK] = self.prices

        central = window.tape_pane
        self._wire_tape(CENTRAL_TAPE, central)
        saved = service.tape_pane(CENTRAL_TAPE)
        central.set_filters(window.session.settings.tape_min_usd, saved.venue, saved.coin)
        for pane_settings in service.tape_panes():
            self._build_tape(pane_settings)

        self.menu = QMenu(window.tr("&Watchlists"), window)
        window.menuBar().addMenu(self.menu)
        manage = QAction(window.tr("Manage watchlists…"), window)
        manage.triggered.connect(self.open_dialog)
        self.menu.addAction(manage)
        self.new_tape_action = QAction(window.tr("New tape pane"), window)
        self.new_tape_action.triggered.connect(lambda: self.new_tape_pane())
        self.menu.addAction(self.new_tape_action)
        self.scope_menu = self.menu.addMenu(window.tr("Scope of…"))
        self.dialog: WatchlistDialog | None = None
        service.listeners.append(self.lists_changed)
        self.lists_changed()

    # --- docks -------------------------------------------------------------------------------------

    def _dock(self, name: str, title: str, pane: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(pane)
        opaque_pane(pane)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.window.panes[name] = pane
        self.window.docks[name] = dock
        self.titles[name] = title
        return dock

    def _wire_tape(self, name: str, pane: TapePane) -> None:
        pane.filters_changed.connect(lambda usd, venue, coin: self.service.save_tape_pane(
            TapePaneSettings(name, usd, venue or None, coin or None)))
        pane.scope_chosen.connect(lambda wid: self.set_scope(name, wid))
        pane.close_requested.connect(lambda: self.close_tape_pane(name))

    def _build_tape(self, pane_settings: TapePaneSettings) -> TapePane:
        name = pane_settings.name
        session = self.window.session
        tape = self.service.new_tape(self.service.tape_filter(pane_settings, self.service.scope_of(name)))
        number = name.removeprefix("tapeDock")
        pane = TapePane(tape, session.tick_size, title=self.window.tr("Tape {n}").format(n=number),
                        venues=session.venues, coins=self._coins, closable=True)
        pane.set_filters(pane_settings.min_usd, pane_settings.venue, pane_settings.coin)
        pane.model.set_local_time(self.window.local_time_action.isChecked())
        self.window.local_time_action.toggled.connect(pane.model.set_local_time)
        self._wire_tape(name, pane)
        self.tapes[name] = pane
        self.scoped[name] = pane
        dock = self._dock(name, self.window.tr("Tape {n}").format(n=number), pane)
        others = [self.window.docks[n] for n in self.tapes if n != CENTRAL_TAPE and n != name]
        self.window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        if others:
            self.window.splitDockWidget(others[-1], dock, Qt.Orientation.Vertical)
        pane.set_watchlists(self.service.all())
        pane.set_scope(self.service.scope_of(name))
        return pane

    def new_tape_pane(self) -> TapePane:
        """A tape of its own (filters and scope), starting from the central tape's minimum size."""
        name = self.service.new_tape_name()
        pane_settings = TapePaneSettings(name, self.window.session.settings.tape_min_usd)
        self.service.save_tape_pane(pane_settings)
        pane = self._build_tape(pane_settings)
        self.window.docks[name].show()
        self._rebuild_scope_menu()
        pane.refresh()
        return pane

    def close_tape_pane(self, name: str) -> None:
        if name == CENTRAL_TAPE or name not in self.tapes:
            return
        pane = self.tapes.pop(name)
        self.scoped.pop(name, None)
        self.service.drop_tape(pane.tape)
        self.service.remove_tape_pane(name)
        dock = self.window.docks.pop(name)
        self.window.panes.pop(name, None)
        self.titles.pop(name, None)
        self.window.removeDockWidget(dock)
        dock.deleteLater()
        self._rebuild_scope_menu()

    # --- scopes ------------------------------------------------------------------------------------

    def set_scope(self, pane: str, watchlist_id: int | None) -> None:
        """Record and apply one pane's scope (from its combo, the menu or a test)."""
        self.service.set_scope(pane, watchlist_id)
        self._apply(pane)
        self._rebuild_scope_menu()

    def _apply(self, pane: str) -> None:
        target = self.scoped.get(pane)
        if target is None:
            return
        watchlist = self.service.scope_of(pane)
        target.set_scope(watchlist)
        title = self.titles.get(pane, "")
        scoped_title = title if watchlist is None else f"{title} — {watchlist.name}"
        dock = self.window.docks.get(pane)
        if dock is not None and pane != PRICES_DOCK:
            dock.setWindowTitle(scoped_title)
        elif pane == CENTRAL_TAPE:  # the central tape has no dock: its own title says it
            self.window.tape_pane.title.setText(scoped_title)

    def lists_changed(self) -> None:
        """A list was created, renamed, moved, deleted or imported: every selector and scope follows."""
        lists = self.service.all()
        for pane in self.tapes.values():
            pane.set_watchlists(lists)
        self.prices.set_watchlists(lists)
        for name in self.scoped:
            self._apply(name)
        self._rebuild_scope_menu()

    def _rebuild_scope_menu(self) -> None:
        self.scope_menu.clear()
        lists = self.service.all()
        for name, title in self.titles.items():
            if name not in self.scoped:
                continue
            submenu = self.scope_menu.addMenu(title)
            group = QActionGroup(submenu)
            current = self.service.scope_of(name)
            choices: list[tuple[str, int | None]] = [(self.window.tr("Everything"), None)]
            choices += [(w.name, w.id) for w in lists]
            for label, wid in choices:
                action = QAction(label, submenu, checkable=True)
                action.setChecked((current.id if current is not None else None) == wid)
                action.triggered.connect(lambda _checked=False, n=name, w=wid: self.set_scope(n, w))
                group.addAction(action)
                submenu.addAction(action)

    # --- the dialog --------------------------------------------------------------------------------

    def open_dialog(self) -> WatchlistDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        dialog = WatchlistDialog(self.service, self.window)
        self.dialog = dialog
        dialog.open()  # never exec() inside the qasync loop
        return dialog


def attach_watchlists(window: MainWindow) -> WatchlistWorkspace | None:
    """None when the session has no watchlists (a test's stub session)."""
    service = getattr(window.session, "watchlists", None)
    if not isinstance(service, WatchlistService):
        return None
    return WatchlistWorkspace(window, service)
