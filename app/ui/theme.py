"""Colours, fonts and the style sheet, in a dark and a light theme. Long/short use the Okabe-Ito
colour-blind-safe pair (orange / blue), always with a glyph and a word, never colour alone; the light
theme uses the pair's darker members so they stay readable on white.

`apply_theme(name)` restyles the running application: the style sheet, pyqtgraph's defaults and every
plot already drawn, and the shared colour objects (`LONG_COLOR`, `SHORT_COLOR`, `STALE_TEXT`) in place,
so models that return them paint in the new theme on their next repaint. Widgets that keep colours of
their own connect to `theme_changed()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QWidget

ThemeName = Literal["dark", "light"]
THEME_NAMES: tuple[ThemeName, ...] = ("dark", "light")


@dataclass(frozen=True)
class Palette:
    name: ThemeName
    window: str  # the base background
    alternate: str  # alternate table rows
    panel: str  # headers, dock titles, status bar, the macro strip
    control: str  # buttons, combo boxes
    border: str
    text: str
    muted: str  # secondary text
    strong_muted: str  # headers' text
    accent: str  # selection, the "N new" badge
    long: str
    short: str
    warn: str
    error: str
    ok: str
    plot_background: str
    plot_foreground: str


DARK = Palette("dark", window="#0d1117", alternate="#131a22", panel="#161b22", control="#21262d",
               border="#30363d", text="#e6edf3", muted="#8b949e", strong_muted="#8b949e", accent="#1f6feb",
               long="#E69F00", short="#56B4E9", warn="#d29922", error="#f85149", ok="#3fb950",
               plot_background="#0d1117", plot_foreground="#c9d1d9")
LIGHT = Palette("light", window="#ffffff", alternate="#f3f5f8", panel="#eef1f5", control="#f6f8fa",
                border="#c8d1dc", text="#1f2328", muted="#59636e", strong_muted="#424a53", accent="#0969da",
                long="#B85C00", short="#0072B2", warn="#9a6700", error="#cf222e", ok="#1a7f37",
                plot_background="#ffffff", plot_foreground="#24292f")
PALETTES: dict[str, Palette] = {"dark": DARK, "light": LIGHT}

# Shared colour objects: changed in place by apply_theme, so every holder sees the new theme.
LONG_COLOR = QColor(DARK.long)  # orange: long positions liquidated (price falling)
SHORT_COLOR = QColor(DARK.short)  # blue: short positions liquidated
STALE_TEXT = QColor("#6e7681")  # a row valued on a stale (or missing) mark
TEXT_COLOR = QColor(DARK.text)
LONG_LABEL = "▼ LONG"
SHORT_LABEL = "▲ SHORT"

STATE_COLORS = {
    "live": "#3fb950",
    "connecting": "#d29922",
    "stalled": "#d29922",
    "offline": "#f85149",
    "refused": "#f85149",
}

# Stress of a position (distance to liquidation): always drawn with its word, never colour alone.
STRESS_COLORS = {
    "calm": "#2f81f7",
    "watch": "#d29922",
    "warning": "#db6d28",
    "danger": "#f85149",
    "liquidated": "#a40e26",
    "unknown": "#6e7681",
}


def style_sheet(p: Palette) -> str:
    return f"""
QMainWindow, QWidget {{ background: {p.window}; color: {p.text}; }}
QTableView, QListView, QTreeView {{ background: {p.window}; alternate-background-color: {p.alternate};
             gridline-color: {p.border}; selection-background-color: {p.accent}; selection-color: #ffffff;
             border: none; }}
QHeaderView::section {{ background: {p.panel}; color: {p.strong_muted}; border: none;
                       border-bottom: 1px solid {p.border}; padding: 3px 6px; }}
QDockWidget::title {{ background: {p.panel}; padding: 4px 8px; color: {p.strong_muted}; }}
QTabBar::tab {{ background: {p.panel}; color: {p.muted}; padding: 4px 10px; border: 1px solid {p.border}; }}
QTabBar::tab:selected {{ background: {p.window}; color: {p.text}; }}
QStatusBar {{ background: {p.panel}; color: {p.text}; border-top: 1px solid {p.border}; }}
QStatusBar QLabel {{ padding: 0 6px; }}
QMenuBar {{ background: {p.panel}; color: {p.text}; }}
QMenuBar::item:selected, QMenu::item:selected {{ background: {p.accent}; color: #ffffff; }}
QMenu {{ background: {p.panel}; color: {p.text}; border: 1px solid {p.border}; }}
QMenu::item:disabled {{ color: {p.muted}; }}
QComboBox, QPushButton, QLineEdit, QSpinBox, QDoubleSpinBox, QPlainTextEdit, QDateTimeEdit {{
             background: {p.control}; color: {p.text};
             border: 1px solid {p.border}; border-radius: 4px; padding: 2px 8px; }}
QComboBox QAbstractItemView {{ background: {p.panel}; color: {p.text}; selection-background-color: {p.accent}; }}
QPushButton:default {{ border-color: {p.accent}; }}
QPushButton#newBadge {{ background: {p.accent}; color: white; font-weight: bold; border: none; }}
QLabel#replayBanner {{ background: #9e6a03; color: #ffffff; font-weight: bold; padding: 4px 10px; }}
QLabel#paneTitle {{ color: {p.strong_muted}; font-weight: bold; }}
QLabel[muted="true"] {{ color: {p.muted}; }}
QLabel[fieldError="true"] {{ color: {p.error}; }}
QFrame#macroStrip {{ background: {p.panel}; border-bottom: 1px solid {p.border}; }}
QFrame#tenorTile {{ border: 1px solid {p.border}; border-radius: 4px; }}
QFrame#tenorTile:hover {{ border-color: {p.muted}; }}
QToolTip {{ background: {p.panel}; color: {p.text}; border: 1px solid {p.border}; }}
"""


STYLE_SHEET = style_sheet(DARK)


class _ThemeSignals(QObject):
    changed = Signal(str)


_current: list[Palette] = [DARK]
_signals: list[_ThemeSignals] = []


def palette() -> Palette:
    """The theme in force (read at paint time by widgets that format their own colours)."""
    return _current[0]


def theme_changed() -> Signal:  # type: ignore[type-arg]
    """Emitted with the theme's name after `apply_theme`."""
    if not _signals:
        _signals.append(_ThemeSignals())
    return _signals[0].changed


class _FillsBackground(QObject):
    """Turns a widget's background filling back on after the style sheet's polish turned it off (at its
    first show and at each change of style: a theme)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Show, QEvent.Type.StyleChange) and isinstance(watched, QWidget) \
                and not watched.autoFillBackground():
            watched.setAutoFillBackground(True)
        return False


_fills_background: list[_FillsBackground] = []


def opaque_pane(widget: QWidget) -> None:
    """The pane fills its own background (in the theme's colour), so a repaint inside it stops at it: Qt
    otherwise paints every widget under the changed area first, here the main window's background and the
    dock's title and frame (whose style looks its icons up again each time): ~150 µs for a label's repaint,
    ~50 µs opaque (issue 14). The style sheet turns the filling off when it polishes the pane; this turns
    it on again."""
    if not _fills_background:
        _fills_background.append(_FillsBackground())
    widget.setAutoFillBackground(True)
    widget.installEventFilter(_fills_background[0])


def apply_theme(name: str) -> Palette:
    """Switch the whole application to theme `name` (unknown names: dark)."""
    chosen = PALETTES.get(name, DARK)
    app = QGuiApplication.instance()
    if chosen is _current[0] and app is not None and app.styleSheet() == style_sheet(chosen):  # type: ignore[attr-defined]
        return chosen  # already in force (restyling every widget again is slow)
    _current[0] = chosen
    for color, value in ((LONG_COLOR, chosen.long), (SHORT_COLOR, chosen.short), (TEXT_COLOR, chosen.text)):
        color.setRgba(QColor(value).rgba())
    STALE_TEXT.setRgba(QColor("#6e7681" if chosen.name == "dark" else "#8c959f").rgba())
    if app is not None:
        app.setStyleSheet(style_sheet(chosen))  # type: ignore[attr-defined]
    _restyle_plots(chosen)
    theme_changed().emit(chosen.name)
    return chosen


def _restyle_plots(chosen: Palette) -> None:
    """pyqtgraph's defaults for plots made later, and every plot already on screen."""
    import pyqtgraph as pg

    pg.setConfigOptions(background=chosen.plot_background, foreground=chosen.plot_foreground)
    app = QGuiApplication.instance()
    if app is None:
        return
    for widget in app.allWidgets():  # type: ignore[attr-defined]
        if isinstance(widget, pg.PlotWidget):
            style_plot(widget, chosen)


def style_plot(plot: object, chosen: Palette | None = None) -> None:
    """Background, axes and title of one pyqtgraph PlotWidget in the theme."""
    import pyqtgraph as pg

    chosen = chosen or palette()
    assert isinstance(plot, pg.PlotWidget)
    plot.setBackground(chosen.plot_background)
    item = plot.getPlotItem()
    for side in ("left", "bottom", "right", "top"):
        axis = item.getAxis(side)
        axis.setPen(pg.mkPen(chosen.plot_foreground))
        axis.setTextPen(pg.mkPen(chosen.plot_foreground))
    item.titleLabel.setAttr("color", chosen.plot_foreground)
    item.titleLabel.setText(item.titleLabel.text)
    legend = item.legend
    if legend is not None:
        legend.setLabelTextColor(chosen.plot_foreground)


def set_style(widget: QWidget, style: str) -> None:
    """A widget's style sheet, set only when it changes: setting it again re-polishes the widget, which
    re-measures it and can lay the whole window out again (panes refresh every tick or second)."""
    if widget.styleSheet() != style:
        widget.setStyleSheet(style)


def tabular_font(base: QFont | None = None) -> QFont:
    """A font whose digits all have one width, so columns do not jitter at 10 Hz."""
    font = QFont(base) if base is not None else QGuiApplication.font()
    set_feature = getattr(font, "setFeature", None)
    if set_feature is not None:  # Qt >= 6.7: OpenType feature 'tnum'
        set_feature(QFont.Tag("tnum"), 1)
    else:  # pragma: no cover - older Qt
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    return font
