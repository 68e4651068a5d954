"""Margin engine: liquidation price, distance to it and margin stress for every venue (pure, float64).

Qt-free zone, no I/O except reading the bundled tier tables (tiers.py). Entry points:
`compute(Position) -> MarginResult`, `position_from_mapping(dict) -> Position`, and
`shock_table(positions, shocks_pct) -> ShockTable` for the what-if table.
"""

from app.core.margin.engine import VENUES, compute
from app.core.margin.model import MarginInputError, MarginResult, OtherPosition, Position, Tier
from app.core.margin.parse import position_from_mapping
from app.core.margin.whatif import ShockTable, shock_table

__all__ = [
    "VENUES", "MarginInputError", "MarginResult", "OtherPosition", "Position", "ShockTable", "Tier", "compute",
    "position_from_mapping", "shock_table",
]
