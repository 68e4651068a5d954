"""Figures that overflow float64 become null with a note saying which and why (never a silent null).

Inputs are each finite, but their products need not be: a quantity of 1e308 in `other_positions`
makes the account maintenance inf and the ratio NaN. JSON has no inf/NaN, so such a figure is
reported as null, and the note is what tells the user it is an overflow, not "no liquidation".
"""

from __future__ import annotations

import math

import msgspec

from app.core.margin.model import MarginResult

FIGURES = (
    "mark_price", "liquidation_price", "bankruptcy_price", "distance_price", "distance_pct",
    "maintenance_margin", "position_maintenance_margin", "margin_balance", "margin_ratio",
    "venue_margin_ratio", "notional", "exchange_disagreement_pct",
)
OVERFLOW_REASON = ("the computation overflows the float range (a product of the inputs exceeds ~1.8e308, "
                   "e.g. a huge quantity or price); check the input")


def overflow_note(names: list[str]) -> str:
    verb = "is" if len(names) == 1 else "are"
    return f"{', '.join(names)} {verb} null: {OVERFLOW_REASON}"


def nulled_non_finite(result: MarginResult) -> MarginResult:
    """The result with every non-finite figure set to None and one note naming them."""
    bad = [name for name in FIGURES
           if isinstance(value := getattr(result, name), float) and not math.isfinite(value)]
    if not bad:
        return result
    nulls: dict[str, object] = dict.fromkeys(bad)
    return msgspec.structs.replace(result, **nulls, notes=(*result.notes, overflow_note(bad)))
