"""Properties every venue's formula must keep (issue 3 acceptance), on random positions and tiers."""

from __future__ import annotations

import math

import msgspec
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.core.margin import VENUES, OtherPosition, Position, Tier, compute
from app.core.margin.engine import liquidation_notional
from app.core.margin.tiers import bundled_tiers, chain_maintenance_amounts

VENUE_CONTRACTS = [(venue, contract) for venue, rules in VENUES.items() for contract in sorted(rules.contracts)]


@st.composite
def tier_tables(draw: st.DrawFn) -> tuple[Tier, ...]:
    """Continuous brackets (chained amounts) with rising rates, in notional units of 1…1e7."""
    count = draw(st.integers(1, 5))
    floors = sorted(draw(st.lists(st.floats(1.0, 1e7), min_size=count - 1, max_size=count - 1, unique=True)))
    rates = sorted(draw(st.lists(st.floats(0.001, 0.2), min_size=count, max_size=count)))
    rows = [(floor, None, rate, None, None) for floor, rate in zip([0.0, *floors], rates, strict=True)]
    return chain_maintenance_amounts(rows)


@st.composite
def positions(draw: st.DrawFn, margin_mode: str | None = None) -> Position:
    venue, contract = draw(st.sampled_from(VENUE_CONTRACTS))
    mode = margin_mode or draw(st.sampled_from(["isolated", "cross"]))
    side = draw(st.sampled_from(["long", "short"]))
    entry = draw(st.floats(0.01, 1e5))
    contract_size = draw(st.one_of(st.none(), st.sampled_from([0.01, 0.1, 10.0, 100.0])))
    # Keep the notional (quote or coin) in 1…1e7 so generated tiers are reached.
    notional = draw(st.floats(1.0, 1e7))
    base_or_usd = notional / entry if contract == "linear" else notional * entry
    quantity = base_or_usd / (contract_size or 1.0)
    kinds = ["mmr", "tiers", "max_leverage"] if venue == "hyperliquid" else ["mmr", "tiers"]
    maintenance = draw(st.sampled_from(kinds))
    fields: dict = {}
    if maintenance == "mmr":
        fields["mmr"] = draw(st.floats(0.001, 0.2))
        fields["maintenance_amount"] = 0.0
    elif maintenance == "tiers":
        fields["tiers"] = draw(tier_tables())
    else:
        fields["max_leverage"] = draw(st.sampled_from([3.0, 10.0, 20.0, 40.0, 50.0]))
    taker = draw(st.sampled_from([0.0, 0.0002, 0.0006]))
    mark = entry * draw(st.floats(0.7, 1.3))
    if mode == "isolated":
        fields["leverage"] = draw(st.floats(1.0, 100.0))
        fields["extra_margin"] = draw(st.sampled_from([0.0, notional * 0.01]))
    else:
        fields["wallet_balance"] = notional * draw(st.floats(0.01, 2.0))
        fields["leverage"] = draw(st.floats(1.0, 100.0))
        if draw(st.booleans()):
            other_entry = entry * draw(st.floats(0.5, 2.0))
            fields["other_positions"] = (OtherPosition(
                side=draw(st.sampled_from(["long", "short"])), entry_price=other_entry,
                mark_price=other_entry * draw(st.floats(0.9, 1.1)), quantity=quantity * draw(st.floats(0.01, 1.0)),
                contract_size=contract_size, mmr=0.01, maintenance_amount=0.0),)
    return Position(venue=venue, contract=contract, margin_mode=mode, side=side, entry_price=entry,
                    quantity=quantity, contract_size=contract_size, mark_price=mark, taker_fee=taker, **fields)


def _at(position: Position, **changes: object) -> Position:
    return msgspec.structs.replace(position, **changes)


@settings(deadline=None, max_examples=150)
@given(positions())
def test_liquidation_on_the_losing_side_of_entry(position: Position) -> None:
    at_entry = compute(_at(position, mark_price=position.entry_price))
    assume(at_entry.liquidation_price is not None and at_entry.margin_ratio is not None)
    assume(at_entry.margin_ratio < 1 - 1e-9)
    if position.side == "long":
        assert at_entry.liquidation_price < position.entry_price
    else:
        assert at_entry.liquidation_price > position.entry_price


@settings(deadline=None, max_examples=150)
@given(positions())
def test_margin_ratio_is_one_and_distance_zero_at_the_liquidation_price(position: Position) -> None:
    result = compute(position)
    assume(result.liquidation_price is not None)
    # Far from entry the margin balance at the LP is a tiny difference of large numbers (collateral
    # ≈ position value) and float64 cannot hold 1e-9 there; within 10× of entry it must.
    assume(0.1 <= result.liquidation_price / position.entry_price <= 10)
    at_liquidation = compute(_at(position, mark_price=result.liquidation_price))
    assert at_liquidation.margin_ratio is not None
    assert math.isclose(at_liquidation.margin_ratio, 1.0, rel_tol=0, abs_tol=1e-9)
    assert math.isclose(at_liquidation.distance_price, 0.0, abs_tol=1e-9 * result.liquidation_price)
    assert math.isclose(at_liquidation.distance_pct, 0.0, abs_tol=1e-7)
    assert at_liquidation.liquidation_price == result.liquidation_price


@settings(deadline=None, max_examples=150)
@given(positions())
def test_tier_used_contains_the_notional_at_the_liquidation_price(position: Position) -> None:
    # Bybit measures maintenance on the entry value, so its bracket is looked up there (bybit.py).
    result = compute(position)
    assume(result.liquidation_price is not None)
    measured = liquidation_notional(position, result)
    tiers = position.tiers or ()
    open_ended = bool(tiers) and result.tier == tiers[-1]
    assert result.tier.floor * (1 - 1e-9) <= measured
    assert open_ended or measured <= result.tier.cap * (1 + 1e-9)


@settings(deadline=None, max_examples=100)
@given(positions("isolated"), st.floats(1.0, 100.0), st.floats(1.0, 100.0))
def test_isolated_liquidation_moves_toward_entry_as_leverage_rises(position: Position, a: float, b: float) -> None:
    low, high = sorted((a, b))
    looser = compute(_at(position, leverage=low, mark_price=position.entry_price))
    tighter = compute(_at(position, leverage=high, mark_price=position.entry_price))
    assume(looser.liquidation_price is not None)
    assume(tighter.margin_ratio is not None and tighter.margin_ratio < 1)  # not liquidatable at entry
    assert tighter.liquidation_price is not None
    entry = position.entry_price
    assert abs(tighter.liquidation_price - entry) <= abs(looser.liquidation_price - entry) * (1 + 1e-12)


@settings(deadline=None, max_examples=100)
@given(positions("cross"), st.floats(1.0, 125.0))
def test_cross_liquidation_does_not_depend_on_leverage(position: Position, leverage: float) -> None:
    assert compute(_at(position, leverage=leverage)).liquidation_price == compute(position).liquidation_price


@settings(deadline=None, max_examples=150)
@given(
    st.sampled_from([("binance", "BTCUSDT"), ("binance", "ETHUSDT"), ("hyperliquid", "BTC"), ("hyperliquid", "ETH"),
                     ("hyperliquid", "SOL"), ("hyperliquid", "XRP")]),
    st.sampled_from(["long", "short"]),
    st.floats(1e3, 2e9),
    st.floats(1.0, 20.0),
)
def test_bundled_tiers_are_repicked_at_the_liquidation_price(
    venue_symbol: tuple[str, str], side: str, notional: float, leverage: float
) -> None:
    venue, symbol = venue_symbol
    position = Position(venue=venue, symbol=symbol, side=side, entry_price=100.0, quantity=notional / 100.0,
                        leverage=leverage)
    result = compute(position)
    assume(result.liquidation_price is not None)
    measured = liquidation_notional(position, result)
    last = bundled_tiers(venue, symbol, "linear")[0][-1]
    assert result.tier.contains(measured) or (result.tier == last and measured > last.cap)
    at_lp = compute(_at(position, mark_price=result.liquidation_price))
    assume(0.1 <= result.liquidation_price / 100.0 <= 10)
    assert math.isclose(at_lp.margin_ratio, 1.0, abs_tol=1e-9)
