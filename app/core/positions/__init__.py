"""Positions: a book of positions and their accounts valued on marks by the one margin engine, the
book's what-if shock table and the alert rules (pure, float64).

Qt-free zone: no Qt, no I/O, no clock reads (market time comes in as `now_ms`). Entry points:
`value_book(accounts, positions, marks, now_ms) -> BookView`,
`book_shock_table(accounts, positions, marks, now_ms, shocks_pct, coin=None) -> BookShockTable`,
`AlertMonitor(rules).update(book, now_ms) -> list[Alert]`.
"""

from app.core.positions.alerts import Alert, AlertKind, AlertLevel, AlertMonitor, AlertRules
from app.core.positions.book import (
    DEFAULT_THRESHOLDS_PCT,
    LIQ_TOLERANCE_PCT,
    AccountView,
    BookView,
    PositionView,
    StressLevel,
    stress_level,
    value_book,
)
from app.core.positions.model import Account, ContractData, Mark, Position
from app.core.positions.shock import BookShockTable, ShockStep, book_shock_table, shock_steps

__all__ = [
    "DEFAULT_THRESHOLDS_PCT", "LIQ_TOLERANCE_PCT", "Account", "AccountView", "Alert", "AlertKind", "AlertLevel",
    "AlertMonitor", "AlertRules", "BookShockTable", "BookView", "ContractData", "Mark", "Position", "PositionView",
    "ShockStep", "StressLevel", "book_shock_table", "shock_steps", "stress_level", "value_book",
]
