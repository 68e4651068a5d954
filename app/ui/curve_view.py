"""The JGB curve pane (a dock, tabbed beside the positions): that day's curve against 1 week and 1 month
earlier, and the history of any tenor up to that day (never past it: in the demo, rows after the scenario
date stay hidden). A click on a tenor in the macro strip shows it here."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.macro.freshness import Freshness
from app.core.macro.jgb import YieldHistory, curve_set, tenor_history
from app.services.snapshot import Snapshot
from app.ui.theme import palette, style_plot, theme_changed


def _pens() -> tuple[tuple[str, float], ...]:
    p = palette()
    return ((p.long, 2.5), (p.short, 1.5), (p.muted, 1.5))


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


class CurveView(QWidget):
    def __init__(self, history: YieldHistory | None = None, on: date | None = None, tenor: str = "30Y",
                 parent: QWidget | None = None, freshness: Freshness | None = None) -> None:
        super().__init__(parent)
        self._history: YieldHistory | None = None
        self._on: date | None = None
        self._freshness: Freshness | None = None
        self.title = QLabel(self.tr("JGB curve: click a tenor in the strip above"))
        self.title.setObjectName("paneTitle")
        # Stale or unreachable: said above the plots, in the strip's words (one rule, core.macro.freshness).
        self.freshness_label = QLabel("")
        self.freshness_label.setStyleSheet(f"color: {palette().warn}; font-weight: bold;")
        self.freshness_label.hide()

        self.curve_plot = pg.PlotWidget()
        self.curve_plot.setLabel("bottom", self.tr("maturity (years)"))
        self.curve_plot.setLabel("left", self.tr("yield (%)"))
        self.curve_plot.addLegend(offset=(10, 10))
        self.curve_plot.showGrid(x=True, y=True, alpha=0.2)

        self.tenor_choice = QComboBox()
        self.tenor_choice.currentTextChanged.connect(self.show_tenor)
        self.history_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.history_plot.setLabel("left", self.tr("yield (%)"))
        self.history_plot.showGrid(x=True, y=True, alpha=0.2)
        self.history_line = self.history_plot.plot(pen=pg.mkPen(palette().long, width=1.5))
        self.history_line.setDownsampling(auto=True, method="peak")
        self.history_line.setClipToView(True)
        for plot in (self.curve_plot, self.history_plot):
            style_plot(plot)
            plot.setMinimumHeight(120)

        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 6, 0)
        top.addWidget(self.title)
        top.addWidget(self.freshness_label)
        top.addStretch(1)
        top.addWidget(QLabel(self.tr("History of")))
        top.addWidget(self.tenor_choice)
        plots = QHBoxLayout()
        plots.addWidget(self.curve_plot, 1)
        plots.addWidget(self.history_plot, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(plots, 1)
        theme_changed().connect(self._restyle)
        if history is not None and on is not None:
            self.show_data(history, on, tenor, freshness)

    def refresh(self, snapshot: Snapshot) -> None:
        """Pane protocol: the window pushes data with show_data when a tenor is clicked."""

    def show_data(self, history: YieldHistory, on: date, tenor: str, freshness: Freshness | None = None) -> None:
        self._history, self._on, self._freshness = history, on, freshness
        warn = f"⚠ {freshness.label}" if freshness is not None and freshness.warn else ""
        self.freshness_label.setText(warn)
        self.freshness_label.setVisible(bool(warn))
        self.title.setText(self.tr("JGB curve, MOF closes up to {d}").format(d=on.isoformat()))
        self._draw_curves()
        self.tenor_choice.blockSignals(True)
        self.tenor_choice.clear()
        self.tenor_choice.addItems(list(history.tenors))
        self.tenor_choice.setCurrentText(tenor)
        self.tenor_choice.blockSignals(False)
        self.show_tenor(tenor)

    def _draw_curves(self) -> None:
        plot = self.curve_plot.getPlotItem()
        plot.clear()
        if plot.legend is not None:
            plot.legend.clear()
        if self._history is None or self._on is None:
            return
        sets = curve_set(self._history, self._on)
        for (label, curve), (color, width) in zip(
            ((self.tr("close"), sets.current), (self.tr("1 week earlier"), sets.week_ago),
             (self.tr("1 month earlier"), sets.month_ago)), _pens(), strict=True):
            if curve is None:
                continue
            points = [(y, v) for y, v in zip(curve.years(), curve.levels, strict=True) if not math.isnan(v)]
            if points:
                self.curve_plot.plot([p[0] for p in points], [p[1] for p in points],
                                     pen=pg.mkPen(color, width=width), symbol="o", symbolSize=5,
                                     symbolBrush=color, name=f"{label} {curve.data_date.isoformat()}")

    def show_tenor(self, tenor: str) -> None:
        if self._history is None or self._on is None or tenor not in self._history.tenors:
            return
        series = tenor_history(self._history, tenor, until=self._on)
        self.history_line.setData([_epoch(d) for d in series.dates], list(series.levels))
        last = series.dates[-1] if len(series.dates) else self._on  # the last close, not the date asked
        self.history_plot.setTitle(self.tr("{t} JGB, MOF closes through {d}").format(t=tenor, d=last.isoformat()),
                                   color=palette().plot_foreground)

    def _restyle(self, _name: str) -> None:
        self.history_line.setPen(pg.mkPen(palette().long, width=1.5))
        self.freshness_label.setStyleSheet(f"color: {palette().warn}; font-weight: bold;")
        self._draw_curves()
        if self._history is not None:
            self.show_tenor(self.tenor_choice.currentText())
