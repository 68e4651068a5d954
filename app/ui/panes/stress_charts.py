"""Shared pieces of the stress charts (pyqtgraph): the dark plot style and a USD axis ($1.2M ticks)."""

from __future__ import annotations

import pyqtgraph as pg

from app.core.formatting import compact_usd

BACKGROUND = "#0d1117"
FOREGROUND = "#c9d1d9"


class UsdAxis(pg.AxisItem):
    """Ticks as compact USD ($250K, $1.2M)."""

    def tickStrings(self, values, scale, spacing):  # type: ignore[no-untyped-def]
        return [compact_usd(value * scale) if value >= 0 else "" for value in values]


def plot_widget(**axes: pg.AxisItem) -> pg.PlotWidget:
    plot = pg.PlotWidget(background=BACKGROUND, axisItems=axes or None)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTextPen(FOREGROUND)
        axis.setPen("#30363d")
    return plot
