"""The liquidation tape pane: a table, its own filters (venue, coin, minimum size) and scope (a
watchlist or everything), and pause-while-scrolled with an "N new" badge. Refreshed by the window's
repaint timer, never per message. Several can be open, each over a tape of its own."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.tape import Tape, TapeFilter
from app.core.watchlist import Watchlist
from app.services.snapshot import Snapshot
from app.services.waiting import tape_placeholder
from app.ui.tape_delegate import TapeDelegate
from app.ui.tape_model import TapeModel, venue_name
from app.ui.tape_view import TapeView
from app.ui.theme import tabular_font

MIN_SIZE_CHOICES = (("All sizes", 0.0), ("≥ $1K", 1e3), ("≥ $10K", 1e4), ("≥ $50K", 5e4),
                    ("≥ $100K", 1e5), ("≥ $1M", 1e6))


HOVER_PAUSE_MS = 2500
COLUMN_WIDTHS = (78, 84, 150, 90, 110, 110, 100)  # the last (Notional) stretches
MIN_COLUMN_WIDTHS = (70, 54, 96, 70, 64, 56, 72)


def fit_widths(preferred: tuple[int, ...], least: tuple[int, ...], available: int) -> list[int]:
    """Column widths that fit `available`: each column gives up width in proportion to what it has
    above its least width; never below it (then the view scrolls)."""
    widths = list(preferred)
    excess = sum(widths) - available
    room = sum(w - m for w, m in zip(widths, least, strict=True))
    if excess <= 0 or room <= 0:
        return widths
    take = min(1.0, excess / room)
    return [w - math.ceil((w - m) * take) for w, m in zip(widths, least, strict=True)]


class TapePane(QWidget):
    min_size_changed = Signal(float)  # USD, for the settings
    filters_changed = Signal(float, str, str)  # min USD, venue ("" = all), coin ("" = all): for the settings
    scope_chosen = Signal(object)  # watchlist id or None (everything): the window records and applies it
    close_requested = Signal()

    def __init__(self, tape: Tape, tick_size: Callable[[str, str], float | None] | None = None,
                 title: str = "Liquidations", parent: QWidget | None = None, venues: list[str] | None = None,
                 coins: list[str] | None = None, closable: bool = False) -> None:
        super().__init__(parent)
        self.tape = tape
        self.venues = list(venues or [])
        self.scope: Watchlist | None = None
        self.model = TapeModel(tick_size, parent=self)
        self._hovered = False
        self.held = False  # paused by the user (Tape → Pause) until resumed
        # Hover pauses while the pointer MOVES over the rows (the user is reading); a pointer that
        # merely rests there resumes the tape after a moment, so a parked mouse never freezes it.
        self._hover_idle = QTimer(self)
        self._hover_idle.setSingleShot(True)
        self._hover_idle.setInterval(HOVER_PAUSE_MS)
        self._hover_idle.timeout.connect(self._hover_ended)

        self.title = QLabel(self.tr(title))
        self.title.setObjectName("paneTitle")
        self.min_size = QComboBox()
        for label, value in MIN_SIZE_CHOICES:
            self.min_size.addItem(self.tr(label), value)
        current = max(i for i, (_, v) in enumerate(MIN_SIZE_CHOICES) if v <= tape.filter.min_usd)
        self.min_size.setCurrentIndex(current)
        self.min_size.currentIndexChanged.connect(self._min_size_changed)
        self.venue_filter = QComboBox()
        self.venue_filter.setObjectName("tapeVenue")
        self.venue_filter.addItem(self.tr("All venues"), "")
        for venue in self.venues:
            self.venue_filter.addItem(venue_name(venue), venue)
        self.coin_filter = QComboBox()
        self.coin_filter.setObjectName("tapeCoin")
        self.coin_filter.addItem(self.tr("All coins"), "")
        for coin in coins or []:
            self.coin_filter.addItem(coin, coin)
        self.coin_filter.setMaxVisibleItems(20)
        self.scope_combo = QComboBox()
        self.scope_combo.setObjectName("tapeScope")
        self.scope_combo.setToolTip(self.tr("Show only a watchlist's coins and pairs, or everything"))
        self.scope_combo.addItem(self.tr("Everything"), None)
        # Narrow by default (the text is elided, the popup is full width): several tape panes fit side by side.
        for combo, chars in ((self.venue_filter, 6), (self.coin_filter, 5), (self.scope_combo, 7), (self.min_size, 6)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(chars)
        self.min_size.setToolTip(self.tr("Minimum size (USD notional)"))
        self.venue_filter.setToolTip(self.tr("Venue"))
        self.coin_filter.setToolTip(self.tr("Coin"))
        self.venue_filter.currentIndexChanged.connect(lambda _i: self._filters_changed())
        self.coin_filter.currentIndexChanged.connect(lambda _i: self._filters_changed())
        self.scope_combo.currentIndexChanged.connect(self._scope_index_changed)
        self._syncing = False
        self.new_badge = QPushButton()
        self.new_badge.setObjectName("newBadge")
        self.new_badge.setToolTip(self.tr("The tape is paused while you scroll or hover. Click to jump to the newest."))
        self.new_badge.hide()
        self.new_badge.clicked.connect(self.jump_to_newest)

        header = QHBoxLayout()
        header.setContentsMargins(6, 4, 6, 4)
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.new_badge)
        header.addWidget(self.venue_filter)
        header.addWidget(self.coin_filter)
        header.addWidget(QLabel(self.tr("Min")))
        header.addWidget(self.min_size)
        header.addWidget(QLabel(self.tr("Scope")))
        header.addWidget(self.scope_combo)
        self.close_button: QPushButton | None = None
        if closable:
            self.close_button = QPushButton("✕")
            self.close_button.setFixedWidth(self.close_button.fontMetrics().horizontalAdvance("✕") + 18)
            self.close_button.setToolTip(self.tr("Close this tape pane (its filters are forgotten)"))
            self.close_button.clicked.connect(self.close_requested)
            header.addWidget(self.close_button)

        self.view = TapeView(self.model)  # one Python call a repaint (tests/bench/bench_tape_paint.py)
        self.view.setItemDelegate(TapeDelegate(self.model, self.view))  # sizes and anything else asking one
        self.view.setFont(tabular_font(self.view.font()))
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 6)
        horizontal = self.view.horizontalHeader()
        # The stretched last column (Notional) never narrows below its width when stretching starts; in a
        # narrow pane the others shrink in proportion (_fit_columns), so the columns end at the scroll bar.
        self.view.setColumnWidth(len(COLUMN_WIDTHS) - 1, MIN_COLUMN_WIDTHS[-1])
        horizontal.setStretchLastSection(True)  # Notional takes the spare width: no empty band on the right
        for column, width in enumerate(COLUMN_WIDTHS[:-1]):
            self.view.setColumnWidth(column, width)
        self.view.verticalScrollBar().valueChanged.connect(self._update_pause)
        self.view.setMouseTracking(True)
        self.view.viewport().installEventFilter(self)

        # Over the empty table: what the tape is waiting for (derived from the snapshot's venue records).
        self.placeholder = QLabel(self.view.viewport())
        self.placeholder.setObjectName("tapePlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #8b949e; padding: 24px;")
        self.placeholder.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.placeholder.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.view)

    def refresh(self, snapshot: Snapshot | None = None) -> None:
        """Called by the repaint timer: apply what arrived, or show the waiting count. The tape holds
        its own rows, so the snapshot is not read."""
        update = self.tape.take_update()
        if update is not None:
            self.model.apply(update)
        self._show_placeholder(snapshot)
        waiting = self.tape.new_count
        if waiting:
            self.new_badge.setText(self.tr("{n} new").format(n=f"{waiting:,}"))
            self.new_badge.show()
        elif self.new_badge.isVisible():
            self.new_badge.hide()

    def _show_placeholder(self, snapshot: Snapshot | None) -> None:
        empty = self.model.rowCount() == 0
        if empty and snapshot is not None:
            self.placeholder.setText(tape_placeholder(
                snapshot.venues, self.venues, label=venue_name, clock_label=snapshot.clock_label,
                now_ms=snapshot.now_ms, min_usd=self.tape.filter.min_usd))
            self.placeholder.setGeometry(self.view.viewport().rect())
        hidden = not empty or not self.placeholder.text()
        if hidden != self.placeholder.isHidden():
            self.placeholder.setHidden(hidden)

    def _fit_columns(self) -> None:
        """A narrow pane (a second tape in a side dock) shrinks its columns in proportion rather than
        scrolling sideways and hiding the notional; a wide one keeps the usual widths (the last stretches)."""
        available = self.view.viewport().width() - MIN_COLUMN_WIDTHS[-1]
        for column, wanted in enumerate(fit_widths(COLUMN_WIDTHS[:-1], MIN_COLUMN_WIDTHS[:-1], available)):
            if self.view.columnWidth(column) != wanted:
                self.view.setColumnWidth(column, wanted)

    def jump_to_newest(self) -> None:
        self._hovered = False
        self.held = False
        self._hover_idle.stop()
        self.view.verticalScrollBar().setValue(0)
        self.tape.paused = False
        self.refresh()

    def _min_size_changed(self, index: int) -> None:
        value = float(self.min_size.itemData(index))
        self._refilter()
        if not self._syncing:
            self.min_size_changed.emit(value)
            self._emit_filters()

    def _filters_changed(self) -> None:
        self._refilter()
        if not self._syncing:
            self._emit_filters()

    def _emit_filters(self) -> None:
        self.filters_changed.emit(float(self.min_size.currentData()), self.venue_filter.currentData() or "",
                                  self.coin_filter.currentData() or "")

    def current_filter(self) -> TapeFilter:
        venue, coin = self.venue_filter.currentData(), self.coin_filter.currentData()
        return TapeFilter(min_usd=float(self.min_size.currentData()),
                          venues=frozenset((venue,)) if venue else None, coins=frozenset((coin,)) if coin else None,
                          scope=self.scope.scope() if self.scope is not None else None)

    def _refilter(self) -> None:
        self.model.replace_rows(self.tape.refilter(self.current_filter()))

    def set_filters(self, min_usd: float, venue: str | None, coin: str | None) -> None:
        """Restore saved filters (no signal back to the settings). An unknown venue or coin is added to
        its list rather than dropped silently."""
        self._syncing = True
        try:
            self.min_size.setCurrentIndex(max(i for i, (_, v) in enumerate(MIN_SIZE_CHOICES) if v <= min_usd))
            for combo, value, label in ((self.venue_filter, venue, venue_name(venue) if venue else ""),
                                        (self.coin_filter, coin, coin or "")):
                index = combo.findData(value or "")
                if index < 0:
                    combo.addItem(label, value)
                    index = combo.count() - 1
                combo.setCurrentIndex(index)
        finally:
            self._syncing = False
        self._refilter()

    # --- scope (Scoped) ---------------------------------------------------------------------------

    def set_watchlists(self, lists: list[Watchlist]) -> None:
        """The scope choices: Everything, then the user's watchlists in their order."""
        self._syncing = True
        try:
            self.scope_combo.clear()
            self.scope_combo.addItem(self.tr("Everything"), None)
            for watchlist in lists:
                self.scope_combo.addItem(watchlist.name, watchlist.id)
            self._select_scope()
        finally:
            self._syncing = False

    def set_scope(self, watchlist: Watchlist | None) -> None:
        """Show only `watchlist`'s coins and pairs (None: everything); the rows are refiltered."""
        self.scope = watchlist
        self._syncing = True
        try:
            self._select_scope()
        finally:
            self._syncing = False
        self._refilter()

    def _select_scope(self) -> None:
        wanted = self.scope.id if self.scope is not None else None
        index = self.scope_combo.findData(wanted) if wanted is not None else 0
        if index < 0 and self.scope is not None:
            self.scope_combo.addItem(self.scope.name, self.scope.id)
            index = self.scope_combo.count() - 1
        self.scope_combo.setCurrentIndex(max(0, index))

    def _scope_index_changed(self, index: int) -> None:
        if not self._syncing and index >= 0:
            self.scope_chosen.emit(self.scope_combo.itemData(index))

    def _update_pause(self) -> None:
        self.tape.paused = self.held or self._hovered or self.view.verticalScrollBar().value() > 0

    def _hover_ended(self) -> None:
        self._hovered = False
        self._update_pause()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseMove:
            self._hovered = True
            self._hover_idle.start()
            self._update_pause()
        elif kind == QEvent.Type.Leave:
            self._hover_idle.stop()
            self._hover_ended()
        elif kind == QEvent.Type.Resize:
            self.placeholder.setGeometry(self.view.viewport().rect())
            self._fit_columns()
        return super().eventFilter(watched, event)
