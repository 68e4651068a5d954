"""The main window: replay banner, tape (central), session totals and notices docks, status bar.
One repaint timer drives everything; nothing repaints per message."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.services.alerts import Alert, AlertDispatcher, EventAlertScheduler
from app.services.macro import MacroService, market_date
from app.services.session import SessionView
from app.services.snapshot import StatusMessage
from app.services.status_board import StatusBoard
from app.ui.alert_rules_dialog import AlertRulesDialog
from app.ui.curve_view import CurveView
from app.ui.fence import LayoutFence
from app.ui.history_actions import HistoryActions
from app.ui.key_import import open_forget_imported, open_key_import
from app.ui.notifier import InAppNotifier
from app.ui.panes import DOCKS, DockPane
from app.ui.panes.alert_log import AlertLogPane
from app.ui.panes.macro_strip import MacroStrip
from app.ui.panes.notices import NoticesPane
from app.ui.panes.positions import PositionsPane
from app.ui.panes.tape import TapePane
from app.ui.panes.totals import TotalsPane
from app.ui.position_form import PositionForm
from app.ui.shock_dialog import ShockDialog
from app.ui.status_bar import VenueStatusBar
from app.ui.tape_model import venue_name
from app.ui.theme import opaque_pane
from app.ui.watch_dialog import open_watch_dialog
from app.ui.watchlist_menu import attach_watchlists
from app.ui.workspace import Workspace


@dataclass(frozen=True)
class WindowOptions:
    """Start-up choices taken from the settings."""

    repaint_hz: float = 10.0
    local_time: bool = False
    event_alert_minutes: float = 30.0
    paced: bool = False
    """Panes of rolling figures refresh at their own pace (a pane's `refresh_every_s`), the status bar's
    rates once a second, the tape every tick: what a quiet day costs is what changed (issue 14). The app
    sets it; tests that tick a window by hand leave it off and see every tick."""


IDLE_TICK_S = 0.25
"""Paced: with no news waiting (a liquidation, notice or message: Session.has_news), the repaint timer takes a
snapshot this often and when the clock's second turns; its other ticks only read the sockets (a quiet day's
marks move positions and prices 4 times a second; what arrived shows at the next tick, as before)."""

STATUS_EVERY_S = 1.0
"""Paced: the status bar's rates and clock refresh this often (a venue's state changes show at once)."""

DOCK_MIN_HEIGHT = 48
"""Least height of a docked pane (px): the window's size is the user's, never the panes' sum."""


class MainWindow(QMainWindow):
    closing = Signal()
    calendar_chosen = Signal(str)
    macro_view_changed = Signal(list, float)  # tenors, big-move threshold (bp): for the settings

    def __init__(self, session: SessionView, options: WindowOptions | None = None) -> None:
        super().__init__()
        options = options or WindowOptions()
        replay_banner = session.banner
        self.setWindowTitle("Cascade" + (" — REPLAY" if replay_banner else ""))
        self.setObjectName("cascadeMainWindow")
        self.setDockNestingEnabled(True)
        self.session = session
        self._clock = session.now_ms
        self._macro_version = 0
        self._alert_minutes = options.event_alert_minutes

        # Banners and the macro strip sit in one fixed tool bar: it spans the whole width, above the docks.
        top = QWidget()
        top_column = QVBoxLayout(top)
        top_column.setContentsMargins(0, 0, 0, 0)
        top_column.setSpacing(0)
        self.banner: QLabel | None = None
        if replay_banner:
            self.banner = QLabel(replay_banner)
            self.banner.setObjectName("replayBanner")
            self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            top_column.addWidget(self.banner)
        self.alert_banner = QLabel()  # always shown (InAppNotifier): an alert never moves the docks
        self.alert_banner.setObjectName("alertBanner")
        top_column.addWidget(LayoutFence(self.alert_banner))  # its distance changes with the marks
        self.macro_strip = MacroStrip()
        self.macro_strip.hide()
        self.macro_strip.tenor_clicked.connect(self.open_curve)
        self.macro_strip.tenors_chosen.connect(lambda tenors: self._configure_macro(tenors=tenors))
        self.macro_strip.threshold_chosen.connect(lambda bp: self._configure_macro(threshold_bp=bp))
        top_column.addWidget(self.macro_strip)
        for fixed in (self.banner, self.alert_banner, self.macro_strip):
            if fixed is not None:
                fixed.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # A long alert never widens the window: the line takes the width it is given (full text in its tooltip).
        self.alert_banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._top_bar("topBar", top)
        self.tape_pane = TapePane(session.tape, session.tick_size, title="Liquidation tape", venues=session.venues)
        self.setCentralWidget(self.tape_pane)
        for widget in (top, self.tape_pane):
            opaque_pane(widget)
        self.macro: MacroService | None = None
        self.event_alerts: EventAlertScheduler | None = None
        self.alerts = AlertDispatcher()
        self._background: set[asyncio.Task[str]] = set()
        self._ticks = 0

        self._shown_once = False
        self._layout_restored = False
        self.panes: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        self.totals_pane: TotalsPane = self.panes["totalsDock"]  # type: ignore[assignment]
        self.notices: NoticesPane = self.panes["noticesDock"]  # type: ignore[assignment]
        self.alert_log: AlertLogPane = self.panes["alertLogDock"]  # type: ignore[assignment]
        self.alert_log.test_requested.connect(self.test_alert)
        self.alert_log.rules_requested.connect(self.open_alert_rules)
        self.alert_log.alert_added.connect(self.docks["alertLogDock"].raise_)  # an alert brings its tab forward
        self.positions_pane: PositionsPane = self.panes["positionsDock"]  # type: ignore[assignment]
        self.curve_view: CurveView = self.panes["curveDock"]  # type: ignore[assignment]
        self.positions_pane.add_requested.connect(lambda: self.open_position_form(None))
        self.positions_pane.edit_requested.connect(self.open_position_form)
        self.positions_pane.delete_requested.connect(self.delete_position)
        self.positions_pane.shock_requested.connect(self.open_shock_table)
        self.dialogs: list[QDialog] = []  # open position forms and shock tables (kept alive while open)

        self.status = VenueStatusBar()
        self.setStatusBar(self.status)
        self.status.add_venues(session.venues)
        self.status.retry_requested.connect(self.retry_venue)
        # Messages are kept per venue and shown together or in turn: none overwrites another.
        self.board = StatusBoard(label=venue_name)
        self.board_ms = lambda: int(time.monotonic() * 1000)  # tests step it
        self.alerts.add(InAppNotifier(self.alert_banner, self.alert_log))
        self._build_menus()
        # Watchlists: the Watchlists menu, extra tape docks, the prices strip, each pane's saved scope.
        self.watchlists = attach_watchlists(self)
        if options.local_time:
            self.local_time_action.setChecked(True)
        self.local_time_action.toggled.connect(session.set_time_zone)
        self.tape_pane.min_size_changed.connect(session.set_tape_min)
        self.macro_view_changed.connect(session.set_macro_view)
        self.calendar_chosen.connect(session.import_calendar)

        self._paced = options.paced
        self._monotonic = time.monotonic  # tests step it
        self._refreshed: dict[str, float] = {}  # pane name -> when it last refreshed (paced)
        self._venues_shown: tuple[tuple[str, str], ...] = ()
        self._venues_at = float("-inf")
        self._clock_second = -1
        self.timer = QTimer(self)
        self.timer.setInterval(max(16, int(1000 / max(options.repaint_hz, 0.1))))
        self.timer.timeout.connect(self._on_timer)
        self.read_pump: Callable[[], None] | None = None
        """Reads the sockets before a tick (app.ui.event_loop's pump_reads; set by app.main)."""
        self._snapshot_at = float("-inf")
        self.tick()

    def _top_bar(self, name: str, widget: QWidget) -> QToolBar:
        bar = QToolBar(self)
        bar.setObjectName(name)
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setEnabled(False)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setStyleSheet("QToolBar { border: none; padding: 0; spacing: 0; }")
        bar.addWidget(widget)
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        return bar

    def _build_docks(self) -> None:
        """One dock per DOCKS entry; docks sharing an area stack top to bottom in table order."""
        last_in_area: dict[Qt.DockWidgetArea, QDockWidget] = {}
        # The left column (the market stress panes) runs down to the status bar, beside the positions.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        for entry in DOCKS:
            pane = entry.build(self.session)
            # A pane may be squeezed (its content clipped) rather than force the window past the size the
            # user gave it: wrapped text and tables otherwise add up to more than a 1280×800 screen.
            pane.setMinimumHeight(DOCK_MIN_HEIGHT)
            opaque_pane(pane)
            dock = QDockWidget(self.tr(entry.title), self)
            dock.setObjectName(entry.name)
            dock.setWidget(pane)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            self.addDockWidget(entry.area, dock)
            above = last_in_area.get(entry.area)
            if entry.tab_with is None and above is not None:
                self.splitDockWidget(above, dock, Qt.Orientation.Vertical)
            if entry.tab_with is None:
                last_in_area[entry.area] = dock
            self.panes[entry.name] = pane
            self.docks[entry.name] = dock
        # Tabs only once every column is split: Qt adds a dock split off a tabbed one as one more tab.
        for entry in DOCKS:
            if entry.tab_with is not None and entry.tab_with in self.docks:
                self.tabifyDockWidget(self.docks[entry.tab_with], self.docks[entry.name])
        notices = self.panes.get("noticesDock")
        if isinstance(notices, NoticesPane) and self.tabifiedDockWidgets(self.docks["noticesDock"]):
            notices.never_collapse()
        for entry in DOCKS:
            if entry.tab_with is not None and entry.tab_with in self.docks:
                self.docks[entry.tab_with].raise_()  # the first tab of a group is the one shown
        self._size_docks()

    def _size_docks(self) -> None:
        """Starting sizes from DOCKS: widths per area, heights among the docks stacked in one area."""
        for entry in DOCKS:
            if entry.width is not None:
                self.resizeDocks([self.docks[entry.name]], [entry.width], Qt.Orientation.Horizontal)
        areas: dict[Qt.DockWidgetArea, list[DockPane]] = {}
        for entry in DOCKS:
            if entry.height is not None:
                areas.setdefault(entry.area, []).append(entry)
        for sized in areas.values():
            self.resizeDocks([self.docks[entry.name] for entry in sized], [entry.height or 0 for entry in sized],
                             Qt.Orientation.Vertical)

    def showEvent(self, event: QShowEvent) -> None:
        """The first show knows the window's real size: the starting dock sizes are applied again, unless
        a saved layout was restored."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if not self._layout_restored:
                self._size_docks()
                self.workspace.fit_column()
            self.workspace.layouts.remember_default()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        import_calendar = QAction(self.tr("Import event calendar (ICS)…"), self)
        import_calendar.triggered.connect(self.choose_calendar)
        file_menu.addAction(import_calendar)
        import_key = QAction(self.tr("Import read-only API key…"), self)
        import_key.triggered.connect(lambda: open_key_import(self, self.session))
        file_menu.addAction(import_key)
        forget = QAction(self.tr("Forget imported account…"), self)
        forget.triggered.connect(lambda: open_forget_imported(self, self.session))
        file_menu.addAction(forget)
        watch = QAction(self.tr("Watch address…"), self)
        watch.triggered.connect(lambda: open_watch_dialog(self, self.session))
        file_menu.addAction(watch)
        self.history_actions = HistoryActions(self, self.session, file_menu, self.post_message)
        diagnostics = QAction(self.tr("Copy diagnostics"), self)
        diagnostics.triggered.connect(self.copy_diagnostics)
        file_menu.addAction(diagnostics)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("Quit"), self)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        alerts_menu = self.menuBar().addMenu(self.tr("&Alerts"))
        self.rules_action = QAction(self.tr("Rules…"), self)
        self.rules_action.triggered.connect(self.open_alert_rules)
        alerts_menu.addAction(self.rules_action)
        test_alert = QAction(self.tr("Test alert"), self)
        test_alert.triggered.connect(lambda: self.test_alert())
        alerts_menu.addAction(test_alert)
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        for entry in DOCKS:
            if entry.in_view_menu:
                view_menu.addAction(self.docks[entry.name].toggleViewAction())
        self.local_time_action = QAction(self.tr("Local time (instead of UTC)"), self, checkable=True)
        self.local_time_action.toggled.connect(self.tape_pane.model.set_local_time)
        view_menu.addAction(self.local_time_action)
        # Theme, named layouts, settings, the Tape and Help menus and the keyboard shortcuts.
        self.workspace = Workspace(self, file_menu, view_menu, quit_action)

    def attach_macro(self, macro: MacroService, alert_minutes: float, extra_notifiers: tuple = ()) -> None:
        self.macro = macro
        for notifier in extra_notifiers:
            self.alerts.add(notifier)
        self.event_alerts = EventAlertScheduler(self.alerts, macro.calendar.events, lead_minutes=alert_minutes)
        self.macro_strip.show()
        self._refresh_macro()

    def _take_macro(self, macro: MacroService) -> None:
        """A newly loaded, polled or re-calendared macro service from the session."""
        if self.macro is None:
            self.attach_macro(macro, self._alert_minutes)
            return
        self.macro = macro
        if self.event_alerts is not None:
            self.event_alerts.set_events(macro.calendar.events)
        self._refresh_macro()

    def _configure_macro(self, tenors: list[str] | None = None, threshold_bp: float | None = None) -> None:
        if self.macro is None:
            return
        self.macro.configure(tenors, threshold_bp)
        self._refresh_macro()
        self.macro_view_changed.emit(list(self.macro.tenors), self.macro.threshold_bp)

    def _refresh_macro(self) -> None:
        if self.macro is None:
            return
        now = self._clock()
        self.macro_strip.show_macro(self.macro, now)
        if self.event_alerts is not None:
            self.event_alerts.tick(now)

    def open_curve(self, tenor: str) -> None:
        """A tenor clicked in the strip: the curve dock (a tab beside the positions) shows it."""
        if self.macro is None:
            return
        now = self._clock()
        self.curve_view.show_data(self.macro.history, market_date(now), tenor, freshness=self.macro.freshness(now))
        dock = self.docks["curveDock"]
        dock.show()
        dock.raise_()

    def choose_calendar(self) -> None:
        dialog = QFileDialog(self, self.tr("Import event calendar"), str(Path.home()), "iCalendar (*.ics)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.calendar_chosen)
        dialog.open()

    def copy_diagnostics(self) -> None:
        """Gathering reads the log tail and asks keyring for its backend (D-Bus): off the loop thread."""
        from app.services.diagnostics import diagnostics_text

        def copied(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self.post_message(self.tr("Diagnostics copied (keys and addresses redacted)."), 5000)

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no asyncio loop (tests driving the window directly)
            copied(diagnostics_text())
            return
        task = loop.create_task(asyncio.to_thread(diagnostics_text))
        self._background.add(task)
        task.add_done_callback(lambda done: (self._background.discard(done), copied(done.result())))

    # --- positions --------------------------------------------------------------------------------

    def open_position_form(self, key: tuple[str, ...] | None = None) -> PositionForm | None:
        """Add… (key None) or Edit… a manual position; the session validates nothing twice: the form did."""
        service = getattr(self.session, "positions", None)
        if service is None:
            return None
        position = None if key is None else service.manual(key)
        if key is not None and position is None:
            return None
        account = None if position is None else service.accounts.get(position.account_key)
        form = PositionForm(self.session.instruments, self.session.venues, self, position, account)  # type: ignore[attr-defined]
        form.accepted_position.connect(self._position_entered)
        self._keep_open(form)
        return form

    def _position_entered(self, old_key: tuple[str, ...] | None, position: object, account: object) -> None:
        session = self.session
        if old_key is None:
            session.add_position(position, account)  # type: ignore[attr-defined]
        else:
            session.replace_position(old_key, position, account)  # type: ignore[attr-defined]
        self.post_message(self.tr("Position saved: {label}").format(label=position.name), 5000)  # type: ignore[attr-defined]
        self.tick()

    def delete_position(self, key: tuple[str, ...]) -> None:
        delete = getattr(self.session, "delete_position", None)
        if delete is None:
            return
        delete(key)
        self.post_message(self.tr("Position deleted: {label}").format(label=" ".join(key)), 5000)
        self.tick()

    def open_shock_table(self) -> ShockDialog | None:
        shock = getattr(self.session, "shock_table", None)
        frame = self.positions_pane.frame
        if shock is None or frame is None:
            return None
        coins = sorted({view.coin for view in frame.book.positions})
        dialog = ShockDialog(shock, coins, self)
        self._keep_open(dialog)
        return dialog

    def _keep_open(self, dialog: QDialog) -> None:
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _result: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
        dialog.open()  # never exec() inside the qasync loop

    # --- liquidation alerts -----------------------------------------------------------------------------

    def open_alert_rules(self) -> AlertRulesDialog | None:
        """Alerts → Rules…: the session's rules in a dialog; saved ones are in force at once."""
        rules = getattr(self.session, "alert_rules", None)
        if rules is None:
            return None
        dialog = AlertRulesDialog(rules(), self)
        dialog.rules_saved.connect(self._rules_saved)
        dialog.test_requested.connect(self.test_alert)
        self._keep_open(dialog)
        return dialog

    def _rules_saved(self, rules: list) -> None:  # type: ignore[type-arg]
        self.session.set_alert_rules(rules)  # type: ignore[attr-defined]
        self.post_message(self.tr("Alert rules saved: {n} ({on} enabled)").format(
            n=len(rules), on=sum(rule.enabled for rule in rules)), 5000)

    def test_alert(self, rule: object = None) -> None:
        """The "Test alert" button: a sample through every backend (banner, log, desktop, sound)."""
        make = getattr(self.session, "test_alert", None)
        alert = make(rule) if make is not None else Alert(
            f"test:{self._clock()}", "Test alert", "This is what an alert looks and sounds like.", "warning",
            self._clock(), cooldown_ms=0)
        self.alerts.dispatch(alert)

    def retry_venue(self, venue: str) -> None:
        woken = self.session.retry_now(venue)
        self.status.retry_button(venue).hide()  # until the next attempt's outcome shows
        self.post_message(self.tr("retrying now") if woken else self.tr("not waiting to retry"), 5000, venue)

    def post_message(self, text: str, timeout_ms: int = 30_000, venue: str = "") -> None:
        """A message of the window's own, on the same board as the session's."""
        self.board.add([StatusMessage(text, timeout_ms, venue)], self.board_ms())
        self._show_board()

    def _show_board(self) -> None:
        text = self.board.text(self.board_ms())
        if text != self.statusBar().currentMessage():
            if text:
                self.statusBar().showMessage(text)
            else:
                self.statusBar().clearMessage()

    def start(self) -> None:
        self.timer.start()

    def _on_timer(self) -> None:
        if self.read_pump is not None:
            self.read_pump()  # what arrived since the last tick, into the sink before the snapshot
        if not self._paced or self._snapshot_due():
            self.tick()

    def _snapshot_due(self) -> bool:
        if self._monotonic() - self._snapshot_at >= IDLE_TICK_S:
            return True
        news = getattr(self.session, "has_news", None)
        return news is None or news() or self.session.now_ms() // 1000 != self._clock_second

    def tick(self) -> None:
        """One repaint: the services build one snapshot, then each pane reads it once."""
        self._snapshot_at = self._monotonic()
        snapshot = self.session.snapshot()
        if snapshot.macro_version != self._macro_version and snapshot.macro is not None:
            self._take_macro(snapshot.macro)
            self._macro_version = snapshot.macro_version
        self.tape_pane.refresh(snapshot)
        if snapshot.tape_reached is not None:
            snapshot.tape_reached()  # this tick's liquidations are in the tape model (latency)
        if snapshot.position_frame is not None:
            for alert in snapshot.position_frame.alerts:
                self.alerts.dispatch(alert)  # banner, alert log, desktop notification, sound
        for alert in snapshot.liquidation_alerts:
            self.alerts.dispatch(alert)
        now = self._monotonic()
        turn, overdue = None, 0.0  # paced: at most one pane of rolling figures a tick, the most overdue,
        for name, pane in self.panes.items():  # so their refreshes and repaints never pile into one tick
            every = getattr(pane, "refresh_every_s", 0.0) if self._paced else 0.0
            if not every:
                pane.refresh(snapshot)  # type: ignore[attr-defined]
                continue
            late = (now - self._refreshed.get(name, float("-inf")) - every) / every  # in its own paces: a
            if late >= 0 and (turn is None or late > overdue):  # 0.25 s pane gets 4 turns to a 1 s pane's one
                turn, overdue = name, late
        if turn is not None:
            self._refreshed[turn] = now
            self.panes[turn].refresh(snapshot)  # type: ignore[attr-defined]
        if snapshot.messages:
            self.board.add(snapshot.messages, self.board_ms())
        self._show_board()
        states = tuple((view.venue, view.state) for view in snapshot.venues)
        if not self._paced or states != self._venues_shown or now - self._venues_at >= STATUS_EVERY_S:
            self._venues_shown, self._venues_at = states, now  # a venue's state at once, its rate every second
            self.status.update_venues(list(snapshot.venues))
        second = snapshot.now_ms // 1000
        if not self._paced or second != self._clock_second:
            self._clock_second = second  # the clock shows seconds: repainted when one changes
            self.status.update_clock(snapshot.now_ms, snapshot.clock_label, local=self.local_time_action.isChecked())
        self._ticks += 1
        if self._ticks % max(1, round(1000 / max(self.timer.interval(), 1))) == 0:
            self._refresh_macro()  # countdowns and closes change at most once a second

    def layout_state(self) -> tuple[str, str]:
        return (bytes(self.saveGeometry().toBase64().data()).decode(),
                bytes(self.saveState().toBase64().data()).decode())

    def restore_layout(self, geometry: str | None, state: str | None) -> bool:
        """Geometry and dock state saved by layout_state(); False when Qt refused either."""
        restored = True
        if not self._shown_once:
            self.workspace.layouts.remember_default()  # "Default layout": the docks as built
        if geometry:
            restored = self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        if state:
            self._layout_restored = self.restoreState(QByteArray.fromBase64(state.encode()))
            restored = restored and self._layout_restored
        return restored

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        self.closing.emit()
        super().closeEvent(event)
