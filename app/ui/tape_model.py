"""Qt table model over the tape: rows inserted on top and removed at the bottom, never reset on the
hot path. Display strings are formatted once, when a row arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from app.core.events import Liquidation
from app.core.formatting import (
    compact_small_price,
    compact_usd,
    format_clock,
    format_derived_qty,
    format_price,
    format_qty,
)
from app.core.tape import TapeUpdate, units_per_price
from app.core.venues import registry
from app.ui.theme import LONG_COLOR, LONG_LABEL, SHORT_COLOR, SHORT_LABEL

COLUMNS = ("Time", "Venue", "Symbol", "Side", "Price", "Size", "Notional")
NUMERIC_COLUMNS = frozenset({4, 5, 6})
_NUMERIC = NUMERIC_COLUMNS
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

Index = QModelIndex | QPersistentModelIndex
DEFAULT_HIGHLIGHT_USD = 10_000.0
"""Prints at least this large are bold with a tinted notional; ten times this, the whole row is tinted."""


def _tint(color: object, alpha: int) -> QColor:
    tint = QColor(color)  # type: ignore[call-overload]
    tint.setAlpha(alpha)
    return tint


_TINTS = {(long, whole_row): _tint(LONG_COLOR if long else SHORT_COLOR, 70 if whole_row else 45)
          for long in (True, False) for whole_row in (True, False)}
"""Background of a large print: (long, the whole row) -> tint."""


def venue_name(venue: str) -> str:
    descriptor = registry.find(venue)
    return descriptor.display_name if descriptor is not None else venue.title()


class TapeModel(QAbstractTableModel):
    def __init__(self, tick_size: Callable[[str, str], float | None] | None = None, local_time: bool = False,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._tick_size = tick_size or (lambda venue, symbol: None)
        self._local_time = local_time
        self._rows: list[Liquidation] = []
        self._text: list[tuple[str, ...] | None] = []  # formatted lazily: only rows the view paints
        self.highlight_usd = DEFAULT_HIGHLIGHT_USD
        self._bold = QFont()
        self._bold.setBold(True)

    def set_highlight(self, usd: float) -> None:
        """Highlight prints from `usd` (0: none)."""
        self.highlight_usd = usd
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    # -- updates -------------------------------------------------------------------------------
    def apply(self, update: TapeUpdate) -> None:
        inserted = update.inserted
        if inserted:
            self.beginInsertRows(QModelIndex(), 0, len(inserted) - 1)
            self._rows[0:0] = inserted
            self._text[0:0] = [None] * len(inserted)
            self.endInsertRows()
        if update.removed_from_bottom:
            first = len(self._rows) - update.removed_from_bottom
            self.beginRemoveRows(QModelIndex(), first, len(self._rows) - 1)
            del self._rows[first:]
            del self._text[first:]
            self.endRemoveRows()

    def replace_rows(self, rows: list[Liquidation]) -> None:
        """Filter or time-zone change: a deliberate reset, off the hot path."""
        self.beginResetModel()
        self._rows = list(rows)
        self._text = [None] * len(rows)
        self.endResetModel()

    def set_local_time(self, local: bool) -> None:
        self._local_time = local
        self.replace_rows(self._rows)

    def liquidation(self, row: int) -> Liquidation:
        return self._rows[row]

    def _display(self, row: int) -> tuple[str, ...]:
        text = self._text[row]
        if text is None:
            text = self._text[row] = self._format(self._rows[row])
        return text

    def _format(self, liq: Liquidation) -> tuple[str, ...]:
        return (
            format_clock(liq.ts_ms, local=self._local_time),
            venue_name(liq.venue),
            liq.symbol,
            LONG_LABEL if liq.side == "long" else SHORT_LABEL,
            self._price_text(liq),
            format_derived_qty(liq.qty) if liq.kind.startswith("inverse") else format_qty(liq.qty),
            compact_usd(liq.notional_usd),
        )

    def _price_text(self, liq: Liquidation) -> str:
        """Per coin: a 1000PEPEUSDT print shows PEPE's price (the contract's is in the tooltip)."""
        units = units_per_price(liq)
        tick = self._tick_size(liq.venue, liq.symbol)
        if units == 1.0:
            return format_price(liq.price, tick)
        return compact_small_price(format_price(liq.price / units, tick / units if tick else None))

    def _tooltip(self, liq: Liquidation) -> str:
        units = units_per_price(liq)
        price = ""
        if units != 1.0:
            price = (f"\nprice per {liq.coin} {self._price_text(liq)}; contract price "
                     f"{format_price(liq.price, self._tick_size(liq.venue, liq.symbol))} per {units:,.0f} {liq.coin}")
        size = f"\nsize {liq.qty:,.8g} {liq.coin}" + (" (from USD contracts ÷ price)"
                                                      if liq.kind.startswith("inverse") else "")
        return (f"{venue_name(liq.venue)} {liq.symbol} ({liq.kind}), {liq.side} position liquidated\n"
                f"{format_clock(liq.ts_ms, with_date=True)} · completeness: {liq.completeness}\n"
                f"notional ${liq.notional_usd:,.2f}{price}{size}")

    # -- Qt model API --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row)[column]
        if role == Qt.ItemDataRole.ForegroundRole and column in (3, 6):
            return LONG_COLOR if self._rows[row].side == "long" else SHORT_COLOR
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_RIGHT if column in _NUMERIC else _ALIGN_LEFT
        if role == Qt.ItemDataRole.FontRole and column in (5, 6) and self._big(row) >= 1:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole:
            level = self._big(row)
            if level >= 2 or (level == 1 and column == 6):
                return _TINTS[(self._rows[row].side == "long", level >= 2)]
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(self._rows[row])
        return None

    def cell(self, row: int, column: int) -> tuple[str, QColor | None, QColor | None, bool]:
        """What data() answers for a painted cell, in one call (TapeDelegate): text, foreground,
        background tint, bold."""
        text = self._display(row)[column]
        liq = self._rows[row]
        long = liq.side == "long"
        fg = (LONG_COLOR if long else SHORT_COLOR) if column in (3, 6) else None
        level = self._big(row)
        bg = None
        if level >= 2 or (level == 1 and column == 6):
            bg = _TINTS[(long, level >= 2)]
        return text, fg, bg, level >= 1 and column in (5, 6)

    def _big(self, row: int) -> int:
        """0: an ordinary print; 1: at least the highlight size; 2: at least ten times it."""
        usd, floor = self._rows[row].notional_usd, self.highlight_usd
        if floor <= 0 or usd < floor:
            return 0
        return 2 if usd >= 10 * floor else 1

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.tr(COLUMNS[section])
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _ALIGN_RIGHT if section in _NUMERIC else _ALIGN_LEFT
        return None
