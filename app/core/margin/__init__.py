"""Margin engine: liquidation price, distance to it and margin stress for every venue (pure, float64).

Qt-free zone, no I/O except reading the bundled tier tables (tiers.py). Entry points:
`compute(Position) -> MarginResult`, `position_from_mapping(dict) -> Position`, and
`shock_table(positions, shocks_pct)` for the what-if table.
"""

from app.core.margin.engine import VENUES, compute
from app.core.margin.model import MarginInputError, MarginResult, OtherPosition, Position, Tier

__all__ = ["VENUES", "MarginInputError", "MarginResult", "OtherPosition", "Position", "Tier", "compute"]
