"""Colours, fonts and the style sheet. Long/short use the Okabe-Ito colour-blind-safe pair, always
with a glyph and a word, never colour alone."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication

LONG_COLOR = QColor("#E69F00")  # orange: long positions liquidated (price falling)
SHORT_COLOR = QColor("#56B4E9")  # sky blue: short positions liquidated
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
STALE_TEXT = QColor("#6e7681")  # a row valued on a stale (or missing) mark

STYLE_SHEET = """
QMainWindow, QWidget { background: #0d1117; color: #e6edf3; }
QTableView { background: #0d1117; alternate-background-color: #131a22; gridline-color: #21262d;
             selection-background-color: #1f6feb; border: none; }
QHeaderView::section { background: #161b22; color: #8b949e; border: none; border-bottom: 1px solid #30363d;
                       padding: 3px 6px; }
QDockWidget::title { background: #161b22; padding: 4px 8px; color: #8b949e; }
QStatusBar { background: #161b22; color: #c9d1d9; border-top: 1px solid #30363d; }
QStatusBar QLabel { padding: 0 6px; }
QComboBox, QPushButton { background: #21262d; border: 1px solid #30363d; border-radius: 4px; padding: 2px 8px; }
QPushButton#newBadge { background: #1f6feb; color: white; font-weight: bold; border: none; }
QLabel#replayBanner { background: #9e6a03; color: #ffffff; font-weight: bold; padding: 4px 10px; }
QLabel#paneTitle { color: #8b949e; font-weight: bold; }
QToolTip { background: #161b22; color: #e6edf3; border: 1px solid #30363d; }
"""


def tabular_font(base: QFont | None = None) -> QFont:
    """A font whose digits all have one width, so columns do not jitter at 10 Hz."""
    font = QFont(base) if base is not None else QGuiApplication.font()
    set_feature = getattr(font, "setFeature", None)
    if set_feature is not None:  # Qt >= 6.7: OpenType feature 'tnum'
        set_feature(QFont.Tag("tnum"), 1)
    else:  # pragma: no cover - older Qt
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    return font
