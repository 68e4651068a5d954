"""Macro strip data: JGB constant-maturity yields (Ministry of Finance CSVs) and the event calendar.

Qt-free zone, pure: parsing and arithmetic on dates the caller supplies; no I/O, no clock reads.
The strip and curve widgets (app/ui) and `cascade macro` (app/commands/macro.py) build on:

- `jgb.parse_mof_csv`, `jgb.YieldHistory`, `jgb.strip_view`, `jgb.curve`, `jgb.curve_set`,
  `jgb.tenor_history`
- `calendar.load_calendar`, `calendar.next_events`, `calendar.in_progress`, `calendar.countdown_text`
"""

from app.core.macro.jgb import (
    DEFAULT_STRIP_TENORS,
    Curve,
    CurveSet,
    MofParseError,
    TenorReading,
    TenorSeries,
    YieldHistory,
    curve,
    curve_set,
    parse_mof_csv,
    strip_view,
    tenor_history,
)

__all__ = [
    "DEFAULT_STRIP_TENORS",
    "Curve",
    "CurveSet",
    "MofParseError",
    "TenorReading",
    "TenorSeries",
    "YieldHistory",
    "curve",
    "curve_set",
    "parse_mof_csv",
    "strip_view",
    "tenor_history",
]
