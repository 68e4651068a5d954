"""`compute(position) -> MarginResult`: the venue dispatcher around formula.py."""

from __future__ import annotations

import math
from collections.abc import Sequence

from app.core.margin import binance, bitget, bybit, gate, hyperliquid, inverse, okx
from app.core.margin.finite import nulled_non_finite
from app.core.margin.formula import (
    Leg,
    MaintenanceModel,
    bankruptcy_u,
    from_u,
    maintenance,
    make_leg,
    measured_notional,
    notional,
    pnl,
    solve_liquidation,
    to_u,
)
from app.core.margin.model import (
    FLAG_LEVERAGE_ABOVE_MAX,
    FLAG_LIQUIDATED_AT_ENTRY,
    MarginInputError,
    MarginResult,
    OtherPosition,
    Position,
    Tier,
)
from app.core.margin.rules import STANDARD_ACCOUNT_MODES, VenueRules
from app.core.margin.tiers import single_tier, tier_for

VENUES: dict[str, VenueRules] = {
    rules.name: rules
    for rules in (binance.RULES, bybit.RULES, okx.RULES, hyperliquid.RULES, bitget.RULES, gate.RULES, inverse.RULES)
}
# A disagreement with the exchange's own liquidation price beyond this is flagged in the notes.
EXCHANGE_TOLERANCE_PCT = 0.5
# Said when a cross position's other_positions hold the other leg of a hedge on its symbol: the engine
# holds that leg at its mark while solving, so the figure is not the legs' shared liquidation price
# (app.core.positions values hedge legs together).
HEDGE_NOTE = ("hedge: the other leg on this symbol is held at its mark_price while this liquidation price is solved; "
              "both legs moving together share one liquidation price, which the position panel shows")
# Smallest position size computed: below it the formulas' divisions by size underflow (subnormals).
MIN_SIZE = 1e-300


def venue_rules(venue: str) -> VenueRules:
    rules = VENUES.get(venue)
    if rules is None:
        raise MarginInputError("venue", f"unknown venue {venue!r}; one of {', '.join(VENUES)}")
    return rules


def compute(position: Position) -> MarginResult:
    """Liquidation and bankruptcy price, distance, maintenance, margin balance and ratios at the mark.

    Raises MarginInputError naming the field when the position cannot be computed.
    """
    rules = venue_rules(position.venue)
    account_level = _account_level_mode(rules, position.account_mode)
    if account_level is not None:
        return _exchange_figures_only(position, account_level)
    if position.contract not in rules.contracts:
        raise MarginInputError("contract", f"{rules.name} has no {position.contract} contracts here")
    inverse_contract = position.contract == "inverse"
    leg = make_leg(position.side, _size(position.quantity, position.contract_size), position.entry_price,
                   inverse_contract)
    tiers, tier_source = resolve_tiers(rules, position, position.contract, "")
    balance, others_maintenance = _collateral(rules, position, leg, inverse_contract)
    fee_rate = 0.0 if rules.fee_style == "none" else position.taker_fee
    u_bankrupt = bankruptcy_u(leg, balance, fee_rate)
    fixed_fee = 0.0
    if rules.fee_style == "bankruptcy" and u_bankrupt is not None:
        fixed_fee = fee_rate * notional(leg, u_bankrupt)
    model = MaintenanceModel(rules.basis, fee_rate if rules.fee_style == "mark" else 0.0, fixed_fee)

    mark = position.mark
    u_mark = to_u(mark, inverse_contract)
    position_mm, tier_at_mark = maintenance(leg, u_mark, tiers, model)
    total_mm = position_mm + others_maintenance
    margin_balance = balance + pnl(leg, u_mark)
    ratio = total_mm / margin_balance if margin_balance > 0 else None
    notes = rules.notes(position.taker_fee)
    if ratio is None:
        notes.append("margin balance at the mark is not positive: the position is past bankruptcy")

    solved = solve_liquidation(leg, tiers, model, balance, others_maintenance)
    liquidation_price = None if solved is None else from_u(solved[0], inverse_contract)
    tier = tier_at_mark if solved is None else solved[1]
    side_sign = 1 if position.side == "long" else -1
    distance = None if liquidation_price is None else side_sign * (mark - liquidation_price)
    note = None if solved is not None else _no_liquidation_note(leg, inverse_contract)
    flags: list[str] = []
    if position.symbol and any(other.symbol == position.symbol for other in position.other_positions):
        notes.append(HEDGE_NOTE)
    _check_leverage(position, tier_for(tiers, measured_notional(leg, leg.u_entry, rules.basis)), tier, notes, flags)
    if position.margin_mode == "isolated":
        _check_opening(position, leg, tiers, model, balance, notes, flags)
    disagreement = disagreement_pct(liquidation_price, position.exchange_liquidation_price)
    if disagreement is not None and abs(disagreement) > EXCHANGE_TOLERANCE_PCT:
        notes.append(f"differs from the exchange's liquidation price by {disagreement:+.3f} %")
    return nulled_non_finite(MarginResult(
        venue=rules.name,
        contract=position.contract,
        margin_mode=position.margin_mode,
        side=position.side,
        mark_price=mark,
        liquidation_price=liquidation_price,
        bankruptcy_price=None if u_bankrupt is None else from_u(u_bankrupt, inverse_contract),
        distance_price=distance,
        distance_pct=None if distance is None else distance / mark * 100.0,
        maintenance_margin=total_mm,
        position_maintenance_margin=position_mm,
        margin_balance=margin_balance,
        margin_ratio=ratio,
        venue_margin_ratio=rules.venue_margin_ratio(ratio, margin_balance, notional(leg, u_mark)),
        notional=notional(leg, u_mark),
        tier=tier,
        tier_source=tier_source,
        note=note,
        notes=tuple(notes),
        account_mode=position.account_mode,
        exchange_liquidation_price=position.exchange_liquidation_price,
        exchange_disagreement_pct=disagreement,
        label=position.label,
        flags=tuple(flags),
    ))


def resolve_tiers(
    rules: VenueRules, source: Position | OtherPosition, contract: str, field_prefix: str
) -> tuple[tuple[Tier, ...], str]:
    """Precedence: mmr (+ maintenance_amount) > tiers > venue fallback (Hyperliquid max_leverage) >
    bundled tables for `symbol`. A venue with nothing sourced asks for mmr or tiers."""
    if source.mmr is not None:
        return single_tier(source.mmr, source.maintenance_amount or 0.0, source.max_leverage), "input mmr"
    if source.maintenance_amount is not None:
        raise MarginInputError(field_prefix + "mmr", "maintenance_amount needs mmr beside it")
    if source.tiers:
        return source.tiers, "input tiers"
    fallback = rules.fallback_tiers(source.max_leverage)
    if fallback is not None:
        return fallback
    if source.symbol:
        bundled = rules.bundled_for(source, contract)
        if bundled is not None:
            return bundled
        raise MarginInputError(
            field_prefix + "mmr",
            f"no bundled {rules.name} {contract} tiers for {source.symbol!r}: give mmr (+ maintenance_amount) or tiers",
        )
    hint = " or max_leverage" if rules.tiers_by_max_leverage else ""
    raise MarginInputError(
        field_prefix + "mmr",
        f"give mmr (+ maintenance_amount), tiers{hint}, or a symbol with bundled {rules.name} tiers",
    )


def _size(quantity: float, contract_size: float | None, field: str = "quantity") -> float:
    size = quantity if contract_size is None else quantity * contract_size
    # Each factor is valid, the product need not be: 5e-324 × 0.1 is 0 (then a division by zero).
    if not MIN_SIZE <= size < math.inf:
        raise MarginInputError(field, f"quantity × contract_size = {size:g} is outside {MIN_SIZE:g}..1.8e308")
    return size


def _collateral(rules: VenueRules, position: Position, leg: Leg, inverse_contract: bool) -> tuple[float, float]:
    """(balance incl. other positions' PnL, other positions' maintenance)."""
    if position.margin_mode == "isolated":
        if position.other_positions:
            raise MarginInputError("other_positions", "only a cross position shares its wallet")
        margin = position.isolated_margin
        if margin is None:
            if position.leverage is None:
                raise MarginInputError("isolated_margin", "isolated mode needs isolated_margin or leverage")
            margin = rules.derived_isolated_margin(leg, position.leverage, position.taker_fee)
        return margin + position.extra_margin, 0.0
    if position.wallet_balance is None:
        raise MarginInputError("wallet_balance", "cross mode needs the account's wallet_balance")
    if position.extra_margin:
        raise MarginInputError("extra_margin", "extra margin applies to isolated positions only")
    others_pnl, others_mm = _others(rules, position.other_positions, position.contract, position.taker_fee,
                                    inverse_contract)
    return position.wallet_balance + others_pnl, others_mm


def _others(
    rules: VenueRules, others: Sequence[OtherPosition], contract: str, taker_fee: float, inverse_contract: bool
) -> tuple[float, float]:
    total_pnl = total_mm = 0.0
    model = MaintenanceModel(rules.basis, taker_fee if rules.fee_style == "mark" else 0.0)
    for index, other in enumerate(others):
        size = _size(other.quantity, other.contract_size, f"other_positions[{index}].quantity")
        leg = make_leg(other.side, size, other.entry_price, inverse_contract)
        tiers, _ = resolve_tiers(rules, other, contract, f"other_positions[{index}].")
        u_mark = to_u(other.entry_price if other.mark_price is None else other.mark_price, inverse_contract)
        total_pnl += pnl(leg, u_mark)
        total_mm += maintenance(leg, u_mark, tiers, model)[0]
    return total_pnl, total_mm


def _account_level_mode(rules: VenueRules, account_mode: str | None) -> str | None:
    if account_mode is None or account_mode in STANDARD_ACCOUNT_MODES:
        return None
    if account_mode in rules.account_level_modes:
        return rules.account_level_modes[account_mode]
    allowed = ", ".join((*STANDARD_ACCOUNT_MODES, *rules.account_level_modes))
    raise MarginInputError("account_mode", f"{rules.name} account_mode is one of {allowed}")


def _exchange_figures_only(position: Position, description: str) -> MarginResult:
    return MarginResult(
        venue=position.venue, contract=position.contract, margin_mode=position.margin_mode, side=position.side,
        mark_price=position.mark, liquidation_price=None, bankruptcy_price=None, distance_price=None,
        distance_pct=None, maintenance_margin=None, position_maintenance_margin=None, margin_balance=None,
        margin_ratio=None, venue_margin_ratio=None, notional=None, tier=None, tier_source=None,
        note=f"exchange figures only: {description} liquidates the account as a whole; use the exchange's "
        "liquidation price and account maintenance-margin rate",
        exchange_figures_only=True, account_mode=position.account_mode,
        exchange_liquidation_price=position.exchange_liquidation_price, label=position.label,
    )


def _no_liquidation_note(leg: Leg, inverse_contract: bool) -> str:
    if leg.sign < 0:
        return "no liquidation price: the margin balance cannot cover maintenance at any price"
    if inverse_contract:
        return "no liquidation price: the coin collateral covers any rise of this coin-margined short"
    return "no liquidation price: the collateral covers a fall to zero"


def _check_leverage(position: Position, entry_tier: Tier, tier: Tier, notes: list[str], flags: list[str]) -> None:
    """The venue refuses leverage above the maximum of the bracket the position opens in (its entry
    notional); the bracket at the liquidation price is the fallback when the entry one has none."""
    maximum = entry_tier.max_leverage or tier.max_leverage or position.max_leverage
    if position.leverage is not None and maximum and position.leverage > maximum:
        notes.append(f"leverage {position.leverage:g} exceeds the tier's max leverage {maximum:g}: "
                     "the venue would refuse it")
        flags.append(FLAG_LEVERAGE_ABOVE_MAX)


def _check_opening(
    position: Position, leg: Leg, tiers: Sequence[Tier], model: MaintenanceModel, balance: float,
    notes: list[str], flags: list[str],
) -> None:
    """An isolated position whose margin does not cover maintenance at its own entry price would have
    been liquidated on opening (its liquidation price lies on the wrong side of entry)."""
    at_entry, _ = maintenance(leg, leg.u_entry, tiers, model)
    if balance > at_entry:
        return
    field = "isolated_margin" if position.isolated_margin is not None else "leverage"
    given = position.isolated_margin if position.isolated_margin is not None else position.leverage
    notes.append(f"{field}: {given:g} leaves margin {balance:g} below maintenance {at_entry:g} at the entry price: "
                 "the position is past its liquidation price on opening (lower the leverage or add margin)")
    flags.append(FLAG_LIQUIDATED_AT_ENTRY)


def disagreement_pct(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs <= 0 or not math.isfinite(ours):
        return None
    return (ours - theirs) / theirs * 100.0


def liquidation_notional(position: Position, result: MarginResult) -> float | None:
    """The notional the venue looks its brackets up with, at the liquidation price (tests, UI hints)."""
    if result.liquidation_price is None:
        return None
    inverse_contract = position.contract == "inverse"
    leg = make_leg(position.side, _size(position.quantity, position.contract_size), position.entry_price,
                   inverse_contract)
    return measured_notional(leg, to_u(result.liquidation_price, inverse_contract), venue_rules(position.venue).basis)
