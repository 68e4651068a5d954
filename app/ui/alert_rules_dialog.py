"""Alerts → Rules…: list, add, edit and delete the liquidation alert rules. Every field is checked by
app.core.liquidation_alerts.rule_from_fields (text in, a rule or per-field reasons out) and the reason is
shown beside its field; an invalid rule is never applied or saved. "Save" hands the whole list to the
window (`rules_saved`); "Test" asks for a sample of the rule being edited (`test_requested`).
Opened with open(), never exec() (qasync)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.liquidation_alerts import (
    KIND_TITLES,
    KINDS,
    LEVELS,
    SOUNDS,
    WINDOWS_MS,
    Rule,
    rule_fields,
    rule_from_fields,
    summary,
)

# (field, label, which kinds show it, hint)
_FIELDS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("kind", "Type", tuple(KINDS), ""),
    ("name", "Name", tuple(KINDS), ""),
    ("enabled", "Enabled", tuple(KINDS), ""),
    ("coin", "Coin", tuple(KINDS), "empty: every coin"),
    ("cooldown_s", "Cooldown (s)", tuple(KINDS), "≥ 1 s; market time"),
    ("tiers", "Tiers (USD)", ("single",), "ascending, e.g. 100k, 1M, 10M"),
    ("tier_levels", "Tier levels", ("single",), ", ".join(LEVELS)),
    ("tier_sounds", "Tier sounds", ("single",), ", ".join(SOUNDS)),
    ("window", "Window", ("window_total", "liq_oi"), ""),
    ("threshold_usd", "Total ≥ (USD)", ("window_total",), "e.g. 100M"),
    ("ratio_pct", "Liq / OI ≥ (%)", ("liq_oi",), "e.g. 1"),
    ("recent_min", "Last N minutes", ("rate_spike",), "1–30"),
    ("factor", "k × trailing hour", ("rate_spike",), "above 1"),
    ("min_count", "At least (count)", ("rate_spike",), "liquidations in the N minutes"),
    ("level", "Level", ("window_total", "liq_oi", "rate_spike"), ""),
    ("sound", "Sound", ("window_total", "liq_oi", "rate_spike"), ""),
)
_COMBOS: dict[str, Sequence[str]] = {"kind": tuple(KINDS), "window": tuple(WINDOWS_MS), "level": LEVELS,
                                     "sound": SOUNDS}


class AlertRulesDialog(QDialog):
    rules_saved = Signal(list)  # list[Rule], in order
    test_requested = Signal(object)  # the Rule being edited (valid)

    def __init__(self, rules: Sequence[Rule], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertRulesDialog")
        self.setWindowTitle(self.tr("Liquidation alert rules"))
        self.rules: list[Rule] = list(rules)
        self._current = -1
        self._switching = False

        self.list = QListWidget(self)
        self.list.setMinimumWidth(300)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)
        self.add_button = QToolButton(self)
        self.add_button.setText(self.tr("Add ▾"))
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        add_menu = QMenu(self.add_button)
        for kind, title in KIND_TITLES.items():
            add_menu.addAction(self.tr(title), lambda kind=kind: self.add_rule(kind))
        self.add_button.setMenu(add_menu)
        self.delete_button = QPushButton(self.tr("Delete"), self)
        self.delete_button.clicked.connect(self.delete_rule)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.add_button)
        list_buttons.addWidget(self.delete_button)
        list_buttons.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addLayout(list_buttons)

        grid = QGridLayout()
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        self.inputs: dict[str, QLineEdit | QComboBox | QCheckBox] = {}
        self.errors: dict[str, QLabel] = {}
        self._rows: dict[str, tuple[QLabel, QWidget, QLabel, tuple[str, ...]]] = {}
        for row, (field, label, kinds, hint) in enumerate(_FIELDS):
            widget: QLineEdit | QComboBox | QCheckBox
            if field in _COMBOS:
                widget = QComboBox(self)
                for value in _COMBOS[field]:
                    widget.addItem(self.tr(KIND_TITLES[value]) if field == "kind" else value, value)
            elif field == "enabled":
                widget = QCheckBox(self)
            else:
                widget = QLineEdit(self)
                widget.setPlaceholderText(hint)
            widget.setObjectName(f"field_{field}")
            caption = QLabel(self.tr(label), self)
            error = QLabel("", self)
            error.setObjectName(f"error_{field}")
            error.setStyleSheet("color: #f85149;")
            error.setWordWrap(True)
            error.setMinimumWidth(180)
            grid.addWidget(caption, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(error, row, 2)
            self.inputs[field] = widget
            self.errors[field] = error
            self._rows[field] = (caption, widget, error, kinds)
        kind_combo = self.inputs["kind"]
        assert isinstance(kind_combo, QComboBox)
        kind_combo.currentIndexChanged.connect(lambda _i: self._show_kind(self._kind()))
        self.apply_button = QPushButton(self.tr("Apply"), self)
        self.apply_button.clicked.connect(self.apply)
        self.test_button = QPushButton(self.tr("Test"), self)
        self.test_button.setToolTip(self.tr("Show, notify and sound this rule's alert once"))
        self.test_button.clicked.connect(self.test)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        editor_buttons = QHBoxLayout()
        editor_buttons.addWidget(self.status, 1)
        editor_buttons.addWidget(self.test_button)
        editor_buttons.addWidget(self.apply_button)
        self.editor = QWidget(self)
        right = QVBoxLayout(self.editor)
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(grid)
        right.addStretch(1)
        right.addLayout(editor_buttons)

        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addWidget(self.editor, 5)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.list.currentRowChanged.connect(self._select)
        self._fill_list()
        if self.rules:
            self.list.setCurrentRow(0)
        else:
            self._select(-1)
        self.resize(940, 500)

    # --- the list ------------------------------------------------------------------------------------

    def _fill_list(self) -> None:
        self._switching = True
        self.list.clear()
        for rule in self.rules:
            self.list.addItem(_item_text(rule))
        self._switching = False

    def _select(self, row: int) -> None:
        if self._switching:
            return
        if self._current >= 0 and row != self._current and not self.apply():
            self._switching = True  # stay on the rule being fixed
            self.list.setCurrentRow(self._current)
            self._switching = False
            return
        self._current = row
        self.editor.setEnabled(row >= 0)
        self.delete_button.setEnabled(row >= 0)
        if row >= 0:
            self._load(self.rules[row])

    def add_rule(self, kind: str) -> None:
        if self._current >= 0 and not self.apply():
            return
        rule = KINDS[kind](id=uuid.uuid4().hex[:12], name=KIND_TITLES[kind])  # type: ignore[call-arg]
        self.rules.append(rule)  # type: ignore[arg-type]
        self.list.addItem(_item_text(rule))  # type: ignore[arg-type]
        self._current = -1
        self.list.setCurrentRow(len(self.rules) - 1)

    def delete_rule(self) -> None:
        row = self._current
        if row < 0:
            return
        del self.rules[row]
        self._current = -1
        self._fill_list()
        self._clear_errors()
        if self.rules:
            self.list.setCurrentRow(min(row, len(self.rules) - 1))
        else:
            self._select(-1)

    # --- the editor ----------------------------------------------------------------------------------

    def _kind(self) -> str:
        combo = self.inputs["kind"]
        assert isinstance(combo, QComboBox)
        return str(combo.currentData())

    def _show_kind(self, kind: str) -> None:
        for caption, widget, error, kinds in self._rows.values():
            shown = kind in kinds
            caption.setVisible(shown)
            widget.setVisible(shown)
            error.setVisible(shown)

    def _load(self, rule: Rule) -> None:
        self._clear_errors()
        fields = rule_fields(rule)
        for field, widget in self.inputs.items():
            value = fields.get(field)
            if isinstance(widget, QComboBox):
                index = widget.findData(value) if value is not None else 0
                widget.setCurrentIndex(max(0, index))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(value != "0")
            else:
                widget.setText(value or "")
                widget.setCursorPosition(0)  # a long name shows its start
        self._show_kind(fields["kind"])

    def field_values(self) -> dict[str, str]:
        kind = self._kind()
        values: dict[str, str] = {}
        for field, (_caption, _widget, _error, kinds) in self._rows.items():
            if kind not in kinds:
                continue
            widget = self.inputs[field]
            if isinstance(widget, QComboBox):
                values[field] = str(widget.currentData())
            elif isinstance(widget, QCheckBox):
                values[field] = "1" if widget.isChecked() else "0"
            else:
                values[field] = widget.text()
        return values

    def _clear_errors(self) -> None:
        for error in self.errors.values():
            error.setText("")
        self.status.setText("")

    def _edited(self) -> tuple[Rule | None, dict[str, str]]:
        rule_id = self.rules[self._current].id
        return rule_from_fields(rule_id, self.field_values())

    def apply(self) -> bool:
        """Validate the editor into the selected rule; False (reasons beside the fields) when invalid."""
        if self._current < 0:
            return True
        rule, errors = self._edited()
        self._clear_errors()
        if rule is None:
            for field, why in errors.items():
                self.errors[field].setText(why)
            self.status.setText(self.tr("Fix the fields marked in red."))
            self.status.setStyleSheet("color: #f85149;")
            return False
        self.rules[self._current] = rule
        item = self.list.item(self._current)
        if item is not None:
            item.setText(_item_text(rule))
        return True

    def test(self) -> None:
        if self.apply() and self._current >= 0:
            self.test_requested.emit(self.rules[self._current])
            self.status.setStyleSheet("color: #8b949e;")
            self.status.setText(self.tr("Test alert sent."))

    def save(self) -> None:
        if not self.apply():
            return
        self.rules_saved.emit(list(self.rules))
        self.accept()



def _item_text(rule: Rule) -> str:
    return f"{rule.name}\n    {summary(rule)}"
