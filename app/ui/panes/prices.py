"""The prices strip of the active watchlist: per coin its mark, its change over 24 h and its
liquidations over 24 h, in the list's order. Its scope is the active watchlist (chosen in its own
combo; "first list" when none is chosen). Figures come from WatchlistService; painting is
throttled to once a second (marks conflate anyway)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QWidget

from app.core.formatting import compact_usd, format_clock, format_price
from app.core.watch_prices import CoinPrice
from app.core.watchlist import Watchlist
from app.services.snapshot import Snapshot
from app.services.watchlists import WatchlistService
from app.ui.fence import LayoutFence
from app.ui.tape_model import venue_name
from app.ui.theme import tabular_font

REPAINT_MS = 1000
UP_COLOR = "#3fb950"
DOWN_COLOR = "#f85149"


def _since(ms: int | None) -> str:
    return "24h" if ms is None else f"since {format_clock(ms)[:5]}"


def price_cell_text(price: CoinPrice, tick: float | None) -> tuple[str, str]:
    """(rich text, tooltip) of one coin's cell, on one line."""
    mark = format_price(price.mark, tick) if price.mark is not None else "—"
    grey = "<span style='color:#8b949e'>{}</span>"
    if price.change_pct is None:
        change = grey.format("—")
    else:
        colour = UP_COLOR if price.change_pct >= 0 else DOWN_COLOR
        arrow = "▲" if price.change_pct >= 0 else "▼"
        span = None if price.full_day else price.change_since_ms
        change = f"<span style='color:{colour}'>{arrow}&nbsp;{price.change_pct:+.2f}%</span>&nbsp;" + grey.format(
            _since(span))
    total = price.liq_long_usd + price.liq_short_usd
    text = (f"<b>{price.coin}</b>&nbsp;{mark}&nbsp;&nbsp;{change}&nbsp;&nbsp;"
            + grey.format(f"liq&nbsp;{_since(price.liq_since_ms)}") + f"&nbsp;{compact_usd(total) if total else '$0'}")
    source = (f"Mark: {venue_name(price.venue)} {price.symbol}" if price.venue else
              "No mark yet (subscribed for watched coins; it arrives with the venue's next update)")
    change_note = ("" if price.change_pct is None or price.full_day else
                   "\nChange measured from Cascade's own first sample (less than 24 h watched).")
    tooltip = (f"{source}{change_note}\nLiquidations (public feeds): longs {compact_usd(price.liq_long_usd)}, "
               f"shorts {compact_usd(price.liq_short_usd)}")
    return text, tooltip


class PricesStrip(QWidget):
    refresh_every_s = 1.0
    """Paced windows (WindowOptions.paced) refresh it this often:
    marks, once a second."""

    watchlist_chosen = Signal(object)  # watchlist id or None: the window records the strip's scope

    def __init__(self, service: WatchlistService, tick_size: Callable[[str, str], float | None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._tick_size = tick_size or (lambda venue, symbol: None)
        self.scope: Watchlist | None = None
        self._last_paint = -REPAINT_MS
        self._syncing = False
        self.choice = QComboBox()
        self.choice.setObjectName("pricesWatchlist")
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.choice.currentIndexChanged.connect(self._chosen)
        self.cells_widget = QWidget()
        self.cells = QHBoxLayout(self.cells_widget)
        self.cells.setContentsMargins(0, 0, 0, 0)
        self.cells.setSpacing(28)
        self.cells.addStretch(1)
        self._labels: list[QLabel] = []
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #8b949e;")
        scroll = QScrollArea()
        scroll.setWidget(self.cells_widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # One line high: the strip never takes height from the panes below it.
        line = self.fontMetrics().height()
        scroll.setFixedHeight(line + 10)
        self.setFixedHeight(line + 14)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.choice)
        layout.addWidget(self.hint)
        layout.addWidget(scroll, 1)
        self.set_watchlists(service.all())

    def shown(self) -> Watchlist | None:
        """The active watchlist: the strip's scope, else the first list."""
        if self.scope is not None:
            return self.scope
        lists = self.service.all()
        return lists[0] if lists else None

    def set_watchlists(self, lists: list[Watchlist]) -> None:
        self._syncing = True
        try:
            self.choice.clear()
            for watchlist in lists:
                self.choice.addItem(watchlist.name, watchlist.id)
            shown = self.shown()
            if shown is not None:
                self.choice.setCurrentIndex(max(0, self.choice.findData(shown.id)))
            self.choice.setVisible(bool(lists))
        finally:
            self._syncing = False
        self._last_paint = -REPAINT_MS  # repaint at the next tick

    def set_scope(self, watchlist: Watchlist | None) -> None:
        self.scope = watchlist
        self.set_watchlists(self.service.all())

    def _chosen(self, index: int) -> None:
        if not self._syncing and index >= 0:
            self.watchlist_chosen.emit(self.choice.itemData(index))

    def refresh(self, snapshot: Snapshot) -> None:
        if 0 <= snapshot.now_ms - self._last_paint < REPAINT_MS and self._labels:
            return
        self._last_paint = snapshot.now_ms
        self.show_prices(snapshot.now_ms)

    def show_prices(self, now_ms: int) -> None:
        watchlist = self.shown()
        prices = self.service.prices(watchlist, now_ms) if watchlist is not None else []
        hint = "" if prices else (self.tr("No watchlist yet: Watchlists → Manage watchlists… creates one")
                                  if watchlist is None else self.tr("{name} is empty").format(name=watchlist.name))
        if self.hint.text() != hint:
            self.hint.setText(hint)
            self.hint.setVisible(bool(hint))
        while len(self._labels) < len(prices):
            label = QLabel()
            label.setFont(tabular_font(label.font()))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setObjectName("priceCell")
            self.cells.insertWidget(len(self._labels), LayoutFence(label))  # prices change each second
            self._labels.append(label)
        for index, label in enumerate(self._labels):
            if index >= len(prices):
                label.hide()
                continue
            price = prices[index]
            tick = self._tick_size(price.venue, price.symbol) if price.venue and price.symbol else None
            text, tooltip = price_cell_text(price, tick)
            if label.text() != text:
                label.setText(text)
                label.setToolTip(tooltip)
            label.show()

