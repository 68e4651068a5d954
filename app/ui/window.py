"""The main window: replay banner, tape (central), session totals and notices docks, status bar.
One repaint timer drives everything; nothing repaints per message."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QListWidget, QMainWindow, QVBoxLayout, QWidget

from app.core.formatting import format_clock
from app.services.engine import Engine
from app.services.venue_status import VenueStatusView
from app.ui.status_bar import VenueStatusBar
from app.ui.tape_model import venue_name
from app.ui.tape_pane import TapePane
from app.ui.totals_pane import TotalsPane


class MainWindow(QMainWindow):
    closing = Signal()

    def __init__(
        self,
        engine: Engine,
        venues: list[str],
        completeness: dict[str, str],
        status_provider: Callable[[], list[VenueStatusView]],
        clock: Callable[[], int],
        clock_label: str = "live",
        replay_banner: str | None = None,
        tick_size: Callable[[str, str], float | None] | None = None,
        repaint_hz: float = 10.0,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Cascade" + (" — REPLAY" if replay_banner else ""))
        self.setObjectName("cascadeMainWindow")
        self.setDockNestingEnabled(True)
        self.engine = engine
        self._status_provider = status_provider
        self._clock = clock
        self._clock_label = clock_label

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.banner: QLabel | None = None
        if replay_banner:
            self.banner = QLabel(replay_banner)
            self.banner.setObjectName("replayBanner")
            self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            column.addWidget(self.banner)
        self.strip_slot = QVBoxLayout()  # the macro strip goes here
        column.addLayout(self.strip_slot)
        self.tape_pane = TapePane(engine.tapes[0], tick_size, title="Liquidation tape")
        column.addWidget(self.tape_pane, 1)
        self.setCentralWidget(central)

        self.totals_pane = TotalsPane(venues, completeness)
        self.totals_dock = self._dock("Session totals", "totalsDock", self.totals_pane)
        self.notices = QListWidget()
        self.notices_dock = self._dock("Venue notices", "noticesDock", self.notices)
        self.splitDockWidget(self.totals_dock, self.notices_dock, Qt.Orientation.Vertical)

        self.status = VenueStatusBar()
        self.setStatusBar(self.status)

        self.timer = QTimer(self)
        self.timer.setInterval(max(16, int(1000 / max(repaint_hz, 0.1))))
        self.timer.timeout.connect(self.tick)
        self.tick()

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(self.tr(title), self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def start(self) -> None:
        self.timer.start()

    def tick(self) -> None:
        """One repaint: drain the feeds into core state, then update each pane once."""
        self.engine.tick()
        self.tape_pane.refresh()
        self.totals_pane.refresh(self.engine.totals)
        for entry in self.engine.new_notices:
            notice = entry.notice
            text = getattr(notice, "text", None) or getattr(notice, "reason", "")
            code = getattr(notice, "code", "") or getattr(notice, "symbol", "")
            self.notices.insertItem(0, f"{format_clock(entry.market_ms)}  {venue_name(notice.venue)}  {code}: {text}")
            while self.notices.count() > 200:
                self.notices.takeItem(self.notices.count() - 1)
        self.status.update_venues(self._status_provider())
        self.status.update_clock(self._clock(), self._clock_label)

    def layout_state(self) -> tuple[str, str]:
        return (bytes(self.saveGeometry().toBase64().data()).decode(),
                bytes(self.saveState().toBase64().data()).decode())

    def restore_layout(self, geometry: str | None, state: str | None) -> None:
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        if state:
            self.restoreState(QByteArray.fromBase64(state.encode()))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        self.closing.emit()
        super().closeEvent(event)
