"""JGB 30Y daily change (bp) against the user's own daily liquidation totals, per UTC day (issue 13
item 4): two bar charts sharing the date axis, and the correlation over the days that have both. The
numbers come from app.core.macro.liquidation_days (pure) and app.services.jgb_liquidations (the history
store's daily totals, read off the loop thread); this pane only draws them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyqtgraph as pg
import shiboken6
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.core.formatting import compact_usd
from app.core.macro.liquidation_days import DAY_MS, DayTotals, JgbLiquidationView, jgb_against_liquidations, utc_day
from app.services.jgb_liquidations import load_day_totals
from app.services.snapshot import Snapshot
from app.ui.theme import palette, style_plot, theme_changed

SPAN_CHOICES = (("7 days", 7), ("30 days", 30), ("90 days", 90), ("1 year", 365))
REFRESH_EVERY_MS = 60_000  # market time between re-reads of the store (the chart is per day)
TENOR = "30Y"


def _x(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()  # the bar's middle: noon


class JgbChartPane(QWidget):
    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.view: JgbLiquidationView | None = None
        self._last_read_ms: int | None = None
        self._macro_version = -1
        self._reading: asyncio.Task[list[DayTotals]] | None = None
        self.title = QLabel(self.tr("JGB {t} daily change (bp) against your liquidations per UTC day").format(t=TENOR))
        self.title.setObjectName("paneTitle")
        self.title.setToolTip(self.tr(
            "The MOF close of date D is fixed around 06:00 UTC on D, before the US and European hours of "
            "the same UTC day, so each UTC day's liquidations are set against that day's JGB move.\n"
            "Liquidations: what Cascade recorded from public feeds (sampled feeds undercount; days Cascade "
            "was not running show nothing)."))
        self.summary = QLabel()
        self.summary.setProperty("muted", True)
        self.summary.setWordWrap(True)
        for label in (self.title, self.summary):  # long texts never widen the column: they wrap or clip
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setMinimumWidth(0)
        self.span = QComboBox()
        for label, days in SPAN_CHOICES:
            self.span.addItem(self.tr(label), days)
        self.span.setCurrentIndex(1)
        self.span.currentIndexChanged.connect(lambda _i: self.reload())
        self.jgb_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.jgb_plot.setLabel("left", self.tr("{t} Δ").format(t=TENOR), units="bp")
        self.liq_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.liq_plot.setLabel("left", self.tr("liq."), units="$")
        self.liq_plot.setXLink(self.jgb_plot)
        for plot in (self.jgb_plot, self.liq_plot):
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setMinimumHeight(45)
            plot.getPlotItem().getAxis("left").setWidth(64)
            style_plot(plot)
        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 6, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.span)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        self.summary.setContentsMargins(6, 0, 6, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.jgb_plot, 1)
        layout.addWidget(self.liq_plot, 1)
        theme_changed().connect(self._theme_changed)  # a bound slot: disconnected when the pane is deleted

    def _theme_changed(self, _name: str) -> None:
        self.draw()

    # -- data --------------------------------------------------------------------------------------

    def refresh(self, snapshot: Snapshot) -> None:
        """Re-read the store at most once a market minute, and when the macro data is replaced."""
        due = self._last_read_ms is None or snapshot.now_ms - self._last_read_ms >= REFRESH_EVERY_MS
        if snapshot.macro is None or not (due or snapshot.macro_version != self._macro_version):
            return
        self._macro_version = snapshot.macro_version
        self.reload(snapshot.now_ms)

    def reload(self, now_ms: int | None = None) -> None:
        now = now_ms if now_ms is not None else self.session.now_ms()
        self._last_read_ms = now
        last = utc_day(now)
        first = last - timedelta(days=int(self.span.currentData()) - 1)
        since = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp() * 1000)
        store = getattr(self.session, "history", None)
        if store is None:
            self._show([], first, last)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (tests driving the window): read here
            self._show(load_day_totals(store, since, now + 1), first, last)
            return
        if self._reading is not None and not self._reading.done():
            return
        self._reading = loop.create_task(asyncio.to_thread(load_day_totals, store, since, now + 1))
        self._reading.add_done_callback(lambda task: self._read_done(task, first, last))

    def _read_done(self, task: asyncio.Task[list[DayTotals]], first: date, last: date) -> None:
        if task.cancelled() or not shiboken6.isValid(self):  # the window closed meanwhile
            return
        if task.exception() is not None:
            self.summary.setText(self.tr("Liquidation history could not be read: {error}").format(
                error=task.exception()))
            return
        self._show(task.result(), first, last)

    def _show(self, totals: list[DayTotals], first: date, last: date) -> None:
        macro = getattr(self.session, "macro", None)
        if macro is None:
            return
        self.view = jgb_against_liquidations(macro.history, totals, first, last, TENOR)
        self.draw()

    # -- drawing -----------------------------------------------------------------------------------

    def draw(self) -> None:
        view = self.view
        p = palette()
        for plot in (self.jgb_plot, self.liq_plot):
            plot.clear()
            style_plot(plot, p)
        if view is None:
            return
        width = DAY_MS / 1000 * 0.7
        moves = [(d.day, d.change_bp) for d in view.days if d.change_bp is not None]
        if moves:
            self.jgb_plot.addItem(pg.BarGraphItem(
                x=[_x(day) for day, _ in moves], height=[bp for _, bp in moves], width=width,
                brushes=[pg.mkBrush(p.long if bp > 0 else p.short) for _, bp in moves], pen=pg.mkPen(None)))
        longs = [d.liquidations.long_usd for d in view.days]
        shorts = [d.liquidations.short_usd for d in view.days]
        xs = [_x(d.day) for d in view.days]
        self.liq_plot.addItem(pg.BarGraphItem(x=xs, height=longs, width=width, brush=p.long, pen=pg.mkPen(None),
                                              name=self.tr("longs liquidated")))
        self.liq_plot.addItem(pg.BarGraphItem(x=xs, y0=longs, height=shorts, width=width, brush=p.short,
                                              pen=pg.mkPen(None), name=self.tr("shorts liquidated")))
        self.jgb_plot.addLine(y=0, pen=pg.mkPen(p.muted))
        span = (_x(view.days[0].day) - 43_200, _x(view.days[-1].day) + 43_200) if view.days else (0, 1)
        self.jgb_plot.setXRange(*span, padding=0.01)
        stored = [d for d in view.days if d.liquidations.count]
        total = sum(d.liquidations.total_usd for d in stored)
        corr = (self.tr("r = {r:+.2f} over {n} days").format(r=view.correlation, n=view.paired_days)
                if view.correlation is not None else
                self.tr("correlation needs 3+ days with both ({n} so far)").format(n=view.paired_days))
        source = (self.tr("the replayed day's liquidations") if getattr(self.session, "demo", False)
                  else self.tr("{days} days with liquidations stored").format(days=len(stored)))
        self.summary.setText(self.tr("{source} ({total}) · ▼ longs ▲ shorts · {corr}")
                             .format(source=source, total=compact_usd(total), corr=corr))
