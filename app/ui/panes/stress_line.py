"""Cumulative long vs short liquidations over the selected window (time axis in UTC): two lines, ▼ longs
orange, ▲ shorts blue, named in the legend. The series is built by the aggregator (at most a few
hundred points), so the pane only hands it to pyqtgraph."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.core.formatting import compact_usd
from app.core.stress import CumulativeSeries
from app.services.snapshot import Snapshot
from app.ui.fence import LayoutFence
from app.ui.panes.stress_charts import UsdAxis, plot_widget
from app.ui.theme import LONG_COLOR, SHORT_COLOR, theme_changed


class StressLinePane(QWidget):
    refresh_every_s = 1.0
    """Paced windows (WindowOptions.paced) refresh it this often:
    rolling windows of an hour and more."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self.tr("Cumulative longs vs shorts: no liquidation in this window yet"))
        self.plot = plot_widget(bottom=pg.DateAxisItem("bottom", utcOffset=0), left=UsdAxis("left"))
        self.plot.getAxis("left").setWidth(64)
        self.title.setWordWrap(True)
        # The title names both lines in their colours (▼ longs, ▲ shorts): no legend over the curves.
        self.longs = self.plot.plot(pen=pg.mkPen(LONG_COLOR, width=2))
        self.shorts = self.plot.plot(pen=pg.mkPen(SHORT_COLOR, width=2))
        for curve in (self.longs, self.shorts):
            curve.setClipToView(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(LayoutFence(self.title))  # its totals change with each liquidation
        layout.addWidget(self.plot, 1)
        self.series: CumulativeSeries | None = None
        theme_changed().connect(self._recolor)  # a bound slot: disconnected when the pane is deleted

    def _recolor(self, _name: str) -> None:
        self.longs.setPen(pg.mkPen(LONG_COLOR, width=2))
        self.shorts.setPen(pg.mkPen(SHORT_COLOR, width=2))
        series, self.series = self.series, None
        if series is not None:  # the title's colours too
            self.refresh_series(series)

    def refresh(self, snapshot: Snapshot) -> None:
        view = snapshot.stress
        if view is None or view.series is None or view.series == self.series:
            return
        self.refresh_series(view.series)

    def refresh_series(self, series: CumulativeSeries) -> None:
        self.series = series
        seconds = [t / 1000 for t in series.t_ms]
        self.longs.setData(seconds, list(series.long_usd))
        self.shorts.setData(seconds, list(series.short_usd))
        if seconds:
            self.plot.setXRange(seconds[0], seconds[-1], padding=0.01)
            top = max(series.long_usd[-1], series.short_usd[-1], 1.0)
            self.plot.setYRange(0, top * 1.08, padding=0)
        long_total = series.long_usd[-1] if series.long_usd else 0.0
        short_total = series.short_usd[-1] if series.short_usd else 0.0
        self.title.setText(self.tr("Cumulative over the last {window}: "
                                   "<span style='color:{lc}'>▼ longs {longs}</span> · "
                                   "<span style='color:{sc}'>▲ shorts {shorts}</span>").format(
            window=series.window, longs=compact_usd(long_total), shorts=compact_usd(short_total),
            lc=LONG_COLOR.name(), sc=SHORT_COLOR.name()))
