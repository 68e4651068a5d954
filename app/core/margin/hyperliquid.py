"""Hyperliquid perps (USDC, linear only): maintenance leverage = 2 × max leverage, so the maintenance
rate is 1 / (2 × max leverage); tiers carry a maintenance deduction and are picked by the position
value at the liquidation price (resources/docs/margin.md §4). The docs' `liq_price = price − side × margin_available
/ size / (1 − l × side)` is the shared equation solved from the mark."""

from __future__ import annotations

from app.core.margin.model import Tier
from app.core.margin.rules import VenueRules
from app.core.margin.tiers import single_tier


def maintenance_rate(max_leverage: float) -> float:
    return 1.0 / (2.0 * max_leverage)


class HyperliquidRules(VenueRules):
    name = "hyperliquid"
    contracts = frozenset({"linear"})
    basis = "mark"
    fee_style = "none"
    source = "Hyperliquid docs: Liquidations, Margin tiers (resources/docs/margin.md §4)"

    def fallback_tiers(self, max_leverage: float | None) -> tuple[tuple[Tier, ...], str] | None:
        if max_leverage is None:
            return None
        return single_tier(maintenance_rate(max_leverage), 0.0, max_leverage), "mmr = 1 / (2 × max_leverage)"


RULES = HyperliquidRules()
