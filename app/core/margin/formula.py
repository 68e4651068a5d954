"""The one equation every venue shares, solved in closed form per tier.

Work in "u-space": u = price for linear contracts and u = 1/price for inverse ones. Then for every
venue the notional is `size × u` (quote or coin), the PnL is `sign × size × (u − u_entry)` with
`sign = side` (linear) or `−side` (inverse), and maintenance is `size × u × rate − amount + fixed`.
Margin balance and maintenance are both linear in u inside a tier, so liquidation
(balance + PnL = maintenance + other positions' maintenance) has one closed-form root per tier; the
root whose notional lies in its own tier is the answer (the tier re-picked at the liquidation price).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Literal, NamedTuple

from app.core.margin.model import Tier
from app.core.margin.tiers import solving_ranges, tier_for

Basis = Literal["mark", "entry"]


class Leg(NamedTuple):
    sign: int  # +1 when the position gains as u rises
    size: float  # base units (linear) or USD face value (inverse)
    u_entry: float


class MaintenanceModel(NamedTuple):
    """How a venue measures maintenance: on the notional at mark (Binance, OKX, Hyperliquid, …) or at
    entry (Bybit), plus trigger fees: a rate on the notional at mark (OKX, Gate, Bitget) and/or a fixed
    fee to close valued at the bankruptcy price (Bybit)."""

    basis: Basis
    mark_fee_rate: float = 0.0
    fixed_fee: float = 0.0


def to_u(price: float, inverse: bool) -> float:
    return 1.0 / price if inverse else price


def from_u(u: float, inverse: bool) -> float:
    return 1.0 / u if inverse else u


def make_leg(side: str, base_or_usd: float, entry_price: float, inverse: bool) -> Leg:
    side_sign = 1 if side == "long" else -1
    return Leg(-side_sign if inverse else side_sign, base_or_usd, to_u(entry_price, inverse))


def pnl(leg: Leg, u: float) -> float:
    return leg.sign * leg.size * (u - leg.u_entry)


def notional(leg: Leg, u: float) -> float:
    return leg.size * u


def measured_notional(leg: Leg, u: float, basis: Basis) -> float:
    """The notional the venue's brackets are looked up with."""
    return notional(leg, u if basis == "mark" else leg.u_entry)


def maintenance(leg: Leg, u: float, tiers: Sequence[Tier], model: MaintenanceModel) -> tuple[float, Tier]:
    tier = tier_for(tiers, measured_notional(leg, u, model.basis))
    rate_on_mark, constant = _linear_terms(leg, tier, model)
    return notional(leg, u) * rate_on_mark + constant, tier


def _linear_terms(leg: Leg, tier: Tier, model: MaintenanceModel) -> tuple[float, float]:
    """Maintenance inside one tier as `size × u × rate + constant`."""
    constant = model.fixed_fee - tier.maintenance_amount
    if model.basis == "mark":
        return tier.mmr + model.mark_fee_rate, constant
    return model.mark_fee_rate, constant + notional(leg, leg.u_entry) * tier.mmr


def _root(leg: Leg, balance: float, others_maintenance: float, rate: float, constant: float) -> float:
    """u where balance + PnL(u) = size·u·rate + constant + others_maintenance."""
    if leg.sign - rate >= 0 if leg.sign < 0 else leg.sign - rate <= 0:
        return math.nan  # maintenance grows as fast as the position: no price solves it (no root)
    denominator = leg.size * (leg.sign - rate)
    return (leg.sign * leg.size * leg.u_entry - balance + constant + others_maintenance) / denominator


def _surplus(leg: Leg, u: float, tier: Tier, model: MaintenanceModel, balance: float, others: float) -> float:
    rate, constant = _linear_terms(leg, tier, model)
    return balance + pnl(leg, u) - notional(leg, u) * rate - constant - others


def solve_liquidation(
    leg: Leg, tiers: Sequence[Tier], model: MaintenanceModel, balance: float, others_maintenance: float = 0.0
) -> tuple[float, Tier] | None:
    """(u, tier) at which margin balance equals maintenance, or None when no positive price does.

    `balance` is the collateral plus every other position's PnL; `others_maintenance` their
    maintenance, both held fixed.
    """
    if model.basis == "entry":
        tier = tier_for(tiers, notional(leg, leg.u_entry))
        u = _root(leg, balance, others_maintenance, *_linear_terms(leg, tier, model))
        return (u, tier) if u > 0 else None
    for tier, low, high in solving_ranges(tiers):
        u = _root(leg, balance, others_maintenance, *_linear_terms(leg, tier, model))
        if u > 0 and Tier(low, high, 0.0, 0.0).contains(notional(leg, u)):
            return u, tier
    # Caller tiers whose amounts do not make maintenance continuous: the crossing sits on a boundary.
    for lower, upper in itertools.pairwise(tiers):
        u = lower.cap / leg.size
        below = _surplus(leg, u, lower, model, balance, others_maintenance)
        above = _surplus(leg, u, upper, model, balance, others_maintenance)
        if below * above <= 0:
            return u, upper
    return None


def bankruptcy_u(leg: Leg, balance: float, fee_rate: float) -> float | None:
    """u where the margin balance only just pays the taker fee to close at that price."""
    u = (leg.sign * leg.size * leg.u_entry - balance) / (leg.size * (leg.sign - fee_rate))
    return u if u > 0 else None
