"""Shared pieces of the stress charts (pyqtgraph): the theme's plot style and a USD axis ($1.2M ticks)."""

from __future__ import annotations

import pyqtgraph as pg

from app.core.formatting import compact_usd
from app.ui.theme import style_plot


class UsdAxis(pg.AxisItem):
    """Ticks as compact USD ($250K, $1.2M)."""

    def tickStrings(self, values, scale, spacing):  # type: ignore[no-untyped-def]
        return [compact_usd(value * scale) if value >= 0 else "" for value in values]


def plot_widget(**axes: pg.AxisItem) -> pg.PlotWidget:
    """A chart in the current theme (apply_theme restyles it, and every other plot, on a switch)."""
    plot = pg.PlotWidget(axisItems=axes or None)
    style_plot(plot)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    return plot
