"""OKX swaps: contracts × ctVal, maintenance plus the taker fee on the notional at mark, and OKX's
inverted margin ratio `mgnRatio = equity / (MM + fees)` (liquidation at ≤ 100 %; resources/docs/margin.md §3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from app.core.margin.rules import VenueRules


class OkxRules(VenueRules):
    name = "okx"
    basis = "mark"
    fee_style = "mark"
    account_level_modes: ClassVar[Mapping[str, str]] = {
        "multi_currency": "OKX multi-currency margin",
        "portfolio_margin": "OKX portfolio margin",
    }
    source = "OKX help: tiered maintenance margin ratio rules; mgnRatio definition (resources/docs/margin.md §3)"

    def venue_margin_ratio(self, margin_ratio: float | None, balance: float, notional_at_mark: float) -> float | None:
        if margin_ratio is None or margin_ratio == 0:
            return None
        return 1.0 / margin_ratio


RULES = OkxRules()
