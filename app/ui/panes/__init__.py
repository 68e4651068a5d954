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
from app.ui.panes.jgb_chart import JgbChartPane
from app.ui.panes.notices import NoticesPane
from app.ui.panes.positions import PositionsPane
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
    tab_with: str | None = None  # shown as a tab beside this (earlier) dock instead of stacked below it


DOCKS: tuple[DockPane, ...] = (
    # Totals list only venues with a public liquidation feed (Hyperliquid's marks would be a row of zeros).
    DockPane("totalsDock", "Session totals",
             lambda session: TotalsPane(registry.publishing_liquidations(session.venues), session.completeness),
             height=300, width=680),
    # A one-line badge until the first notice (then it opens); the JGB chart takes the column's remaining
    # height, so neither the totals nor the notices leave a blank band.
    DockPane("noticesDock", "Venue notices", lambda _session: NoticesPane(), height=40),
    DockPane("jgbLiquidationsDock", "JGB vs liquidations", lambda session: JgbChartPane(session), height=260),
    DockPane("positionsDock", "Positions", lambda session: PositionsPane(session, session.tick_size),
             area=Qt.DockWidgetArea.BottomDockWidgetArea, height=230),
    # The curve is a tab beside the positions: a tenor click in the strip raises it.
    DockPane("curveDock", "JGB curve", lambda _session: CurveView(),
             area=Qt.DockWidgetArea.BottomDockWidgetArea, tab_with="positionsDock"),
)
