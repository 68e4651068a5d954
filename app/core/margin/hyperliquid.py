"""Hyperliquid perps (USDC, linear only): maintenance leverage = 2 × max leverage, so the maintenance
rate is 1 / (2 × max leverage); tiers carry a maintenance deduction and are picked by the position
value at the liquidation price (resources/docs/margin.md §4). The docs' `liq_price = price − side × margin_available
/ size / (1 − l × side)` is the shared equation solved from the mark."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from app.core.errors import BadFrame
from app.core.margin.model import Tier
from app.core.margin.rules import VenueRules
from app.core.margin.tiers import single_tier
from app.core.venues.tier_tables import PublicTiers, TierTable, checked, decode, num


def maintenance_rate(max_leverage: float) -> float:
    return 1.0 / (2.0 * max_leverage)


class HyperliquidRules(VenueRules):
    name = "hyperliquid"
    contracts = frozenset({"linear"})
    basis = "mark"
    fee_style = "none"
    tiers_by_max_leverage = True
    source = "Hyperliquid docs: Liquidations, Margin tiers (resources/docs/margin.md §4)"

    def fallback_tiers(self, max_leverage: float | None) -> tuple[tuple[Tier, ...], str] | None:
        if max_leverage is None:
            return None
        return single_tier(maintenance_rate(max_leverage), 0.0, max_leverage), "mmr = 1 / (2 × max_leverage)"


RULES = HyperliquidRules()


# ---- the public margin tables: POST /info {"type": "meta"} ------------------------------------------
# `universe[]`: {name, maxLeverage, marginTableId}; `marginTables[]`: [id, {description, marginTiers:
# [{lowerBound, maxLeverage}]}]. Each tier's rate is 1 / (2 × its max leverage) and its deduction follows
# the docs' recursion (chain_maintenance_amounts); a coin whose table is not listed has one tier.

def _meta_url(base: str, symbol: str) -> str:
    return f"{base.rstrip('/')}/info"


def parse_meta_tiers(payload: bytes | str, symbol: str = "") -> list[TierTable]:
    """Every coin's tiers from a `meta` answer (`symbol` ignored: one answer holds all)."""
    answer = decode(payload)
    if not isinstance(answer, Mapping) or not isinstance(answer.get("universe"), list):
        raise BadFrame("meta answer has no universe")
    tables: dict[int, list[Mapping[str, Any]]] = {}
    for entry in answer.get("marginTables") or []:
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], Mapping):
            tiers = entry[1].get("marginTiers")
            if isinstance(tiers, list):
                tables[int(entry[0])] = [tier for tier in tiers if isinstance(tier, Mapping)]
    out = []
    for coin in answer["universe"]:
        if not isinstance(coin, Mapping) or not isinstance(coin.get("name"), str) or coin.get("isDelisted"):
            continue
        raw = tables.get(int(coin.get("marginTableId", -1)))
        if raw:
            levels = [(num(tier, "lowerBound"), num(tier, "maxLeverage")) for tier in raw]
        else:
            levels = [(0.0, num(coin, "maxLeverage"))]
        rows = []
        for floor, leverage in sorted(levels, key=lambda level: level[0] or 0.0):
            if not leverage or leverage < 1:
                raise BadFrame(f"meta {coin['name']}: max leverage below 1")
            rows.append({"floor": floor, "cap": None, "mmr": maintenance_rate(leverage), "maintenance_amount": None,
                         "max_leverage": leverage})
        for row, following in itertools.pairwise(rows):
            row["cap"] = following["floor"]
        out.append(TierTable(coin["name"], "linear", checked(rows, f"meta {coin['name']}")))
    return out


PUBLIC_TIERS = PublicTiers(
    venue="hyperliquid", base_url="https://api.hyperliquid.xyz", notional_unit="USDC",
    source='Hyperliquid POST /info {"type": "meta"} marginTables', url=_meta_url, parse=parse_meta_tiers,
    all_in_one=True, method="POST", body=b'{"type": "meta"}',
)
