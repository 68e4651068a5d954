"""Bybit USDT/USDC perpetuals and inverse contracts (isolated, and single-collateral cross).

Bybit values maintenance on the position value at entry (`MM = Q·EP·MMR − MM deduction`, which is
what makes its own example give 19,700), and adds an estimated fee to close, valued at the
bankruptcy price, to both initial and maintenance margin (resources/docs/margin.md §2). The tier therefore comes
from the entry position value, so there is nothing to re-pick at the liquidation price.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from app.core.margin.formula import Leg, notional
from app.core.margin.rules import VenueRules


class BybitRules(VenueRules):
    name = "bybit"
    basis = "entry"
    fee_style = "bankruptcy"
    account_level_modes: ClassVar[Mapping[str, str]] = {
        "multi_collateral": "Bybit UTA cross margin with multi-collateral",
        "uta_multi_collateral": "Bybit UTA cross margin with multi-collateral",
        "portfolio_margin": "Bybit UTA Portfolio Margin",
    }
    source = "Bybit help: Liquidation Price (USDT contract, UTA isolated, inverse) (resources/docs/margin.md §2)"

    def derived_isolated_margin(self, leg: Leg, leverage: float, taker_fee: float) -> float:
        # Initial margin = value / leverage + fee to close at the bankruptcy price: long value×(1−1/lev)
        # (short ×(1+1/lev)) for linear; for inverse the coin value grows as the price falls.
        entry_value = notional(leg, leg.u_entry)
        fee_to_close = entry_value * (1 - leg.sign / leverage) * taker_fee
        return entry_value / leverage + fee_to_close


RULES = BybitRules()
