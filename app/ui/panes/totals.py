"""Per-venue totals of what this session has seen, each labelled with its feed's completeness so
sampled and complete venues are never summed without saying so."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.core.formatting import compact_usd, format_clock
from app.core.macro.calendar import countdown_text
from app.core.watchlist import Scope, Watchlist
from app.services.engine import SideTotals
from app.services.snapshot import Snapshot
from app.ui.tape_model import venue_name
from app.ui.theme import LONG_COLOR, LONG_LABEL, SHORT_COLOR, SHORT_LABEL, tabular_font, theme_changed

# Plain words: "Longs ▼" read as a sort arrow. The tape's side glyphs stay in the cells' tooltips.
_HEADERS = ("Venue", "Feed", "Observed", "Orders", "Longs liq.", "Shorts liq.", "Largest order")
_HEADER_TIPS = ("", "How much of the venue's liquidations its public feed carries", "Time listened to, gaps excluded",
                "Liquidation orders seen", "USD of long positions liquidated (▼ LONG in the tape)",
                "USD of short positions liquidated (▲ SHORT in the tape)",
                "The largest single order: size, symbol and time (venue in the total row)")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def largest_text(t: SideTotals, with_venue: bool = False) -> tuple[str, str]:
    """("$36.2K BTCUSDT 18:52", tooltip) — the size with what and when; just the size when the order
    itself is not known (a total refilled from history that is not among the rows put back)."""
    if not t.largest_usd:
        return "—", ""
    size = compact_usd(t.largest_usd)
    liq = t.largest
    if liq is None:
        return size, "From stored history; the order itself is older than the rows shown in the tape."
    where = f"{venue_name(liq.venue)} {liq.symbol}" if with_venue else liq.symbol
    side = LONG_LABEL if liq.side == "long" else SHORT_LABEL
    tip = (f"{venue_name(liq.venue)} {liq.symbol} {side}: ${liq.notional_usd:,.0f} at {liq.price:,.8g}, "
           f"{format_clock(liq.ts_ms, with_date=True)}")
    return f"{size} {where} {format_clock(liq.ts_ms)[:5]}", tip


class TotalsPane(QWidget):
    refresh_every_s = 0.5
    """Paced windows (WindowOptions.paced) refresh it this often:
    rolling sums: twice a second is as fast as anyone reads them."""

    def __init__(self, venues: list[str], completeness: dict[str, str], missing: list[str] | None = None,
                 parent: QWidget | None = None) -> None:
        """`missing`: what to say of the connected venues left out for lack of a liquidation feed."""
        super().__init__(parent)
        self._missing = " ".join(f"{text}." for text in missing or [])
        self._venues = venues
        self._completeness = completeness
        self.table = QTableWidget(len(venues) + 1, len(_HEADERS))
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in _HEADERS])
        for column, tip in enumerate(_HEADER_TIPS):
            header_item = self.table.horizontalHeaderItem(column)
            if header_item is not None and tip:
                header_item.setToolTip(self.tr(tip))
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().hide()
        # Compact rows: eight venues and the total fit the dock without scrolling.
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFont(tabular_font(self.table.font()))
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self._note_text = self.tr("Seen since start, from public feeds, over the time each venue was observed "
                                  "(disconnections excluded). Sampled and partial feeds undercount.")
        self._history_since: int | None = None
        self._scope: Scope | None = None
        self._changed: tuple[int, int, int, int] | None = None
        """The cells changed in this refresh: top row, left column, bottom row, right column."""
        self.note = QLabel(self._with_missing(self._note_text))
        self.note.setWordWrap(True)
        self.note.setProperty("muted", True)
        self.note.setStyleSheet("padding: 4px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        self.show_totals({})
        self._fit_height()
        theme_changed().connect(self._recolor)

    def _recolor(self, _name: str) -> None:
        """Items keep a copy of their colour: the new theme's long/short colours are set again."""
        for row in range(self.table.rowCount()):
            for column, color in ((4, LONG_COLOR), (5, SHORT_COLOR)):
                item = self.table.item(row, column)
                if item is not None:
                    item.setForeground(color)

    def _fit_height(self) -> None:
        """The table is exactly as tall as its rows and the pane no taller than table and note: the dock
        below (notices, the JGB chart) takes the rest of the column, not a blank band here."""
        rows = self.table.verticalHeader().length()
        header = self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth() + 2
        self.table.setMaximumHeight(rows + header)
        self.table.setMinimumHeight(header + 3 * self.table.verticalHeader().defaultSectionSize())  # then scrolls
        self.setMaximumHeight(rows + header + self.note.heightForWidth(max(self.width(), 300)) + 12)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def set_scope(self, watchlist: Watchlist | None) -> None:
        """Only the watchlist's coins and pairs are added up (None: everything)."""
        self._scope = watchlist.scope() if watchlist is not None else None
        self._set_row(len(self._venues), self._total_label(), "", SideTotals(), "", bold=True)

    def _total_label(self) -> str:
        return self.tr("All shown") if self._scope is None else self.tr("In {name}").format(name=self._scope.name)

    def scoped_totals(self, snapshot: Snapshot) -> dict[str, SideTotals]:
        scope = self._scope
        if scope is None:
            return snapshot.totals
        totals: dict[str, SideTotals] = {}
        for (venue, symbol, coin), part in (snapshot.symbol_totals or {}).items():
            if scope.matches(venue, symbol, coin):
                sum_ = totals.setdefault(venue, SideTotals())
                sum_.long_usd += part.long_usd
                sum_.short_usd += part.short_usd
                sum_.count += part.count
                sum_.largest_usd = max(sum_.largest_usd, part.largest_usd)
        return totals

    def refresh(self, snapshot: Snapshot) -> None:
        self.show_totals(self.scoped_totals(snapshot), snapshot.observed_ms)
        if snapshot.history_since_ms != self._history_since:
            self._history_since = snapshot.history_since_ms
            self.note.setText(self._with_missing(self._note_text if snapshot.history_since_ms is None else self.tr(
                "Since {since} (from history: {gaps} gaps recorded, Cascade not running included), then live. "
                "Public feeds only; sampled and partial feeds undercount.").format(
                    since=format_clock(snapshot.history_since_ms, with_date=True), gaps=snapshot.history_gaps)))

    def _with_missing(self, text: str) -> str:
        return f"{text}\n{self._missing}" if self._missing else text

    def show_totals(self, totals: dict[str, SideTotals], observed_ms: dict[str, int] | None = None) -> None:
        """`observed_ms`: per venue, how long it has been listened to (gaps excluded)."""
        # One model notification for the whole table, not one per cell: with the columns sized to their
        # contents, each cell's own notification re-measured and re-laid the table (~1 ms a cell).
        # Only the cells that changed are named (their bounding box): the view repaints those, not the whole
        # table (~13 µs a cell with the style sheet's style; a quiet day changes one column a second).
        model = self.table.model()
        blocked = model.blockSignals(True)
        self._changed = None
        try:
            self._fill(totals, observed_ms or {})
        finally:
            model.blockSignals(blocked)
        if self._changed is not None:  # nothing changed (most ticks of a quiet day): no re-measure, no repaint
            top, left, bottom, right = self._changed
            model.dataChanged.emit(model.index(top, left), model.index(bottom, right))

    def _fill(self, totals: dict[str, SideTotals], observed_ms: dict[str, int]) -> None:
        grand = SideTotals()
        grand_largest: SideTotals | None = None
        kinds: set[str] = set()
        for row, venue in enumerate(self._venues):
            t = totals.get(venue, SideTotals())
            grand.long_usd += t.long_usd
            grand.short_usd += t.short_usd
            grand.count += t.count
            grand.largest_usd = max(grand.largest_usd, t.largest_usd)
            completeness = self._completeness.get(venue, "?")
            kinds.add(completeness)
            seen = observed_ms.get(venue, 0)
            self._set_row(row, venue_name(venue), completeness, t, countdown_text(seen) if seen > 0 else "—")
            if t.largest_usd > (grand_largest.largest_usd if grand_largest is not None else 0):
                grand_largest = t
        mixed = self.tr("mixed ⚠") if len(kinds) > 1 else next(iter(kinds), "")
        if grand_largest is not None:
            grand.largest = grand_largest.largest
        self._set_row(len(self._venues), self._total_label(), mixed, grand, "", bold=True, with_venue=True)
        feed = self.table.item(len(self._venues), 1)
        if feed is not None and len(kinds) > 1:
            feed.setToolTip(self.tr("This total adds feeds of different completeness ({kinds}): it is a floor, "
                                    "not the market's total.").format(kinds=", ".join(sorted(kinds))))

    def _changed_cell(self, row: int, column: int) -> None:
        changed = self._changed
        self._changed = (row, column, row, column) if changed is None else (
            min(changed[0], row), min(changed[1], column), max(changed[2], row), max(changed[3], column))

    def _set_row(self, row: int, name: str, feed: str, t: SideTotals, observed: str, bold: bool = False,
                 with_venue: bool = False) -> None:
        largest, tip = largest_text(t, with_venue)
        values = (name, feed, observed, f"{t.count:,}", compact_usd(t.long_usd), compact_usd(t.short_usd), largest)
        for column, text in enumerate(values):
            item = self.table.item(row, column)
            if item is None:
                item = QTableWidgetItem()
                if column >= 2:
                    item.setTextAlignment(_RIGHT)
                if column == 4:
                    item.setForeground(LONG_COLOR)
                elif column == 5:
                    item.setForeground(SHORT_COLOR)
                elif column == 6:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                if bold:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
                self._changed_cell(row, column)
            if item.text() != text:
                item.setText(text)
                self._changed_cell(row, column)
                if column == 6:
                    item.setToolTip(tip)
