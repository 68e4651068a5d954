"""Input and output records of the margin engine (float64, immutable)."""

from __future__ import annotations

import math
from typing import Literal

import msgspec

Side = Literal["long", "short"]
Contract = Literal["linear", "inverse"]
MarginMode = Literal["isolated", "cross"]
PositionMode = Literal["one_way", "hedge"]


class MarginInputError(ValueError):
    """A position that cannot be computed; `field` names the input to fix (for forms and the CLI)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Tier(msgspec.Struct, frozen=True):
    """One maintenance bracket. Notional is in quote (linear) or coin (inverse); `cap` may be inf."""

    floor: float
    cap: float
    mmr: float
    maintenance_amount: float
    max_leverage: float | None = None

    def contains(self, notional: float, rel_tol: float = 1e-9) -> bool:
        slack = rel_tol * max(1.0, abs(notional))
        return self.floor - slack <= notional <= self.cap + slack

    def as_json(self) -> dict[str, float | None]:
        return {
            "floor": self.floor,
            "cap": None if math.isinf(self.cap) else self.cap,
            "mmr": self.mmr,
            "maintenance_amount": self.maintenance_amount,
            "max_leverage": self.max_leverage,
        }


class OtherPosition(msgspec.Struct, frozen=True):
    """Another position sharing the cross wallet; held at its own mark while ours is solved."""

    side: Side
    entry_price: float
    quantity: float
    mark_price: float | None = None
    contract_size: float | None = None
    mmr: float | None = None
    maintenance_amount: float | None = None
    tiers: tuple[Tier, ...] | None = None
    symbol: str | None = None
    max_leverage: float | None = None


class Position(msgspec.Struct, frozen=True):
    """One position as `cascade margin` receives it (see `cascade margin --help` for every field)."""

    venue: str
    side: Side
    entry_price: float
    quantity: float
    contract: Contract = "linear"
    margin_mode: MarginMode = "isolated"
    contract_size: float | None = None
    mark_price: float | None = None
    leverage: float | None = None
    isolated_margin: float | None = None
    wallet_balance: float | None = None
    other_positions: tuple[OtherPosition, ...] = ()
    tiers: tuple[Tier, ...] | None = None
    mmr: float | None = None
    maintenance_amount: float | None = None
    max_leverage: float | None = None
    taker_fee: float = 0.0
    extra_margin: float = 0.0
    symbol: str | None = None
    position_mode: PositionMode = "one_way"
    account_mode: str | None = None
    exchange_liquidation_price: float | None = None
    label: str | None = None

    @property
    def mark(self) -> float:
        return self.entry_price if self.mark_price is None else self.mark_price


# Input problems the engine computes through but flags (`MarginResult.flags`), each with a note
# naming the field to fix: a position the venue would have refused or liquidated on opening.
FLAG_LEVERAGE_ABOVE_MAX = "leverage_above_max"
FLAG_LIQUIDATED_AT_ENTRY = "liquidated_at_entry"


class MarginResult(msgspec.Struct, frozen=True):
    """What the engine reports. Money is in quote (linear) or coin (inverse); ratios are plain floats.

    `margin_ratio` = maintenance / margin balance (1.0 = liquidation on every venue);
    `venue_margin_ratio` is the same figure as the venue displays it (OKX shows the inverse).
    `flags` holds FLAG_* codes for inputs the venue would not have accepted (see `notes` for the field).
    """

    venue: str
    contract: Contract
    margin_mode: MarginMode
    side: Side
    mark_price: float
    liquidation_price: float | None
    bankruptcy_price: float | None
    distance_price: float | None
    distance_pct: float | None
    maintenance_margin: float | None
    position_maintenance_margin: float | None
    margin_balance: float | None
    margin_ratio: float | None
    venue_margin_ratio: float | None
    notional: float | None
    tier: Tier | None
    tier_source: str | None
    note: str | None = None
    notes: tuple[str, ...] = ()
    exchange_figures_only: bool = False
    account_mode: str | None = None
    exchange_liquidation_price: float | None = None
    exchange_disagreement_pct: float | None = None
    label: str | None = None
    flags: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        out = msgspec.structs.asdict(self)
        out["tier"] = None if self.tier is None else self.tier.as_json()
        out["notes"] = list(self.notes)
        out["flags"] = list(self.flags)
        return out
