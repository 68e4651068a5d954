"""Binance USDⓈ-M (linear) and COIN-M (inverse), isolated and cross, one-way or hedge.

USDⓈ-M one-way: LP = (WB − TMM1 + UPNL1 + cum − side·Q·EP) / (Q·MMR − side·Q);
COIN-M: LP = Q_usd·(MMR + side) / (WB + cum + side·Q_usd/EP). Both are the shared equation of
formula.py with maintenance on the notional at mark and no fee term (resources/docs/margin.md §1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from app.core.margin.rules import VenueRules


class BinanceRules(VenueRules):
    name = "binance"
    basis = "mark"
    fee_style = "none"
    account_level_modes: ClassVar[Mapping[str, str]] = {
        "multi_assets": "Binance Multi-Assets mode",
        "portfolio_margin": "Binance Portfolio Margin",
    }
    source = "Binance FAQ: liquidation price of USDⓈ-M / COIN-M futures (resources/docs/margin.md §1)"


RULES = BinanceRules()
