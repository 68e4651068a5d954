"""OKX swaps: contracts × ctVal, maintenance plus the taker fee on the notional at mark, and OKX's
inverted margin ratio `mgnRatio = equity / (MM + fees)` (liquidation at ≤ 100 %; resources/docs/margin.md §3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from app.core.margin.model import MarginInputError, OtherPosition, Position, Tier
from app.core.margin.rules import VenueRules
from app.core.margin.tiers import bundled_table, single_tier


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


    def bundled_for(self, source: Position | OtherPosition, contract: str) -> tuple[tuple[Tier, ...], str] | None:
        """OKX swap tiers count the position's contracts (position-tiers `minSz`/`maxSz`), and the tier's
        rate applies to the whole position: the tier is picked by size, which no price move changes."""
        table = bundled_table(self.name, source.symbol or "")
        if table is None or table.get("size_unit") != "contracts":
            return self.bundled(source.symbol or "", contract)
        if table.get("contract", "linear") != contract:
            return None
        contracts = source.quantity
        if source.contract_size is None:
            ct_val = table.get("contract_size")
            if not ct_val:
                raise MarginInputError("contract_size", f"give contract_size (ctVal) for {source.symbol}")
            contracts = source.quantity / ct_val
        rows = table["tiers"]
        chosen, number = rows[-1], len(rows)
        for index, row in enumerate(rows, 1):
            cap = row.get("cap")
            if cap is None or contracts <= cap:
                chosen, number = row, index
                break
        label = (f"bundled {self.name} {source.symbol} tier {number} by size ({contracts:g} contracts) "
                 f"as of {table['as_of']}")
        return single_tier(chosen["mmr"], 0.0, chosen.get("max_leverage")), label


RULES = OkxRules()
