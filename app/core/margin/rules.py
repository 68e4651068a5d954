"""What differs between venues, as data plus a few overridable methods (one subclass per venue)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal

from app.core.margin.formula import Basis, Leg, notional
from app.core.margin.model import OtherPosition, Position, Tier
from app.core.margin.tiers import bundled_tiers

FeeStyle = Literal["none", "mark", "bankruptcy"]

# Accepted by every venue: the per-position margin this engine computes.
STANDARD_ACCOUNT_MODES = ("standard",)


class VenueRules:
    name: str = ""
    contracts: frozenset[str] = frozenset({"linear", "inverse"})
    basis: Basis = "mark"
    # "mark": taker fee × notional at mark is part of maintenance; "bankruptcy": a fee to close valued
    # at the bankruptcy price (Bybit); "none": the venue's liquidation formula has no fee term.
    fee_style: FeeStyle = "mark"
    # Account-level modes this venue liquidates as a whole account: reported, never computed.
    account_level_modes: ClassVar[Mapping[str, str]] = {}
    source: str = ""
    # Tiers may be stated by their maximum leverage instead of a maintenance rate (Hyperliquid's margin
    # tables), and so may a position without tiers.
    tiers_by_max_leverage: bool = False

    def derived_isolated_margin(self, leg: Leg, leverage: float, taker_fee: float) -> float:
        """Isolated margin when only leverage is given: entry notional / leverage."""
        return notional(leg, leg.u_entry) / leverage

    def fallback_tiers(self, max_leverage: float | None) -> tuple[tuple[Tier, ...], str] | None:
        """Tiers when the caller gave neither mmr nor tiers (before the bundled tables)."""
        return None

    def bundled(self, symbol: str, contract: str) -> tuple[tuple[Tier, ...], str] | None:
        return bundled_tiers(self.name, symbol, contract)

    def bundled_for(self, source: Position | OtherPosition, contract: str) -> tuple[tuple[Tier, ...], str] | None:
        """Bundled tiers for a position with a symbol (venues whose tables count size override this)."""
        return self.bundled(source.symbol or "", contract)

    def venue_margin_ratio(self, margin_ratio: float | None, balance: float, notional_at_mark: float) -> float | None:
        """The stress figure as the venue displays it; most show maintenance / balance as is."""
        return margin_ratio

    def notes(self, taker_fee: float) -> list[str]:
        if self.fee_style == "none" and taker_fee:
            return [f"{self.name}'s liquidation formula has no fee term: taker_fee is not used"]
        return []
