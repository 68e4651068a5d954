"""File → Settings…: what otherwise lives only in the JSON settings file, typed and validated field by
field (the error stands beside its field; nothing is saved while any field is wrong). Saved through the
session's SettingsStore (one atomic write off the loop thread); fields marked live take effect at once,
the others say "applies on restart".

The fields, their parsers and the whole-set check are Qt-free (app.services.settings_form)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.settings_form import Field, FieldError, collect, fields
from app.services.settings_store import SettingsStore

__all__ = ["Field", "FieldError", "SettingsDialog"]

class SettingsDialog(QDialog):
    """`saved` carries the changed fields (already written through the store)."""

    saved = Signal(dict)

    def __init__(self, store: SettingsStore, known_tenors: Sequence[str] | None = None,
                 parent: QWidget | None = None, persistent: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._store = store
        self.fields = fields(known_tenors)
        self.inputs: dict[str, QLineEdit | QComboBox | QPlainTextEdit] = {}
        self.errors: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        current = store.current
        for row, field in enumerate(self.fields):
            label = QLabel(self.tr(field.label))
            widget: QLineEdit | QComboBox | QPlainTextEdit
            value = getattr(current, field.key)
            if field.choices:
                widget = QComboBox()
                for text, choice in field.choices:
                    widget.addItem(self.tr(text), choice)
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif field.multiline:
                widget = QPlainTextEdit(field.show(value))
                widget.setPlaceholderText("bybit/linear = wss://stream.bybit.com/v5/public/linear")
                widget.setFixedHeight(90)
            else:
                widget = QLineEdit(field.show(value))
            if field.hint:
                widget.setToolTip(self.tr(field.hint))
            when = QLabel(self.tr("live") if field.live else self.tr("applies on restart"))
            when.setProperty("muted", True)
            error = QLabel()
            error.setProperty("fieldError", True)
            error.setWordWrap(True)
            error.setObjectName(f"error_{field.key}")
            error.hide()
            grid.addWidget(label, row * 2, 0)
            grid.addWidget(widget, row * 2, 1)
            grid.addWidget(when, row * 2, 2)
            grid.addWidget(error, row * 2 + 1, 1, 1, 2)
            self.inputs[field.key] = widget
            self.errors[field.key] = error
        note = QLabel(self.tr("Saved to the settings file.") if persistent else
                      self.tr("Demo: changes last until the demo closes; nothing is written."))
        note.setProperty("muted", True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(720, self.sizeHint().height())

    def texts(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, widget in self.inputs.items():
            if isinstance(widget, QComboBox):
                out[key] = str(widget.currentData())
            elif isinstance(widget, QPlainTextEdit):
                out[key] = widget.toPlainText()
            else:
                out[key] = widget.text()
        return out

    def save(self) -> bool:
        changes, errors = collect(self.fields, self.texts(), self._store.current)
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)
        if errors:
            first = next(key for key in self.inputs if key in errors)
            self.inputs[first].setFocus()
            return False
        if changes:
            self._store.update(**changes)
            self.saved.emit(changes)
        self.accept()
        return True
