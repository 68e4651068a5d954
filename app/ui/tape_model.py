"""Qt table model over the tape: rows inserted on top and removed at the bottom, never reset on the
hot path. Display strings are formatted once, when a row arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.core.events import Liquidation
from app.core.formatting import compact_usd, format_clock, format_price, format_qty
from app.core.tape import TapeUpdate
from app.core.venues import registry
from app.ui.theme import LONG_COLOR, LONG_LABEL, SHORT_COLOR, SHORT_LABEL

COLUMNS = ("Time", "Venue", "Symbol", "Side", "Price", "Size", "Notional")
_NUMERIC = {4, 5, 6}
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

Index = QModelIndex | QPersistentModelIndex


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
            format_price(liq.price, self._tick_size(liq.venue, liq.symbol)),
            format_qty(liq.qty),
            compact_usd(liq.notional_usd),
        )

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
        if role == Qt.ItemDataRole.ToolTipRole:
            liq = self._rows[row]
            return (f"{venue_name(liq.venue)} {liq.symbol} ({liq.kind}), {liq.side} position liquidated\n"
                    f"{format_clock(liq.ts_ms, with_date=True)} · completeness: {liq.completeness}\n"
                    f"notional ${liq.notional_usd:,.2f}")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.tr(COLUMNS[section])
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _ALIGN_RIGHT if section in _NUMERIC else _ALIGN_LEFT
        return None
