"""Bitget USDT-M and coin-M futures: liquidation when (margin + uPnL) / position value falls to the
tier's maintenance rate, with the taker fee to close included in maintenance (resources/docs/margin.md §5).

ccxt multiplies (1 − MMR)(1 − taker); we add the rates, as ccxt's own `maintenanceMargin = MMR·N +
taker·N` does, so the margin ratio is exactly 1 at the liquidation price (the two differ by MMR×taker).
"""

from __future__ import annotations

from app.core.margin.rules import VenueRules


class BitgetRules(VenueRules):
    name = "bitget"
    basis = "mark"
    fee_style = "mark"
    source = "Bitget: Position Tier; ccxt bitget parse_position (resources/docs/margin.md §5)"

    def venue_margin_ratio(self, margin_ratio: float | None, balance: float, notional_at_mark: float) -> float | None:
        # Bitget displays the "margin rate" (margin + uPnL) / position value, compared with the MMR.
        return balance / notional_at_mark if notional_at_mark > 0 else None


RULES = BitgetRules()
