"""The position panel: one row per position (nearest to liquidation first), a distance bar coloured by
stress, an accounts strip with margin-ratio gauges, and Add… / Edit… / Delete / Shock table…

Thin Qt: rows are formatted by `app.services.position_rows` from the snapshot's `PositionsFrame`; the
model maps them. Refreshed by the window's repaint tick only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.watchlist import Scope, Watchlist
from app.services.position_rows import ACCOUNT_COLUMNS, COLUMNS, AccountRow, PositionRow, account_rows, rows
from app.services.positions import PositionsFrame
from app.services.snapshot import Snapshot
from app.ui.fence import LayoutFence
from app.ui.theme import (
    LONG_COLOR,
    LONG_LABEL,
    SHORT_COLOR,
    SHORT_LABEL,
    STALE_TEXT,
    STRESS_COLORS,
    TEXT_COLOR,
    tabular_font,
)

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
BAR_ROLE = Qt.ItemDataRole.UserRole + 2  # (fraction | None, stress word)
SIDE_COLUMN = COLUMNS.index("Side")
STRESS_COLUMN = COLUMNS.index("Stress")
_NUMERIC = {3, 4, 5, 6, 7, 8, 9, 10}
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class PositionsModel(QAbstractTableModel):
    """Rows replace in place when the book's order is unchanged (dataChanged for changed rows only);
    a position added, removed or overtaken re-lays the (few) rows."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[PositionRow] = []

    def set_rows(self, new: list[PositionRow]) -> None:
        if [row.key for row in new] != [row.key for row in self.rows]:
            self.beginResetModel()
            self.rows = new
            self.endResetModel()
            return
        old, self.rows = self.rows, new
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            if before != after:
                self.dataChanged.emit(self.index(index, 0), self.index(index, len(COLUMNS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == SIDE_COLUMN:
                return LONG_LABEL if row.side == "long" else SHORT_LABEL
            return row.texts[column]
        if role == SORT_ROLE:
            value = row.sort_keys[column]
            return (1, 0.0) if value is None else (0, value)
        if role == BAR_ROLE:
            return (row.bar_fraction, row.texts[column])
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.stale:
                return QBrush(STALE_TEXT)
            if column == SIDE_COLUMN:
                return QBrush(LONG_COLOR if row.side == "long" else SHORT_COLOR)
            if column == COLUMNS.index("Liq. ours | exch.") and row.liq_disagrees:
                return QBrush(QColor(STRESS_COLORS["warning"]))
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in _NUMERIC else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip
        if role == Qt.ItemDataRole.FontRole and row.stale:
            font = self.parent().font() if self.parent() is not None else None
            if font is not None:
                font.setItalic(True)
                return font
        return None


class SortProxy(QSortFilterProxyModel):
    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)


class BarDelegate(QStyledItemDelegate):
    """A bar (fraction of the cell) in the stress colour, with its text on top: never colour alone."""

    def __init__(self, stress_of: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._stress_of = stress_of  # index -> stress word

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        fraction, text = index.data(BAR_ROLE) or (None, index.data())
        stress = self._stress_of(index)
        painter.save()
        rect: QRect = option.rect.adjusted(3, 4, -3, -4)
        painter.fillRect(rect, QColor("#21262d"))
        if fraction is not None:
            color = QColor(STRESS_COLORS.get(stress, STRESS_COLORS["unknown"]))
            filled = QRect(rect)
            filled.setWidth(max(2, int(rect.width() * fraction)))
            painter.fillRect(filled, color)
        painter.setPen(QColor("#e6edf3"))
        painter.drawText(rect.adjusted(4, 0, -4, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         str(text or ""))
        painter.restore()


class PositionsPane(QWidget):
    refresh_every_s = 0.25
    """Paced windows (WindowOptions.paced) refresh it this often:
    distance to liquidation follows the marks four times a second."""

    add_requested = Signal()
    edit_requested = Signal(tuple)  # the position key
    delete_requested = Signal(tuple)
    shock_requested = Signal()

    def __init__(self, session: Any = None, tick_size: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._tick_size = tick_size
        self.frame: PositionsFrame | None = None
        self._scope: Scope | None = None
        self.model = PositionsModel(self)
        self.proxy = SortProxy(self)
        self.proxy.setSourceModel(self.model)

        self.summary = QLabel()
        self.summary.setStyleSheet("color: #8b949e;")
        self.add_button = QPushButton(self.tr("Add…"))
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.delete_button = QPushButton(self.tr("Delete"))
        self.shock_button = QPushButton(self.tr("Shock table…"))
        self.add_button.clicked.connect(self.add_requested)
        self.edit_button.clicked.connect(self._edit)
        self.delete_button.clicked.connect(self._delete)
        self.shock_button.clicked.connect(self.shock_requested)
        header = QHBoxLayout()
        header.setContentsMargins(6, 4, 6, 4)
        header.addWidget(LayoutFence(self.summary), 1)  # the nearest distance changes with the marks
        for button in (self.add_button, self.edit_button, self.delete_button, self.shock_button):
            header.addWidget(button)

        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setFont(tabular_font(self.view.font()))
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the book's order
        self.proxy.sort(-1)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        horizontal = self.view.horizontalHeader()
        horizontal.setStretchLastSection(True)
        for column, width in enumerate((80, 120, 80, 70, 90, 150, 80, 150, 190, 80, 70, 130)):
            self.view.setColumnWidth(column, width)
        self.view.setItemDelegateForColumn(STRESS_COLUMN, BarDelegate(self._stress_at, self.view))
        self.view.doubleClicked.connect(lambda _index: self._edit())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.accounts = QTableWidget(0, len(ACCOUNT_COLUMNS))
        self.accounts.setHorizontalHeaderLabels([self.tr(c) for c in ACCOUNT_COLUMNS])
        self.accounts.verticalHeader().hide()
        self.accounts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.accounts.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.accounts.setFont(tabular_font(self.accounts.font()))
        self.accounts.setShowGrid(False)
        self.accounts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.accounts.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((170, 170, 90)):
            self.accounts.setColumnWidth(column, width)
        self.accounts.setItemDelegateForColumn(1, _GaugeDelegate(self.accounts))
        self.accounts.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.accounts.verticalHeader().setDefaultSectionSize(self.accounts.fontMetrics().height() + 8)
        self.accounts.hide()
        self._account_rows: list[AccountRow] = []

        self.placeholder = QLabel(self.tr("No positions. Add… enters one by hand; a watched address or an "
                                          "imported read-only key adds the venue's own."))
        self.placeholder.setStyleSheet("color: #8b949e; padding: 12px;")
        self.placeholder.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.accounts)
        self._update_buttons()

    # --- the repaint tick ------------------------------------------------------------------------

    def refresh(self, snapshot: Snapshot) -> None:
        frame = snapshot.position_frame
        if frame is None:
            return
        self.frame = frame
        selected = self.selected_key()
        shown = rows(frame, snapshot.now_ms, self._tick_size)
        scope = self._scope
        if scope is not None:  # scoped to a watchlist: its coins and venue:symbol pairs only
            keep = {view.key for view in frame.book.positions
                    if scope.matches(view.position.venue, view.position.symbol, view.coin)}
            shown = [row for row in shown if row.key in keep]
        self.model.set_rows(shown)
        if selected is not None and selected != self.selected_key():
            self.select(selected)
        self._refresh_accounts(account_rows(frame))
        empty = not self.model.rows
        if empty != self.placeholder.isVisible():
            self.placeholder.setVisible(empty)
        nearest = frame.book.nearest
        text = self.tr("{n} position(s)").format(n=len(self.model.rows))
        if scope is not None:
            text += self.tr(" in {name}").format(name=scope.name)
        if nearest is not None and nearest.distance_pct is not None:
            text += self.tr(" · nearest: {label} at {pct:.2f}%").format(label=nearest.label, pct=nearest.distance_pct)
        if self.summary.text() != text:
            self.summary.setText(text)
        self._update_buttons()

    def set_scope(self, watchlist: Watchlist | None) -> None:
        """Only positions on the watchlist's coins and pairs are listed (None: every position)."""
        self._scope = watchlist.scope() if watchlist is not None else None

    def _refresh_accounts(self, account_list: list[AccountRow]) -> None:
        if account_list == self._account_rows:
            return
        self._account_rows = account_list
        self.accounts.setRowCount(len(account_list))
        for row, account in enumerate(account_list):
            for column, text in enumerate(account.texts):
                item = self.accounts.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.accounts.setItem(row, column, item)
                item.setText(text)
                item.setData(BAR_ROLE, (account.ratio_fraction, text, account.stress.value))
                item.setForeground(QBrush(STALE_TEXT if account.stale else TEXT_COLOR))  # the theme's text
        height = self.accounts.horizontalHeader().height() + 4 + sum(
            self.accounts.rowHeight(row) for row in range(len(account_list)))
        self.accounts.setFixedHeight(max(height, 40))
        self.accounts.setVisible(bool(account_list))

    # --- selection and actions -------------------------------------------------------------------

    def _stress_at(self, index: Index) -> str:
        source = self.proxy.mapToSource(index) if index.model() is self.proxy else index
        return self.model.rows[source.row()].stress.value if source.isValid() else "unknown"

    def selected_key(self) -> tuple[str, ...] | None:
        indexes = self.view.selectionModel().selectedRows()
        if not indexes:
            return None
        source = self.proxy.mapToSource(indexes[0])
        return self.model.rows[source.row()].key if source.isValid() else None

    def select(self, key: tuple[str, ...]) -> None:
        for row, item in enumerate(self.model.rows):
            if item.key == key:
                self.view.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
                return

    def row_of(self, key: tuple[str, ...]) -> PositionRow | None:
        return next((row for row in self.model.rows if row.key == key), None)

    def _update_buttons(self) -> None:
        key = self.selected_key()
        row = None if key is None else self.row_of(key)
        editable = row is not None and row.manual
        self.edit_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        self.shock_button.setEnabled(bool(self.model.rows))

    def _edit(self) -> None:
        key = self.selected_key()
        row = None if key is None else self.row_of(key)
        if row is not None and row.manual:
            self.edit_requested.emit(key)

    def _delete(self) -> None:
        key = self.selected_key()
        row = None if key is None else self.row_of(key)
        if row is not None and row.manual:
            self.delete_requested.emit(key)


class _GaugeDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        fraction, text, stress = index.data(BAR_ROLE) or (None, index.data(), "unknown")
        painter.save()
        rect: QRect = option.rect.adjusted(3, 3, -3, -3)
        painter.fillRect(rect, QColor("#21262d"))
        if fraction is not None:
            filled = QRect(rect)
            filled.setWidth(max(2, int(rect.width() * fraction)))
            painter.fillRect(filled, QColor(STRESS_COLORS.get(stress, STRESS_COLORS["unknown"])))
        painter.setPen(QColor("#e6edf3"))
        painter.drawText(rect.adjusted(4, 0, -4, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         str(text or ""))
        painter.restore()
