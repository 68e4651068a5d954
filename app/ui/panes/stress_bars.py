"""Liquidations of the selected window per venue and per coin: horizontal bars, long and short stacked
(▼ long orange, ▲ short blue, the colour-blind-safe pair, with the words in the legend). The rows come
from app.services.stress.bar_rows; nothing is computed here."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.core.formatting import compact_usd
from app.services.snapshot import Snapshot
from app.services.stress import BarRow, bar_rows
from app.ui.fence import LayoutFence
from app.ui.panes.stress_charts import UsdAxis, plot_widget
from app.ui.theme import LONG_COLOR, SHORT_COLOR, theme_changed

MAX_VENUES = 10
MAX_COINS = 8


class StackedBars(QWidget):
    """One chart: a title, then one horizontal bar per row (long from 0, short stacked after it)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setObjectName("paneTitle")
        self.plot = plot_widget(bottom=UsdAxis("bottom"))
        self.plot.getViewBox().invertY(True)  # the largest on top
        self.longs = pg.BarGraphItem(x0=[], y=[], width=[], height=0.7, brush=LONG_COLOR, pen=None)
        self.shorts = pg.BarGraphItem(x0=[], y=[], width=[], height=0.7, brush=SHORT_COLOR, pen=None)
        self.plot.addItem(self.longs)
        self.plot.addItem(self.shorts)
        self.plot.getAxis("left").setWidth(78)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(LayoutFence(self.title))  # its window's name changes with the selection
        layout.addWidget(self.plot, 1)
        self.rows: list[BarRow] = []
        theme_changed().connect(self._recolor)  # a bound slot: disconnected when the chart is deleted

    def _recolor(self, _name: str) -> None:
        self.longs.setOpts(brush=LONG_COLOR)  # the shared colours were changed in place by apply_theme
        self.shorts.setOpts(brush=SHORT_COLOR)

    def show_rows(self, rows: list[BarRow]) -> None:
        if rows == self.rows:
            return
        self.rows = rows
        y = list(range(len(rows)))
        longs = [row.long_usd for row in rows]
        shorts = [row.short_usd for row in rows]
        self.longs.setOpts(x0=[0.0] * len(rows), y=y, width=longs, height=0.7)
        self.shorts.setOpts(x0=longs, y=y, width=shorts, height=0.7)
        self.plot.getAxis("left").setTicks([[(i, row.label) for i, row in enumerate(rows)]])
        top = max((row.long_usd + row.short_usd for row in rows), default=0.0)
        self.plot.setXRange(0, max(top, 1.0) * 1.05, padding=0)
        self.plot.setYRange(-0.6, max(len(rows), 4) - 0.4, padding=0)
        self.plot.setToolTip("\n".join(
            f"{row.label}: ▼ long {compact_usd(row.long_usd)} · ▲ short {compact_usd(row.short_usd)} "
            f"({row.count:,} orders)" for row in rows))


class StressBarsPane(QWidget):
    refresh_every_s = 1.0
    """Paced windows (WindowOptions.paced) refresh it this often:
    rolling windows of an hour and more."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.legend = QLabel()
        self._recolor("")
        theme_changed().connect(self._recolor)
        self.venues = StackedBars(self.tr("By venue"))
        self.coins = StackedBars(self.tr("By coin"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.legend)
        layout.addWidget(self.venues, 1)
        layout.addWidget(self.coins, 1)

    def _recolor(self, _name: str) -> None:
        self.legend.setText(f"<span style='color:{LONG_COLOR.name()}'>■ ▼ longs liquidated</span>  "
                            f"<span style='color:{SHORT_COLOR.name()}'>■ ▲ shorts liquidated</span>")
        self._key: tuple[object, ...] | None = None

    def refresh(self, snapshot: Snapshot) -> None:
        view = snapshot.stress
        if view is None:
            return
        stats = view.current
        key = (view.selected, stats.totals, stats.end_ms // 1000)
        if key == self._key:
            return
        self._key = key
        self.venues.title.setText(self.tr("By venue — last {window}").format(window=stats.name))
        self.coins.title.setText(self.tr("By coin — last {window}").format(window=stats.name))
        self.venues.show_rows(bar_rows(stats.by_venue, MAX_VENUES, venues=True))
        self.coins.show_rows(bar_rows(stats.by_coin, MAX_COINS))
