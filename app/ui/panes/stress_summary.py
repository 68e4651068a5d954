"""Market stress headline: "past 24 h: N liquidations, $X; longs Y%; largest: venue symbol $Z at HH:MM;
observed 21 h 40 m of 24 h; sampled venues undercount", for the window chosen here (1 h / 4 h / 12 h /
24 h). The selector is the one the stress panes share: it goes to the session, and every stress pane
shows the window the snapshot says is selected. The lines come from app.services.stress.headline (the
same builder `cascade summarize` prints), nothing is computed here."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.formatting import compact_usd
from app.core.stress import SELECTABLE_WINDOWS
from app.services.snapshot import Snapshot
from app.services.stress import Headline, display_name, headline, span_text
from app.ui.fence import LayoutFence
from app.ui.theme import LONG_COLOR, SHORT_COLOR, tabular_font

EMPTY_TEXT = "No liquidations in this window yet."


class WindowSelector(QWidget):
    """Four checkable buttons (1h / 4h / 12h / 24h); `on_select(name)` when the user picks one."""

    def __init__(self, on_select, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._on_select = on_select
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for name in SELECTABLE_WINDOWS:
            button = QPushButton(name)
            button.setCheckable(True)
            button.setToolTip(self.tr("Show the last {window} in the stress panes").format(window=name))
            self.group.addButton(button)
            self.buttons[name] = button
            button.clicked.connect(lambda _checked=False, name=name: self._picked(name))
            layout.addWidget(button)
        layout.addStretch(1)
        self.setStyleSheet("QPushButton:checked { background: #1f6feb; color: white; border-color: #1f6feb; }")
        self.buttons["24h"].setChecked(True)

    def _picked(self, name: str) -> None:
        self._on_select(name)

    def show_selected(self, name: str) -> None:
        button = self.buttons.get(name)
        if button is not None and not button.isChecked():
            button.setChecked(True)


class StressSummaryPane(QWidget):
    refresh_every_s = 1.0
    """Paced windows (WindowOptions.paced) refresh it this often:
    rolling windows of an hour and more."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._session = session
        self.selector = WindowSelector(self._select)
        self.title = QLabel()
        font = tabular_font(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.sides = QLabel()
        self.largest = QLabel()
        self.observed = QLabel()
        self.rate = QLabel()
        self.caveat = QLabel()
        self.caveat.setWordWrap(True)
        self.caveat.setStyleSheet("color: #d29922;")
        for label in (self.sides, self.largest, self.observed, self.rate):
            label.setFont(tabular_font(label.font()))
            label.setWordWrap(True)
        self.observed.setStyleSheet("color: #8b949e;")
        self.rate.setStyleSheet("color: #8b949e;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        layout.addWidget(self.selector)
        for widget in (self.title, self.sides, self.largest, self.observed, self.rate, self.caveat):
            layout.addWidget(LayoutFence(widget))  # their figures change every second
        layout.addStretch(1)
        self.headline: Headline | None = None
        self.title.setText(self.tr(EMPTY_TEXT))

    def _select(self, name: str) -> None:
        self._session.set_stress_window(name)

    def refresh(self, snapshot: Snapshot) -> None:
        view = snapshot.stress
        if view is None:
            return
        self.selector.show_selected(view.selected)
        stats = view.current
        rate = self.tr("Rate {recent:.2f}/s over the last minute · {hour:.2f}/s over the hour").format(
            recent=view.recent_rate_per_s, hour=view.trailing_hour_rate_per_s)
        if self.rate.text() != rate:
            self.rate.setText(rate)
        coverage = view.coverage.get(view.selected, {})
        shown = headline(stats, coverage, view.completeness)
        tip = "\n".join([self.tr("Observed in the last {window}, per venue:").format(window=stats.name)]
                        + [f"  {display_name(venue)}: {span_text(ms)}" for venue, ms in coverage.items()]
                        + [self.tr("{n} late events older than the longest window were counted, not added").format(
                            n=view.too_old)] * bool(view.too_old))
        if self.observed.toolTip() != tip:
            self.observed.setToolTip(tip)
        if shown == self.headline:
            return
        self.headline = shown
        lines = shown.lines
        self.title.setText(lines[0])
        if shown.long_share is None:
            self.sides.setText(self.tr("Longs — · shorts —"))
        else:
            totals = stats.totals
            self.sides.setText(
                f"<span style='color:{LONG_COLOR.name()}'>▼ {self.tr('Longs')} {shown.long_share * 100:.1f}% "
                f"({compact_usd(totals.long_usd)})</span> · <span style='color:{SHORT_COLOR.name()}'>▲ "
                f"{self.tr('Shorts')} {(1 - shown.long_share) * 100:.1f}% ({compact_usd(totals.short_usd)})</span>")
        self.largest.setText(lines[2])
        self.observed.setText(lines[3])
        self.caveat.setText(lines[4] if len(lines) > 4 else "")
        self.caveat.setVisible(len(lines) > 4)
