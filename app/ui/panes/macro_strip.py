"""The macro strip: JGB closes per tenor (level, day change in bp, 60-day sparkline, record and
big-move flags) and the next scheduled events with live countdowns. A click on a tenor opens the
curve view. The widget only draws what app.services.macro computes."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QContextMenuEvent, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QSizePolicy, QVBoxLayout, QWidget

from app.core.formatting import format_clock
from app.core.macro.freshness import Freshness, age_text
from app.core.macro.jgb import TenorReading
from app.services.macro import EventLine, MacroService
from app.services.snapshot import Snapshot
from app.ui.fence import LayoutFence
from app.ui.theme import palette, set_style, tabular_font

# Colours come from the theme at paint time: yields up (bond prices down) is the risk-off direction and
# takes the tape's long colour; down the short colour; flags the error colour, stale the warning colour.


class Sparkline(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: tuple[float, ...] = ()
        self.setMinimumSize(QSize(60, 26))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_values(self, values: Sequence[float]) -> None:
        values = tuple(values)
        if values != self._values:  # the strip refreshes every second; a close changes once a day
            self._values = values
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(60, 26)

    def paintEvent(self, _event: object) -> None:
        points = [(i, v) for i, v in enumerate(self._values) if not math.isnan(v)]
        if len(points) < 2:
            return
        low = min(v for _, v in points)
        high = max(v for _, v in points)
        span = (high - low) or 1.0
        rect = QRectF(self.rect()).adjusted(2, 3, -4, -3)
        count = max(len(self._values) - 1, 1)

        def at(i: int, v: float) -> QPointF:
            return QPointF(rect.left() + rect.width() * i / count, rect.bottom() - rect.height() * (v - low) / span)

        path = QPainterPath(at(*points[0]))
        for i, v in points[1:]:
            path.lineTo(at(i, v))
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(palette().muted), 1.2))
        painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(palette().long if points[-1][1] >= points[0][1] else palette().short))
        painter.drawEllipse(at(*points[-1]), 2.5, 2.5)
        painter.end()


class TenorTile(QFrame):
    clicked = Signal(str)

    def __init__(self, tenor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tenor = tenor
        self._shown: tuple[object, ...] | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setObjectName("tenorTile")
        self.name = QLabel(tenor)
        self.name.setStyleSheet("font-weight: bold;")
        self.level = QLabel("—")
        self.level.setFont(tabular_font(self.level.font()))
        self.change = QLabel("")
        self.change.setFont(tabular_font(self.change.font()))
        self.flag = QLabel("")
        self.flag.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens the tile
        self.sparkline = Sparkline()
        text = QVBoxLayout()
        text.setSpacing(0)
        top = QHBoxLayout()
        top.addWidget(self.name)
        top.addWidget(LayoutFence(self.level))  # (fences: a new reading moves nothing else)
        top.addWidget(LayoutFence(self.change))
        top.addStretch(1)
        text.addLayout(top)
        text.addWidget(LayoutFence(self.flag))
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 3, 8, 3)
        row.addLayout(text)
        row.addWidget(self.sparkline)

    def show_reading(self, reading: TenorReading, freshness: Freshness | None = None) -> None:
        """`freshness` stale: the level and change are shown muted, dated, with the close's age, never
        as today's move."""
        shown = (reading, freshness, palette())  # a theme switch restyles
        if shown == self._shown:
            return  # called every second: unchanged text and style sheets are not set again (each costs a relayout)
        self._shown = shown
        stale = freshness is not None and freshness.stale
        if reading.level is None:
            self.level.setText("—")
            self.change.setText("")
            self.flag.setText(self.tr("no close") if reading.data_date else self.tr("no data"))
            self.sparkline.set_values(reading.sparkline)
            return
        self.level.setText(f"{reading.level:.3f}%")
        set_style(self.level, f"color: {palette().muted};" if stale else "font-weight: bold;")
        if reading.change_bp is None:
            self.change.setText("")
        elif stale and reading.data_date is not None:
            self.change.setText(self.tr("{change}bp on {day}").format(
                change=f"{reading.change_bp:+.1f}", day=reading.data_date.strftime("%d %b")))
            set_style(self.change, f"color: {palette().muted};")
        else:
            arrow = "▲" if reading.change_bp > 0 else "▼" if reading.change_bp < 0 else "="
            p = palette()
            color = p.long if reading.change_bp > 0 else p.short if reading.change_bp < 0 else p.muted
            self.change.setText(f"{arrow} {reading.change_bp:+.1f}bp")
            set_style(self.change, f"color: {color}; font-weight: bold;")
        flags = []
        if stale and reading.data_date is not None and freshness is not None:
            self.flag.setText(self.tr("⚠ stale: {age}").format(age=age_text(freshness.age_days or 0)))
            set_style(self.flag, f"color: {palette().warn}; font-size: 11px;")
            self.sparkline.set_values(reading.sparkline)
            self.setToolTip(self.tr("{tenor} JGB: the last official MOF close is from {day} ({age}); "
                                    "the change shown is that day's, not today's. {label}")
                            .format(tenor=reading.tenor, day=reading.data_date.isoformat(),
                                    age=age_text(freshness.age_days or 0), label=freshness.label))
            return
        if reading.record:
            flags.append(self.tr("★ RECORD"))
        elif reading.highest_since is not None and reading.change_bp and reading.change_bp > 0:
            flags.append(self.tr("high since {d}").format(d=reading.highest_since.strftime("%b %Y")))
        if reading.big_move:
            flags.append(self.tr("⚠ big move"))
        self.flag.setText(" · ".join(flags))
        self.flag.setToolTip(self.flag.text())  # the tile may be too narrow for every flag
        set_style(self.flag, f"color: {palette().error if reading.record or reading.big_move else palette().muted};"
                                "font-size: 11px;")
        self.sparkline.set_values(reading.sparkline)
        self.setToolTip(self.tr("{tenor} JGB, {label}; previous close {prev} on {prev_date}. "
                                "Official Ministry of Finance closes, not intraday quotes. Click for the curve.")
                        .format(tenor=reading.tenor, label=reading.label,
                                prev=f"{reading.previous_level:.3f}%" if reading.previous_level is not None else "—",
                                prev_date=reading.previous_date.isoformat() if reading.previous_date else "—"))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.tenor)
        super().mousePressEvent(event)


THRESHOLD_CHOICES_BP = (5.0, 10.0, 15.0, 20.0, 25.0)
EVENTS_SHOWN = 3
EVENT_HORIZON_MS = 14 * 86_400_000
"""Events further away than this are not counted down (a 323-day countdown is not news)."""


def _unbroken(text: str) -> str:
    """Rich text that wraps nowhere inside: spaces and hyphens made non-breaking."""
    return text.replace(" ", "&nbsp;").replace("-", "&#8209;")
SOURCE_WIDTH = 120
SOURCE_WARN_WIDTH = 230  # room for "7 months old · source unreachable"


class MacroStrip(QFrame):
    tenor_clicked = Signal(str)
    tenors_chosen = Signal(list)  # list[str], in maturity order
    threshold_chosen = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("macroStrip")
        self.source = QLabel()
        self.source.setProperty("muted", True)
        self.source.setWordWrap(True)
        self.source.setFixedWidth(SOURCE_WIDTH)
        self.freshness: Freshness | None = None
        self.tiles: dict[str, TenorTile] = {}
        self.available_tenors: list[str] = []
        self.threshold_bp = 10.0
        self._menu: QMenu | None = None
        self.tiles_row = QHBoxLayout()
        self.tiles_row.setSpacing(6)
        self.events = QLabel()
        self.events.setTextFormat(Qt.TextFormat.RichText)
        self.events.setWordWrap(False)  # one event per line, its countdown beside it; all in the tooltip
        self.events.setMinimumWidth(160)
        self.events.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(LayoutFence(self.source))  # its age and the countdowns change every minute
        row.addLayout(self.tiles_row)
        row.addWidget(LayoutFence(self.events), 1)

    def refresh(self, snapshot: Snapshot) -> None:
        if snapshot.macro is not None:
            self.show_macro(snapshot.macro, snapshot.now_ms)

    def show_macro(self, macro: MacroService, now_ms: int) -> None:
        self.available_tenors = list(macro.history.tenors)
        self.threshold_bp = macro.threshold_bp
        self.show_readings(macro.readings(now_ms), macro.freshness(now_ms))
        under_way, coming = macro.events(now_ms, EVENTS_SHOWN)
        lines = macro.event_lines(now_ms, EVENTS_SHOWN)  # the same events, in the same order
        soon = len(under_way) + sum(1 for event in coming if event.start_ms - now_ms <= EVENT_HORIZON_MS)
        later = None
        if soon == len(under_way) and coming:  # nothing within the horizon: say when the next one is
            later = (coming[0].title, coming[0].start_ms)
        self.show_events(lines[:soon], later)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Right-click: choose the tenors shown and the big-move threshold. popup(), never exec():
        a nested event loop would stall the feeds running on qasync."""
        self._menu = QMenu(self)
        shown = list(self.tiles)
        tenors_menu = self._menu.addMenu(self.tr("Tenors shown"))
        for tenor in self.available_tenors:
            action = tenors_menu.addAction(tenor)
            action.setCheckable(True)
            action.setChecked(tenor in shown)
            action.toggled.connect(lambda checked, t=tenor: self._toggle_tenor(t, checked))
        threshold_menu = self._menu.addMenu(self.tr("Flag moves larger than"))
        for bp in THRESHOLD_CHOICES_BP:
            action = threshold_menu.addAction(f"±{bp:g} bp")
            action.setCheckable(True)
            action.setChecked(bp == self.threshold_bp)
            action.triggered.connect(lambda _checked=False, value=bp: self.threshold_chosen.emit(value))
        self._menu.popup(event.globalPos())

    def _toggle_tenor(self, tenor: str, checked: bool) -> None:
        chosen = [t for t in self.available_tenors if (t in self.tiles and t != tenor) or (t == tenor and checked)]
        if chosen:  # at least one tenor stays
            self.tenors_chosen.emit(chosen)

    def show_readings(self, readings: Sequence[TenorReading], freshness: Freshness | None = None) -> None:
        self.freshness = freshness
        wanted = [r.tenor for r in readings]
        for tenor in list(self.tiles):
            if tenor not in wanted:
                tile = self.tiles.pop(tenor)
                self.tiles_row.removeWidget(tile)
                tile.deleteLater()
        for position, reading in enumerate(readings):
            tile = self.tiles.get(reading.tenor)
            if tile is None:
                tile = self.tiles[reading.tenor] = TenorTile(reading.tenor)
                tile.clicked.connect(self.tenor_clicked)
                self.tiles_row.insertWidget(position, tile)
            tile.show_reading(reading, freshness)
        self._show_source(readings, freshness)

    def _show_source(self, readings: Sequence[TenorReading], freshness: Freshness | None) -> None:
        if freshness is None or not freshness.warn:
            label = readings[0].label if readings else self.tr("no MOF data")
            self.source.setFixedWidth(SOURCE_WIDTH)
            set_style(self.source, f"color: {palette().muted};")
            label = label.replace("MOF close, ", "MOF close\n")
            self.source.setText(self.tr("JGB yields\n{label}").format(label=label))
            self.source.setToolTip("")
            return
        first, _, rest = freshness.label.partition(" · ")
        self.source.setFixedWidth(SOURCE_WARN_WIDTH)
        set_style(self.source, f"color: {palette().warn};")
        self.source.setText(self.tr("⚠ JGB yields, {first}\n{rest}").format(first=first, rest=rest))
        tip = [freshness.label,
               self.tr("MOF publishes closes on Japanese business days; a close more than 3 business days "
                       "behind today's Tokyo date is stale.")]
        if freshness.source == "unreachable":
            tip.append(self.tr("The last fetch from the Ministry of Finance failed: {detail}")
                       .format(detail=freshness.detail or self.tr("no detail")))
        self.source.setToolTip("\n".join(tip))

    def show_events(self, lines: Sequence[EventLine], later: tuple[str, int] | None = None) -> None:
        """Events under way and those starting within EVENT_HORIZON_MS, one per line; a countdown never
        breaks from its event. `later`: (title, start) of the next one beyond the horizon."""
        p = palette()
        if not lines:
            text = self.tr("No scheduled events in the next {days} days").format(days=EVENT_HORIZON_MS // 86_400_000)
            if later is not None:
                text += self.tr(" (next: {title}, {day})").format(
                    title=html.escape(later[0]), day=format_clock(later[1], with_date=True)[:10])
            self.events.setText(f"<span style='color:{p.muted}'>{_unbroken(text)}</span>")
            return
        parts = []
        for line in lines:
            color = p.ok if line.in_progress else p.warn if line.impact == "high" else p.text
            # A long title may wrap between its words, but its last word and the countdown stay together.
            head, _, last = html.escape(line.title).rpartition(" ")
            parts.append(f"<span style='color:{color}'><b>{head} {_unbroken(last)}</b>"
                         f"&nbsp;{_unbroken(line.when)}</span>")
        self.events.setText("<br>".join(parts))  # one event per line
        self.events.setToolTip("\n".join(f"{line.title} {line.when}" for line in lines))
