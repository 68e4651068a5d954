"""Gate futures: LP = (EP ∓ margin/Q) / (1 ∓ (MMR + taker)) (Gate help 22160, resources/docs/margin.md §3), i.e.
maintenance plus the taker fee on the notional at mark."""

from __future__ import annotations

from app.core.margin.rules import VenueRules


class GateRules(VenueRules):
    name = "gate"
    basis = "mark"
    fee_style = "mark"
    source = "Gate help: perpetual futures liquidation price (resources/docs/margin.md §3)"


RULES = GateRules()
