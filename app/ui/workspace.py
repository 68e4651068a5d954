"""The workspace actions the main window gains in one call: the theme (View), named layouts (View →
Layouts), the settings dialog (File), the tape's actions (Tape menu), Help → Keyboard shortcuts, and the
keyboard shortcuts themselves (app.ui.shortcuts, one table). Kept out of window.py so the window only
says where the menus are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu

from app.core.formatting import compact_usd
from app.core.tape import TapeFilter
from app.ui import shortcuts
from app.ui.layouts import LayoutMenu
from app.ui.panes import DOCKS
from app.ui.settings_dialog import SettingsDialog
from app.ui.theme import apply_theme, palette

NOTICES_OPEN_HEIGHT = 110
CHART_MIN_HEIGHT = 230  # below this the JGB chart is a tab beside the positions instead



def _title_height(dock: QDockWidget) -> int:
    """What a dock adds above its pane (title bar, frame): measured, never less than a line."""
    return max(dock.height() - dock.widget().height(), dock.fontMetrics().height() + 12)


if TYPE_CHECKING:
    from app.ui.window import MainWindow


class Workspace(QObject):
    def __init__(self, window: MainWindow, file_menu: QMenu, view_menu: QMenu, quit_action: QAction) -> None:
        super().__init__(window)
        self.window = window
        self.store = window.session.store  # type: ignore[attr-defined]
        self.dialogs: list[Any] = []

        self.settings_action = QAction(self.tr("Settings…"), window)
        self.settings_action.triggered.connect(self.open_settings)
        file_menu.insertAction(quit_action, self.settings_action)
        file_menu.insertSeparator(quit_action)
        self.new_position_action = QAction(self.tr("New manual position…"), window)
        self.new_position_action.triggered.connect(lambda: window.open_position_form(None))
        file_menu.insertAction(self.settings_action, self.new_position_action)

        view_menu.addSeparator()
        self.theme_action = QAction(self.tr("Light theme"), window, checkable=True)
        self.theme_action.setChecked(palette().name == "light")
        self.theme_action.toggled.connect(lambda light: self.set_theme("light" if light else "dark"))
        view_menu.addAction(self.theme_action)
        self.layouts = LayoutMenu(window, view_menu, self.store, window.layout_state, window.restore_layout,
                                  window.post_message)

        tape_menu = window.menuBar().addMenu(self.tr("&Tape"))
        pane = window.tape_pane
        pane.model.set_highlight(self.store.current.tape_highlight_usd)
        self.pause_action = QAction(self.tr("Pause"), window, checkable=True)
        self.pause_action.toggled.connect(self.set_paused)
        self.newest_action = QAction(self.tr("Jump to newest"), window)
        self.newest_action.triggered.connect(self.jump_to_newest)
        self.clear_action = QAction(self.tr("Clear"), window)
        self.clear_action.triggered.connect(self.clear_tape)
        self.filter_action = QAction(self.tr("Size filter"), window)
        self.filter_action.triggered.connect(lambda: (pane.min_size.setFocus(), pane.min_size.showPopup()))
        for action in (self.pause_action, self.newest_action, self.clear_action, self.filter_action):
            tape_menu.addAction(action)

        help_menu = window.menuBar().addMenu(self.tr("&Help"))
        self.shortcuts_action = QAction(self.tr("Keyboard shortcuts…"), window)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)

        self.table = shortcuts.SHORTCUTS + shortcuts.pane_shortcuts(
            [(entry.name, entry.title) for entry in DOCKS if entry.in_view_menu])
        actions: dict[str, QAction] = {
            "tape.pause": self.pause_action, "tape.newest": self.newest_action, "tape.clear": self.clear_action,
            "tape.filter": self.filter_action, "position.new": self.new_position_action,
            "file.settings": self.settings_action, "file.quit": quit_action, "view.theme": self.theme_action,
            "view.local_time": window.local_time_action, "view.save_layout": self.layouts.save_action,
            "help.shortcuts": self.shortcuts_action,
        }
        history = getattr(window, "history_actions", None)
        if history is not None:
            actions["file.export"] = history.export_action
            actions["file.record"] = history.record_action
        for name, dock in window.docks.items():
            actions[f"pane.{name}"] = dock.toggleViewAction()
        self.actions = actions
        self.missing = shortcuts.install(window, self.table, actions)
        window.notices.opened.connect(self.open_notices)
        self._fit_pending = False
        window.installEventFilter(self)
        window.alert_banner.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The window resized or a banner came or went above the docks: the totals keep all their rows."""
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide) and not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self.fit_totals)
        return False

    def fit_totals(self) -> None:
        self._fit_pending = False
        pane = self.window.totals_pane
        if pane.isVisible() and pane.height() < pane.maximumHeight() - 1:
            self.open_notices(opening=False)

    def open_notices(self, opening: bool = True) -> None:
        """The notices badge opens to a few lines, taken from the chart below it (the totals keep theirs)."""
        docks = self.window.docks
        notices, totals, chart = docks.get("noticesDock"), docks.get("totalsDock"), docks.get("jgbLiquidationsDock")
        if notices is None or notices.isFloating():
            return
        if self.window.tabifiedDockWidgets(notices):  # a tab is never a badge: only the totals keep their rows
            if totals is not None and not totals.isFloating() \
                    and self.window.dockWidgetArea(totals) == self.window.dockWidgetArea(notices):
                column = totals.height() + notices.height()
                wanted = totals.widget().maximumHeight() + _title_height(totals)
                self.window.resizeDocks([totals, notices], [wanted, max(1, column - wanted)], Qt.Orientation.Vertical)
            return
        # Refitting keeps the notices' height (the chart gives way), but an open pane is never a badge again.
        notices_height = notices.height()
        if opening or (not self.window.notices.collapsed and notices_height < NOTICES_OPEN_HEIGHT):
            notices_height = NOTICES_OPEN_HEIGHT
        if totals is not None and chart is not None and chart.isVisible() and not chart.isFloating() \
                and self.window.dockWidgetArea(chart) == self.window.dockWidgetArea(notices):
            column = totals.height() + notices.height() + chart.height()
            wanted = totals.widget().maximumHeight() + _title_height(totals)
            self.window.resizeDocks([totals, notices, chart],
                                    [wanted, notices_height, max(1, column - wanted - notices_height)],
                                    Qt.Orientation.Vertical)
        elif totals is not None and not totals.isFloating() \
                and self.window.dockWidgetArea(totals) == self.window.dockWidgetArea(notices):
            column = totals.height() + notices.height()
            wanted = totals.widget().maximumHeight() + _title_height(totals)
            self.window.resizeDocks([totals, notices], [wanted, max(1, column - wanted)], Qt.Orientation.Vertical)
        elif opening:
            self.window.resizeDocks([notices], [NOTICES_OPEN_HEIGHT], Qt.Orientation.Vertical)

    def fit_column(self) -> None:
        """First start (no saved layout): the totals get all their rows, the stress table (with the JGB
        chart as its tab) what is left of the right column. When that is too little to read (a small
        window), the table and the chart become tabs beside the positions."""
        window, docks = self.window, self.window.docks
        totals, notices = docks.get("totalsDock"), docks.get("noticesDock")
        chart, positions = docks.get("jgbLiquidationsDock"), docks.get("positionsDock")
        flexible = docks.get("stressTableDock") or chart
        if totals is None or notices is None or flexible is None:
            return
        wanted = totals.widget().maximumHeight() + _title_height(totals)
        beside = 0 if notices in window.tabifiedDockWidgets(flexible) else notices.height()  # stacked, not a tab
        column = totals.height() + beside + flexible.height()
        if column - wanted - beside < CHART_MIN_HEIGHT and positions is not None:
            for dock in dict.fromkeys((flexible, chart)):
                if dock is not None:  # out of its tab group first: Qt will not re-tabify a tabbed dock
                    window.removeDockWidget(dock)
                    window.addDockWidget(window.dockWidgetArea(positions), dock)
                    window.tabifyDockWidget(positions, dock)
                    dock.show()
            positions.raise_()
            window.resizeDocks([totals], [wanted], Qt.Orientation.Vertical)
        else:
            window.resizeDocks([totals, flexible], [wanted, column - wanted - beside], Qt.Orientation.Vertical)

    # -- theme ----------------------------------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        if name != palette().name:
            apply_theme(name)
        if self.store.current.theme != name:
            self.store.update(theme=name)
        if self.theme_action.isChecked() != (name == "light"):
            self.theme_action.setChecked(name == "light")

    # -- tape ------------------------------------------------------------------------------------------

    def set_paused(self, paused: bool) -> None:
        pane = self.window.tape_pane
        if paused:
            pane.held = True
            pane._update_pause()
        else:
            pane.held = False
            pane.jump_to_newest()

    def jump_to_newest(self) -> None:
        self.pause_action.setChecked(False)
        self.window.tape_pane.jump_to_newest()

    def clear_tape(self) -> None:
        pane = self.window.tape_pane
        pane.tape.clear()
        pane.model.replace_rows([])
        pane.refresh()

    # -- dialogs ---------------------------------------------------------------------------------------

    def show_shortcuts(self) -> shortcuts.ShortcutsDialog:
        dialog = shortcuts.ShortcutsDialog(self.table, self.window)
        self._keep(dialog)
        dialog.open()
        return dialog

    def open_settings(self) -> SettingsDialog:
        macro = self.window.macro
        known = list(macro.history.tenors) if macro is not None else None
        demo = getattr(self.window.session, "demo", False)
        dialog = SettingsDialog(self.store, known, self.window, persistent=not demo)
        dialog.saved.connect(self.apply_live)
        self._keep(dialog)
        dialog.open()  # never exec() inside the qasync loop
        return dialog

    def apply_live(self, changes: dict[str, Any]) -> None:
        """What takes effect without a restart; the rest waits for the next start (the dialog says which)."""
        window = self.window
        if "theme" in changes:
            self.set_theme(changes["theme"])
        if "time_zone" in changes:
            window.local_time_action.setChecked(changes["time_zone"] == "local")
        if "repaint_hz" in changes:
            window.timer.setInterval(max(16, int(1000 / changes["repaint_hz"])))
        if "tape_highlight_usd" in changes:
            window.tape_pane.model.set_highlight(float(changes["tape_highlight_usd"]))
        if "tape_min_usd" in changes:
            self.set_tape_min(float(changes["tape_min_usd"]))
        if "macro_tenors" in changes or "macro_move_threshold_bp" in changes:
            window._configure_macro(tenors=changes.get("macro_tenors"),
                                    threshold_bp=changes.get("macro_move_threshold_bp"))

    def set_tape_min(self, usd: float) -> None:
        pane = self.window.tape_pane
        choices = [float(pane.min_size.itemData(i)) for i in range(pane.min_size.count())]
        pane.min_size.blockSignals(True)
        if usd not in choices:  # a value typed in the settings: listed as its own choice
            at = sum(1 for value in choices if value < usd)
            pane.min_size.insertItem(at, f"≥ ${compact_usd(usd).lstrip('$')}", usd)
            choices.insert(at, usd)
        pane.min_size.setCurrentIndex(choices.index(usd))
        pane.min_size.blockSignals(False)
        old = pane.tape.filter
        pane.model.replace_rows(pane.tape.refilter(TapeFilter(min_usd=usd, venues=old.venues, coins=old.coins)))

    def _keep(self, dialog: Any) -> None:
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
