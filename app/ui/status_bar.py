"""Status bar: each venue's state, message rate and completeness, plus the market clock."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton, QWidget

from app.core.formatting import format_clock
from app.services.venue_status import VenueRecord
from app.ui.fence import LayoutFence
from app.ui.tape_model import venue_name
from app.ui.theme import STATE_COLORS, set_style, tabular_font

LAG_WARNING_MS = 2000  # warn when the median received − exchange time exceeds 2 s
_STATE_GLYPH = {"live": "●", "connecting": "◌", "stalled": "◐", "offline": "○", "refused": "⊘"}


def venue_status_text(view: VenueRecord, compact: bool = False) -> str:
    """`compact` (a narrow window): the state word only when not live (the glyph says it), the coverage
    always, the message rate in the tooltip only; the warnings (gaps, bad frames, lag, silence) are always said."""
    glyph = _STATE_GLYPH.get(view.state, "?")
    # A venue without a public liquidation feed (marks, watched accounts only) says so, not a completeness.
    coverage = "no liquidation feed" if view.liquidation_note else view.completeness
    if compact:  # the coverage stays (how complete a venue's figures are must always be visible); rate in the tooltip
        state = "" if view.state == "live" else f" {view.state}"
        short = "no liq. feed" if view.liquidation_note else view.completeness
        text = f"{glyph} {venue_name(view.venue)}{state} {short}"
    else:
        text = f"{glyph} {venue_name(view.venue)} {view.state} {view.msgs_per_s:5.1f}/s · {coverage}"
    if view.gaps:
        text += f" · {view.gaps} gap{'s' if view.gaps != 1 else ''}"
    if view.bad_frames:
        text += f" · {view.bad_frames} bad"
    if view.lag_ms is not None and view.lag_ms > LAG_WARNING_MS:
        text += " ⚠" if compact else f" · ⚠ lag {view.lag_ms / 1000:.1f}s"  # compact: the tooltip says it
    if view.possibly_silent:
        text += " · ⚠ possibly silent"
    return text


def venue_status_tooltip(view: VenueRecord) -> str:
    lines = [
        f"{venue_name(view.venue)}: {view.state}",
        f"messages/s: {view.msgs_per_s:.1f}",
        f"completeness: {view.completeness}",
        f"reconnects: {view.reconnects}, gaps: {view.gaps}, bad frames: {view.bad_frames}",
    ]
    if view.rotations:
        lines.append(f"planned connection rotations (no gap): {view.rotations}")
    if view.overflow:
        lines.append(f"dropped by a full queue (shown as gaps): {view.overflow}")
    if view.lag_ms is not None:
        warning = "  ⚠ above 2 s" if view.lag_ms > LAG_WARNING_MS else ""
        lines.append(f"median feed lag: {view.lag_ms:,.0f} ms{warning}")
    if view.possibly_silent:
        lines.append("⚠ possibly silent: connected, but no liquidation for an hour while other venues report many "
                     "(a venue that changed its endpoint can keep a connection open and send nothing)")
    if view.state == "refused":
        lines.append("not available from your region")
    if view.detail:
        lines.append(view.detail)
    return "\n".join(lines)


class VenueStatusBar(QStatusBar):
    retry_requested = Signal(str)  # venue: the user asked a refused venue to retry now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self._labels: dict[str, QLabel] = {}
        self._fences: dict[str, LayoutFence] = {}
        """Each label's: its figures change every second, and the fence keeps its width from moving the bar."""
        self._retry: dict[str, QToolButton] = {}
        self._compact = False
        self.clock_label = QLabel()
        self.clock_label.setFont(tabular_font(self.clock_label.font()))
        self.addPermanentWidget(LayoutFence(self.clock_label))

    def add_venues(self, venues: list[str]) -> None:
        """Create the venues' labels up front: QStatusBar hides its normal widgets while a temporary
        message shows, and a label added during one would stay hidden."""
        for venue in venues:
            self._label(venue).setText(f"◌ {venue_name(venue)} connecting")

    def _label(self, venue: str) -> QLabel:
        label = self._labels.get(venue)
        if label is None:
            label = self._labels[venue] = QLabel()
            label.setFont(tabular_font(label.font()))
            label.setMinimumWidth(24)  # never widens the window: a narrow one shows the compact text
            self._fences[venue] = LayoutFence(label)
            self.addWidget(self._fences[venue])
        return label

    def retry_button(self, venue: str) -> QToolButton:
        """Shown while the venue is refused (it retries only every 15 min): a permanent widget, so a
        status message never hides it."""
        button = self._retry.get(venue)
        if button is None:
            button = self._retry[venue] = QToolButton()
            button.setText(self.tr("Retry {venue} now").format(venue=venue_name(venue)))
            button.setToolTip(self.tr("{venue} refused the connection (not available from your region?). "
                                      "Cascade retries every 15 minutes; click to retry at once, e.g. after "
                                      "changing your network or VPN.").format(venue=venue_name(venue)))
            button.clicked.connect(lambda _checked=False, v=venue: self.retry_requested.emit(v))
            button.hide()
            self.insertPermanentWidget(len(self._labels), button)  # before the clock
        return button

    def update_venues(self, views: list[VenueRecord]) -> None:
        compact = self._needs_compact(views)
        shrink, self._compact = compact != self._compact, compact
        for view in views:
            label = self._label(view.venue)
            text = venue_status_text(view, compact)
            if shrink:
                self._fences[view.venue].forget_width()  # full ↔ compact texts: the widths start again
            if label.text() != text:
                label.setText(text)
            tip = venue_status_tooltip(view)
            if label.toolTip() != tip:
                label.setToolTip(tip)
            color = "#d29922" if view.possibly_silent else STATE_COLORS.get(view.state, "#c9d1d9")
            set_style(label, f"color: {color};")
            refused = view.state == "refused"
            if refused or view.venue in self._retry:
                self.retry_button(view.venue).setVisible(refused)

    def _needs_compact(self, views: list[VenueRecord]) -> bool:
        """Whether the full texts would overflow the bar's width (then every venue is compact)."""
        if not views or not self.isVisible():
            return False
        metrics = self._label(views[0].venue).fontMetrics()
        needed = sum(metrics.horizontalAdvance(venue_status_text(view)) + 20 for view in views)
        spare = self.width() - self.clock_label.sizeHint().width() - 30
        spare -= sum(button.sizeHint().width() for button in self._retry.values() if button.isVisible())
        return needed > spare

    def update_clock(self, market_ms: int, label: str, local: bool = False) -> None:
        prefix = "Scenario time" if label != "live" else "Market time"
        self.clock_label.setText(f"{prefix} {format_clock(market_ms, local=local, with_date=True)}")

    def venue_label(self, venue: str) -> QLabel | None:
        return self._labels.get(venue)
