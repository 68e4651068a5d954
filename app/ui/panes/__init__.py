"""The window's docked panes. Each pane is one module with `refresh(snapshot)`; DOCKS lists them once
(title, default area, View-menu entry), and the window builds and refreshes whatever is listed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.core.venues import registry
from app.services.snapshot import Snapshot
from app.ui.curve_view import CurveView
from app.ui.panes.alert_log import AlertLogPane
from app.ui.panes.jgb_chart import JgbChartPane
from app.ui.panes.notices import NoticesPane
from app.ui.panes.positions import PositionsPane
from app.ui.panes.stress_bars import StressBarsPane
from app.ui.panes.stress_line import StressLinePane
from app.ui.panes.stress_summary import StressSummaryPane
from app.ui.panes.stress_table import StressTablePane
from app.ui.panes.totals import TotalsPane

if TYPE_CHECKING:
    from app.services.session import SessionView


class Pane(Protocol):
    def refresh(self, snapshot: Snapshot) -> None: ...


@dataclass(frozen=True)
class DockPane:
    name: str  # attribute-like key and the dock's object name (saved layouts refer to it)
    title: str
    build: Callable[[SessionView], QWidget]
    area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea
    height: int | None = None  # starting height when stacked with other docks in its area
    width: int | None = None  # starting width of its area
    in_view_menu: bool = True
    tab_with: str | None = None  # share the place of this (earlier) dock, as a tab


def _optional_on(session: SessionView) -> tuple[str, ...]:
    """The venues whose optional liquidation source is on (a session view without the field: none)."""
    return tuple(getattr(session, "optional_liquidations", ()))


DOCKS: tuple[DockPane, ...] = (
    # Totals list only venues with a liquidation feed (Hyperliquid's marks would be a row of zeros); the
    # note under them says which venue publishes none (unless the user's optional source is on).
    DockPane("totalsDock", "Session totals",
             lambda session: TotalsPane(
                 registry.publishing_liquidations(session.venues, _optional_on(session)),
                 session.completeness,
                 registry.missing_feed_notes(session.venues, _optional_on(session))),
             height=300, width=680),
    # The rest of the right column is one tab group: the stress table (per coin: window liquidations, OI,
    # liq / OI, RSI-14, 24 h change), the JGB chart, the venue notices and the alert log.
    DockPane("stressTableDock", "Stress table", lambda _session: StressTablePane(), height=290),
    DockPane("jgbLiquidationsDock", "JGB vs liquidations", lambda session: JgbChartPane(session),
             tab_with="stressTableDock"),
    DockPane("noticesDock", "Venue notices", lambda _session: NoticesPane(), tab_with="stressTableDock"),
    # Every alert delivered; a live start shows the stored ones of the last 24 h (the session read them).
    DockPane("alertLogDock", "Alert log", lambda session: AlertLogPane(getattr(session, "restored_alerts", ())),
             tab_with="stressTableDock"),
    DockPane("positionsDock", "Positions", lambda session: PositionsPane(session, session.tick_size),
             area=Qt.DockWidgetArea.BottomDockWidgetArea, height=230),
    # The curve is a tab beside the positions: a tenor click in the strip raises it.
    DockPane("curveDock", "JGB curve", lambda _session: CurveView(),
             area=Qt.DockWidgetArea.BottomDockWidgetArea, tab_with="positionsDock"),
    # Market stress (issue 12): the headline with the window selector the stress panes share, then charts.
    DockPane("stressSummaryDock", "Market stress", StressSummaryPane,
             area=Qt.DockWidgetArea.LeftDockWidgetArea, height=200, width=430),
    DockPane("stressBarsDock", "Liquidations by venue and coin", lambda _session: StressBarsPane(),
             area=Qt.DockWidgetArea.LeftDockWidgetArea, height=420),
    DockPane("stressLineDock", "Cumulative longs vs shorts", lambda _session: StressLinePane(),
             area=Qt.DockWidgetArea.LeftDockWidgetArea, height=240),
)
