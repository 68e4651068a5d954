"""The manual position form: venue, symbol (completed from instrument metadata), side, size, entry,
leverage, margin mode, isolated margin, maintenance rate (venues without bundled tiers) and the cross
wallet. OK runs `app.services.position_input.parse_position`; a bad field shows its message beside
it and the dialog stays open. Opened with `open()`, never `exec()` (qasync)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.instruments import Instruments
from app.core.positions import Account, Position
from app.services.position_input import (
    DEFAULT_ACCOUNT,
    PositionFields,
    PositionInput,
    fields_of,
    needs_mmr,
    parse_position,
)
from app.services.positions import venue_label

_ERROR_STYLE = "color: #f85149;"


class PositionForm(QDialog):
    """`accepted_position(old_key | None, position, account | None)` when OK validates."""

    accepted_position = Signal(object, object, object)

    def __init__(self, instruments: Instruments, venues: Sequence[str], parent: QWidget | None = None,
                 position: Position | None = None, account: Account | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("positionForm")
        self.setWindowTitle(self.tr("Edit position") if position else self.tr("Add position"))
        self._instruments = instruments
        self._venues = list(venues)
        self._old_key = None if position is None else position.key
        self.result_input: PositionInput | None = None
        self.setMinimumWidth(600)

        self.venue = QComboBox()
        for venue in self._venues:
            self.venue.addItem(venue_label(venue), venue)
        self.symbol = QLineEdit()
        self._symbols = QStringListModel(self)
        completer = QCompleter(self._symbols, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.symbol.setCompleter(completer)
        self.side = QComboBox()
        self.side.addItem(self.tr("long"), "long")
        self.side.addItem(self.tr("short"), "short")
        self.size = QLineEdit()
        self.size.setPlaceholderText(self.tr("base coin (USD for inverse)"))
        self.entry = QLineEdit()
        self.leverage = QLineEdit()
        self.leverage.setPlaceholderText(self.tr("e.g. 5"))
        self.margin_mode = QComboBox()
        self.margin_mode.addItem(self.tr("isolated"), "isolated")
        self.margin_mode.addItem(self.tr("cross"), "cross")
        self.isolated_margin = QLineEdit()
        self.isolated_margin.setPlaceholderText(self.tr("optional: from leverage"))
        self.mmr_pct = QLineEdit()
        self.wallet = QLineEdit()
        self.wallet.setPlaceholderText(self.tr("cross: the account's wallet balance"))
        self.account = QLineEdit(DEFAULT_ACCOUNT)

        self.inputs: dict[str, QWidget] = {
            "venue": self.venue, "symbol": self.symbol, "side": self.side, "size": self.size, "entry": self.entry,
            "leverage": self.leverage, "margin_mode": self.margin_mode, "isolated_margin": self.isolated_margin,
            "mmr_pct": self.mmr_pct, "wallet": self.wallet, "account": self.account,
        }
        labels = {"venue": "Venue", "symbol": "Symbol", "side": "Side", "size": "Size", "entry": "Entry price",
                  "leverage": "Leverage", "margin_mode": "Margin mode", "isolated_margin": "Isolated margin",
                  "mmr_pct": "Maint. rate %", "wallet": "Wallet (cross)", "account": "Account"}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, widget in self.inputs.items():
            error = QLabel()
            error.setObjectName(f"error_{name}")
            error.setStyleSheet(_ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            self.errors[name] = error
            cell = QVBoxLayout()
            cell.setContentsMargins(0, 0, 0, 0)
            cell.setSpacing(1)
            cell.addWidget(widget)
            cell.addWidget(error)
            holder = QWidget()
            holder.setLayout(cell)
            form.addRow(self.tr(labels[name]), holder)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        note = QLabel(self.tr("Valued by the same margin engine as `cascade margin`, on live marks."))
        note.setStyleSheet("color: #8b949e;")
        column = QVBoxLayout(self)
        column.addLayout(form)
        bottom = QHBoxLayout()
        bottom.addWidget(note, 1)
        bottom.addWidget(self.buttons)
        column.addLayout(bottom)

        self.venue.currentIndexChanged.connect(self._venue_changed)
        self.symbol.textChanged.connect(self._update_mmr_hint)
        self.margin_mode.currentIndexChanged.connect(self._mode_changed)
        if position is not None:
            self.fill(fields_of(position, account))
        self._venue_changed()
        self._mode_changed()

    def fill(self, fields: PositionFields) -> None:
        for name in ("venue", "side", "margin_mode"):
            combo: QComboBox = self.inputs[name]  # type: ignore[assignment]
            index = combo.findData(getattr(fields, name))
            if index >= 0:
                combo.setCurrentIndex(index)
        for name in ("symbol", "size", "entry", "leverage", "isolated_margin", "mmr_pct", "wallet", "account"):
            line: QLineEdit = self.inputs[name]  # type: ignore[assignment]
            line.setText(getattr(fields, name))

    def fields(self) -> PositionFields:
        return PositionFields(
            venue=str(self.venue.currentData() or ""), symbol=self.symbol.text(), side=str(self.side.currentData()),
            size=self.size.text(), entry=self.entry.text(), leverage=self.leverage.text(),
            margin_mode=str(self.margin_mode.currentData()), isolated_margin=self.isolated_margin.text(),
            mmr_pct=self.mmr_pct.text(), wallet=self.wallet.text(), account=self.account.text(),
        )

    def submit(self) -> None:
        result = parse_position(self.fields(), self._instruments, self._venues)
        self.result_input = result
        for name, label in self.errors.items():
            message = result.errors.get(name)
            label.setText(message or "")
            label.setVisible(bool(message))
        if not result.ok:
            first = next(iter(result.errors))
            widget = self.inputs.get(first)
            if widget is not None:
                widget.setFocus()
            return
        self.accepted_position.emit(self._old_key, result.position, result.account)
        self.accept()

    def _venue_changed(self) -> None:
        venue = str(self.venue.currentData() or "")
        self._symbols.setStringList(self._instruments.symbols(venue))
        self._update_mmr_hint()

    def _update_mmr_hint(self) -> None:
        venue = str(self.venue.currentData() or "")
        symbol = self.symbol.text().strip()
        instrument = self._instruments.get(venue, symbol) or self._instruments.get(venue, symbol.upper())
        needed = instrument is not None and needs_mmr(venue, instrument.symbol, self._instruments)
        self.mmr_pct.setPlaceholderText(self.tr("required: no bundled tiers") if needed
                                        else self.tr("optional: bundled tiers apply"))

    def _mode_changed(self) -> None:
        cross = self.margin_mode.currentData() == "cross"
        self.wallet.setEnabled(cross)
        self.isolated_margin.setEnabled(not cross)
