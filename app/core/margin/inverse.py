"""The generic contract (venue "generic"): linear, or inverse with PnL in coin
`side × S × (1/EP − 1/P)` and LP(long) = S(1 + MMR)/(S/EP + M + cum) (resources/docs/margin.md §6); the optional
taker fee is charged on the notional at mark."""

from __future__ import annotations

from app.core.margin.rules import VenueRules


class GenericRules(VenueRules):
    name = "generic"
    basis = "mark"
    fee_style = "mark"
    source = "generic coin-margined / linear contract (resources/docs/margin.md §6)"


RULES = GenericRules()
