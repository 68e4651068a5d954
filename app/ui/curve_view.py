"""The JGB curve view: that day's curve against 1 week and 1 month earlier, and the history of any
tenor up to that day (never past it: in the demo, rows after the scenario date stay hidden)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.macro.freshness import Freshness
from app.core.macro.jgb import YieldHistory, curve_set, tenor_history

_CURVE_PENS = (("#E69F00", 2.5), ("#56B4E9", 1.5), ("#8b949e", 1.5))


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


class CurveView(QDialog):
    def __init__(self, history: YieldHistory, on: date, tenor: str, parent: QWidget | None = None,
                 freshness: Freshness | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("JGB curve — MOF closes up to {d}").format(d=on.isoformat()))
        # Stale or unreachable: said above the plots, in the strip's words (one rule, core.macro.freshness).
        self.freshness_label = QLabel(f"⚠ {freshness.label}" if freshness is not None and freshness.warn else "")
        self.freshness_label.setStyleSheet("color: #d29922; font-weight: bold;")
        self.freshness_label.setVisible(bool(self.freshness_label.text()))
        self.resize(980, 520)
        self._history = history
        self._on = on
        pg.setConfigOptions(antialias=True, background="#0d1117", foreground="#c9d1d9")

        self.curve_plot = pg.PlotWidget()
        self.curve_plot.setLabel("bottom", self.tr("maturity (years)"))
        self.curve_plot.setLabel("left", self.tr("yield (%)"))
        self.curve_plot.addLegend(offset=(10, 10))
        self.curve_plot.showGrid(x=True, y=True, alpha=0.2)
        sets = curve_set(history, on)
        for (label, curve), (color, width) in zip(
            ((self.tr("close"), sets.current), (self.tr("1 week earlier"), sets.week_ago),
             (self.tr("1 month earlier"), sets.month_ago)), _CURVE_PENS, strict=True):
            if curve is None:
                continue
            points = [(y, v) for y, v in zip(curve.years(), curve.levels, strict=True) if not math.isnan(v)]
            if points:
                self.curve_plot.plot([p[0] for p in points], [p[1] for p in points],
                                     pen=pg.mkPen(color, width=width), symbol="o", symbolSize=5,
                                     symbolBrush=color, name=f"{label} {curve.data_date.isoformat()}")

        self.tenor_choice = QComboBox()
        self.tenor_choice.addItems(list(history.tenors))
        self.tenor_choice.setCurrentText(tenor)
        self.tenor_choice.currentTextChanged.connect(self.show_tenor)
        self.history_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.history_plot.setLabel("left", self.tr("yield (%)"))
        self.history_plot.showGrid(x=True, y=True, alpha=0.2)
        self.history_line = self.history_plot.plot(pen=pg.mkPen("#E69F00", width=1.5))
        self.history_line.setDownsampling(auto=True, method="peak")
        self.history_line.setClipToView(True)

        right = QVBoxLayout()
        pick = QHBoxLayout()
        pick.addWidget(QLabel(self.tr("History of")))
        pick.addWidget(self.tenor_choice)
        pick.addStretch(1)
        right.addLayout(pick)
        right.addWidget(self.history_plot)
        plots = QHBoxLayout()
        plots.addWidget(self.curve_plot, 1)
        plots.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.freshness_label)
        layout.addLayout(plots, 1)
        self.show_tenor(tenor)

    def show_tenor(self, tenor: str) -> None:
        series = tenor_history(self._history, tenor, until=self._on)
        self.history_line.setData([_epoch(d) for d in series.dates], list(series.levels))
        last = series.dates[-1] if len(series.dates) else self._on  # the last close, not the date asked
        self.history_plot.setTitle(self.tr("{t} JGB, MOF closes through {d}").format(t=tenor, d=last.isoformat()))
